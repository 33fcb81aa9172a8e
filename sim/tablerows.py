"""The output tables as typed rows: the one source of the CSV files, the DataFrames and the workbook.

Each table is its columns (a name and a kind) and rows of typed values, in model units:
- `text`: str ('' for nothing, as in the CSV);
- `int`: int (None: nothing, only in a failed replication's row);
- `float`: float at full precision (nan or None: nothing); `digits` is how many decimals the CSV keeps;
- `time`: hours since the scenario start (nan, inf or None: never).

`csv_cells` formats a table's rows exactly as the CSV files write them (times as ISO 8601 in the
start's offset, floats rounded); sim.frames turns the same rows into typed DataFrames and
sim.workbook into Excel cells, so the columns of the three never drift apart. Nothing heavy is
imported here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sim import results
from sim.vocabulary import format_time

if TYPE_CHECKING:
    from sim.replications import Replica
    from sim.scenario import Scenario

Kind = Literal["text", "int", "float", "time"]
Cell = str | int | float | None


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an output table: its name (the CSV header), its kind and, for a float, its CSV decimals."""

    name: str
    kind: Kind = "text"
    digits: int | None = 2  # decimals in the CSV (float columns); None: no rounding (never in a CSV)


@dataclass
class Table:
    """An output table: its columns and its rows of typed values (see the module's docstring)."""

    columns: list[Column]
    rows: list[list[Cell]]

    @property
    def header(self) -> list[str]:
        """The column names, as the CSV's header row."""
        return [c.name for c in self.columns]


def _cols(spec: str, kind: Kind = "text", digits: int | None = 2) -> list[Column]:
    """Columns of one kind from space-separated names."""
    return [Column(name, kind, digits) for name in spec.split()]


SORTIE_SPEC = [
    *_cols("sortie", "int"), *_cols("tail type fleet phase line contingent nation origin destination stops"),
    *_cols("troops", "int"), *_cols("vehicles"), *_cols("vehicle_count", "int"),
    *_cols("cargo_t payload_t", "float", 3), *_cols("distance_km", "float", 1),
    *_cols("released assigned ground_start off_blocks takeoff landing on_blocks unloaded", "time"),
    *_cols("flying_h", "float", 3), *_cols("wait_aircraft_min wait_mog_min wait_hours_min", "float", 1),
    *_cols("mog_wait_at"),
    *_cols("wait_weather_min wait_delay_min wait_crew_min wait_ute_min wait_avail_min wait_cap_min", "float", 1),
    *_cols("crew"), *_cols("leg", "int"),
]
MOVEMENT_SPEC = [
    *_cols("id contingent nation phase mode from to"), *_cols("priority troops vehicles", "int"),
    *_cols("cargo_t", "float", 3), *_cols("ready earliest deadline released closed", "time"),
    *_cols("slack_h", "float"), *_cols("status bound_by"), *_cols("sorties troops_left vehicles_left", "int"),
    *_cols("cargo_t_left", "float", 3), *[Column(f"{p}_h", "float") for p in results.WAIT_PARTS],
]
LEG_SPEC = [
    *_cols("line"), *_cols("leg", "int"), *_cols("mode from to"), *_cols("units", "int"),
    *_cols("released complete closed received", "time"), *_cols("node_wait_h", "float"), *_cols("deadline", "time"),
    *_cols("status"),
]
TRIP_SPEC = [
    *_cols("unit mode line"), *_cols("leg", "int"), *_cols("contingent from to"), *_cols("troops", "int"),
    *_cols("vehicles"), *_cols("vehicle_count", "int"), *_cols("cargo_t", "float", 3), *_cols("km", "float", 1),
    *_cols("ready depart arrive", "time"), *_cols("wait_route_min", "float", 1), *_cols("handling_h", "float"),
]
AIRFIELD_SPEC = [  # summary.json's airfields section, with the id as a column
    *_cols("id name"), *_cols("mog", "int"), Column("peak_on_ground", "float", None),
    *_cols("departures arrivals", "int"),
]


