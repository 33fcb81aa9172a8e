"""`sim run` of the reference scenario, split into stages, against the bare dependency import time;
and `python -c "import sim"` on its own (the Python API's entry: it should load no heavy library).

Each measurement is a fresh subprocess (the user's experience: a cold interpreter each time):

- bare import: `python -c "import matplotlib.pyplot, numpy, simpy, yaml"`, wall time;
- interpreter start-up: `python -c "pass"`, wall time;
- sim imports: `python -c "import sim.cli, sim.scenario, sim.engine, sim.results, sim.report"` (what
  `sim run` imports before its first timed stage; matplotlib is imported inside the charts stage),
  wall time less the start-up;
- `python -m sim run SCENARIO --timings -o DIR`: total wall time, and the stage times it prints
  (`timings: load 0.05s, simulate 0.02s, analyse 0.00s, report 0.17s, charts 4.18s`); `report`
  is the sum of the CSV/JSON/YAML writing and report.html, `charts` includes importing matplotlib.
  Whatever the stages and imports do not explain (printing the table, renaming the output folder,
  interpreter shutdown) is reported as `other`.

The subprocesses run from the repository root with it on PYTHONPATH, so an uninstalled checkout works.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"
BARE_IMPORT = "import matplotlib.pyplot, numpy, simpy, yaml"
SIM_IMPORTS = "import sim.cli, sim.scenario, sim.engine, sim.results, sim.report"
STAGES = ("load", "simulate", "analyse", "charts", "report")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=str(ROOT), env=_env(), timeout=600)
    wall = time.perf_counter() - t0
    proc.cpu_s = sum(os.times()[2:4])  # children's CPU so far; callers take differences
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-2000:]}")
    return wall, proc


def bare_import_s() -> float:
    return timed([sys.executable, "-c", BARE_IMPORT])[0]


def startup_s() -> float:
    return timed([sys.executable, "-c", "pass"])[0]


PUBLIC_IMPORT = ("import sys, time; t0 = time.perf_counter(); import sim; dt = time.perf_counter() - t0; "
                 "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'pandas', 'pyarrow', "
                 "'openpyxl', 'simpy', 'pydantic', 'numpy'}); print(dt, ','.join(heavy))")


def import_sim() -> tuple[float, float, list[str]]:
    """`python -c "import sim"`: the whole wall time (start-up included), the import alone as the
    interpreter measured it, and the heavy libraries it loaded (none expected)."""
    wall, proc = timed([sys.executable, "-c", PUBLIC_IMPORT])
    inside, _, heavy = proc.stdout.strip().partition(" ")
    return wall, float(inside), [m for m in heavy.split(",") if m]


def sim_imports_s() -> float:
    return timed([sys.executable, "-c", SIM_IMPORTS])[0]


def parse_timings(stdout: str) -> dict[str, float]:
    line = next((ln for ln in stdout.splitlines() if ln.startswith("timings:")), None)
    if line is None:
        raise RuntimeError("`sim run --timings` printed no 'timings:' line")
    return {k: float(v) for k, v in re.findall(r"([a-z_]+) ([0-9.]+)s", line)}


def sim_run(scenario: Path = REFERENCE) -> dict:
    out = Path(tempfile.mkdtemp(prefix="sim-bench-run-"))
    try:
        wall, proc = timed([sys.executable, "-m", "sim", "run", str(scenario), "--timings", "-o", str(out / "run")])
    finally:
        shutil.rmtree(out, ignore_errors=True)
    stages = parse_timings(proc.stdout)
    return {"total_s": wall, **{f"{k}_s": v for k, v in stages.items()}}, proc.cpu_s


def median_of(fn, repeats: int) -> tuple[float, list[float]]:
    xs = [fn() for _ in range(repeats)]
    return statistics.median(xs), xs


def breakdown(repeats: int, import_repeats: int) -> dict:
    """Medians of every part; stage medians are taken per stage over the repeats."""
    public = [import_sim() for _ in range(import_repeats)]
    bare, bare_all = median_of(bare_import_s, import_repeats)
    start, _ = median_of(startup_s, import_repeats)
    sim_imp, _ = median_of(sim_imports_s, import_repeats)
    runs, cpu = [], []
    for _ in range(repeats):
        c0 = sum(os.times()[2:4])
        r, c1 = sim_run()
        runs.append(r)
        cpu.append(c1 - c0)  # CPU of `sim run` and its chart worker processes
    med = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in runs[0]}
    stages = {s: med.get(f"{s}_s", 0.0) for s in STAGES}
    imports = max(0.0, sim_imp - start)
    other = med["total_s"] - start - imports - sum(stages.values())
    return {
        "bare_import_s": bare, "bare_import_all_s": bare_all,
        "python_startup_s": start, "sim_imports_s": imports, **{f"{s}_s": v for s, v in stages.items()},
        "other_s": other, "total_s": med["total_s"], "total_all_s": [r["total_s"] for r in runs],
        "total_cpu_s": statistics.median(cpu),
        "ratio_to_bare_import": med["total_s"] / bare, "scenario": str(REFERENCE.relative_to(ROOT)),
        "import_sim_s": statistics.median(w for w, _, _ in public),
        "import_sim_inside_s": statistics.median(i for _, i, _ in public),
        "import_sim_heavy": sorted({m for _, _, h in public for m in h}),
    }
