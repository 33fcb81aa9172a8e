"""Writing a run's output folder: CSV, JSON, resolved scenario, charts; all or nothing.

`write_run(results, out_dir)` builds everything in a hidden sibling folder and renames it into
place only when every file is written, so a failure never leaves a half-written folder.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import results, tablerows
from sim.errors import OutputFolderError
from sim.tables import csv_text
from sim.vocabulary import CHART_DPI, tool_versions

if TYPE_CHECKING:
    from sim.chartpool import ChartPool
    from sim.records import Run
    from sim.replications import Replica, Summary
    from sim.scenario import Scenario

# the columns of each CSV file (their kinds and the rows are sim.tablerows')
SORTIE_COLUMNS = [c.name for c in tablerows.SORTIE_SPEC]
MOVEMENT_COLUMNS = [c.name for c in tablerows.MOVEMENT_SPEC]
LEG_COLUMNS = [c.name for c in tablerows.LEG_SPEC]
TRIP_COLUMNS = [c.name for c in tablerows.TRIP_SPEC]


def _clean(obj: object) -> Any:
    """JSON-safe: NaN -> None, floats rounded to 4 places (stable bytes); the result has obj's shape
    (tuples become lists), so its type is the caller's to know."""
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else round(obj, 4)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def _csv(table: tablerows.Table, res: results.Results) -> str:
    """A table's CSV text: its header, then its rows formatted (times in the scenario's offset)."""
    return csv_text(table.header, tablerows.csv_cells(table, res.run.scenario.start))


def sorties_csv(res: results.Results) -> str:
    """sorties.csv: one row per flight, loaded or empty, in take-off order."""
    return _csv(tablerows.sortie_table(res), res)


def movements_csv(res: results.Results) -> str:
    """movements.csv: one row per movement line, with its status and the parts of its time."""
    return _csv(tablerows.movement_table(res), res)


def legs_csv(res: results.Results) -> str:
    """One row per leg of every line."""
    return _csv(tablerows.leg_table(res), res)


def trips_csv(res: results.Results) -> str:
    """One row per road serial and train."""
    return _csv(tablerows.trip_table(res), res)


def in_theatre_csv(res: results.Results) -> str:
    """Personnel in theatre after each change: time, total, then one column per nation."""
    return _csv(tablerows.in_theatre_table(res), res)


def summary_dict(res: results.Results, warnings: list[str] | None = None) -> dict[str, Any]:
    """summary.json's content: totals, phases, contingents, lines, nodes, fleet, airfields, warnings."""
    run = res.run
    iso = run.scenario.iso
    s = run.scenario

    def times(d: dict[str, Any]) -> dict[str, Any]:
        """d with every time field `x_h` turned into an ISO time `x` (durations kept in hours)."""
        out: dict[str, Any] = {}
        for k, v in d.items():
            if k.endswith("_h") and k not in ("makespan_h", "flying_h", "worst_lateness_h"):
                out[k[:-2]] = iso(v) if not (isinstance(v, float) and math.isnan(v)) else None
            else:
                out[k] = v
        return out

    return _clean({
        "tool": tool_versions(),
        "scenario": {"name": s.name, "start": iso(0.0), "horizon_h": s.horizon, "seed": run.seed},
        "run": {"end": iso(run.end_h), "horizon_reached": run.horizon_reached},
        "totals": times(dataclasses.asdict(res.totals)),
        "phases": {p: times(dataclasses.asdict(v)) for p, v in res.phases.items()},
        "contingents": {c: times(v.flat()) for c, v in res.contingents.items()},
        "lines": [
            {
                "id": r.id, "contingent": r.contingent, "nation": r.nation, "phase": r.phase, "mode": r.mode,
                "from": r.origin, "to": r.destination, "troops": r.troops, "vehicles": r.vehicles,
                "cargo_t": r.cargo_t, "ready": iso(r.ready_h), "deadline": iso(r.deadline_h),
                "closed": iso(r.closed_h) or None, "slack_h": r.slack_h, "status": r.status,
                "bound_by": r.bound_by, "sorties": r.sorties,
                "left": {"troops": r.troops_left, "vehicles": r.vehicles_left, "cargo_t": r.cargo_t_left},
                "breakdown_h": r.breakdown_h,
                "legs": [_leg_dict(run, g) for g in r.legs],
            }
            for r in res.lines
        ],
        "nodes": {k: dataclasses.asdict(v) for k, v in res.nodes.items()},
        "fleet": {k: dataclasses.asdict(v) for k, v in res.fleet.items()},
        "airfields": {k: dataclasses.asdict(v) for k, v in res.airfields.items()},
        "warnings": list(warnings or []),
        "notes": list(res.notes),
        **({"bound": {p: {"simulated_closed": iso(g.simulated_h) or None, "bound": iso(g.bound_h),
                          "gap_h": g.gap_h, "binding": g.binding} for p, g in res.bounds.items()}}
           if res.bounds else {}),
    })