def number_text(x: float | None, nd: int = 2) -> str:
    """A number as the CSV writes it: `nd` decimals, '' for None or NaN."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.{nd}f}"


def vehicles_text(vehicles: dict[str, int]) -> str:
    """Vehicle counts as 'type:n type:n', types sorted."""
    return " ".join(f"{k}:{v}" for k, v in sorted(vehicles.items()))


# ------------------------------------------------------------------ the tables of one run


def sortie_table(res: results.Results) -> Table:
    """sorties.csv: one row per flight, loaded or empty, in take-off order."""
    run = res.run
    nation = {c.id: c.nation for c in run.scenario.contingents}
    rows: list[list[Cell]] = []
    for k, r in enumerate(run.sorties, start=1):
        loaded = r.phase != "reposition"
        rows.append([
            k, r.tail, r.type, r.fleet, r.phase, r.line, r.contingent, nation.get(r.contingent, ""), r.origin,
            r.destination, " ".join(r.stops), r.troops, vehicles_text(r.vehicles), sum(r.vehicles.values()),
            r.cargo_kg / 1000, r.mass_kg / 1000, r.distance_km,
            r.released if loaded else None, r.assigned, r.ground_start, r.off_blocks, r.takeoff, r.landing,
            r.on_blocks, r.done, r.flying_h,
            (r.assigned - r.released) * 60 if loaded else None, r.wait_mog_h * 60, r.wait_hours_h * 60, r.mog_at,
            r.wait_weather_h * 60, r.wait_delay_h * 60, r.wait_crew_h * 60, r.wait_ute_h * 60, r.wait_avail_h * 60,
            r.wait_cap_h * 60,
            r.crew, r.leg + 1,
        ])
    return Table(SORTIE_SPEC, rows)


def movement_table(res: results.Results) -> Table:
    """movements.csv: one row per movement line, with its status and the parts of its time."""
    rows: list[list[Cell]] = []
    for r in res.lines:
        rows.append([
            r.id, r.contingent, r.nation, r.phase, r.mode, r.origin, r.destination, r.priority, r.troops,
            r.vehicles, r.cargo_t, r.ready_h, r.earliest_h, r.deadline_h, r.released_h, r.closed_h, r.slack_h,
            r.status, r.bound_by, r.sorties, r.troops_left, r.vehicles_left, r.cargo_t_left,
            *[r.breakdown_h[p] for p in results.WAIT_PARTS],
        ])
    return Table(MOVEMENT_SPEC, rows)


def leg_table(res: results.Results) -> Table:
    """legs.csv: one row per leg of every line."""
    rows: list[list[Cell]] = []
    for r in res.lines:
        for g in r.legs:
            rows.append([
                r.id, g.k, g.mode, g.origin, g.destination, g.units, g.released_h, g.complete_h, g.closed_h,
                g.received_h, g.node_wait_h, g.deadline_h, g.status,
            ])
    return Table(LEG_SPEC, rows)


def trip_table(res: results.Results) -> Table:
    """surface.csv: one row per road serial and train."""
    rows: list[list[Cell]] = []
    for t in res.run.trips:
        rows.append([
            t.unit, t.mode, t.line, t.leg + 1, t.contingent, t.origin, t.destination, t.troops,
            vehicles_text(t.vehicles), sum(t.vehicles.values()), t.cargo_kg / 1000, t.km,
            t.ready, t.depart, t.arrive, (t.depart - t.ready) * 60, t.load_h,
        ])
    return Table(TRIP_SPEC, rows)


def airfield_table(res: results.Results) -> Table:
    """One row per airfield of the scenario: summary.json's airfields section (MOG, peak use, traffic)."""
    rows: list[list[Cell]] = [
        [k, a.name, a.mog, float(a.peak_on_ground), a.departures, a.arrivals] for k, a in res.airfields.items()
    ]
    return Table(AIRFIELD_SPEC, rows)


