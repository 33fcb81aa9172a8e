"""Command line: `sim run`, `sim validate`, `sim schema`. The only module that prints or exits.

Exit codes: 0 ran; 2 invalid input or usage, or an output folder that cannot be written (one line per
problem, nothing written); 1 internal error (traceback only with --debug); 3 Monte Carlo finished with
failed replications; 130 SIGINT, 143 SIGTERM (docs/fault-model.md).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import math
import os
import sys
import time
import traceback
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeAlias

from sim import __version__, tableimport
from sim.errors import OutputFolderError, ScenarioError
from sim.extras import MissingDependency
from sim.vocabulary import CHART_DPI, PHASES, utc_label

if TYPE_CHECKING:  # the run path imports results only once a scenario is valid
    from http.server import ThreadingHTTPServer

    from tqdm import tqdm

    from sim.api import RunResult
    from sim.chartpool import ChartPool
    from sim.comparison import ComparisonResult
    from sim.replications import Summary
    from sim.results import Results, Totals
    from sim.scenario import Scenario
    from sim.sizing import SizingResult

    Subparsers: TypeAlias = "argparse._SubParsersAction[_Parser]"

EXIT_OK, EXIT_INTERNAL, EXIT_INVALID, EXIT_FAILED_REPLICATIONS = 0, 1, 2, 3
WRITE_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG)


def _nonneg_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _pos_int(text: str) -> int:
    value = _nonneg_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


MAX_DPI = 1200  # a 12-inch chart is then 14400 pixels wide


def _dpi(text: str) -> int:
    value = _pos_int(text)
    if value > MAX_DPI:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_DPI}, got {value}")
    return value


class UsageError(Exception):
    """Bad command-line usage; printed as one line, exit 2."""


REF = "scenarios/csto_kazakhstan_2022.yaml"
EXAMPLES: dict[str, tuple[str, ...]] = {  # shown at the end of each command's --help
    "run": (f"sim run {REF}", f"sim run {REF} --seed 7 -o outputs/ref-seed7 --no-svg"),
    "validate": ("sim validate scenarios/*.yaml", f"sim validate {REF} --resolved"),
    "compare": (f"sim compare {REF} scenarios/csto_russia_first.yaml",
                "sim compare outputs/csto_kazakhstan_2022 scenarios/csto_russia_first.yaml --phase withdraw"),
    "montecarlo": ("sim montecarlo scenarios/csto_kazakhstan_2022_uncertain.yaml -n 500 --seed 1",),
    "sweep": (f"sim sweep {REF} --vary 'fleet[il-76md@ivanovo].count=4,8,16'",
              f"sim sweep {REF} --vary 'airfields[almaty].mog=2:8:2' --vary 'planning.taxi_h=0.25,0.5'"),
    "size-fleet": (f"sim size-fleet {REF} --type il-76md",
                   "sim size-fleet scenarios/csto_kazakhstan_2022_uncertain.yaml --type il-76md --replications 50 "
                   "--confidence 0.9"),
    "view": ("sim view outputs/csto_kazakhstan_2022", "sim view --serve 0"),
    "schema": ("sim schema > scenario.schema.json", "sim schema --variant"),
    "completion": ("sim completion bash > ~/.local/share/bash-completion/completions/sim", "sim completion zsh"),
    "import": tableimport.EXAMPLES,
}


def all_examples() -> dict[str, tuple[str, ...]]:
    """EXAMPLES, and `sim plan`'s: the first example of each of its questions (sim.plan)."""
    from sim import plan

    questions = tuple(mod.EXAMPLES[0] for mod in plan.modules())
    return {**EXAMPLES, **({"plan": questions} if questions else {})}


