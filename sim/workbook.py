"""A run as one Excel workbook (openpyxl, optional): Lines, Sorties, Airfields, In theatre, Scenario.

The sheets hold the CSV files' columns (sim.tablerows), typed: times are real Excel datetimes,
shown as `yyyy-mm-dd hh:mm`, in the scenario start's local time (Excel has no time zones; a
`time zone` column on every sheet with times says which, e.g. `UTC+06:00`); numbers keep full
precision and are shown with the CSV's decimals; an empty cell is "never" or "nothing". Each
sheet has a bold, frozen header row, an autofilter and column widths from its content.

The file is written atomically (a temporary file and one rename) and deterministically: the
document's created and modified times are the scenario's start, and every part of the zip
carries that date too, so the same run gives the same bytes.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import tablerows
from sim.extras import require, write_atomic
from sim.tablerows import Cell, Column, Table, number_text
from sim.vocabulary import tool_versions, utc_label

if TYPE_CHECKING:
    from sim.results import Results
    from sim.scenario import Scenario

SHEETS = ("Lines", "Sorties", "Airfields", "In theatre", "Scenario")
TIME_FORMAT = "yyyy-mm-dd hh:mm"
ZONE_COLUMN = "time zone"
MAX_WIDTH = 60  # characters: a longer cell wraps off the edge rather than widen its column further
WIDTH_SAMPLE = 2000  # column widths from the header and the first rows
EXCEL_TEXT_LIMIT = 32767  # characters in one cell
_ILLEGAL = re.compile(r"[\000-\010\013\014\016-\037]")  # control characters XML cannot hold


def write_xlsx(res: Results, path: str | Path) -> Path:
    """Write the run as an Excel workbook at `path` (atomically; the same run gives the same bytes); return it.

    Raises MissingDependency (an ImportError) when openpyxl is not installed."""
    openpyxl = require("openpyxl", "Excel workbooks")
    scenario = res.run.scenario
    wb = openpyxl.Workbook(write_only=True)
    tables = {"Lines": tablerows.movement_table(res), "Sorties": tablerows.sortie_table(res),
              "Airfields": tablerows.airfield_table(res), "In theatre": tablerows.in_theatre_table(res)}
    for title, table in tables.items():
        _table_sheet(wb, title, table, scenario)
    _scenario_sheet(wb, res)
    stamp = _stamp(scenario)
    wb.properties.creator = f"sim {tool_versions()['version']}"
    wb.properties.title = scenario.name
    wb.properties.created = wb.properties.modified = stamp
    return write_atomic(Path(path), _workbook_bytes(wb, stamp))


def _stamp(scenario: Scenario) -> datetime:
    """The document's fixed date: the scenario's start in UTC, naive (openpyxl writes it as UTC), not
    before 1980 (the earliest date a zip entry holds)."""
    start = scenario.start.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    return max(start, datetime(1980, 1, 1))


def _workbook_bytes(wb: Any, stamp: datetime) -> bytes:
    """The saved workbook, with `stamp` as the date of every zip entry (openpyxl uses the clock)."""
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook would set the modified time to now
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def _local(scenario: Scenario) -> Callable[[float], datetime]:
    """Hours since start -> the naive local wall-clock time in the start's offset (as Excel shows it)."""
    start = scenario.start.replace(tzinfo=None)
    return lambda h: start + timedelta(hours=h)


def _text_cell(ws: Any, value: str) -> Any:
    """A cell that holds `value` as plain text (type 's'): control characters dropped, cut to Excel's
    limit, never a formula (openpyxl would store text starting with '=' as one)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, _ILLEGAL.sub("", value)[:EXCEL_TEXT_LIMIT])
    cell.data_type = "s"
    return cell


def _text(ws: Any, value: str) -> Any:
    """A text cell: control characters dropped, cut to Excel's limit, never read as a formula (the
    text itself where openpyxl stores it as text anyway, else a cell typed as text)."""
    plain = _ILLEGAL.sub("", value)[:EXCEL_TEXT_LIMIT]
    return _text_cell(ws, plain) if plain.startswith("=") else plain


def _converters(ws: Any, columns: list[Column], scenario: Scenario) -> list[Callable[[Cell], Any]]:
    """Per column, the function that turns a typed value into what openpyxl writes."""
    from openpyxl.cell import WriteOnlyCell

    local = _local(scenario)

    def formatted(value: object, number_format: str) -> Any:
        cell = WriteOnlyCell(ws, value)
        cell.number_format = number_format
        return cell

    def time(h: Cell) -> Any:
        ok = isinstance(h, (int, float)) and math.isfinite(h)
        return formatted(local(float(h)), TIME_FORMAT) if ok and h is not None else None

    def number(digits: int | None) -> Callable[[Cell], Any]:
        shown = "0" + ("." + "0" * digits if digits else "") if digits is not None else "General"
        return lambda x: formatted(x, shown) if isinstance(x, (int, float)) and math.isfinite(x) else None

    def plain(x: Cell) -> Any:
        return _text(ws, x) if isinstance(x, str) else x

    return [time if c.kind == "time" else number(c.digits) if c.kind == "float" else plain for c in columns]


def _shown_width(column: Column, value: Cell) -> int:
    """How many characters a cell shows."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return 0
    if column.kind == "time":
        return len("2022-01-06 00:00")
    if column.kind == "float" and column.digits is not None and isinstance(value, (int, float)):
        return len(number_text(value, column.digits))
    return len(str(value))


