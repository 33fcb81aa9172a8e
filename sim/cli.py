"""Command line: `sim run`, `sim validate`, `sim schema`. The only module that prints or exits.

Exit codes: 0 ran; 2 invalid input or usage (one line per problem, nothing written);
1 internal error (traceback only with --debug).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import time
import traceback
from pathlib import Path

from sim import __version__
from sim.errors import ScenarioError

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID = 0, 1, 2


class UsageError(Exception):
    """Bad command-line usage; printed as one line, exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would exit 2 itself; keep one path for messages
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="sim",
        description="Troop deployment timeline simulator: run YAML scenarios of airlift and road moves "
        "through a discrete-event engine and report which deadlines are met.",
        epilog="Exit codes: 0 ran, 2 invalid input or usage (nothing written), 1 internal error.",
    )
    p.add_argument("--version", action="version", version=f"sim {__version__}")
    p.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    run = sub.add_parser("run", help="simulate one scenario and write its output folder",
                         description="Simulate one scenario: print the movement table and write sorties.csv, "
                         "movements.csv, summary.json, scenario.resolved.yaml and charts to DIR.")
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("-o", "--out", metavar="DIR", help="output folder (default: outputs/<scenario file stem>/)")
    run.add_argument("--seed", type=int, metavar="N", help="random seed (default: the scenario's seed)")
    run.add_argument("--svg", action="store_true", help="also write each chart as SVG")
    run.add_argument("--timings", action="store_true", help="print how long each stage took")

    val = sub.add_parser("validate", help="check scenario files without running them",
                         description="Check scenario files: prints 'ok' and a summary per valid file, or every "
                         "problem as file:line:column: path: message. Exit 0 when all are valid, 2 otherwise.")
    val.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    val.add_argument("--resolved", action="store_true", help="print the merged scenario with every default filled in")

    cmp = sub.add_parser("compare", help="run several scenarios and compare them with the first",
                         description="Run each scenario (or read a finished run folder instead of a YAML file) and "
                         "print a side-by-side table: the first input is the baseline, the others show their "
                         "difference to it. Writes comparison.csv, comparison.json and charts to DIR.")
    cmp.add_argument("inputs", nargs="+", metavar="SCENARIO_OR_RUN_DIR",
                     help="scenario YAML files or run folders written by 'sim run'; the first is the baseline")
    cmp.add_argument("-o", "--out", metavar="DIR", help="output folder (default: outputs/compare-<stems>/)")
    cmp.add_argument("--phase", choices=["deploy", "withdraw", "all"], default="all",
                     help="which phase to compare (default: all)")
    cmp.add_argument("--seed", type=int, metavar="N", help="seed for every scenario (default: each scenario's seed)")
    cmp.add_argument("--workers", type=int, metavar="K", help="parallel processes (default: one per core; 1 runs in-process)")
    cmp.add_argument("--svg", action="store_true", help="also write each chart as SVG")
    cmp.add_argument("--replications", type=int, metavar="N",
                     help="also run N replications of every scenario with the same seeds and report the paired "
                     "difference in completion to the baseline")

    mc = sub.add_parser("montecarlo", help="run many replications under the scenario's uncertainty",
                        description="Run N replications of a scenario with its `uncertainty` section (delays, "
                        "breakdowns, weather, road speeds). Replication i uses a seed derived from (SEED, i), so "
                        "results do not depend on the number of workers. Writes replications.csv, summary.json, "
                        "charts and report.html to DIR. Exit 0 when every replication ran, 3 when some failed "
                        "(recorded with their seeds), 130 when interrupted (completed replications are kept).")
    mc.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file (with an uncertainty section)")
    mc.add_argument("-n", "--replications", type=int, default=200, metavar="N", help="replications (default 200)")
    mc.add_argument("--seed", type=int, metavar="S", help="base seed (default: the scenario's seed)")
    mc.add_argument("--workers", type=int, metavar="K", help="local processes (default: one per core; 1 runs in-process)")
    mc.add_argument("--dask", metavar="ADDRESS", help="send replications to a Dask cluster, e.g. tcp://host:8786 "
                    "(needs pip install 'sim[dask]')")
    mc.add_argument("-o", "--out", metavar="DIR", help="output folder (default: outputs/<scenario stem>-mc/)")
    mc.add_argument("--svg", action="store_true", help="also write each chart as SVG")

    view = sub.add_parser("view", help="open a run's or comparison's report.html",
                          description="Open DIR/report.html in the default browser (the newest folder in outputs/ "
                          "when DIR is omitted). Where no browser can open (e.g. over SSH), print the path; "
                          "--serve serves the folder on localhost only and prints the URL.")
    view.add_argument("dir", nargs="?", metavar="DIR", help="run or compare folder (default: newest in outputs/)")
    view.add_argument("--serve", nargs="?", const=8000, type=int, metavar="PORT",
                      help="serve the folder at http://127.0.0.1:PORT/ (default port 8000; 0 picks a free one)")

    sub.add_parser("schema", help="print the JSON Schema of the scenario format",
                   description="Print the JSON Schema of the scenario format (for editors).")
    return p


