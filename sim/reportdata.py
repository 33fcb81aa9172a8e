"""The data behind report.html's interactive charts, as JSON built from the typed results.

Every table comes from sim.tablerows (the rows the CSV files hold), reduced to the columns the charts
need; times become epoch milliseconds (UTC) and the page shows them in the scenario's offset, as the
rest of the report does. `json_script` writes a block that no scenario text can break out of.
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any

from sim import results, tablerows
from sim.tablerows import Cell, Table

# the colours of the static charts (sim.charts.PALETTE, Okabe-Ito then tab10): the page and the PNGs agree
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#8c564b", "#7f7f7f", "#bcbd22", "#17becf"]
EMPTY_COLOUR = "#c8c8c8"  # sim.charts.REPOSITION_COLOUR

SORTIE_FIELDS = ["tail", "type", "phase", "line", "contingent", "nation", "origin", "destination", "stops", "troops",
                 "vehicles", "vehicle_count", "cargo_t", "distance_km", "off_blocks", "takeoff", "landing",
                 "on_blocks", "wait_aircraft_min", "wait_mog_min", "mog_wait_at", "wait_hours_min",
                 "wait_weather_min", "wait_delay_min", "wait_crew_min", "wait_ute_min", "wait_avail_min",
                 "wait_cap_min"]
LINE_FIELDS = ["id", "contingent", "nation", "phase", "mode", "from", "to", "troops", "vehicles", "cargo_t", "ready",
               "earliest", "deadline", "released", "closed", "slack_h", "status", "bound_by", "sorties"]
TRIP_FIELDS = ["unit", "mode", "line", "contingent", "from", "to", "troops", "vehicle_count", "cargo_t", "depart",
               "arrive"]


def epoch_ms(start: datetime, hours: Cell) -> int | None:
    """A model time (hours since `start`) as epoch milliseconds; None for nothing, NaN or infinity."""
    if not isinstance(hours, (int, float)) or not math.isfinite(hours):
        return None
    return round(start.timestamp() * 1000 + hours * 3_600_000)


def _value(start: datetime, kind: str, x: Cell) -> Cell:
    if kind == "time":
        return epoch_ms(start, x)
    if isinstance(x, float):
        return round(x, 3) if math.isfinite(x) else None
    return x


def columns(table: Table, names: list[str], start: datetime) -> dict[str, Any]:
    """Some of a table's columns as {"columns": names, "rows": [[...]]}: times in epoch ms, floats to 3 places."""
    index = {c.name: k for k, c in enumerate(table.columns)}
    kinds = [table.columns[index[n]].kind for n in names]
    rows = [[_value(start, kind, row[index[n]]) for n, kind in zip(names, kinds)] for row in table.rows]
    return {"columns": names, "rows": rows}


def _meta(res: results.Results, banner: str) -> dict[str, Any]:
    s, run = res.run.scenario, res.run
    offset = s.start.utcoffset()
    return {
        "name": s.name, "start": epoch_ms(s.start, 0.0), "end": epoch_ms(s.start, run.end_h),
        "offset_min": round(offset.total_seconds() / 60) if offset is not None else 0, "banner": banner,
        "deadlines": {p: epoch_ms(s.start, ph.deadline_h) for p, ph in res.phases.items()},
    }


def _places(res: results.Results) -> list[dict[str, Any]]:
    s = res.run.scenario
    out = [{"id": a.id, "name": a.name or a.id, "lat": a.lat, "lon": a.lon, "kind": "airfield"} for a in s.airfields]
    out += [{"id": p.id, "name": p.name or p.id, "lat": p.lat, "lon": p.lon, "kind": "place"} for p in s.places]
    return out


def _tails(res: results.Results) -> list[dict[str, str]]:
    """The tails that flew, in the run's order (fleet by fleet), with type and base."""
    flew = {r.tail for r in res.run.sorties}
    return [{"tail": t.tail, "type": t.type, "fleet": t.fleet, "base": t.base} for t in res.run.tails if t.tail in flew]


def _downtime(res: results.Results) -> list[list[Any]]:
    run = res.run
    start = run.scenario.start
    return [[d.tail, d.kind, epoch_ms(start, d.start), epoch_ms(start, min(d.end, run.end_h))]
            for d in run.downtime if d.end > d.start]


def _colours(res: results.Results) -> dict[str, dict[str, str]]:
    s = res.run.scenario
    nations = list(dict.fromkeys(c.nation for c in s.contingents))
    return {"contingent": {c.id: PALETTE[k % len(PALETTE)] for k, c in enumerate(s.contingents)},
            "nation": {n: PALETTE[k % len(PALETTE)] for k, n in enumerate(nations)}, "empty": {"": EMPTY_COLOUR}}


def report_data(res: results.Results, banner: str = "", map_layout: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the page's charts draw: sorties, tails, downtime, lines, places, trips, people in theatre,
    and the map's frame and outlines (sim.reportmap; None: the page frames the map itself, without borders)."""
    start = res.run.scenario.start
    theatre = tablerows.in_theatre_table(res)
    return {
        "meta": _meta(res, banner),
        "colours": _colours(res),
        "contingents": [{"id": c.id, "nation": c.nation} for c in res.run.scenario.contingents],
        "sorties": columns(tablerows.sortie_table(res), SORTIE_FIELDS, start),
        "tails": _tails(res),
        "downtime": _downtime(res),
        "lines": columns(tablerows.movement_table(res), LINE_FIELDS, start),
        "trips": columns(tablerows.trip_table(res), TRIP_FIELDS, start),
        "theatre": columns(theatre, theatre.header, start),
        "places": _places(res),
        "map": map_layout,
    }


def json_script(element_id: str, data: object) -> str:
    """A <script type="application/json"> block: '<', '>' and '&' escaped, so no text can close it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{element_id}">{text}</script>'