class _Parser(argparse.ArgumentParser):
    """argparse with errors raised as UsageError and, for each command, examples below its help."""

    def __init__(self, *args: Any, examples: tuple[str, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.examples = examples

    def format_help(self) -> str:
        """The usual help, then the command's examples, one a line (never re-wrapped)."""
        text = super().format_help()
        return text + "\nexamples:\n" + "".join(f"  {e}\n" for e in self.examples) if self.examples else text

    def error(self, message: str) -> NoReturn:  # argparse would exit 2 itself; keep one path for messages
        """Raise the message as a UsageError (pointing to --help) instead of printing usage and exiting."""
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The `sim` argument parser with all its commands."""
    p = _Parser(
        prog="sim",
        description="Troop deployment timeline simulator: run YAML scenarios of airlift and road moves "
        "through a discrete-event engine and report which deadlines are met.",
        epilog="Exit codes: 0 ran (also when standard output was closed early: the output folder is still "
        "written), 2 invalid input or usage, or the output folder cannot be written (nothing written), "
        "1 internal error, 3 finished but some Monte Carlo replications failed (recorded with their seeds), "
        "130 interrupted by SIGINT (Ctrl-C), 143 by SIGTERM (what finished is kept; no partial folder). "
        "See docs/fault-model.md.",
    )
    p.add_argument("--version", action="version", version=f"sim {__version__}")
    p.add_argument("--debug", action="store_true", help="show a traceback on internal errors")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    for add in (_add_run, _add_validate, _add_compare, _add_montecarlo, _add_sweep, _add_size_fleet, _add_view,
                _add_schema, _add_completion, _add_import, _add_plan):
        add(sub)
    examples = all_examples()
    for name, command in sub.choices.items():
        command.examples = examples.get(name, ())
    return p

def _add_run(sub: Subparsers) -> None:
    run = sub.add_parser("run", help="simulate one scenario and write its output folder",
                         description="Simulate one scenario: print the movement table and write sorties.csv, "
                         "movements.csv, summary.json, scenario.resolved.yaml and charts (not with --no-charts) to "
                         "DIR. The table is printed as soon as the run ends, before the folder is written. On a "
                         "terminal, "
                         "LATE and OPEN lines are marked in red (set NO_COLOR to turn colour off).")
    run.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    run.add_argument("-o", "--out", metavar="DIR", help="output folder (default: outputs/<scenario file stem>/)")
    run.add_argument("--seed", type=_nonneg_int, metavar="N", help="random seed (default: the scenario's seed)")
    _svg_option(run)
    _dpi_option(run)
    run.add_argument("--no-charts", dest="charts", action="store_false",
                     help="draw no PNG or SVG charts (every table, JSON, YAML, GeoJSON, KML and report.html, "
                     "its interactive charts included, are still written): much faster, for scripts")
    run.add_argument("--format", choices=("csv", "parquet"), default="csv",
                     help="tables as CSV (always written) or also as Parquet files, typed, time zones kept "
                     "(needs the analysis extra: pip install -e '.[analysis]' in the clone)")
    run.add_argument("--xlsx", action="store_true",
                     help="also write workbook.xlsx: Lines, Sorties, Airfields, In theatre and Scenario sheets "
                     "(needs the analysis extra: pip install -e '.[analysis]' in the clone)")
    run.add_argument("--bound", action="store_true",
                     help="also bound each phase's closure from below (a relaxation solved with HiGHS, as sim plan "
                     "bound) and show the gap: what a better dispatcher could at most gain (needs the plan extra: "
                     "pip install -e '.[plan]' in the clone)")
    run.add_argument("--timings", action="store_true", help="print how long each stage took")
    quiet = run.add_mutually_exclusive_group()
    quiet.add_argument("-q", "--quiet", action="store_true", help="print nothing but warnings and errors")
    quiet.add_argument("-v", "--verbose", action="store_true",
                       help="also print the run's notes, every file written with its size, and the stage timings")
    quiet.add_argument("--json", action="store_true",
                       help="print summary.json to standard output instead of the table (for scripts)")

def _add_validate(sub: Subparsers) -> None:
    val = sub.add_parser("validate", help="check scenario files without running them",
                         description="Check scenario files: prints 'ok' and a summary per valid file, or every "
                         "problem as file:line:column: path: message. Exit 0 when all are valid, 2 otherwise.")
    val.add_argument("files", nargs="+", metavar="FILE", help="scenario YAML files")
    val.add_argument("--resolved", action="store_true", help="print the merged scenario with every default filled in")

def _add_compare(sub: Subparsers) -> None:
    cmp = sub.add_parser("compare", help="run several scenarios and compare them with the first",
                         description="Run each scenario (or read a finished run folder instead of a YAML file) and "
                         "print a side-by-side table: the first input is the baseline, the others show their "
                         "difference to it. Writes comparison.csv, comparison.json and charts to DIR.")
    cmp.add_argument("inputs", nargs="+", metavar="SCENARIO_OR_RUN_DIR",
                     help="scenario YAML files or run folders written by 'sim run'; the first is the baseline")
    cmp.add_argument("-o", "--out", metavar="DIR", help="output folder (default: outputs/compare-<stems>/)")
    cmp.add_argument("--phase", choices=[*PHASES, "all"], default="all",
                     help="which phase to compare (default: all)")
    cmp.add_argument("--seed", type=_nonneg_int, metavar="N",
                     help="seed for every scenario (default: each scenario's seed)")
    cmp.add_argument("--workers", type=_workers, metavar="K",
                     help="parallel processes (default: one per core; 1 runs in-process)")
    _svg_option(cmp)
    _dpi_option(cmp)
    cmp.add_argument("--replications", type=_pos_int, metavar="N",
                     help="also run N replications of every scenario with the same seeds and report the paired "
                     "difference in completion to the baseline")

def _add_montecarlo(sub: Subparsers) -> None:
    mc = sub.add_parser("montecarlo", help="run many replications under the scenario's uncertainty",
                        description="Run N replications of a scenario with its `uncertainty` section (delays, "
                        "breakdowns, weather, road speeds). Replication i uses a seed derived from (SEED, i), so "
                        "results do not depend on the number of workers. Writes replications.csv, summary.json, "
                        "charts and report.html to DIR. Exit 0 when every replication ran, 3 when some failed "
                        "(recorded with their seeds and errors; a replication whose worker process dies is tried "
                        "once more alone), 130 when interrupted by SIGINT and 143 by SIGTERM (completed "
                        "replications are kept).")
    mc.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file (with an uncertainty section)")
    mc.add_argument("-n", "--replications", type=_pos_int, default=200, metavar="N", help="replications (default 200)")
    mc.add_argument("--seed", type=_nonneg_int, metavar="S", help="base seed (default: the scenario's seed)")
    mc.add_argument("--workers", type=_workers, metavar="K",
                    help="local processes (default: one per core; 1 runs in-process)")
    dask_option(mc, "replications")
    mc.add_argument("-o", "--out", metavar="DIR", help="output folder (default: outputs/<scenario stem>-mc/)")
    _svg_option(mc)
    _dpi_option(mc)

def _add_sweep(sub: Subparsers) -> None:
    sw = sub.add_parser("sweep", help="run a grid of variants of one scenario",
                        description="Vary fields of the resolved scenario over a grid and run every point. PATH "
                        "addresses a field by ids: fleet[il-76md@ivanovo].count, airfields[almaty].mog, "
                        "movements[ru-withdraw-ivanovo-13].ready, planning.taxi_h. VALUES: start:stop:step "
                        "(inclusive) or a comma list; on time fields +24h / -6h shift the field's own value.")
    sw.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    sw.add_argument("--vary", action="append", required=True, metavar="PATH=VALUES",
                    help="a field and its values; repeat for a grid (at most 3)")
    sw.add_argument("--replications", type=_pos_int, metavar="N",
                    help="run N replications per point (P50/P90, P(all met))")
    _batch_options(sw, "outputs/<stem>-sweep/", "points")
    _dpi_option(sw)

def _add_size_fleet(sub: Subparsers) -> None:
    sf = sub.add_parser("size-fleet", help="find the smallest fleet of a type that meets every deadline",
                        description="Find the smallest number of tails of TYPE (spread over its fleets in proportion "
                        "to their counts) for which every deadline of the phase is met, deterministically or with "
                        "at least --confidence probability over --replications. Bisection, then the neighbours "
                        "of the answer are checked because completion need not be monotone in the fleet size.")
    sf.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")
    sf.add_argument("--type", required=True, metavar="TYPE", help="aircraft type id, e.g. il-76md")
    sf.add_argument("--fleet", action="append", metavar="ID",
                    help="scale only this fleet of TYPE (repeat for several; default: the fleets of TYPE that may "
                    "fly a line of the phase)")
    sf.add_argument("--phase", choices=[*PHASES, "all"], default="withdraw",
                    help="whose deadlines must be met (default: withdraw)")
    sf.add_argument("--confidence", type=float, metavar="P", help="required probability (needs --replications)")
    sf.add_argument("--replications", type=_pos_int, metavar="N", help="replications per fleet size")
    sf.add_argument("--max", type=_pos_int, metavar="N",
                    help="largest fleet to try (default: 4x the scenario's, at least 16)")
    _batch_options(sf, "outputs/<stem>-size-<type>/", "replications of each size (with --replications)")
    _dpi_option(sf)

def _port(text: str) -> int:
    """A TCP port for --serve: a whole number from 0 (any free port) to 65535."""
    value = _nonneg_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"must be a port from 0 to 65535, got {value}")
    return value


def _add_view(sub: Subparsers) -> None:
    view = sub.add_parser("view", help="open a run's or comparison's report.html",
                          description="Open DIR/report.html in the default browser (the newest folder in outputs/ "
                          "when DIR is omitted). Where no browser can open (e.g. over SSH), print the path; "
                          "--serve serves the report's files on localhost only and prints the URL.")
    view.add_argument("dir", nargs="?", metavar="DIR", help="run or compare folder (default: newest in outputs/)")
    view.add_argument("--serve", nargs="?", const=8000, type=_port, metavar="PORT",
                      help="serve the report at http://127.0.0.1:PORT/ (default port 8000; 0 picks a free one); "
                           "only the report's own files, to this machine only")

def _add_import(sub: Subparsers) -> None:
    imp = sub.add_parser("import", help=tableimport.HELP, description=tableimport.DESCRIPTION)
    tableimport.configure_parser(imp)


def _add_plan(sub: Subparsers) -> None:
    from sim import plan

    p = sub.add_parser("plan", help=plan.HELP, description=plan.__doc__.splitlines()[0] if plan.__doc__ else None)
    p.set_defaults(plan_help=p.format_help)
    questions = p.add_subparsers(dest="plan_question", metavar="QUESTION", parser_class=_Parser)
    for mod in plan.modules():
        q = questions.add_parser(mod.NAME, help=mod.HELP, description=mod.DESCRIPTION)
        mod.configure_parser(q)
        q.examples = mod.EXAMPLES
        q.set_defaults(plan_cmd=mod.cmd)


def cmd_plan(args: argparse.Namespace) -> int:
    """`sim plan QUESTION ...`: the question's own command; its list when none is given."""
    if getattr(args, "plan_cmd", None) is None:
        print(args.plan_help(), file=sys.stderr)
        return EXIT_INVALID
    code: int = args.plan_cmd(args)
    return code


def _add_schema(sub: Subparsers) -> None:
    sch = sub.add_parser("schema", help="print the JSON Schema of the scenario format",
                         description="Print the JSON Schema of the scenario format (for editors).")
    sch.add_argument("--variant", action="store_true",
                     help="the schema of a file that extends another (nothing required; items may say remove: true)")

def _add_completion(sub: Subparsers) -> None:
    comp = sub.add_parser("completion", help="print a shell completion script",
                          description="Print a completion script for bash or zsh. Load it for this shell with "
                          "`source <(sim completion bash)`, or save it where your shell reads completions "
                          "(e.g. ~/.local/share/bash-completion/completions/sim).")
    comp.add_argument("shell", choices=["bash", "zsh"], help="the shell to complete in")


def _svg_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--svg", action=argparse.BooleanOptionalAction, default=True,
                   help="also write each chart as SVG beside its PNG, for zooming (default: yes; --no-svg is faster)")


def _dpi_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dpi", type=_dpi, default=CHART_DPI, metavar="N",
                   help=f"resolution of the PNG charts in dots per inch (default: {CHART_DPI}; 300 for print)")