def _widths(columns: list[Column], rows: list[list[Cell]]) -> list[float]:
    """Each column's width: its header or its widest cell among the first rows, plus a margin, capped."""
    sample = rows[:WIDTH_SAMPLE]
    return [min(MAX_WIDTH, max([len(c.name) + 2, *(_shown_width(c, r[k]) for r in sample)]) + 2)
            for k, c in enumerate(columns)]


def _start_sheet(wb: Any, title: str, columns: list[Column], rows: list[list[Cell]]) -> Any:
    """A new sheet with its column widths, frozen header row, autofilter and bold header."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(title)
    for k, width in enumerate(_widths(columns, rows), start=1):
        ws.column_dimensions[get_column_letter(k)].width = width
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    bold = Font(bold=True)
    header = []
    for c in columns:  # a header can be user text (a nation in "In theatre")
        cell = _text_cell(ws, c.name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    return ws


def _table_sheet(wb: Any, title: str, table: Table, scenario: Scenario) -> None:
    """One table as a sheet; a `time zone` column last when it has times."""
    zone: list[Cell] = [utc_label(scenario.start.tzinfo)] if any(c.kind == "time" for c in table.columns) else []
    columns = table.columns + ([Column(ZONE_COLUMN)] if zone else [])
    rows = [row + zone for row in table.rows] if zone else table.rows
    ws = _start_sheet(wb, title, columns, rows)
    convert = _converters(ws, columns, scenario)
    for row in rows:
        ws.append([f(x) for f, x in zip(convert, row)])


# ------------------------------------------------------------------ the Scenario sheet


def scenario_rows(res: Results) -> list[tuple[str, Cell | datetime | bool]]:
    """The Scenario sheet's (key, value) rows: the run (name, start, time zone, seed, end, versions),
    then every field of the resolved scenario, flattened to `scenario.<path>` keys."""
    run, s = res.run, res.run.scenario
    local = _local(s)
    rows: list[tuple[str, Cell | datetime | bool]] = [
        ("name", s.name), ("description", s.description), ("start", local(0.0)),
        ("time zone", utc_label(s.start.tzinfo)), ("seed", run.seed), ("horizon_h", float(s.horizon)),
        ("end", local(run.end_h)), ("horizon reached", run.horizon_reached),
    ]
    rows += [(f"tool.{k}", v) for k, v in tool_versions().items()]
    rows += flatten(s.resolved(), "scenario")
    return rows


def flatten(data: object, key: str) -> list[tuple[str, Cell | bool]]:
    """Plain data as (path, value) rows: `a.b` for mappings, `a[id]` for list items that have an id
    (else `a[0]`); a list of plain values is one row, its values joined by ', '."""
    if isinstance(data, dict):
        return [row for k, v in data.items() for row in flatten(v, f"{key}.{k}")]
    if isinstance(data, list) and any(isinstance(x, (dict, list)) for x in data):
        out: list[tuple[str, Cell | bool]] = []
        for i, item in enumerate(data):
            name = item.get("id") if isinstance(item, dict) else None
            out += flatten(item, f"{key}[{name if isinstance(name, str) else i}]")
        return out
    if isinstance(data, list):
        return [(key, ", ".join(str(x) for x in data))]
    if data is None or isinstance(data, (str, int, float, bool)):
        return [(key, data)]
    return [(key, str(data))]


def _scenario_sheet(wb: Any, res: Results) -> None:
    """The Scenario sheet: key and value columns (times as Excel datetimes in the start's offset)."""
    rows = scenario_rows(res)
    columns = [Column("key"), Column("value")]
    widths_rows: list[list[Cell]] = [[k, v if isinstance(v, (str, int, float)) else "2022-01-06 00:00"]
                                     for k, v in rows]
    ws = _start_sheet(wb, "Scenario", columns, widths_rows)
    for key, value in rows:
        if isinstance(value, datetime):
            from openpyxl.cell import WriteOnlyCell

            cell = WriteOnlyCell(ws, value)
            cell.number_format = TIME_FORMAT
            ws.append([key, cell])
        elif isinstance(value, str):
            ws.append([_text(ws, key), _text(ws, value)])
        elif isinstance(value, float) and not math.isfinite(value):
            ws.append([key, None])
        else:
            ws.append([key, value])
