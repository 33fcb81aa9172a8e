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

`peak_memory(n, workers)` runs one batch of n replications and its summary (sim.replications.summarise)
in a fresh process and reports the peak resident memory of that process and of its largest worker, so
that memory growth in n can be read off a few sizes. From the command line:

    python benchmarks/montecarlo.py --n 200,1000 --workers 1,2 --repeats 1 --memory 2000,10000
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import statistics
import subprocess
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


def peak_memory(n: int, workers: int = 2, seed: int = 0) -> dict:
    """Peak resident memory (MB) of a fresh process that runs n replications and summarises them, and of
    its largest worker process; with the wall time and the process's memory before the batch."""
    proc = subprocess.run([sys.executable, __file__, "--child", str(n), str(workers), str(seed)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _memory_child(n: int, workers: int, seed: int) -> None:
    """The process peak_memory starts: one batch and its summary; prints its figures as one JSON line."""
    sys.path.insert(0, str(ROOT))
    from sim.loading import load_scenario
    from sim.replications import run_batch, summarise

    scenario = load_scenario(next(p for p in SCENARIOS if p.exists()))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    batch = run_batch(scenario, n, seed=seed, workers=workers)
    summarise(scenario, batch.replicas)
    wall = time.perf_counter() - t0
    print(json.dumps({"replications": n, "workers": workers, "wall_s": wall, "rss_before_mb": before,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                      "failed": sum(1 for r in batch.replicas if r.error)}))


def main(argv: list[str] | None = None) -> int:
    """Replications per second at each n and worker count, then peak memory at each --memory size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="200,1000", help="batch sizes to time (default: %(default)s)")
    ap.add_argument("--workers", default="1,2", help="worker counts (default: %(default)s)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--memory", default="", help="batch sizes whose peak memory to measure (2 workers)")
    ap.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)  # peak_memory's process: n workers seed
    args = ap.parse_args(argv)
    if args.child:
        _memory_child(*args.child)
        return 0
    workers = tuple(int(w) for w in args.workers.split(","))
    for n in (int(x) for x in args.n.split(",") if x):
        print(json.dumps(bench_montecarlo(n, args.repeats, workers)), flush=True)
    for n in (int(x) for x in args.memory.split(",") if x):
        print(json.dumps(peak_memory(n, 2)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