def in_theatre_table(res: results.Results) -> Table:
    """in_theatre.csv: personnel in theatre after each change: time, total, then one column per nation.

    Changes within one minute (as the CSV writes times) make one row, at the time of the last of
    them; a row equal to the one before is left out, except the last (the end of the run)."""
    run = res.run
    times, nations, counts = results.in_theatre(run)
    minutes: dict[str, tuple[float, list[int]]] = {}  # one row per minute: the count after every change in it
    for k, t in enumerate(times):
        minutes[run.scenario.iso(float(t))] = (float(t), [int(x) for x in counts[:, k]])
    rows: list[list[Cell]] = []
    last = None
    for k, (when, row) in enumerate(minutes.values()):
        if row != last or k == len(minutes) - 1:
            rows.append([when, sum(row), *row])
        last = row
    return Table([Column("time", "time"), Column("total", "int"), *[Column(n, "int") for n in nations]], rows)


# ------------------------------------------------------------------ Monte Carlo


def replication_table(scenario: Scenario, replicas: Sequence[Replica]) -> Table:
    """replications.csv: one row per replication in index order, its seed, waits and closure times (or its
    error); read from the batch's columns (sim.replications.ReplicaTable), never a Replica per row."""
    from sim.replications import WAIT_KINDS, table_of

    phases = scenario.phases()
    lines = [m.id for m in scenario.movements]
    kinds = [k for k in WAIT_KINDS if k != "force"]
    columns = [*_cols("replication seed", "int"), *_cols("status error"),
               *_cols("sorties breakdowns weather_closures", "int"),
               *[Column(f"wait_{k}_h", "float") for k in kinds],
               *[Column(f"closed.{x}", "time") for x in [*phases, *lines]]]
    t = table_of(scenario, replicas)
    waits = [WAIT_KINDS.index(k) for k in kinds]
    closed = [t.column.get(("phase", p)) for p in phases] + [t.column.get(("line", x)) for x in lines]
    index, seeds, errors = t.index.tolist(), t.seed.tolist(), t.error.tolist()
    rows: list[list[Cell]] = []
    for i in sorted(range(len(index)), key=index.__getitem__):
        row: list[Cell] = [index[i], seeds[i]]
        if errors[i]:
            row += ["error", t.texts[errors[i] - 1]] + [None] * (len(columns) - 4)
        else:
            hours, waited = t.closed[i].tolist(), t.waits[i].tolist()
            row += ["ok", "", *t.counts[i].tolist(), *(waited[k] for k in waits),
                    *(math.nan if c is None else hours[c] for c in closed)]
        rows.append(row)
    return Table(columns, rows)


# ------------------------------------------------------------------ the CSV's text of a cell


def _plain(x: Cell) -> Cell:
    return "" if x is None else x


def cell_formatters(columns: list[Column], start: datetime) -> list[Callable[[Cell], Cell]]:
    """Per column, the function that writes a typed value as the CSV does."""

    def time_text(h: Cell) -> Cell:
        return format_time(start, h if isinstance(h, (int, float)) else None)

    def number(digits: int | None) -> Callable[[Cell], Cell]:
        def text(x: Cell) -> Cell:
            if isinstance(x, str):
                return x
            return number_text(x, digits) if digits is not None else _plain(x)

        return text

    out: list[Callable[[Cell], Cell]] = []
    for c in columns:
        out.append(time_text if c.kind == "time" else number(c.digits) if c.kind == "float" else _plain)
    return out


def csv_cells(table: Table, start: datetime) -> list[list[Cell]]:
    """The table's rows as the CSV writes them: times as ISO 8601 in `start`'s offset, floats rounded,
    '' for nothing."""
    fmts = cell_formatters(table.columns, start)
    return [[f(x) for f, x in zip(fmts, row)] for row in table.rows]
