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

`bench_dask(sizes)` (`--dask 200,1000`) times the same batches on a Dask LocalCluster of 2
single-threaded worker processes against 2 local worker processes: replications per second of each
and the overhead of Dask per replication, (Dask wall - local wall) / n in ms. The cluster's start-up
(and its first small batch, which imports sim in its workers and scatters the scenario) is timed
apart and left out. Each local batch runs in a fresh subprocess (`--local-child`), so that no process
forks while the Dask client's threads run; both sides print the SHA-256 of their replications.csv,
which must agree.

    python benchmarks/montecarlo.py --n "" --dask 200,1000 --repeats 3
"""

from __future__ import annotations

import argparse
import hashlib
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
        replicas = _replicas_of(batch)
        failed = [r for r in replicas if getattr(r, "error", None)]
        if failed:
            raise RuntimeError(f"{len(failed)} replications failed, e.g. {failed[0].error}")
        return replicas

    replicate.entry_point = f"sim.replications.{FUNCTION}"  # type: ignore[attr-defined]
    return replicate


def _replicas_of(batch):
    """A batch's replications as a sequence: its lazy view (Replica built as read) where the batch has one."""
    view = getattr(batch, "view", None)
    return view if view is not None else batch.replicas


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
    replicas = _replicas_of(batch)
    summarise(scenario, replicas)
    wall = time.perf_counter() - t0
    print(json.dumps({"replications": n, "workers": workers, "wall_s": wall, "rss_before_mb": before,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "worker_peak_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
                      "failed": sum(1 for r in replicas if r.error)}))


def _scenario():
    """The uncertain reference (or the plain one), loaded and validated."""
    sys.path.insert(0, str(ROOT))
    from sim.loading import load_scenario

    return load_scenario(next(p for p in SCENARIOS if p.exists()))


def _timed_batch(scenario, n: int, seed: int, **how) -> tuple[float, str]:
    """Wall seconds of run_batch(scenario, n, seed=seed, **how) and the SHA-256 of its replications.csv."""
    from sim.replications import run_batch
    from sim.report import replications_csv

    t0 = time.perf_counter()
    batch = run_batch(scenario, n, seed=seed, **how)
    wall = time.perf_counter() - t0
    replicas = _replicas_of(batch)
    if batch.interrupted or any(r.error for r in replicas):
        raise RuntimeError(f"the batch of {n} was interrupted or had failed replications")
    return wall, hashlib.sha256(replications_csv(scenario, replicas).encode()).hexdigest()


def _local_child(n: int, workers: int, seed: int) -> None:
    """The process bench_dask starts for a local batch: a warm-up, then the timed batch; one JSON line."""
    scenario = _scenario()
    _timed_batch(scenario, 2, seed, workers=1)  # lazy imports out of the timing
    wall, digest = _timed_batch(scenario, n, seed, workers=workers)
    print(json.dumps({"wall_s": wall, "csv_sha256": digest}))


def bench_dask(sizes: list[int], workers: int = 2, seed: int = 0, repeats: int = 1) -> dict:
    """Replications per second on a LocalCluster of `workers` single-threaded worker processes and on as
    many local processes, and Dask's overhead per replication in ms; cluster start-up timed apart. With
    `repeats`, local and Dask batches alternate and the fastest of each is kept (the least disturbed by
    other jobs on a shared machine); every wall time is in `all_s`."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return {"available": False, "expected": "dask[distributed]"}
    scenario = _scenario()
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    started = time.perf_counter() - t0
    out: dict = {"available": True, "workers": workers, "cluster_start_s": started}
    try:
        out["first_batch_of_4_s"] = _timed_batch(scenario, 4, seed, dask=client)[0]
        for n in sizes:
            out[f"n_{n}"] = _dask_against_local(scenario, client, n, workers, seed, repeats)
            print(json.dumps({f"n_{n}": out[f"n_{n}"]}), file=sys.stderr, flush=True)
    finally:
        client.close()
        cluster.close()
    return out


def _dask_against_local(scenario, client, n: int, workers: int, seed: int, repeats: int) -> dict:
    """`repeats` local batches (each in a fresh subprocess) and Dask batches of n, alternating; the fastest
    of each, replications per second, the overhead per replication in ms and whether the results agree."""
    local_s, dask_s, same = [], [], True
    for _ in range(repeats):
        proc = subprocess.run([sys.executable, __file__, "--local-child", str(n), str(workers), str(seed)],
                              cwd=ROOT, capture_output=True, text=True, check=True)
        local = json.loads(proc.stdout.strip().splitlines()[-1])
        wall, digest = _timed_batch(scenario, n, seed, dask=client)
        local_s.append(local["wall_s"])
        dask_s.append(wall)
        same = same and digest == local["csv_sha256"]
    lo, da = min(local_s), min(dask_s)
    return {"local_wall_s": lo, "dask_wall_s": da, "local_per_s": n / lo, "dask_per_s": n / da,
            "overhead_ms_per_replication": (da - lo) / n * 1000,
            "overhead_ms_median": (statistics.median(dask_s) - statistics.median(local_s)) / n * 1000,
            "all_s": {"local": local_s, "dask": dask_s}, "same_results": same}


def main(argv: list[str] | None = None) -> int:
    """Replications per second at each n and worker count, then peak memory at each --memory size."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", default="200,1000", help="batch sizes to time (default: %(default)s)")
    ap.add_argument("--workers", default="1,2", help="worker counts (default: %(default)s)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--memory", default="", help="batch sizes whose peak memory to measure (2 workers)")
    ap.add_argument("--dask", default="", help="batch sizes to time on a Dask LocalCluster of 2 worker processes "
                                                "against 2 local processes (e.g. 200,1000)")
    ap.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)  # peak_memory's process: n workers seed
    ap.add_argument("--local-child", nargs=3, type=int, help=argparse.SUPPRESS)  # bench_dask's: n workers seed
    args = ap.parse_args(argv)
    if args.child:
        _memory_child(*args.child)
        return 0
    if args.local_child:
        _local_child(*args.local_child)
        return 0
    workers = tuple(int(w) for w in args.workers.split(","))
    for n in (int(x) for x in args.n.split(",") if x):
        print(json.dumps(bench_montecarlo(n, args.repeats, workers)), flush=True)
    for n in (int(x) for x in args.memory.split(",") if x):
        print(json.dumps(peak_memory(n, 2)), flush=True)
    if args.dask:
        print(json.dumps(bench_dask([int(x) for x in args.dask.split(",") if x], repeats=args.repeats)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