def dask_option(p: argparse.ArgumentParser, what: str) -> None:
    """--dask ADDRESS: the batch runner sends `what` to a Dask cluster instead of local processes."""
    p.add_argument("--dask", metavar="ADDRESS", help=f"send the {what} to a Dask cluster instead of local processes, "
                   "e.g. tcp://host:8786 (needs the dask extra: pip install '.[dask]' in the clone)")


def _batch_options(p: argparse.ArgumentParser, default_out: str, dask: str) -> None:
    """--seed, --workers, --dask and -o as the batch commands share them; `dask` names what goes to the cluster."""
    p.add_argument("--seed", type=_nonneg_int, metavar="S", help="base seed for replications (default: the scenario's)")
    p.add_argument("--workers", type=_workers, metavar="K", help="parallel processes (default: one per core)")
    dask_option(p, dask)
    p.add_argument("-o", "--out", metavar="DIR", help=f"output folder (default: {default_out})")


def check_output_folder(out: Path, inputs: Iterable[str | Path] = ()) -> None:
    """Fail before any work when the output folder could not be written or would replace one of the command's
    `inputs`: checked, its parents created and a temporary folder made and removed beside it (sim.report)."""
    from sim.report import probe_output_folder

    probe_output_folder(out, [Path(p) for p in inputs])