class Timer:
    def __init__(self):
        self.stages: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_INVALID
        commands = {"run": cmd_run, "validate": cmd_validate, "compare": cmd_compare, "montecarlo": cmd_montecarlo,
                    "view": cmd_view, "schema": cmd_schema}
        return commands[args.command](args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt:
        print("interrupted; nothing written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:  # noqa: BLE001 - the one place internal errors are caught
        if debug:
            traceback.print_exc()
        else:
            print(f"sim: internal error: {type(exc).__name__}: {exc} (run again with --debug for a traceback)",
                  file=sys.stderr)
        return EXIT_INTERNAL


# ------------------------------------------------------------------ run


def cmd_run(args) -> int:
    from sim.scenario import load_scenario_with_warnings

    timer = Timer()
    path = Path(args.scenario)
    with timer("load"):
        scenario, warnings = load_scenario_with_warnings(path)
    for w in warnings:
        print(w, file=sys.stderr)
    out = Path(args.out) if args.out else Path("outputs") / path.stem
    from sim.engine import simulate
    from sim.results import analyse

    with timer("simulate"):
        run = simulate(scenario, args.seed)
    with timer("analyse"):
        res = analyse(run)
    print(format_run(res))
    from sim.report import write_run

    write_run(res, out, [str(w) for w in warnings], svg=args.svg, timer=timer)
    print(f"\nwrote {out}/ (report.html, sorties.csv, movements.csv, summary.json, scenario.resolved.yaml, charts)")
    print(f"open the report: sim view {out}")
    if args.timings:
        print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in timer.stages.items()))
    return EXIT_OK


def format_run(res) -> str:
    from sim.tables import hours, render, short_time

    run = res.run
    s = run.scenario

    def t(h):
        return short_time(s.to_datetime(h)) if h is not None and not math.isnan(h) else "-"

    rows = []
    for r in res.lines:
        rows.append([r.id, r.contingent, r.phase, r.mode, str(r.troops), str(r.vehicles), t(r.ready_h),
                     t(r.deadline_h), t(r.closed_h) if r.status != "OPEN" else "not closed",
                     hours(r.slack_h), r.status, r.bound_by])
    headers = ["line", "cont.", "phase", "mode", "troops", "veh", "ready", "deadline", "closed", "slack h",
               "status", "late because"]
    if not any(r[-1] for r in rows):  # nothing late: no empty column
        headers, rows = headers[:-1], [r[:-1] for r in rows]
    table = render(headers, rows, "llllrrlllrll")
    tot = res.totals
    lines = [f"{s.name}  (seed {run.seed})", "", table, ""]
    lines.append(f"sorties {tot['sorties']} ({tot['loaded_sorties']} loaded, {tot['reposition_sorties']} empty), "
                 f"convoys {tot['convoys']}, flying {tot['flying_h']:.0f} h, "
                 f"first take-off {t(tot['first_takeoff_h'])}, last landing {t(tot['last_landing_h'])}")
    for phase, ph in res.phases.items():
        closed = t(ph["closed_h"]) if not math.isnan(ph["closed_h"]) else "not closed"
        late = f"{ph['lines_late']} late" + (f" (worst {ph['worst_lateness_h']:.1f} h)" if ph["lines_late"] else "")
        if ph["lines_open"]:
            late += f", {ph['lines_open']} not closed"
        lines.append(f"{phase:8s} closed {closed} (deadline {t(ph['deadline_h'])}); {ph['lines']} lines, {late}; "
                     f"{ph['sorties']} sorties")
    if run.horizon_reached:
        lines.append(f"horizon reached at {t(run.end_h)}: some lines never closed; see movements.csv (troops_left)")
    return "\n".join(lines)


# ------------------------------------------------------------------ compare