def _leg_dict(run: Run, g: results.LegRow) -> dict[str, Any]:
    iso = run.scenario.iso
    return {
        "leg": g.k, "mode": g.mode, "from": g.origin, "to": g.destination, "units": g.units,
        "released": iso(g.released_h) or None, "complete": iso(g.complete_h) or None,
        "closed": iso(g.closed_h) or None, "received": iso(g.received_h) or None,
        "node_wait_h": g.node_wait_h, "deadline": iso(g.deadline_h) if g.deadline_h is not None else None,
        "status": g.status,
    }


def resolved_yaml(res: results.Results) -> str:
    """scenario.resolved.yaml: the scenario as run, every default filled in."""
    return res.run.scenario.resolved_yaml()


MARKER = ".sim-output"  # in every folder sim writes: only such a folder may be replaced
MARKER_TEXT = "written by sim; sim may replace this folder\n"
_LEFTOVER = re.compile(r"\.(?P<name>.+)\.(?P<kind>tmp|old)-(?:(?P<pid>\d+)(?:-[a-z0-9_]+)?|[a-z0-9_]+)")
LEGACY_LEFTOVER_AGE_S = 3600.0  # a leftover without a process id is removed once it is this old


_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.@+=-]{0,99}")


def is_safe_name(text: str) -> bool:
    """Whether a value may become part of a file or folder name: 1 to 100 letters, digits and `_.@+=-`, not
    starting with a dot or dash, with no `..` (so never a path, a hidden name or an option)."""
    return bool(_SAFE_NAME.fullmatch(text)) and ".." not in text


def check_output_folder(target: Path, inputs: Iterable[Path] = ()) -> None:
    """Refuse, before any work, a target that could not be written or must not be replaced: one that exists
    and is not an empty folder or a folder sim wrote before, the current, home or root folder, one that holds
    or is one of `inputs` (the files and folders the command reads), or one whose parent is not writable.
    Creates nothing."""
    target = Path(target)
    if str(target) in ("", "."):
        raise OutputFolderError("the output folder is empty or '.'; give a folder name with -o")
    _check_not_input(target, inputs)
    if not target.exists() and not target.is_symlink():
        _check_parent_writable(target)
        return
    if target.is_symlink() or not target.is_dir():
        raise OutputFolderError(f"output folder {target} exists and is not a folder; choose another -o")
    if target.resolve() in (Path.cwd().resolve(), Path.home().resolve(), Path("/")):
        raise OutputFolderError(f"output folder {target} is the current, home or root folder; choose another -o")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise OutputFolderError(f"output folder {target} exists and was not written by sim, so it will not be "
                                "replaced; choose another -o (or empty that folder)")
    _check_parent_writable(target)
    if any(target.iterdir()) and not os.access(target, os.W_OK | os.X_OK):
        raise OutputFolderError(f"output folder {target} is read-only, so it cannot be replaced; choose another -o "
                                "(or make it writable)")


def _check_not_input(target: Path, inputs: Iterable[Path]) -> None:
    """Refuse an output folder that is one of the command's inputs, lies inside an input folder, or holds one:
    replacing it would destroy what the command reads."""
    out = target.resolve()
    for given in inputs:
        src = Path(given).resolve()
        if src == out or out in src.parents or (src.is_dir() and src in out.parents):
            raise OutputFolderError(f"output folder {target} is, holds or lies in the input {given}; writing it "
                                    "would replace what this command reads; choose another -o")


