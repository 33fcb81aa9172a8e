"""Run the benchmark suite of issue 6 and write benchmarks/results.json.

    python benchmarks/run.py            # full: several minutes on a 2-core machine
    python benchmarks/run.py --quick    # short (well under a minute), as CI runs it

Sections (see each module's docstring for exactly what is measured):
 1-2. shuttle:  the bare SimPy floor (floor.py) and the same shuttle through sim's engine
      (shuttle.py), loaded sorties per second and the engine/floor ratio, in this process;
 3.   scale:    simulate() on generated scenarios of about 10^2..10^5 loaded sorties (generate.py),
      one fresh subprocess per repeat (scale.py): time, peak memory, fitted growth exponent;
 4.   cli:      `python -m sim run` of the reference scenario split into stages, against the bare
      import time of its dependencies (cli_bench.py);
 5.   montecarlo: replications per second at 1 and 2 workers once sim.replications exists (montecarlo.py);
 6.   report:   the reference report.html's size and its time to interactive in headless Chromium
      (report_bench.py; a fresh browser per repeat, the first load cold);
 7.   plan:     each `sim plan` question on the reference, wall time of a fresh subprocess (plan_bench.py;
      quick mode: the ones that take seconds);
 8.   budget:   the engine's time a loaded sortie (shuttle) and a replication (uncertain reference) beside
      issue 19's budgets and the work the model cannot skip (budget.py).

Every figure is the median of several repeats. Targets are reported, never asserted: the exit code
is 0 whatever the timings, 1 only when a section could not run at all (so CI notices a benchmark
that rotted).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

TARGETS = {
    "engine_floor_ratio": (">=", 0.7, "engine sorties/s at least 0.7x the bare SimPy floor (logging on)"),
    "engine_rules_floor_ratio": (">=", 0.5, "the same with crews, UTE and MOG binding, two chained air legs"),
    "growth_exponent": ("<=", 1.15, "log-log growth exponent of simulate() time vs sorties"),
    "simulate_1e5_s": ("<", 10.0, "simulate() of ~10^5 loaded sorties, seconds"),
    "maxrss_1e5_mb": ("<", 1024.0, "peak resident memory of that process, MB"),
    "cli_ratio_to_bare_import": ("<=", 2.5, "`sim run` reference wall time / bare dependency import time"),
    "cli_table_ratio_to_bare_import": ("<=", 1.5, "`sim run` reference time to the printed table / bare import time"),
    "import_sim_s": ("<", 0.3, "`python -c \"import sim\"` wall time, interpreter start-up included, s"),
    "report_mb": ("<", 5.0, "reference report.html size, MB"),
    "report_interactive_s": ("<", 2.0, "reference report.html interactive in headless Chromium (cold load), s"),
    "plan_slowest_s": ("<", 60.0, "slowest `sim plan` question on the reference (full mode: all of them), s"),
}

FULL = {"shuttle_loads": 20_000, "shuttle_repeats": 5, "scale": [(100, 5), (1_000, 5), (10_000, 3), (100_000, 3)],
        "cli_repeats": 5, "import_repeats": 7, "mc_replications": 200, "mc_repeats": 3, "report_repeats": 5,
        "plan_quick": False, "budget_quick": False}
QUICK = {"shuttle_loads": 2_000, "shuttle_repeats": 3, "scale": [(100, 2), (1_000, 2), (10_000, 1)],
         "cli_repeats": 2, "import_repeats": 3, "mc_replications": 20, "mc_repeats": 1, "report_repeats": 1,
         "plan_quick": True, "budget_quick": True}


# ------------------------------------------------------------------ machine


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor()
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = {}
    for pkg in ("simpy", "numpy", "matplotlib", "pydantic", "pydantic_core", "PyYAML", "tqdm"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    from sim import __version__

    versions["sim"] = __version__
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": cpu, "cores_usable": usable, "cpu_count": os.cpu_count(), "memory_gb": mem_gb,
        "platform": platform.platform(), "python": sys.version.split()[0],
        "python_implementation": platform.python_implementation(), "packages": versions,
        "git": _git(), "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "loadavg_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def _git() -> dict:
    def git(*args):
        try:
            proc = subprocess.run(["git", *args], capture_output=True, text=True, cwd=str(ROOT), timeout=10)
            return proc.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    status = git("status", "--porcelain", "--untracked-files=no", "--", "sim")
    return {"commit": git("rev-parse", "HEAD"), "sim_modified": bool(status)}


# ------------------------------------------------------------------ sections


def section_shuttle(cfg: dict) -> dict:
    import shuttle

    n, repeats = cfg["shuttle_loads"], cfg["shuttle_repeats"]
    floor_runs, engine_runs, rules_runs = [], [], []
    shuttle.engine_shuttle(min(n, 500), **shuttle.SHUTTLE)  # warm-up: imports and first-call costs out of the timings
    for _ in range(repeats):  # interleaved, so drift in machine load hits both alike
        floor_runs.append(shuttle.floor_shuttle(n, **shuttle.SHUTTLE))
        engine_runs.append(shuttle.engine_shuttle(n, **shuttle.SHUTTLE))
        rules_runs.append(shuttle.engine_rules(n, **shuttle.SHUTTLE))
    f, e, r0 = floor_runs[0], engine_runs[0], rules_runs[0]
    if f["loaded"] != e["loaded"] or f["loaded"] != n:
        raise RuntimeError(f"loaded sorties differ: floor {f['loaded']}, engine {e['loaded']}, planned {n}")
    floor_sps = statistics.median(r["loaded"] / r["wall_s"] for r in floor_runs)
    engine_sps = statistics.median(r["loaded"] / r["wall_s"] for r in engine_runs)
    rules_sps = statistics.median(r["loaded"] / r["wall_s"] for r in rules_runs)
    return {
        "shuttle": dict(shuttle.SHUTTLE), "loads": n, "repeats": repeats,
        "floor": {"loaded": f["loaded"], "empty_legs": f["empty"], "end_h": f["end_h"],
                  "sorties_per_s": floor_sps, "wall_s": [r["wall_s"] for r in floor_runs],
                  "cpu_s": [r["cpu_s"] for r in floor_runs]},
        "engine": {"loaded": e["loaded"], "empty_legs": e["empty"], "end_h": e["end_h"],
                   "sorties_per_s": engine_sps, "wall_s": [r["wall_s"] for r in engine_runs],
                   "cpu_s": [r["cpu_s"] for r in engine_runs]},
        "engine_floor_ratio": engine_sps / floor_sps,
        "rules": {"loaded": r0["loaded"], "empty_legs": r0["empty"], "end_h": r0["end_h"], "sorties_per_s": rules_sps},
        "rules_floor_ratio": rules_sps / floor_sps,
    }


def section_scale(cfg: dict) -> dict:
    import scale

    rows = []
    with tempfile.TemporaryDirectory(prefix="sim-bench-scale-") as tmp:
        for target, repeats in cfg["scale"]:
            info = scale.prepare(target, Path(tmp))
            path = info.pop("path")
            runs = [scale.run_child(path) for _ in range(repeats)]
            r0 = runs[0]
            row = {**info, "repeats": repeats, "loaded_sorties": r0["loaded_sorties"], "flights": r0["flights"],
                   "horizon_reached": r0["horizon_reached"], "end_days": r0["end_days"],
                   "simulate_s": statistics.median(r["simulate_s"] for r in runs),
                   "simulate_all_s": [r["simulate_s"] for r in runs],
                   "simulate_cpu_s": statistics.median(r["simulate_cpu_s"] for r in runs),
                   "maxrss_mb": statistics.median(r["maxrss_mb"] for r in runs),
                   "maxrss_before_mb": statistics.median(r["maxrss_before_mb"] for r in runs),
                   "gc_collections": r0["gc_collections"]}
            row["sorties_per_s"] = row["loaded_sorties"] / row["simulate_s"]
            rows.append(row)
            _print_scale_row(row)
    xs = [r["loaded_sorties"] for r in rows]
    ys = [r["simulate_s"] for r in rows]
    out = {"sizes": rows, "growth_exponent": scale.fit_exponent(xs, ys),
           "local_exponents": {f"{a['target']}->{b['target']}": scale.fit_exponent(
               [a["loaded_sorties"], b["loaded_sorties"]], [a["simulate_s"], b["simulate_s"]])
               for a, b in itertools.pairwise(rows)}}
    big = next((r for r in rows if r["target"] == 100_000), None)
    if big:
        out["simulate_1e5_s"], out["maxrss_1e5_mb"] = big["simulate_s"], big["maxrss_mb"]
    return out


def section_cli(cfg: dict) -> dict:
    import cli_bench

    return cli_bench.breakdown(cfg["cli_repeats"], cfg["import_repeats"])


def section_montecarlo(cfg: dict) -> dict:
    import montecarlo

    return montecarlo.bench_montecarlo(cfg["mc_replications"], cfg["mc_repeats"])


def section_plan(cfg: dict) -> dict:
    import plan_bench

    return plan_bench.bench_plan(cfg["plan_quick"])


def section_budget(cfg: dict) -> dict:
    import budget

    b = budget.QUICK if cfg["budget_quick"] else budget.FULL
    return budget.bench_budget(b["loads"], b["repeats"], b["replications"])


def section_report(cfg: dict) -> dict:
    import report_bench

    return report_bench.bench_report(cfg["report_repeats"])


# ------------------------------------------------------------------ printing


def _print_shuttle(r: dict) -> None:
    sh = r["shuttle"]
    print(f"  shuttle: {sh['n_aircraft']} aircraft, MOG {sh['mog_a']}/{sh['mog_b']}, load {sh['load_h']} h, "
          f"flight {sh['flight_h']} h, unload {sh['unload_h']} h; {r['loads']} loads, median of {r['repeats']}")
    for k in ("floor", "engine"):
        x = r[k]
        print(f"  {k:7s} {x['sorties_per_s']:>10,.0f} loaded sorties/s  ({x['loaded']} loaded + {x['empty_legs']} "
              f"empty legs logged, last landing {x['end_h']:.1f} h)")
    print(f"  engine/floor ratio {r['engine_floor_ratio']:.2f}")
    if "rules" in r:  # shuttle.rules_dict: crews, UTE and MOG binding, two chained air legs
        x = r["rules"]
        print(f"  rules   {x['sorties_per_s']:>10,.0f} loaded sorties/s  ({x['loaded']} loaded + {x['empty_legs']} "
              f"empty legs logged, last landing {x['end_h']:.1f} h); rules variant/floor ratio "
              f"{r['rules_floor_ratio']:.2f}")


def _print_scale_row(r: dict) -> None:
    flag = "  HORIZON REACHED" if r["horizon_reached"] else ""
    print(f"  ~{r['target']:>7,}: {r['loaded_sorties']:>7,} loaded ({r['flights']:>7,} flights), "
          f"{r['contingents']} contingents, {r['airfields']} airfields, {r['tails']} tails, {r['lines']} lines: "
          f"simulate {r['simulate_s']:.3f} s ({r['sorties_per_s']:,.0f}/s), peak RSS {r['maxrss_mb']:.0f} MB "
          f"(before simulate {r['maxrss_before_mb']:.0f}), validate {r['validate_model_s'] + r['cross_check_s']:.2f} s"
          f"{flag}", flush=True)


def _print_scale(r: dict) -> None:
    local = ", ".join(f"{k} {v:.2f}" for k, v in r["local_exponents"].items())
    top = r["sizes"][-1]["target"]
    print(f"  growth exponent (least squares, 10^2..{top:,}) {r['growth_exponent']:.2f}; between sizes: {local}")


def _print_cli(r: dict) -> None:
    print(f"  bare `python -c \"import matplotlib.pyplot, numpy, simpy, yaml\"`: {r['bare_import_s']:.2f} s")
    parts = ["python_startup", "sim_imports", "load", "simulate", "analyse", "charts", "report", "other"]
    labels = {"python_startup": "python start-up", "sim_imports": "sim imports (before load)",
              "load": "load + validate", "charts": "charts (incl. matplotlib import)", "report": "report writing",
              "other": "other (printing, rename, exit)"}
    for p in parts:
        print(f"    {labels.get(p, p):34s} {r[p + '_s']:6.2f} s")
    print(f"  `sim run` total {r['total_s']:.2f} s = {r['ratio_to_bare_import']:.1f}x the bare import time")
    if "time_to_table_s" in r:
        print(f"  time to the printed table {r['time_to_table_s']:.2f} s = {r['ratio_table_to_bare_import']:.2f}x; "
              f"`sim run --no-charts` total {r['no_charts_total_s']:.2f} s = "
              f"{r['no_charts_ratio_to_bare_import']:.2f}x")
    heavy = ", ".join(r["import_sim_heavy"]) or "none"
    print(f"  `python -c \"import sim\"` {r['import_sim_s']:.3f} s ({r['import_sim_inside_s'] * 1000:.1f} ms of it "
          f"importing sim); heavy libraries loaded: {heavy}")


def _print_mc(r: dict) -> None:
    if not r.get("available"):
        print(f"  not available yet (looking for {r['expected']})")
        return
    print(f"  {r['replications']} replications of {r['scenario']} through {r['entry_point']}")
    for k in ("workers_1", "workers_2"):
        if k in r:
            print(f"  {k.replace('_', ' ')}: {r[k]['replications_per_s']:.1f} replications/s")
    if "speedup_2_over_1" in r:
        print(f"  speed-up 2 over 1 worker: {r['speedup_2_over_1']:.2f}")


def _print_report(r: dict) -> None:
    print(f"  {r['scenario']}: report.html {r['report_mb']:.2f} MB")
    if "interactive_cold_s" not in r:
        print(f"  time to interactive not measured: {r['browser']}")
        return
    print(f"  interactive after {r['interactive_cold_s']:.2f} s cold ({r['interactive_warm_s']:.2f} s reloaded; "
          f"DOMContentLoaded {r['dom_content_loaded_s']:.2f} s), median of {r['repeats']} fresh browsers")


def _print_plan(r: dict) -> None:
    if not r.get("available"):
        print(f"  not available (needs {r['expected']})")
        return
    for label, wall in r["questions"].items():
        print(f"  sim plan {label:28s} {wall:6.1f} s")
    print(f"  slowest {r['slowest_s']:.1f} s on {r['cores']} cores")


def _print_budget(r: dict) -> None:
    import budget

    budget.show(r)


SECTIONS = [
    ("shuttle", "1-2. bare SimPy floor vs sim engine", section_shuttle, _print_shuttle),
    ("scale", "3. scale series (fresh subprocess per repeat)", section_scale, _print_scale),
    ("cli", "4. sim run of the reference scenario vs bare dependency imports", section_cli, _print_cli),
    ("montecarlo", "5. Monte Carlo replications per second", section_montecarlo, _print_mc),
    ("report", "6. report.html of the reference scenario: size and time to interactive", section_report,
     _print_report),
    ("plan", "7. sim plan questions on the reference scenario, wall time", section_plan, _print_plan),
    ("budget", "8. the engine's time beside issue 19's budgets and the work the model needs", section_budget,
     _print_budget),
]


def _targets(results: dict) -> dict:
    values = {
        "engine_floor_ratio": results.get("shuttle", {}).get("engine_floor_ratio"),
        "engine_rules_floor_ratio": results.get("shuttle", {}).get("rules_floor_ratio"),
        "growth_exponent": results.get("scale", {}).get("growth_exponent"),
        "simulate_1e5_s": results.get("scale", {}).get("simulate_1e5_s"),
        "maxrss_1e5_mb": results.get("scale", {}).get("maxrss_1e5_mb"),
        "cli_ratio_to_bare_import": results.get("cli", {}).get("ratio_to_bare_import"),
        "cli_table_ratio_to_bare_import": results.get("cli", {}).get("ratio_table_to_bare_import"),
        "import_sim_s": results.get("cli", {}).get("import_sim_s"),
        "report_mb": results.get("report", {}).get("report_mb"),
        "report_interactive_s": results.get("report", {}).get("interactive_cold_s"),
        "plan_slowest_s": results.get("plan", {}).get("slowest_s"),
    }
    out = {}
    for k, (op, limit, what) in TARGETS.items():
        v = values[k]
        met = None if v is None else {">=": v >= limit, "<=": v <= limit, "<": v < limit}[op]
        out[k] = {"value": v, "target": f"{op} {limit}", "met": met, "what": what}
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="Benchmark suite (issue 6).")
    p.add_argument("--quick", action="store_true", help="short version (CI): smaller sizes, fewer repeats")
    p.add_argument("--only", metavar="LIST", help="comma-separated sections: " + ",".join(s[0] for s in SECTIONS))
    p.add_argument("--sizes", metavar="LIST", help="scale series targets, e.g. 10000,100000 (default: by mode)")
    p.add_argument("--repeats", type=int, metavar="N", help="repeats for every figure (default: by mode)")
    p.add_argument("-o", "--out", default=str(HERE / "results.json"), help="results file (default: %(default)s)")
    args = p.parse_args(argv)
    cfg = dict(QUICK if args.quick else FULL)
    if args.sizes:
        reps = dict(cfg["scale"])
        cfg["scale"] = [(int(x), reps.get(int(x), 3)) for x in args.sizes.split(",")]
    if args.repeats:
        cfg["scale"] = [(n, args.repeats) for n, _ in cfg["scale"]]
        cfg.update(shuttle_repeats=args.repeats, cli_repeats=args.repeats, import_repeats=max(3, args.repeats),
                   mc_repeats=args.repeats, report_repeats=args.repeats)
    only = set(args.only.split(",")) if args.only else {s[0] for s in SECTIONS}
    t_all = time.perf_counter()
    results: dict = {"mode": "quick" if args.quick else "full", "machine": machine(), "config": cfg}
    m = results["machine"]
    print(f"sim benchmarks ({results['mode']}): {m['cpu']}, {m['cores_usable']} cores, {m['memory_gb']} GB, "
          f"Python {m['python']}, simpy {m['packages']['simpy']}" + (" [sim/ has uncommitted changes]"
                                                                    if m["git"]["sim_modified"] else ""))
    load = m["loadavg_at_start"]
    if load and m["cores_usable"] and load[0] > 0.5 * m["cores_usable"]:
        print(f"note: the machine is busy (load average {load[0]:.1f} on {m['cores_usable']} cores); "
              "timings will be noisy and slower than on an idle machine")
    failed = []
    for key, title, fn, show in SECTIONS:
        if key not in only:
            continue
        print(f"\n{title}", flush=True)
        t0 = time.perf_counter()
        try:
            results[key] = fn(cfg)
            show(results[key])
        except Exception as exc:  # record, carry on with the other sections
            traceback.print_exc()
            results[key] = {"error": f"{type(exc).__name__}: {exc}"}
            failed.append(key)
        results.setdefault("section_wall_s", {})[key] = time.perf_counter() - t0
    results["targets"] = _targets(results)
    results["wall_s"] = time.perf_counter() - t_all
    results["machine"]["loadavg_at_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    if args.quick:
        results["note"] = "quick mode: the growth exponent is fitted over 10^2-10^4 only; no 10^5 figures"
    print("\ntargets (reported, not asserted)")
    for t in results["targets"].values():
        v = t["value"]
        state = "not measured" if t["met"] is None else ("met" if t["met"] else "MISSED")
        shown = "-" if v is None else f"{v:.2f}"
        print(f"  {t['what']:70s} {shown:>8s} (target {t['target']}): {state}")
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out} ({results['wall_s']:.0f} s in all)")
    if failed:
        print(f"sections that could not run: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
