"""Monte Carlo replications per second, at 1 and 2 workers (issue 7): a hook until the feature exists.

The benchmark looks for this function (the contract it expects; issue 7 may name it differently,
in which case adapt `find_replicator` here, nowhere else):

    sim.montecarlo.run_replications(scenario: Scenario, n: int, *, seed: int, workers: int) -> Sized
        Run n replications of the scenario (replication i seeded from (seed, i)) on `workers` local
        processes (1: in-process) and return one compact result per replication.

It times `run_replications` on the uncertain reference scenario
(scenarios/csto_kazakhstan_2022_uncertain.yaml, or the plain reference when that is missing) and
reports replications per second at 1 and 2 workers, and the speed-up. Until the function exists
`bench_montecarlo()` returns {"available": False} and run.py prints "not available yet".
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = (ROOT / "scenarios" / "csto_kazakhstan_2022_uncertain.yaml", ROOT / "scenarios" / "csto_kazakhstan_2022.yaml")
FUNCTION = "run_replications"


def find_replicator():
    """The Monte Carlo entry point, or None while the feature does not exist."""
    sys.path.insert(0, str(ROOT))
    try:
        mod = importlib.import_module("sim.montecarlo")
    except ImportError:
        return None
    fn = getattr(mod, FUNCTION, None)
    return fn if callable(fn) else None


def bench_montecarlo(replications: int = 40, repeats: int = 3, workers: tuple[int, ...] = (1, 2)) -> dict:
    fn = find_replicator()
    if fn is None:
        return {"available": False, "expected": f"sim.montecarlo.{FUNCTION}(scenario, n, *, seed, workers)"}
    from sim.scenario import load_scenario

    path = next(p for p in SCENARIOS if p.exists())
    scenario = load_scenario(path)
    out: dict = {"available": True, "scenario": str(path.relative_to(ROOT)), "replications": replications}
    for w in workers:
        times = []
        for r in range(repeats):
            t0 = time.perf_counter()
            results = fn(scenario, replications, seed=r, workers=w)
            times.append(time.perf_counter() - t0)
            if len(results) != replications:
                raise RuntimeError(f"{FUNCTION} returned {len(results)} results for {replications} replications")
        med = statistics.median(times)
        out[f"workers_{w}"] = {"wall_s": med, "replications_per_s": replications / med, "all_s": times}
    if 1 in workers and 2 in workers:
        out["speedup_2_over_1"] = out["workers_2"]["replications_per_s"] / out["workers_1"]["replications_per_s"]
    return out