def _check_parent_writable(target: Path) -> None:
    """The nearest existing folder above `target` must be a folder this process may create entries in."""
    parent = target.resolve().parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise OutputFolderError(f"cannot create the folder for {target}: {parent} is not a folder; choose another -o")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFolderError(f"cannot write {target}: {parent} is not writable; choose another -o")


def probe_output_folder(target: Path, inputs: Iterable[Path] = ()) -> None:
    """check_output_folder, then create the folder's parents and a temporary folder beside it, and remove that
    again: a full or read-only disk is found before the work starts, not after it."""
    from sim.parallel import signals_held

    target = Path(target)
    check_output_folder(target, inputs)
    try:
        # a Ctrl-C between creating the probe and removing it would leave it behind (seen in CI): held off
        with signals_held():
            target.parent.mkdir(parents=True, exist_ok=True)
            probe = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
            try:
                (probe / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            finally:
                shutil.rmtree(probe, ignore_errors=True)
    except OSError as exc:
        raise OutputFolderError(f"cannot write {target}: {exc.strerror or exc}; choose another -o") from None


def _pid_gone(pid: int) -> bool:
    """True when no process has this id (a process of another user counts as alive)."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):
        return False
    return False


def leftovers(target: Path) -> list[Path]:
    """The temporary (.NAME.tmp-*) and replaced (.NAME.old-*) folders that a killed sim run into `target` left
    beside it: named after `target`, holding the marker file, from a process that is gone (or, for names
    without a process id, over an hour old). Nothing else is ever listed."""
    target = Path(target)
    found = []
    with contextlib.suppress(OSError):
        for entry in target.parent.iterdir():
            m = _LEFTOVER.fullmatch(entry.name)
            if m is None or m["name"] != target.name or entry.is_symlink() or not (entry / MARKER).is_file():
                continue
            if m["pid"] is not None and not _pid_gone(int(m["pid"])):
                continue
            if m["pid"] is None and time.time() - entry.stat().st_mtime < LEGACY_LEFTOVER_AGE_S:
                continue
            found.append(entry)
    return sorted(found)


def _remove_tree(folder: Path) -> None:
    """Remove a folder sim wrote, making its read-only subfolders writable when a first try leaves it."""
    shutil.rmtree(folder, ignore_errors=True)
    if not folder.exists() or folder.is_symlink():
        return
    for root, dirs, _files in os.walk(folder):
        for d in [root, *(os.path.join(root, x) for x in dirs)]:
            with contextlib.suppress(OSError):
                if not os.path.islink(d):
                    os.chmod(d, 0o700)
    shutil.rmtree(folder, ignore_errors=True)


def _remove_unfinished(tmp: Path, tries: int = 20) -> None:
    """Remove an unfinished output folder. A chart worker stopped a moment ago may still be finishing a file
    in it, which makes one pass leave the folder behind: try again, briefly, until it is gone."""
    for _ in range(tries):
        if not tmp.exists():
            return
        _remove_tree(tmp)
        if tmp.exists():
            time.sleep(0.05)


def clean_leftovers(target: Path) -> None:
    """Remove the leftovers of killed runs into `target` (see leftovers)."""
    for folder in leftovers(target):
        _remove_tree(folder)


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces `target` in one rename, on error it vanishes.

    Only an empty folder or one that sim wrote (it holds the marker file) is ever replaced. The
    leftovers of killed runs into the same place are removed first."""
    from sim.parallel import signals_held

    target = Path(target)
    check_output_folder(target)
    clean_leftovers(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with signals_held():  # the folder and its marker together: a leftover is always recognisable as sim's
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
        (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    try:
        yield tmp
        with signals_held():
            _swap_in(tmp, target)
    except BaseException:
        with signals_held():  # a second signal must not cut the clean-up in two
            _remove_unfinished(tmp)
        raise


def _swap_in(tmp: Path, target: Path) -> None:
    """Put the finished folder `tmp` in place of `target`; on failure the earlier `target` is restored."""
    old = None
    if target.exists():
        if not any(target.iterdir()):
            target.rmdir()
        else:
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-{os.getpid()}-", dir=target.parent))
            os.replace(target, old)
    try:
        os.replace(tmp, target)
    except BaseException:
        if old is not None:
            os.replace(old, target)
        raise
    os.chmod(target, 0o755)
    if old is not None:
        _remove_tree(old)


def write_run(res: results.Results, out_dir: Path, warnings: list[str] | None = None, svg: bool = False,
              timer: Callable[[str], contextlib.AbstractContextManager[object]] | None = None,
              chart_pool: ChartPool | None = None, parquet: bool = False, xlsx: bool = False,
              dpi: int = CHART_DPI, charts: bool = True) -> Path:
    """Write the full output folder of one run; returns its path. `chart_pool` (sim.chartpool.ChartPool)
    draws the charts in worker processes while this one writes the tables (the "charts" timer is then
    the wait for them); without it they are drawn here. `parquet` adds each table
    as a Parquet file, `xlsx` the workbook.xlsx (both need the analysis extra); `dpi` is the PNG charts'
    resolution; `charts=False` (`sim run --no-charts`) draws none and never imports matplotlib."""
    timer = timer or (lambda _name: contextlib.nullcontext())
    with atomic_dir(out_dir) as tmp:
        # the workers draw while this process writes the tables
        pending = chart_pool.start_run(res, tmp, svg, dpi) if charts and chart_pool is not None else None
        try:
            if parquet or xlsx:
                with timer("tables"):
                    _write_analysis_files(res, tmp, parquet, xlsx)
            with timer("report"):
                resolved = _write_tables(res, tmp, warnings)
            if charts:
                with timer("charts"):
                    if pending is not None:
                        pending.wait()
                    else:
                        _draw_charts(res, tmp, svg, dpi)
        except BaseException:
            if chart_pool is not None:  # stop the drawing before the unfinished folder is removed
                chart_pool.close()
            raise
        with timer("report"):
            from sim.htmlreport import run_report

            html_text = run_report(res, tmp, list(warnings or []), resolved)
            (tmp / "report.html").write_text(html_text, encoding="utf-8")
    return out_dir


def _write_tables(res: results.Results, folder: Path, warnings: list[str] | None) -> str:
    """Every table, summary.json, scenario.resolved.yaml, network.geojson and movement.kml into `folder`;
    the resolved scenario's YAML (report.html shows it too)."""
    (folder / "sorties.csv").write_text(sorties_csv(res), encoding="utf-8")
    (folder / "movements.csv").write_text(movements_csv(res), encoding="utf-8")
    (folder / "in_theatre.csv").write_text(in_theatre_csv(res), encoding="utf-8")
    (folder / "legs.csv").write_text(legs_csv(res), encoding="utf-8")
    if res.run.trips:
        (folder / "surface.csv").write_text(trips_csv(res), encoding="utf-8")
    summary = summary_dict(res, warnings)
    (folder / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    resolved = resolved_yaml(res)
    (folder / "scenario.resolved.yaml").write_text(resolved, encoding="utf-8")
    from sim.exports import movement_kml, network_geojson  # for GIS and Google Earth

    (folder / "network.geojson").write_text(network_geojson(res), encoding="utf-8")
    (folder / "movement.kml").write_text(movement_kml(res), encoding="utf-8")
    return resolved


def _draw_charts(res: results.Results, folder: Path, svg: bool, dpi: int) -> None:
    """The run's charts, drawn in this process (importing matplotlib only now)."""
    from sim import charts

    charts.draw_run_charts(res, folder, svg=svg, dpi=dpi)


WORKBOOK = "workbook.xlsx"


def _write_analysis_files(res: results.Results, folder: Path, parquet: bool, xlsx: bool) -> None:
    """The tables as Parquet files and the Excel workbook, for analysts (pandas, pyarrow, openpyxl)."""
    if parquet:
        from sim.frames import write_parquet

        write_parquet(res, folder)
    if xlsx:
        from sim.workbook import write_xlsx

        write_xlsx(res, folder / WORKBOOK)


# ------------------------------------------------------------------ Monte Carlo


REPLICATIONS_CSV_ROWS = 4096  # replications.csv is made this many rows at a time: its whole text never in memory


def replications_csv(scenario: Scenario, replicas: Sequence[Replica]) -> str:
    """replications.csv: one row per replication, its seed, waits and closure times (or its error)."""
    return "".join(replications_csv_parts(scenario, replicas))


def replications_csv_parts(scenario: Scenario, replicas: Sequence[Replica]) -> Iterator[str]:
    """replications.csv's text in pieces of REPLICATIONS_CSV_ROWS rows in index order, the first with the
    header: joined, the text of the whole table (each piece is the CSV of its rows less the header line)."""
    import numpy as np

    from sim.replications import Replicas, table_of

    whole = table_of(scenario, replicas)
    order = np.argsort(whole.index, kind="stable")
    head = ""
    for lo in range(0, max(1, len(order)), REPLICATIONS_CSV_ROWS):
        table = tablerows.replication_table(scenario, Replicas(whole.take(order[lo:lo + REPLICATIONS_CSV_ROWS])))
        text = csv_text(table.header, tablerows.csv_cells(table, scenario.start))
        if not head:
            head = csv_text(table.header, [])
            yield text
        else:
            yield text[len(head):]


def mc_summary_dict(scenario: Scenario, summary: Summary, base_seed: int, requested: int, interrupted: bool,
                    workers: str) -> dict[str, Any]:
    """A Monte Carlo batch's summary.json content: the batch, failures and the statistics, times as ISO."""

    def conv(d: dict[str, Any]) -> dict[str, Any]:
        """d with closure-time statistics `x_h` (and `mean_h`) turned into ISO times."""
        out: dict[str, Any] = {}
        for k, v in d.items():
            if k.endswith("_h") and k not in ("mean_h",) and isinstance(v, float):
                out[k[:-2]] = scenario.iso(v) or None
            elif k == "mean_h":
                out["mean"] = scenario.iso(v) or None
            else:
                out[k] = v
        return out

    return _clean({
        "tool": tool_versions(),
        "scenario": {"name": scenario.name, "start": scenario.iso(0.0)},
        "batch": {"requested": requested, "completed": summary.n + len(summary.failed), "ok": summary.n,
                  "failed": len(summary.failed), "interrupted": interrupted, "base_seed": base_seed,
                  "executor": workers},
        "failures": [{"replication": i, "seed": seed, "error": err} for i, seed, err in summary.failed],
        "all_deadlines_met": dataclasses.asdict(summary.all_met),
        "phases": {p: conv(v.as_dict()) for p, v in summary.phases.items()},
        "contingents": {c: {p: conv(v.as_dict()) for p, v in d.items()} for c, d in summary.contingents.items()},
        "lines": [{"id": k, **conv(v.as_dict())} for k, v in summary.lines.items()],
        "drivers": dataclasses.asdict(summary.drivers),
    })


def write_montecarlo(scenario: Scenario, replicas: Sequence[Replica], summary: Summary, out_dir: Path, base_seed: int,
                     requested: int, interrupted: bool, executor: str, svg: bool = False,
                     dpi: int = CHART_DPI) -> Path:
    """Write a Monte Carlo batch's output folder (CSV, JSON, resolved scenario, charts as PNG at `dpi`, report);
    its path."""
    from sim import replications

    with atomic_dir(out_dir) as tmp:
        with (tmp / "replications.csv").open("w", encoding="utf-8") as f:
            f.writelines(replications_csv_parts(scenario, replicas))
        summary_data = mc_summary_dict(scenario, summary, base_seed, requested, interrupted, executor)
        (tmp / "summary.json").write_text(json.dumps(summary_data, indent=2) + "\n", encoding="utf-8")
        (tmp / "scenario.resolved.yaml").write_text(scenario.resolved_yaml(), encoding="utf-8")
        if summary.n:
            from sim import charts

            fan = replications.fan(replicas)
            table = replications.table_of(scenario, replicas)
            with charts.resolution(dpi):
                if fan:
                    charts.mc_fan_chart(scenario, replications.grid_hours(scenario), fan, summary.n, tmp, svg)
                for phase, stats in summary.phases.items():
                    closed = table.closures(("phase", phase), table.ok).tolist()
                    charts.mc_completion_chart(scenario, phase, closed, stats, tmp, svg)
                charts.mc_deadlines_chart(scenario, summary.lines, tmp, svg)
        from sim.htmlreport import montecarlo_report

        (tmp / "report.html").write_text(montecarlo_report(scenario, summary_data, tmp), encoding="utf-8")
    return out_dir
