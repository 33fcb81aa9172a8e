"""Monte Carlo replications per second, at 1 and 2 workers (issue 7).

The hook is `find_replicator()`: it returns a function `replicate(scenario, n, *, seed, workers)`
that runs n replications of a scenario (replication i seeded from (seed, i)) on `workers` local
processes (1: in-process) and returns one compact result per replication; or None while the
feature does not exist, and run.py then prints "not available yet". It wraps
`sim.replications.run_batch(scenario, n, *, seed, workers)`, the batch runner that `sim montecarlo`
and the Python API call: chunks of replications through sim.parallel.run_many. If the entry point
moves, adapt `find_replicator` here and nowhere else.

It times the call on the uncertain reference scenario (scenarios/csto_kazakhstan_2022_uncertain.yaml,
or the plain reference when that is missing), loaded and validated once outside the timing, and
reports replications per second at 1 and 2 workers (process start-up included, as a user sees it)
and the speed-up.
"""

from __future__ import annotations

import importlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = (ROOT / "scenarios" / "csto_kazakhstan_2022_uncertain.yaml",
             ROOT / "scenarios" / "csto_kazakhstan_2022.yaml")
FUNCTION = "run_batch"


def find_replicator():
    """The Monte Carlo entry point as replicate(scenario, n, *, seed, workers) -> list, or None."""
    sys.path.insert(0, str(ROOT))
    try:
        mod = importlib.import_module("sim.replications")
    except ImportError:
        return None
    run_batch = getattr(mod, FUNCTION, None)
    if not callable(run_batch):
        return None

    def replicate(scenario, n: int, *, seed: int, workers: int) -> list:
        batch = run_batch(scenario, n, seed=seed, workers=workers)
        if batch.interrupted:
            raise KeyboardInterrupt
        failed = [r for r in batch.replicas if getattr(r, "error", None)]
        if failed:
            raise RuntimeError(f"{len(failed)} replications failed, e.g. {failed[0].error}")
        return batch.replicas

    replicate.entry_point = f"sim.replications.{FUNCTION}"  # type: ignore[attr-defined]
    return replicate


def bench_montecarlo(replications: int = 100, repeats: int = 3, workers: tuple[int, ...] = (1, 2)) -> dict:
    fn = find_replicator()
    if fn is None:
        return {"available": False, "expected": f"sim.replications.{FUNCTION}(scenario, n, *, seed, workers)"}
    from sim.loading import load_scenario

    path = next(p for p in SCENARIOS if p.exists())
    scenario = load_scenario(path)
    out: dict = {"available": True, "entry_point": getattr(fn, "entry_point", f"sim.replications.{FUNCTION}"),
                 "scenario": str(path.relative_to(ROOT)), "replications": replications}
    fn(scenario, min(2, replications), seed=0, workers=1)  # warm-up: lazy imports out of the timing
    for w in workers:
        times, cpus = [], []
        for r in range(repeats):
            t0, c0 = time.perf_counter(), os.times()
            results = fn(scenario, replications, seed=r, workers=w)
            times.append(time.perf_counter() - t0)
            c1 = os.times()  # this process and its finished worker processes
            cpus.append(sum(c1[:4]) - sum(c0[:4]))
            if len(results) != replications:
                raise RuntimeError(f"{FUNCTION} returned {len(results)} results for {replications} replications")
        med = statistics.median(times)
        out[f"workers_{w}"] = {"wall_s": med, "replications_per_s": replications / med, "all_s": times,
                               "cpu_s": statistics.median(cpus)}
    if 1 in workers and 2 in workers:
        out["speedup_2_over_1"] = out["workers_2"]["replications_per_s"] / out["workers_1"]["replications_per_s"]
    return out