def output_dir(given: str | None, default: Path) -> Path:
    """The -o folder, or the default when -o is not given; UsageError for an empty -o."""
    if given is None:
        return default
    if not given.strip():
        raise UsageError("sim: -o needs a folder name (got an empty one)")
    return Path(given)


def _workers(text: str) -> int:
    """--workers: a whole number from 1 to sim.parallel.max_workers() (4 per core, at most 256)."""
    from sim.parallel import max_workers

    value = _pos_int(text)
    if value > max_workers():
        raise argparse.ArgumentTypeError(f"at most {max_workers()} worker processes here (4 per core, at most 256), "
                                         f"got {value}")
    return value


class Timer:
    """Wall-clock seconds per named stage (summed when a stage repeats); time one with `with timer(name):`."""

    def __init__(self) -> None:
        self.stages: dict[str, float] = {}

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.stages[name] = self.stages.get(name, 0.0) + time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """Run `sim` on argv (default: sys.argv[1:]) and return its exit code; errors are printed, not raised."""
    for stream in (sys.stdout, sys.stderr):  # a terminal that cannot encode a character shows '?', not a crash
        getattr(stream, "reconfigure", lambda **_: None)(errors="replace")
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]  # accepted anywhere on the line, not only before the command
    with _signals_handled(), _stdout_may_close():
        return _run_command(argv, debug)


@contextlib.contextmanager
def _signals_handled() -> Iterator[None]:
    """SIGTERM raises sim.parallel.Terminated (handled like Ctrl-C, exit 143) inside; the handler before is restored."""
    import signal
    import threading

    from sim.parallel import forget_signals, install_signal_handlers

    if threading.current_thread() is not threading.main_thread():
        forget_signals()  # no handler here; a signal an earlier command saw is not this one's
        yield
        return
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    install_signal_handlers()
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])


class _QuietStdout:
    """sys.stdout that, once its reader has gone (BrokenPipeError: `sim run ... | head`), sends the rest of the
    output to os.devnull, so that the command still finishes and writes its folder."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write, or drop silently once the reader has gone."""
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._silence()
            return len(text)

    def flush(self) -> None:
        """Flush, or drop silently once the reader has gone."""
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._silence()

    def _silence(self) -> None:
        """Point the stream's file descriptor at os.devnull (so that the interpreter's last flush succeeds
        too) and write to os.devnull from now on."""
        with contextlib.suppress(OSError, ValueError, AttributeError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self.stream.fileno())
            os.close(devnull)
        self.stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115  (closed at exit)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextlib.contextmanager
def _stdout_may_close() -> Iterator[None]:
    """Inside, a closed standard output stops the printing silently, never the work (see _QuietStdout)."""
    real = sys.stdout
    quiet = _QuietStdout(real)
    sys.stdout = quiet
    try:
        yield
    finally:
        quiet.flush()
        sys.stdout = real


