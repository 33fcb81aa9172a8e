"""The scale series: simulate() on generated scenarios of about 10^2 .. 10^5 loaded sorties.

The parent (`prepare`, `measure`) generates each size once, validates it fully (pydantic model and
cross-checks, timed: that is `sim run`'s load stage without the YAML parsing), and writes it as
JSON. Each timed repeat then runs in a fresh subprocess (`python benchmarks/scale.py FILE.json`),
so sizes and repeats do not share heaps, caches or garbage-collector state: the child builds the
Scenario with the pydantic model (the parent already cross-checked it), then times `simulate()`
and reports the process's peak resident memory (getrusage ru_maxrss) before and after it.
"""

from __future__ import annotations

import gc
import json
import math
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _maxrss_mb() -> float:
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return kb / 1024.0


def child(path: str) -> dict:
    """Run in the fresh subprocess: build, time simulate(), report counts, time and memory."""
    sys.path.insert(0, str(ROOT))
    from sim.engine import simulate
    from sim.scenario import Scenario

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    s = Scenario.model_validate(data)
    rss_before = _maxrss_mb()
    gc0 = sum(g["collections"] for g in gc.get_stats())
    t0, c0 = time.perf_counter(), time.process_time()
    run = simulate(s)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    rss_after = _maxrss_mb()
    loaded = sum(1 for r in run.sorties if r.phase != "reposition")
    return {
        "simulate_s": wall, "simulate_cpu_s": cpu, "loaded_sorties": loaded, "flights": len(run.sorties),
        "ground_stays": len(run.ground),
        "horizon_reached": run.horizon_reached, "end_days": run.end_h / 24.0,
        "maxrss_before_mb": rss_before, "maxrss_mb": rss_after,
        "gc_collections": sum(g["collections"] for g in gc.get_stats()) - gc0,
    }


def prepare(target: int, workdir: Path) -> dict:
    """Generate, validate (timed) and write one size; return its description and the JSON path."""
    sys.path.insert(0, str(HERE))
    import generate

    from sim.checks import cross_check
    from sim.scenario import Scenario

    t0 = time.perf_counter()
    data = generate.generate(target)
    gen_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    s = Scenario.model_validate(data)
    model_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    errors, _warnings = cross_check(s, data, "<generated>")
    cross_s = time.perf_counter() - t0
    if errors:
        raise ValueError(f"generated scenario ({target}) is invalid: {errors[0]}")
    path = workdir / f"scale_{target}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return {
        "target": target, "planned_loads": generate.count_loads(s), "contingents": len(s.contingents),
        "airfields": len(s.airfields), "tails": sum(f.count for f in s.fleet), "fleets": len(s.fleet),
        "lines": len(s.movements), "generate_s": gen_s, "validate_model_s": model_s, "cross_check_s": cross_s,
        "path": str(path),
    }


def run_child(path: str) -> dict:
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, str(HERE / "scale.py"), path], capture_output=True, text=True, env=env,
                          cwd=str(ROOT), timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"scale child failed on {path}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fit_exponent(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) against log(x)."""
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sxx if sxx else float("nan")


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        sys.exit("usage: python benchmarks/scale.py SCENARIO.json  (the scale series' child: times simulate() on a "
                 "validated scenario written as JSON; run the series with python benchmarks/run.py --only scale)")
    print(json.dumps(child(sys.argv[1])))
