"""Writing a run's output folder: CSV, JSON, resolved scenario, charts; all or nothing.

`write_run(results, out_dir)` builds everything in a hidden sibling folder and renames it into
place only when every file is written, so a failure never leaves a half-written folder.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import yaml

from sim import __version__
from sim import results as R
from sim.errors import OutputFolderError

SORTIE_COLUMNS = [
    "sortie", "tail", "type", "fleet", "phase", "line", "contingent", "nation", "origin", "destination", "stops",
    "troops", "vehicles", "vehicle_count", "cargo_t", "payload_t", "distance_km", "released", "assigned",
    "ground_start", "off_blocks", "takeoff", "landing", "on_blocks", "unloaded", "flying_h",
    "wait_aircraft_min", "wait_mog_min", "wait_hours_min", "mog_wait_at", "wait_weather_min", "wait_delay_min",
    "wait_crew_min", "wait_ute_min", "wait_avail_min", "crew", "leg",
]
MOVEMENT_COLUMNS = [
    "id", "contingent", "nation", "phase", "mode", "from", "to", "priority", "troops", "vehicles", "cargo_t",
    "ready", "earliest", "deadline", "released", "closed", "slack_h", "status", "bound_by", "sorties",
    "troops_left", "vehicles_left", "cargo_t_left",
] + [f"{p}_h" for p in R.WAIT_PARTS]


def _num(x: float, nd: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.{nd}f}"


def _clean(obj):
    """JSON-safe: NaN -> None, floats rounded to 4 places (stable bytes)."""
    if isinstance(obj, float):
        return None if math.isnan(obj) or math.isinf(obj) else round(obj, 4)
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def vehicles_text(vehicles: dict[str, int]) -> str:
    return " ".join(f"{k}:{v}" for k, v in sorted(vehicles.items()))


def sorties_csv(res: R.Results) -> str:
    run = res.run
    nation = {c.id: c.nation for c in run.scenario.contingents}
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(SORTIE_COLUMNS)
    for k, r in enumerate(run.sorties, start=1):
        loaded = r.phase != "reposition"
        w.writerow([
            k, r.tail, r.type, r.fleet, r.phase, r.line, r.contingent, nation.get(r.contingent, ""), r.origin,
            r.destination, " ".join(r.stops), r.troops, vehicles_text(r.vehicles), sum(r.vehicles.values()),
            _num(r.cargo_kg / 1000, 3), _num(r.mass_kg / 1000, 3), _num(r.distance_km, 1),
            R.iso(run, r.released) if loaded else "", R.iso(run, r.assigned), R.iso(run, r.ground_start),
            R.iso(run, r.off_blocks), R.iso(run, r.takeoff), R.iso(run, r.landing), R.iso(run, r.on_blocks),
            R.iso(run, r.done), _num(r.flying_h, 3),
            _num((r.assigned - r.released) * 60, 1) if loaded else "", _num(r.wait_mog_h * 60, 1),
            _num(r.wait_hours_h * 60, 1), r.mog_at, _num(r.wait_weather_h * 60, 1), _num(r.wait_delay_h * 60, 1),
            _num(r.wait_crew_h * 60, 1), _num(r.wait_ute_h * 60, 1), _num(r.wait_avail_h * 60, 1), r.crew,
            r.leg + 1,
        ])
    return buf.getvalue()


def movements_csv(res: R.Results) -> str:
    run = res.run
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(MOVEMENT_COLUMNS)
    for r in res.lines:
        w.writerow([
            r.id, r.contingent, r.nation, r.phase, r.mode, r.origin, r.destination, r.priority, r.troops,
            r.vehicles, _num(r.cargo_t, 3), R.iso(run, r.ready_h),
            R.iso(run, r.earliest_h) if r.earliest_h is not None else "", R.iso(run, r.deadline_h),
            R.iso(run, r.released_h), R.iso(run, r.closed_h), _num(r.slack_h), r.status, r.bound_by, r.sorties,
            r.troops_left, r.vehicles_left, _num(r.cargo_t_left, 3),
        ] + [_num(r.breakdown_h[p]) for p in R.WAIT_PARTS])
    return buf.getvalue()


LEG_COLUMNS = [
    "line", "leg", "mode", "from", "to", "units", "released", "complete", "closed", "received", "node_wait_h",
    "deadline", "status",
]
TRIP_COLUMNS = [
    "unit", "mode", "line", "leg", "contingent", "from", "to", "troops", "vehicles", "vehicle_count", "cargo_t",
    "km", "ready", "depart", "arrive", "wait_route_min", "handling_h",
]


def legs_csv(res: R.Results) -> str:
    """One row per leg of every line."""
    run = res.run
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(LEG_COLUMNS)
    for r in res.lines:
        for g in r.legs:
            w.writerow([
                r.id, g.k, g.mode, g.origin, g.destination, g.units, R.iso(run, g.released_h),
                R.iso(run, g.complete_h), R.iso(run, g.closed_h), R.iso(run, g.received_h), _num(g.node_wait_h),
                R.iso(run, g.deadline_h) if g.deadline_h is not None else "", g.status,
            ])
    return buf.getvalue()


def trips_csv(res: R.Results) -> str:
    """One row per road serial and train."""
    run = res.run
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(TRIP_COLUMNS)
    for t in run.trips:
        w.writerow([
            t.unit, t.mode, t.line, t.leg + 1, t.contingent, t.origin, t.destination, t.troops,
            vehicles_text(t.vehicles), sum(t.vehicles.values()), _num(t.cargo_kg / 1000, 3), _num(t.km, 1),
            R.iso(run, t.ready), R.iso(run, t.depart), R.iso(run, t.arrive), _num((t.depart - t.ready) * 60, 1),
            _num(t.load_h),
        ])
    return buf.getvalue()


def in_theatre_csv(res: R.Results) -> str:
    """Personnel in theatre after each change: time, total, then one column per nation."""
    run = res.run
    times, nations, counts = R.in_theatre(run)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["time", "total", *nations])
    rows: dict[str, list[int]] = {}  # one row per minute: the count after every change in it
    for k, t in enumerate(times):
        rows[R.iso(run, float(t))] = [int(x) for x in counts[:, k]]
    last = None
    for k, (when, row) in enumerate(rows.items()):
        if row != last or k == len(rows) - 1:
            w.writerow([when, sum(row), *row])
        last = row
    return buf.getvalue()


def summary_dict(res: R.Results, warnings: list[str] | None = None) -> dict:
    run = res.run
    s = run.scenario

    def times(d: dict) -> dict:
        out = {}
        for k, v in d.items():
            if k.endswith("_h") and k not in ("makespan_h", "flying_h", "worst_lateness_h"):
                out[k[:-2]] = R.iso(run, v) if not (isinstance(v, float) and math.isnan(v)) else None
            else:
                out[k] = v
        return out

    return _clean({
        "tool": {"name": "sim", "version": __version__},
        "scenario": {"name": s.name, "start": R.iso(run, 0.0), "horizon_h": s.horizon, "seed": run.seed},
        "run": {"end": R.iso(run, run.end_h), "horizon_reached": run.horizon_reached},
        "totals": times(res.totals),
        "phases": {p: times(v) for p, v in res.phases.items()},
        "contingents": {c: times(v) for c, v in res.contingents.items()},
        "lines": [
            {
                "id": r.id, "contingent": r.contingent, "nation": r.nation, "phase": r.phase, "mode": r.mode,
                "from": r.origin, "to": r.destination, "troops": r.troops, "vehicles": r.vehicles,
                "cargo_t": r.cargo_t, "ready": R.iso(run, r.ready_h), "deadline": R.iso(run, r.deadline_h),
                "closed": R.iso(run, r.closed_h) or None, "slack_h": r.slack_h, "status": r.status,
                "bound_by": r.bound_by, "sorties": r.sorties,
                "left": {"troops": r.troops_left, "vehicles": r.vehicles_left, "cargo_t": r.cargo_t_left},
                "breakdown_h": r.breakdown_h,
                "legs": [_leg_dict(run, g) for g in r.legs],
            }
            for r in res.lines
        ],
        "nodes": res.nodes,
        "fleet": res.fleet,
        "airfields": res.airfields,
        "warnings": list(warnings or []),
        "notes": list(res.notes),
    })


def _leg_dict(run, g: R.LegRow) -> dict:
    return {
        "leg": g.k, "mode": g.mode, "from": g.origin, "to": g.destination, "units": g.units,
        "released": R.iso(run, g.released_h) or None, "complete": R.iso(run, g.complete_h) or None,
        "closed": R.iso(run, g.closed_h) or None, "received": R.iso(run, g.received_h) or None,
        "node_wait_h": g.node_wait_h, "deadline": R.iso(run, g.deadline_h) if g.deadline_h is not None else None,
        "status": g.status,
    }


def resolved_yaml(res: R.Results) -> str:
    header = "# The scenario as the engine saw it: extends merged, every default filled in.\n"
    return header + yaml.safe_dump(res.run.scenario.resolved(), sort_keys=False, allow_unicode=True, width=110)


MARKER = ".sim-output"  # in every folder sim writes: only such a folder may be replaced


def check_output_folder(target: Path) -> None:
    """Refuse a target that exists and is not an empty folder or a folder sim wrote before."""
    target = Path(target)
    if not target.exists() and not target.is_symlink():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputFolderError(f"cannot create the folder for {target}: {exc.strerror}; choose another -o") from None
        return
    if target.is_symlink() or not target.is_dir():
        raise OutputFolderError(f"output folder {target} exists and is not a folder; choose another -o")
    if target.resolve() in (Path.cwd().resolve(), Path.home().resolve(), Path("/")):
        raise OutputFolderError(f"output folder {target} is the current, home or root folder; choose another -o")
    if any(target.iterdir()) and not (target / MARKER).is_file():
        raise OutputFolderError(f"output folder {target} exists and was not written by sim, so it will not be "
                                "replaced; choose another -o (or empty that folder)")


@contextlib.contextmanager
def atomic_dir(target: Path) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces `target` in one rename, on error it vanishes.

    Only an empty folder or one that sim wrote (it holds the marker file) is ever replaced."""
    target = Path(target)
    check_output_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        (tmp / MARKER).write_text("written by sim; sim may replace this folder\n", encoding="utf-8")
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        os.replace(target, old)
    os.replace(tmp, target)
    os.chmod(target, 0o755)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_run(res: R.Results, out_dir: Path, warnings: list[str] | None = None, svg: bool = False,
              timer: Callable[[str], contextlib.AbstractContextManager] | None = None, chart_pool=None) -> Path:
    """Write the full output folder of one run; returns its path. `chart_pool` (sim.chartpool.ChartPool)
    draws the charts in worker processes; without it they are drawn here."""
    timer = timer or (lambda _name: contextlib.nullcontext())
    with atomic_dir(out_dir) as tmp:
        with timer("report"):
            (tmp / "sorties.csv").write_text(sorties_csv(res), encoding="utf-8")
            (tmp / "movements.csv").write_text(movements_csv(res), encoding="utf-8")
            (tmp / "in_theatre.csv").write_text(in_theatre_csv(res), encoding="utf-8")
            (tmp / "legs.csv").write_text(legs_csv(res), encoding="utf-8")
            if res.run.trips:
                (tmp / "surface.csv").write_text(trips_csv(res), encoding="utf-8")
            summary = summary_dict(res, warnings)
            (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            (tmp / "scenario.resolved.yaml").write_text(resolved_yaml(res), encoding="utf-8")
        with timer("charts"):
            if chart_pool is not None:
                chart_pool.draw_run(res, tmp, svg)
            else:
                from sim import charts  # matplotlib is imported only when charts are drawn

                charts.draw_run_charts(res, tmp, svg=svg)
        with timer("report"):
            from sim.htmlreport import run_report

            html_text = run_report(res, tmp, list(warnings or []), resolved_yaml(res))
            (tmp / "report.html").write_text(html_text, encoding="utf-8")
    return out_dir


# ------------------------------------------------------------------ Monte Carlo


def replications_csv(scenario, replicas) -> str:
    from sim.montecarlo import WAIT_KINDS

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    phases = [p for p in ("deploy", "withdraw") if any(m.phase == p for m in scenario.movements)]
    lines = [m.id for m in scenario.movements]
    w.writerow(["replication", "seed", "status", "error", "sorties", "breakdowns", "weather_closures"]
               + [f"wait_{k}_h" for k in WAIT_KINDS if k != "force"]
               + [f"closed.{p}" for p in phases] + [f"closed.{x}" for x in lines])

    def t(h):
        return "" if h is None or math.isnan(h) else scenario.to_datetime(h).isoformat(timespec="minutes")

    for r in sorted(replicas, key=lambda r: r.index):
        if r.error:
            w.writerow([r.index, r.seed, "error", r.error] + [""] * (3 + 5 + len(phases) + len(lines)))
            continue
        w.writerow([r.index, r.seed, "ok", "", r.sorties, r.breakdowns, r.weather_closures]
                   + [_num(r.waits_h[k], 2) for k in WAIT_KINDS if k != "force"]
                   + [t(r.phases.get(p, math.nan)) for p in phases] + [t(r.lines[x]) for x in lines])
    return buf.getvalue()


def mc_summary_dict(scenario, summary, base_seed: int, requested: int, interrupted: bool, workers: str) -> dict:
    def conv(d: dict) -> dict:
        out = {}
        for k, v in d.items():
            if k.endswith("_h") and k not in ("mean_h",) and isinstance(v, float):
                out[k[:-2]] = None if math.isinf(v) or math.isnan(v) else scenario.to_datetime(v).isoformat(timespec="minutes")
            elif k == "mean_h":
                out["mean"] = None if math.isnan(v) else scenario.to_datetime(v).isoformat(timespec="minutes")
            else:
                out[k] = v
        return out

    return _clean({
        "tool": {"name": "sim", "version": __version__},
        "scenario": {"name": scenario.name, "start": scenario.start.isoformat(timespec="minutes")},
        "batch": {"requested": requested, "completed": summary.n + len(summary.failed), "ok": summary.n,
                  "failed": len(summary.failed), "interrupted": interrupted, "base_seed": base_seed,
                  "executor": workers},
        "failures": [{"replication": i, "seed": seed, "error": err} for i, seed, err in summary.failed],
        "all_deadlines_met": summary.all_met,
        "phases": {p: conv(v) for p, v in summary.phases.items()},
        "contingents": {c: {p: conv(v) for p, v in d.items()} for c, d in summary.contingents.items()},
        "lines": [{"id": k, **conv(v)} for k, v in summary.lines.items()],
        "drivers": summary.drivers,
    })


def write_montecarlo(scenario, replicas, summary, out_dir: Path, base_seed: int, requested: int,
                     interrupted: bool, executor: str, svg: bool = False) -> Path:
    from sim import montecarlo as M

    with atomic_dir(out_dir) as tmp:
        (tmp / "replications.csv").write_text(replications_csv(scenario, replicas), encoding="utf-8")
        summary_data = mc_summary_dict(scenario, summary, base_seed, requested, interrupted, executor)
        (tmp / "summary.json").write_text(json.dumps(summary_data, indent=2) + "\n", encoding="utf-8")
        (tmp / "scenario.resolved.yaml").write_text(
            "# The scenario as the engine saw it: extends merged, every default filled in.\n"
            + yaml.safe_dump(scenario.resolved(), sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")
        if summary.n:
            from sim import charts

            fan = M.fan(replicas)
            if fan:
                charts.mc_fan_chart(scenario, M.grid_hours(scenario), fan, summary.n, tmp, svg)
            ok = [r for r in replicas if r.error is None]
            for phase, stats in summary.phases.items():
                charts.mc_completion_chart(scenario, phase, [r.phases.get(phase, math.nan) for r in ok], stats, tmp, svg)
            charts.mc_deadlines_chart(scenario, summary.lines, tmp, svg)
        from sim.htmlreport import montecarlo_report

        (tmp / "report.html").write_text(montecarlo_report(scenario, summary_data, tmp), encoding="utf-8")
    return out_dir