def _run_command(argv: list[str], debug: bool) -> int:
    """Parse argv and run its command; every error becomes a message on stderr and an exit code."""
    from sim.parallel import Interrupted, interrupt_code, signalled

    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_INVALID
        commands = {"run": cmd_run, "validate": cmd_validate, "compare": cmd_compare, "montecarlo": cmd_montecarlo,
                    "sweep": cmd_sweep, "size-fleet": cmd_size_fleet, "view": cmd_view, "schema": cmd_schema,
                    "completion": cmd_completion, "import": tableimport.cmd_import, "plan": cmd_plan}
        return commands[args.command](args)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except OutputFolderError as exc:
        print(f"sim: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except MissingDependency as exc:  # an optional extra a command needs: its message says what to install
        print(f"sim: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (sim.parallel.Terminated): nothing half-written is kept
        return _interrupted(interrupt_code(exc))
    except Interrupted as exc:  # a batch stopped by Ctrl-C or SIGTERM, with nothing to keep
        return _interrupted(exc.code)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # a full disk or a read-only target found while writing: nothing half-written is kept
        if exc.errno not in WRITE_ERRNOS:
            return _internal_error(exc, debug)
        print(f"sim: cannot write {exc.filename or 'the output'}: {exc.strerror}; nothing written "
              "(free space or choose another -o)", file=sys.stderr)
        return EXIT_INVALID
    except Exception as exc:  # the one place internal errors are caught
        if isinstance(exc, ImportError) and signalled():  # a signal inside an import: numpy reports it so
            return _interrupted(interrupt_code())
        return _internal_error(exc, debug)


def _interrupted(code: int) -> int:
    """Say that the command was interrupted and wrote nothing; return its exit code (130 or 143)."""
    print(f"interrupted ({'SIGTERM' if code == 143 else 'SIGINT'}); nothing written", file=sys.stderr)
    return code


def _internal_error(exc: Exception, debug: bool) -> int:
    """Report an internal error (a traceback with --debug) and return its exit code."""
    if debug:
        traceback.print_exc()
    else:
        print(f"sim: internal error: {type(exc).__name__}: {exc} (run again with --debug for a traceback)",
              file=sys.stderr)
    return EXIT_INTERNAL


# ------------------------------------------------------------------ run


def cmd_run(args: argparse.Namespace) -> int:
    """`sim run`: simulate one scenario, print its movement table and write its output folder; exit code."""
    timer = Timer()
    path = Path(args.scenario)
    # chart workers start now and import matplotlib while this process loads and simulates (none with --no-charts)
    with _chart_pool(args.charts) as pool:
        from sim.loading import load

        with timer("load"):
            scenario, warnings = load(path)
        for w in warnings:
            print(w, file=sys.stderr)
        out = output_dir(args.out, Path("outputs") / path.stem)
        check_output_folder(out, [path])
        _check_analysis_extra(args)
        from sim import api

        result = api.run(scenario, args.seed, timer=timer, bound=args.bound)
        result.warnings = warnings
        if not (args.quiet or args.json):
            print(highlight_late(format_run(result.results), colour_wanted(sys.stdout)), flush=True)
        from sim.report import write_run

        write_run(result.results, out, [str(w) for w in result.warnings], svg=args.svg, timer=timer,
                  chart_pool=pool, parquet=args.format == "parquet", xlsx=args.xlsx, dpi=args.dpi, charts=args.charts)
    _after_run(args, result, out, timer)
    return EXIT_OK


def _chart_pool(charts: bool) -> contextlib.AbstractContextManager[ChartPool | None]:
    """The chart workers of `sim run` (sim.chartpool), or none when no charts are drawn."""
    if not charts:
        return contextlib.nullcontext()
    from sim.chartpool import ChartPool

    return ChartPool()


def _check_analysis_extra(args: argparse.Namespace) -> None:
    """--format parquet and --xlsx need the analysis extra: say so before anything runs."""
    import importlib.util

    needed = (["pandas", "pyarrow"] if args.format == "parquet" else []) + (["openpyxl"] if args.xlsx else [])
    missing = [m for m in needed if importlib.util.find_spec(m) is None]
    if missing:
        option = "--format parquet" if args.format == "parquet" else "--xlsx"
        from sim.extras import INSTALL_HINT

        raise UsageError(f"sim run {option} needs {' and '.join(missing)}: {INSTALL_HINT}")


def _after_run(args: argparse.Namespace, result: RunResult, out: Path, timer: Timer) -> None:
    """What `sim run` prints once the folder is written: where it is, or (--json) the summary alone."""
    if args.json:
        from sim.report import summary_dict

        print(json.dumps(summary_dict(result.results, [str(w) for w in result.warnings]), indent=2))
    elif args.verbose:
        _print_verbose(result, out)
    elif not args.quiet:
        print(f"\nwrote {out}/ (report.html, sorties.csv, movements.csv, summary.json, scenario.resolved.yaml"
              + (", charts)" if args.charts else ")"))
        print(f"open the report: sim view {out}")
    if args.timings or args.verbose:
        print("timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in timer.stages.items()),
              file=sys.stderr if args.json else sys.stdout)


def _print_verbose(result: RunResult, out: Path) -> None:
    """-v: the run's notes, then every file written with its size."""
    for note in result.results.notes:
        print(f"note: {note}")
    files = sorted(p for p in out.iterdir() if p.is_file() and not p.name.startswith("."))
    print(f"\nwrote {out}/, {len(files)} files:")
    for p in files:
        print(f"  {p.name:28s} {p.stat().st_size / 1024:8.1f} KiB")
    print(f"open the report: sim view {out}")


RED, RESET = "\033[1;31m", "\033[0m"


def colour_wanted(stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org) or TERM is dumb."""
    return stream.isatty() and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"


def highlight_late(table: str, colour: bool) -> str:
    """The run table with each LATE or OPEN status (the last column) in bold red when `colour`."""
    if not colour:
        return table
    lines = []
    for line in table.split("\n"):
        for status in ("LATE", "OPEN"):
            if line.endswith(f"  {status}"):
                line = line[: -len(status)] + f"{RED}{status}{RESET}"
        lines.append(line)
    return "\n".join(lines)


def _surface_counts(tot: Totals) -> str:
    """'serials 2, trains 1, ' for the run summary ('' when nothing moved by road or rail)."""
    parts = [f"{word} {n}" for word, n in (("serials", tot.serials), ("trains", tot.trains)) if n]
    return ", ".join(parts) + ", " if parts else ""


def format_run(res: Results) -> str:
    """The terminal summary of a run: the movement table, why lines are late or open, notes, totals, phases."""
    from sim.tables import hours, render

    run = res.run
    s = run.scenario
    t = s.short

    rows = []
    for r in res.lines:
        rows.append([r.id, r.contingent, r.phase, r.mode, str(r.troops), str(r.vehicles), t(r.ready_h),
                     t(r.deadline_h), t(r.closed_h) if r.status != "OPEN" else "not closed",
                     hours(r.slack_h), r.status])
    table = render(["line", "cont.", "phase", "mode", "troops", "veh", "ready", "deadline", "closed", "slack h",
                    "status"], rows, "llllrrlllrl")
    reasons = [f"  {r.id}: {r.bound_by}" for r in res.lines if r.bound_by]
    if reasons:  # below the table, so that the table stays narrow; the same text is in movements.csv
        table += "\n\nlate or open because:\n" + "\n".join(reasons)
    if res.notes:
        table += "\n\nnotes:\n" + "\n".join(f"  {n}" for n in res.notes)
    tot = res.totals
    lines = [f"{s.name}  (seed {run.seed}; times local at {utc_label(s.start.tzinfo)})", "", table, ""]
    lines.append(f"sorties {tot.sorties} ({tot.loaded_sorties} loaded, {tot.reposition_sorties} empty), "
                 f"{_surface_counts(tot)}flying {tot.flying_h:.0f} h")
    lines.append(f"take-offs {t(tot.first_takeoff_h)} to {t(tot.last_takeoff_h)}, "
                 f"last landing {t(tot.last_landing_h)}")
    for phase, ph in res.phases.items():
        closed = f"closed {t(ph.closed_h)}" if not math.isnan(ph.closed_h) else "not closed"
        late = f"{ph.lines_late} late" + (f" (worst {ph.worst_lateness_h:.1f} h)" if ph.lines_late else "")
        if ph.lines_open:
            late += f", {ph.lines_open} not closed"
        lines.append(f"{phase:8s} {closed} (deadline {t(ph.deadline_h)}); {ph.lines} lines, {late}; "
                     f"{ph.sorties} sorties")
    for phase, g in res.bounds.items():
        lines.append(f"{phase:8s} bound {t(g.bound_h)} (no dispatch closes it earlier), gap {g.gap_h:.1f} h; "
                     f"tight at the bound: {g.binding}")
    if run.horizon_reached:
        lines.append(f"horizon reached at {t(run.end_h)}: some lines never closed; see movements.csv (troops_left)")
    return "\n".join(lines)


# ------------------------------------------------------------------ compare


def cmd_compare(args: argparse.Namespace) -> int:
    """`sim compare`: run (or read) every input, print the comparison with the first, write its folder; exit code."""
    from sim import comparison

    if len(args.inputs) < 2:
        raise UsageError("sim compare: give at least two scenarios or run folders (the first is the baseline)")
    given = output_dir(args.out, Path("outputs"))
    if args.out is not None:
        check_output_folder(given, args.inputs)
    else:  # the default folder's name needs the runs' labels: check now that outputs/ can take it
        from sim.report import check_output_folder as check_only

        check_only(Path("outputs") / ".compare")
    bars = _Bars(args.replications or 0)
    try:
        result = comparison.compare(args.inputs, phase=args.phase, seed=args.seed, replications=args.replications,
                                    workers=args.workers, on_progress=bars.update)
    except ValueError as exc:
        raise UsageError(f"sim compare: {exc}") from None
    finally:
        bars.close()
    out = given if args.out is not None else Path("outputs") / ("compare-" + "-".join(
        comparison.short_labels(result.labels)))[:120]
    if args.out is None:
        check_output_folder(out, args.inputs)
    _print_comparison(result)
    result.write(out, args.svg, dpi=args.dpi)
    print(f"\nwrote {out}/ (report.html, comparison.csv, comparison.json, compare_*.png)")
    print(f"open the report: sim view {out}")
    return EXIT_OK


def _print_comparison(result: ComparisonResult) -> None:
    """The side-by-side table, what each variant changes, and the paired replications."""
    from sim.comparison import short_labels
    from sim.tables import render
    from sim.timeparse import format_duration_h

    digests, base = result.digests, result.digests[0]
    headers, rows = result.table()
    print(f"baseline: {base.label} ({base.summary['scenario']['name']}); other columns: difference to it\n")
    print(render(headers, rows, "l" * len(headers), header_width=20))
    if result.phase != "all":
        print(f"(rows are for the {result.phase} phase; peak/MOG is over the whole run)")
    print()
    for d, short in zip(digests[1:], short_labels(result.labels)[1:]):
        print(f"{short}: what differs from {base.label}")
        for line in d.changes[:25] or ["(nothing in the resolved scenario)"]:
            print(f"  {line}")
        if len(d.changes) > 25:
            print(f"  ... and {len(d.changes) - 25} more (comparison.json has them all)")
    if result.paired:
        p = result.paired
        print(f"\npaired over {p.replications} replications with common random numbers (seed {p.base_seed}):")
        print(render(["scenario", "phase", "median difference", "90% interval", "P(closes before baseline)"],
                     [[r.label, r.phase, format_duration_h(r.median_h),
                       f"{format_duration_h(r.p5_h)} to {format_duration_h(r.p95_h)}",
                       f"{r.p_earlier:.1%}"] for r in p.rows]))


class _Bars:
    """One progress bar per label, on a terminal only, for batches of `total` replications each."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bars: dict[str, tqdm | None] = {}

    def update(self, label: str, k: int) -> None:
        """k more replications of `label` finished."""
        if label not in self.bars:
            self.close()
            self.bars[label] = _progress(self.total, label)
        bar = self.bars[label]
        if bar is not None:
            bar.update(k)

    def close(self) -> None:
        """Close every bar shown."""
        for bar in self.bars.values():
            if bar is not None:
                bar.close()


# ------------------------------------------------------------------ Monte Carlo


def _progress(total: int, desc: str, unit: str = "rep") -> tqdm | None:
    """A tqdm bar on a terminal; nothing when output is not a terminal."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)


def cmd_montecarlo(args: argparse.Namespace) -> int:
    """`sim montecarlo`: run replications, print a summary, write the folder; exit 3: some failed, 130/143: interrupted
    (by SIGINT/SIGTERM; the completed replications are written)."""
    from sim.loading import load
    from sim.parallel import DaskUnavailable, interrupt_code
    from sim.replications import montecarlo

    path = Path(args.scenario)
    scenario, warnings = load(path)
    for w in warnings:
        print(w, file=sys.stderr)
    if scenario.uncertainty is None or not scenario.uncertainty.active():
        print(f"note: {path} has no uncertainty section; every replication will be the same", file=sys.stderr)
    out = output_dir(args.out, Path("outputs") / f"{path.stem}-mc")
    check_output_folder(out, [path])
    t0 = time.perf_counter()
    bar = _progress(args.replications, path.stem)
    try:
        result = montecarlo(scenario, args.replications, seed=args.seed, workers=args.workers, dask=args.dask,
                            on_progress=bar.update if bar is not None else None)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    except DaskUnavailable as exc:
        raise UsageError(f"sim: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    summary = result.summary
    if result.interrupted and not summary.n:
        print("interrupted before any replication finished; nothing written", file=sys.stderr)
        return interrupt_code()
    print(format_montecarlo(scenario, summary, len(result.replicas), args.replications, time.perf_counter() - t0))
    result.write(out, svg=args.svg, dpi=args.dpi)
    print(f"\nwrote {out}/ (report.html, replications.csv, summary.json, charts)")
    if result.interrupted:
        print(f"interrupted: kept the {len(result.replicas)} completed replications", file=sys.stderr)
        return interrupt_code()
    if summary.failed:
        print(f"{len(summary.failed)} replications failed; see summary.json 'failures' (seed and error)",
              file=sys.stderr)
        return EXIT_FAILED_REPLICATIONS
    return EXIT_OK


def _pct(p: float | None) -> str:
    """A probability as '12.3%', or '-' when there is none (no replication finished)."""
    return "-" if p is None or math.isnan(p) else f"{p:.1%}"


def _ci(lo: float | None, hi: float | None) -> str:
    """An interval of probabilities as '1.0%-9.0%', or '-' when there is none."""
    return "-" if lo is None or hi is None or math.isnan(lo) or math.isnan(hi) else f"{lo:.1%}-{hi:.1%}"


def format_montecarlo(scenario: Scenario, summary: Summary, done: int, requested: int, wall: float) -> str:
    """The terminal summary of a batch: percentiles and P(met) per line and phase, P(every line on time), drivers."""
    from sim.tables import render

    def t(h: float | None) -> str:
        return scenario.short(h, missing="not closed" if summary.n else "-")

    rows = []
    for m in scenario.movements:
        st = summary.lines[m.id]
        lo, hi = st.p_met_ci95
        rows.append([m.id, t(st.deadline_h), t(st.p5_h), t(st.p50_h), t(st.p95_h), _pct(st.p_met),
                     _ci(lo, hi)])
    out = [f"{scenario.name}: {summary.n} replications ({len(summary.failed)} failed) of {requested} "
           f"in {wall:.1f} s", "",
           render(["line", "deadline", "P5", "P50", "P95", "P(met)", "95% CI"], rows, "lllllrr"), ""]
    for phase, st in summary.phases.items():
        lo, hi = st.p_met_ci95
        out.append(f"{phase:8s} P50 {t(st.p50_h)}, P95 {t(st.p95_h)}; P(closed by {t(st.deadline_h)}) = "
                   f"{_pct(st.p_met)} (95% CI {_ci(lo, hi)})")
    lo, hi = summary.all_met.ci95
    out.append(f"every line on time: {_pct(summary.all_met.p)} (95% CI {_ci(lo, hi)})")
    drivers = summary.drivers.bound_by
    if drivers:
        out.append("late lines were bound by: " + ", ".join(f"{d.wait} {d.share:.0%}" for d in drivers[:4]))
    return "\n".join(out)


# ------------------------------------------------------------------ sweep and size-fleet


def cmd_sweep(args: argparse.Namespace) -> int:
    """`sim sweep`: validate every grid point, run each, print the table, write sweep.csv and sweep.png; exit code."""
    from sim import grid
    from sim.loading import load
    from sim.parallel import DaskUnavailable
    from sim.tables import render

    path = Path(args.scenario)
    scenario, _warnings = load(path)
    out_dir = output_dir(args.out, Path("outputs") / f"{path.stem}-sweep")
    try:  # every argument is checked before anything is created
        varies = grid.parse_varies(args.vary, scenario.resolved())
    except grid.PathError as exc:
        raise UsageError(f"sim sweep: {exc}") from None
    bar = _progress(math.prod(len(v) for _, v in varies), f"{path.stem} sweep", unit="point")
    try:
        result = grid.sweep(scenario, args.vary, replications=args.replications or 0, seed=args.seed,
                            workers=args.workers, label=path.name, on_progress=bar.update if bar is not None else None,
                            before_run=lambda: check_output_folder(out_dir, [path]), dask=args.dask)
    except grid.PathError as exc:
        raise UsageError(f"sim sweep: {exc}") from None
    except DaskUnavailable as exc:
        raise UsageError(f"sim: {exc}") from None
    finally:
        if bar is not None:
            bar.close()
    headers, rows = result.table()
    print(render(headers, rows, header_width=18))
    result.write(out_dir, dpi=args.dpi)
    print(f"\nwrote {out_dir}/ (sweep.csv, sweep.json, sweep.png)")
    return EXIT_OK


def cmd_size_fleet(args: argparse.Namespace) -> int:
    """`sim size-fleet`: the smallest fleet of a type that meets a phase's deadlines, searched by bisection."""
    from sim import grid, sizing
    from sim.loading import load
    from sim.parallel import DaskUnavailable

    path = Path(args.scenario)
    scenario, _w = load(path)
    question = sizing.Question(args.type, args.phase, args.fleet, args.replications, args.confidence, args.max,
                               args.seed, args.workers, args.dask)
    try:  # the type and fleets are checked before they name a folder
        sizing.check_question(scenario, question)
    except (ValueError, grid.PathError) as exc:
        raise UsageError(f"sim size-fleet: {exc}") from None
    out_dir = output_dir(args.out, Path("outputs") / f"{path.stem}-size-{args.type}")
    check_output_folder(out_dir, [path])
    bars = _SizingBars(args.type, args.replications)
    try:
        result = sizing.size_fleet(scenario, question, on_progress=bars.update if args.replications else None)
    except (ValueError, grid.PathError) as exc:
        raise UsageError(f"sim size-fleet: {exc}") from None
    except DaskUnavailable as exc:
        raise UsageError(f"sim: {exc}") from None
    finally:
        bars.close()
    _print_sizing(result)
    result.write(out_dir, dpi=args.dpi)
    print(f"wrote {out_dir}/ (size_fleet.csv, size_fleet.png)")
    return EXIT_OK


class _SizingBars:
    """A progress bar per fleet size tried over replications, on a terminal."""

    def __init__(self, type_id: str, replications: int | None) -> None:
        self.type_id, self.replications = type_id, replications or 0
        self.size: int | None = None
        self.bar: tqdm | None = None
        self.done = 0

    def update(self, size: int, done: int) -> None:
        """Replications of `size` finished so far."""
        if size != self.size:
            self.close()
            self.size, self.done = size, 0
            self.bar = _progress(self.replications, f"{self.type_id} x{size}")
        if self.bar is not None:
            self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        """Close the current bar, if any."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _print_sizing(result: SizingResult) -> None:
    """The trials as a table, then the answer (or what binds at the largest size tried)."""
    q, scenario, top = result.question, result.scenario, result.top
    assert top is not None
    print(f"{scenario.name}: smallest {q.aircraft_type} fleet for the {q.phase} deadlines, scaling "
          f"{', '.join(q.fleets or ['every ' + q.aircraft_type + ' fleet'])}"
          + (f" with P >= {q.confidence:.0%} over {q.replications} replications" if q.replications else ""))
    print(format_trials(result))
    if result.answer is None:
        print(f"\nno fleet up to {top.total} {q.aircraft_type} meets every {q.phase} deadline; "
              f"what binds at {top.total}: {top.bound_by or top.error or 'see the trace'}")
        return
    split = ", ".join(f"{k} {v}" for k, v in result.trials[result.answer].split.items())
    print(f"\nanswer: {result.answer} {q.aircraft_type} ({split}); the scenario has {result.current}")
    if result.non_monotone:
        print("note: completion is not monotone in the fleet size here; smaller sizes than the bisection "
              "found also passed, and the smallest is reported")


def format_trials(result: SizingResult) -> str:
    """The trials of `sim size-fleet` as a table, smallest fleet first."""
    from sim.tables import render

    q, rows = result.question, []
    for n in sorted(result.trials):
        t = result.trials[n]
        rows.append([str(n), result.scenario.short(t.closed_h, missing="not closed"),
                     f"{t.p_met:.1%}" if t.p_met is not None
                     else str(t.lines_late if t.lines_late is not None else "-"),
                     "yes" if t.ok else "no", t.error or t.bound_by])
    third = "P(met)" if q.replications else f"{q.phase} lines late"
    return render([f"{q.aircraft_type}", f"{q.phase} closed" + (" (P50)" if q.replications else ""), third,
                   "meets", "binding (when late)"], rows, "rlrll")


# ------------------------------------------------------------------ view


def newest_report_dir(root: Path = Path("outputs")) -> Path | None:
    """The folder under `root` whose report.html is newest (hidden folders skipped); None when there is none."""
    folders = [p.parent for p in root.glob("*/report.html") if not p.parent.name.startswith(".")]
    return max(folders, key=lambda p: ((p / "report.html").stat().st_mtime, p.name)) if folders else None


def can_open_browser() -> bool:
    """Whether a browser can open here: always on macOS and Windows, elsewhere only with an X11 or Wayland display."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_server(folder: Path, port: int) -> ThreadingHTTPServer:
    """An HTTP server of one report folder's own files, bound to 127.0.0.1 only (see sim.serve)."""
    from sim import serve

    return serve.make_server(folder, port)


def _report_in(folder: Path) -> Path:
    """The folder's report.html; UsageError saying what the folder is instead, and which commands write reports."""
    if not folder.is_dir():
        raise UsageError(f"sim view: {folder} is not a folder; give a folder sim wrote, "
                         "e.g. outputs/csto_kazakhstan_2022")
    report = folder / "report.html"
    if not report.is_file():
        pngs = sorted(x.name for x in folder.glob("*.png"))
        charts = f" (its charts: {', '.join(pngs)}; open them with any image viewer)" if pngs else ""
        raise UsageError(f"sim view: {report} not found{charts}; reports are written by 'sim run', 'sim compare' "
                         "and 'sim montecarlo' (sweep, size-fleet and plan folders have charts and tables only)")
    return report


def cmd_view(args: argparse.Namespace) -> int:
    """`sim view`: open a folder's report.html in a browser, serve it on localhost (--serve) or print its path."""
    folder = Path(args.dir) if args.dir else newest_report_dir()
    if folder is None:
        raise UsageError("sim view: no report found in outputs/; run 'sim run SCENARIO' first, or give a folder")
    report = _report_in(folder)
    if args.serve is not None:
        try:
            server = make_server(folder, args.serve)
        except (OSError, ValueError, OverflowError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else exc
            raise UsageError(f"sim view: cannot serve on port {args.serve}: {why}; try --serve 0") from None
        port = server.server_address[1]
        print(f"serving the report in {folder}/ at http://127.0.0.1:{port}/report.html (its own files only, to this "
              "machine only; Ctrl-C to stop)", flush=True)
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


def cmd_validate(args: argparse.Namespace) -> int:
    """`sim validate`: print each file's summary or problems; exit 2 if any is invalid, else 1 on an internal error."""
    import yaml

    from sim.loading import load

    status = EXIT_OK
    for f in args.files:
        try:
            s, warnings = load(Path(f))
        except ScenarioError as exc:
            print(exc)
            status = max(status, EXIT_INVALID)
            continue
        except Exception as exc:  # one broken file must not hide the others' problems
            print(f"{f}: internal error while checking: {type(exc).__name__}: {exc} (please report it)")
            status = EXIT_INTERNAL if status == EXIT_OK else status
            continue
        troops = sum(c.troops for c in s.contingents)
        vehicles = sum(sum(c.equipment.values()) for c in s.contingents)
        tails = sum(f_.count for f_ in s.fleet)
        info = sys.stderr if args.resolved else sys.stdout  # with --resolved, stdout is pure YAML
        print(f"{f}: ok: {len(s.contingents)} contingents, {troops} troops, {vehicles} vehicles, "
              f"{len(s.movements)} movement lines, {len(s.aircraft)} aircraft types, {tails} aircraft", file=info)
        for w in warnings:
            print(w, file=info)
        if args.resolved:
            print(yaml.safe_dump(s.resolved(), sort_keys=False, allow_unicode=True, width=110))
    return status


def cmd_completion(args: argparse.Namespace) -> int:
    """`sim completion bash|zsh`: print the shell completion script."""
    from sim.completion import script

    print(script(build_parser(), args.shell), end="")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """`sim schema`: print the JSON Schema of the scenario format (of a file that extends another with --variant)."""
    import json

    from sim.scenario import json_schema

    print(json.dumps(json_schema(args.variant), indent=2))
    return EXIT_OK