def cmd_compare(args) -> int:
    from sim import compare as C
    from sim.errors import Problem
    from sim.scenario import load_scenario_with_warnings

    if len(args.inputs) < 2:
        raise UsageError("sim compare: give at least two scenarios or run folders (the first is the baseline)")
    # 1. check every input before running anything
    problems: list[Problem] = []
    loaded: list = []
    for src in args.inputs:
        p = Path(src)
        try:
            if p.is_dir():
                loaded.append(("folder", C.digest_from_folder(p)))
            else:
                scenario, warnings = load_scenario_with_warnings(p)
                loaded.append(("scenario", (scenario, p.stem, str(p), [str(w) for w in warnings], args.seed)))
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    # 2. run the scenarios, in parallel when there are cores to spare
    from sim.parallel import run_many

    jobs = [item for kind, item in loaded if kind == "scenario"]
    outcomes = iter(run_many(C.run_scenario_digest, jobs, workers=args.workers))
    digests = []
    for kind, item in loaded:
        if kind == "folder":
            digests.append(item)
            continue
        out = next(outcomes)
        if not out.ok:
            raise RuntimeError(f"running {item[2]} failed: {out.error}")
        digests.append(out.value)
    labels = [d.label for d in digests]
    dup_labels = list(labels)
    for i, lab in enumerate(dup_labels):
        if dup_labels.count(lab) > 1:
            digests[i].label = f"{lab}-{i + 1}"
    labels = [d.label for d in digests]
    base = digests[0]
    for d in digests[1:]:
        d.changes = C.scenario_diff(base.resolved, d.resolved)
    paired = None
    if args.replications:
        if any(kind == "folder" for kind, _ in loaded):
            raise UsageError("sim compare --replications: give scenario files, not run folders (they are re-run)")
        paired = paired_replications([item[0] for _, item in loaded], labels, args, args.phase)
    # 3. print and write
    from sim.tables import render

    headers, rows = C.table(digests, args.phase)
    print(f"baseline: {base.label} ({base.summary['scenario']['name']}); other columns: difference to it\n")
    print(render(headers, rows, "l" * len(headers), header_width=16))
    if args.phase != "all":
        print(f"(rows are for the {args.phase} phase; peak/MOG is over the whole run)")
    print()
    for d in digests[1:]:
        print(f"{d.label}: what differs from {base.label}")
        for line in d.changes[:25] or ["(nothing in the resolved scenario)"]:
            print(f"  {line}")
        if len(d.changes) > 25:
            print(f"  ... and {len(d.changes) - 25} more (comparison.json has them all)")
    if paired:
        print(f"\npaired over {paired['replications']} replications with common random numbers (seed {paired['base_seed']}):")
        print(render(["scenario", "phase", "median difference", "90% interval", "P(closes before baseline)"],
                     [[r["label"], r["phase"], C.format_duration_h(r["median_h"]),
                       f"{C.format_duration_h(r['p5_h'])} to {C.format_duration_h(r['p95_h'])}",
                       f"{r['p_earlier']:.1%}"] for r in paired["rows"]]))
    out = Path(args.out) if args.out else Path("outputs") / ("compare-" + "-".join(
        C.short_labels([d.label for d in digests])))[:120]
    write_comparison(digests, args.phase, out, args.svg, paired)
    print(f"\nwrote {out}/ (report.html, comparison.csv, comparison.json, compare_*.png)")
    print(f"open the report: sim view {out}")
    return EXIT_OK


def paired_replications(scenarios, labels, args, phase: str) -> dict:
    """Every scenario run with the same replication seeds; differences to the baseline, pair by pair."""
    import numpy as np

    base_seed = scenarios[0].seed if args.seed is None else args.seed
    results = []
    for scenario, label in zip(scenarios, labels):
        replicas, interrupted = run_replications(scenario, args.replications, base_seed, args.workers, None, label)
        if interrupted:
            raise KeyboardInterrupt
        results.append({r.index: r for r in replicas if r.error is None})
    phases = ("deploy", "withdraw") if phase == "all" else (phase,)
    rows = []
    for label, res in zip(labels[1:], results[1:]):
        for ph in phases:
            common = sorted(set(res) & set(results[0]))
            a = np.array([results[0][i].phases.get(ph, np.inf) for i in common], dtype=float)
            b = np.array([res[i].phases.get(ph, np.inf) for i in common], dtype=float)
            a[np.isnan(a)] = np.inf
            b[np.isnan(b)] = np.inf
            ok = np.isfinite(a) & np.isfinite(b)
            d = b[ok] - a[ok]
            if not len(d):
                continue
            rows.append({"label": label, "phase": ph, "pairs": int(ok.sum()), "median_h": float(np.median(d)),
                         "p5_h": float(np.percentile(d, 5)), "p95_h": float(np.percentile(d, 95)),
                         "p_earlier": float(np.mean(b < a))})
    return {"replications": args.replications, "base_seed": base_seed, "baseline": labels[0], "rows": rows}


def write_comparison(digests, phase: str, out: Path, svg: bool = False, paired: dict | None = None) -> Path:
    import json

    from sim import compare as C
    from sim.report import atomic_dir

    labels = C.short_labels([d.label for d in digests])
    with atomic_dir(out) as tmp:
        (tmp / "comparison.csv").write_text(C.comparison_csv(digests, phase), encoding="utf-8")
        data = C.comparison_dict(digests, phase)
        if paired:
            data["paired_replications"] = paired
        (tmp / "comparison.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        from sim import charts

        phases = C.PHASES if phase == "all" else (phase,)
        charts.draw_compare_charts(digests, labels, phases, tmp, svg=svg)
        from sim.htmlreport import compare_report

        headers, rows = C.table(digests, phase)
        (tmp / "report.html").write_text(compare_report(digests, phase, headers, rows, tmp), encoding="utf-8")
    return out


# ------------------------------------------------------------------ Monte Carlo


def _progress(total: int, desc: str):
    """A tqdm bar on a terminal; nothing when output is not a terminal."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="rep", file=sys.stderr)


def run_replications(scenario, n: int, base_seed: int, workers: int | None, dask: str | None, desc: str):
    """Run n replications; returns (replicas, interrupted)."""
    from sim import montecarlo as M
    from sim.parallel import DaskUnavailable, Interrupted, default_workers, run_many

    if n < 1:
        raise UsageError("the number of replications must be at least 1")
    n_workers = workers or default_workers(n)
    tasks = M.chunks(base_seed, n, n_workers)
    bar = _progress(n, desc)

    def done(outcome):
        if bar is not None and outcome.ok:
            bar.update(len(outcome.value))

    interrupted = False
    try:
        outcomes = run_many(M.replicate, [(scenario, chunk) for chunk in tasks], workers=workers,
                            on_done=done, dask_address=dask)
    except Interrupted as exc:
        outcomes, interrupted = exc.outcomes, True
    except DaskUnavailable as exc:
        raise UsageError(f"sim: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    replicas = []
    for chunk, out in zip(tasks, outcomes):
        if out is None:
            continue
        if out.ok:
            replicas += out.value
        else:  # the whole task failed (e.g. a worker died): record each of its replications
            replicas += [M.Replica(i, seed, {}, {}, {}, 0, 0, 0, {}, {}, __import__("numpy").zeros(0), error=out.error)
                         for i, seed in chunk]
    return replicas, interrupted


def cmd_montecarlo(args) -> int:
    from sim import montecarlo as M
    from sim.report import write_montecarlo
    from sim.scenario import load_scenario_with_warnings

    path = Path(args.scenario)
    scenario, warnings = load_scenario_with_warnings(path)
    for w in warnings:
        print(w, file=sys.stderr)
    if scenario.uncertainty is None or not scenario.uncertainty.active():
        print(f"note: {path} has no uncertainty section; every replication will be the same", file=sys.stderr)
    base = scenario.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else Path("outputs") / f"{path.stem}-mc"
    t0 = time.perf_counter()
    replicas, interrupted = run_replications(scenario, args.replications, base, args.workers, args.dask,
                                             f"{path.stem}")
    wall = time.perf_counter() - t0
    summary = M.summarise(scenario, replicas)
    executor = f"dask {args.dask}" if args.dask else f"{args.workers or 'all'} local worker(s)"
    print(format_montecarlo(scenario, summary, len(replicas), args.replications, wall))
    write_montecarlo(scenario, replicas, summary, out, base, args.replications, interrupted, executor)
    print(f"\nwrote {out}/ (report.html, replications.csv, summary.json, charts)")
    if interrupted:
        print(f"interrupted: kept the {len(replicas)} completed replications", file=sys.stderr)
        return 130
    if summary.failed:
        print(f"{len(summary.failed)} replications failed; see summary.json 'failures' (seed and error)", file=sys.stderr)
        return 3
    return EXIT_OK


def format_montecarlo(scenario, summary, done: int, requested: int, wall: float) -> str:
    from sim.tables import render

    def t(h):
        return "not closed" if h is None or math.isinf(h) or math.isnan(h) else scenario.to_datetime(h).strftime("%d %b %H:%M")

    rows = []
    for m in scenario.movements:
        st = summary.lines[m.id]
        lo, hi = st["p_met_ci95"]
        rows.append([m.id, t(st["deadline_h"]), t(st["p5_h"]), t(st["p50_h"]), t(st["p95_h"]),
                     f"{st['p_met']:.1%}", f"{lo:.1%}-{hi:.1%}"])
    out = [f"{scenario.name}: {summary.n} replications ({len(summary.failed)} failed) of {requested} "
           f"in {wall:.1f} s", "",
           render(["line", "deadline", "P5", "P50", "P95", "P(met)", "95% CI"], rows, "lllllrr"), ""]
    for phase, st in summary.phases.items():
        lo, hi = st["p_met_ci95"]
        out.append(f"{phase:8s} P50 {t(st['p50_h'])}, P95 {t(st['p95_h'])}; P(closed by {t(st['deadline_h'])}) = "
                   f"{st['p_met']:.1%} (95% CI {lo:.1%}-{hi:.1%})")
    drivers = summary.drivers["bound_by"]
    if drivers:
        out.append("late lines were bound by: " + ", ".join(f"{d['wait']} {d['share']:.0%}" for d in drivers[:4]))
    return "\n".join(out)


# ------------------------------------------------------------------ view


def newest_report_dir(root: Path = Path("outputs")) -> Path | None:
    folders = [p.parent for p in root.glob("*/report.html") if not p.parent.name.startswith(".")]
    return max(folders, key=lambda p: ((p / "report.html").stat().st_mtime, p.name)) if folders else None


def can_open_browser() -> bool:
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_server(folder: Path, port: int):
    """An HTTP server for one folder, bound to localhost only."""
    import functools
    import http.server

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the terminal for the URL
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)


def cmd_view(args) -> int:
    folder = Path(args.dir) if args.dir else newest_report_dir()
    if folder is None:
        raise UsageError("sim view: no report found in outputs/; run 'sim run SCENARIO' first, or give a folder")
    report = folder / "report.html"
    if not report.is_file():
        raise UsageError(f"sim view: {report} not found; give a folder written by 'sim run' or 'sim compare'")
    if args.serve is not None:
        try:
            server = make_server(folder, args.serve)
        except OSError as exc:
            raise UsageError(f"sim view: cannot serve on port {args.serve}: {exc.strerror}; try --serve 0") from None
        port = server.server_address[1]
        print(f"serving {folder}/ at http://127.0.0.1:{port}/report.html (localhost only; Ctrl-C to stop)", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
        return EXIT_OK
    if can_open_browser():
        import webbrowser

        if webbrowser.open(report.resolve().as_uri()):
            print(f"opened {report}")
            return EXIT_OK
    print(f"no browser can open here; the report is {report.resolve()}\n"
          f"copy it to your machine, or run: sim view {folder} --serve  (then forward the port over SSH)")
    return EXIT_OK


# ------------------------------------------------------------------ validate and schema


def cmd_validate(args) -> int:
    import yaml

    from sim.scenario import load_scenario_with_warnings

    status = EXIT_OK
    for f in args.files:
        try:
            s, warnings = load_scenario_with_warnings(Path(f))
        except ScenarioError as exc:
            print(exc)
            status = max(status, EXIT_INVALID)
            continue
        except Exception as exc:  # noqa: BLE001 - one broken file must not hide the others' problems
            print(f"{f}: internal error while checking: {type(exc).__name__}: {exc} (please report it)")
            status = EXIT_INTERNAL if status == EXIT_OK else status
            continue
        troops = sum(c.troops for c in s.contingents)
        vehicles = sum(sum(c.equipment.values()) for c in s.contingents)
        tails = sum(f_.count for f_ in s.fleet)
        print(f"{f}: ok: {len(s.contingents)} contingents, {troops} troops, {vehicles} vehicles, "
              f"{len(s.movements)} movement lines, {len(s.aircraft)} aircraft types, {tails} aircraft")
        for w in warnings:
            print(w)
        if args.resolved:
            print(yaml.safe_dump(s.resolved(), sort_keys=False, allow_unicode=True, width=110))
    return status


def cmd_schema(args) -> int:
    import json

    from sim.scenario import json_schema

    print(json.dumps(json_schema(), indent=2))
    return EXIT_OK
