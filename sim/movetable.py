"""Movement lines and contingents from a table: a CSV file, or a sheet of an XLSX workbook.

A scenario names a table with `movements_file:` (and `contingents_file:`), relative to the scenario
file. The header row names fields of the model (sim.scenario.Movement, Contingent); each further
row becomes one item, added after the file's own `movements:` (or `contingents:`) items before
validation, so that the model and the cross-checks judge a row like a YAML item. Every value keeps
its cell, and a problem with it is reported as `moves.csv!D7: deadline: message` (sim.errors).

Flat forms: a list (`after`, `fleets`) is one cell `a; b`; vehicle counts (`equipment`) are one cell
`bmd-2=10; uaz=4`, or one column per vehicle, `equipment.bmd-2`; `inflow` is the columns
`inflow.from`, `inflow.troops_per_day`, `inflow.share_per_day`. An empty cell leaves its field out.
A date cell of a workbook is local time at the UTC offset of the scenario's start.

CSV needs only the standard library; openpyxl is imported only when an .xlsx file is read.
"""

from __future__ import annotations

import csv
import functools
import importlib
import io
import re
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.errors import Problem, ScenarioError, TableName, column_letters, input_problem, read_input
from sim.extras import INSTALL_HINT
from sim.scenario import Contingent, Movement, did_you_mean
from sim.timeparse import parse_time
from sim.yamlsrc import Loc, LocDict, LocList, kind_of, outside_folders

TABLE_KEYS: dict[str, str] = {"contingents_file": "contingents", "movements_file": "movements"}
"""The scenario keys that name a table, and the list each one's rows are added to."""
MAX_TABLE_BYTES = 20 * 1024 * 1024
OPENPYXL_MISSING = f"reading .xlsx needs openpyxl: {INSTALL_HINT}"
_EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_PAIR_RE = re.compile(r"^([^=:\s]+)\s*[=:]\s*(\S+)$")
_SEPARATORS = re.compile(r"[;,]")


@dataclass(frozen=True)
class Kind:
    """What a table holds: the list its rows join, the model of a row, its default sheet, a row's name."""

    section: str
    model: type[BaseModel]
    sheet: str
    noun: str


KINDS: dict[str, Kind] = {
    "movements": Kind("movements", Movement, "Movements", "movement line"),
    "contingents": Kind("contingents", Contingent, "Contingents", "contingent"),
}


@dataclass(frozen=True)
class Column:
    """A column of a table: the field it fills (and the key within it, for `equipment.bmd-2`), and how it reads."""

    index: int  # 1-based, as spreadsheets count
    name: str  # as written in the header
    field: str
    key: str | None
    kind: str


# ------------------------------------------------------------------ columns from the model


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _without_none(ann: Any) -> Any:
    """`X` for `X | None`; the annotation itself otherwise."""
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        rest = [a for a in typing.get_args(ann) if a is not type(None)]
        return rest[0] if len(rest) == 1 else ann
    return ann


def field_kind(field: FieldInfo) -> str:
    """How a cell of this field is read: text, int, number, hours, time, list, counts; model (columns
    `field.key`) or models (a list of models, which a table cannot hold)."""
    rendered = f"{field.annotation!r} {field.metadata}"
    if "parse_time" in rendered:
        return "time"
    if "parse_duration_h" in rendered:
        return "hours"
    ann = _without_none(field.annotation)
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is list:
        return "models" if _is_model(args[0]) else "list"
    if origin is dict:
        return "counts"
    if _is_model(ann):
        return "model"
    if origin is typing.Annotated:
        ann = args[0]
    return {int: "int", float: "number"}.get(ann, "text")


@functools.cache
def field_kinds(model: type[BaseModel]) -> dict[str, str]:
    """Each field of a model as written (its alias) and how its cells are read."""
    return {f.alias or n: field_kind(f) for n, f in model.model_fields.items()}


def _submodel(model: type[BaseModel], name: str) -> type[BaseModel]:
    """The model class of a model field (e.g. Inflow for `inflow`)."""
    field = next(f for n, f in model.model_fields.items() if (f.alias or n) == name)
    sub = _without_none(field.annotation)
    assert _is_model(sub), f"{name} is not a model field"
    return typing.cast("type[BaseModel]", sub)


def column_names(model: type[BaseModel]) -> list[str]:
    """The column names a table of `model` may use ('equipment.<vehicle id>' stands for one per vehicle)."""
    names = []
    for name, kind in field_kinds(model).items():
        if kind == "model":
            names += [f"{name}.{sub}" for sub in field_kinds(_submodel(model, name))]
        elif kind != "models":
            names.append(name)
            if kind == "counts":
                names.append(f"{name}.<vehicle id>")
    return names


def required_columns(model: type[BaseModel]) -> list[str]:
    """The fields every row of `model` must give."""
    return [f.alias or n for n, f in model.model_fields.items() if f.is_required()]


def _column(index: int, name: str, model: type[BaseModel]) -> Column | str:
    """The column a header names, or the message saying why it cannot be one."""
    field, dot, key = name.partition(".")
    field, key = field.strip().lower(), key.strip()
    kinds = field_kinds(model)
    if field not in kinds:
        allowed = column_names(model)
        return f"unknown column {name!r} (allowed: {', '.join(allowed)}){did_you_mean(name.lower(), allowed)}"
    kind = kinds[field]
    if kind == "models":
        return f"column {name!r}: {field} cannot be given in a table; write lines with several legs in the YAML"
    if kind == "model":
        subs = field_kinds(_submodel(model, field))
        if key.lower() not in subs:
            options = [f"{field}.{s}" for s in subs]
            return f"column {name!r}: write {field} as the columns {', '.join(options)}" + did_you_mean(name, options)
        return Column(index, name, field, key.lower(), subs[key.lower()])
    if dot and kind != "counts":
        return f"unknown column {name!r}: {field} has no parts; name the column {field!r}"
    if dot and not key:
        return f"column {name!r}: name the vehicle after the dot, e.g. '{field}.bmd-2'"
    return Column(index, name, field, key or None, "int" if dot else kind)


# ------------------------------------------------------------------ reading cells


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _wrong(wanted: str, value: Any) -> ValueError:
    """'expected X, got Y' for a cell, Y described as a spreadsheet shows it."""
    if isinstance(value, (datetime, date)):
        got = f"a date ({value.isoformat(sep=' ', timespec='minutes') if isinstance(value, datetime) else value})"
    elif isinstance(value, time):
        got = f"a time of day ({value.isoformat(timespec='minutes')})"
    elif isinstance(value, timedelta):
        got = f"a duration ({value})"
    elif isinstance(value, str):
        got = repr(value)
    else:
        got = f"a number ({_number_text(value)})"
    hint = " (use a point for decimals and no thousands separators)" if isinstance(value, str) and "," in value else ""
    return ValueError(f"expected {wanted}, got {got}{hint}")


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)):
        return _number_text(value)
    raise _wrong("text", value)


def _int(value: Any) -> int:
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value)
    number = _number(value, "a whole number")
    if number != int(number):
        raise _wrong("a whole number", value)
    return int(number)


def _number(value: Any, wanted: str = "a number") -> int | float:
    if isinstance(value, str):
        text = value.strip()
        if _INT_RE.match(text):
            return int(text)
        if _FLOAT_RE.match(text):
            return float(text)
    elif isinstance(value, (int, float)):
        return value
    raise _wrong(wanted, value)


def _hours(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value.total_seconds() / 3600.0
    if isinstance(value, time):
        return value.hour + value.minute / 60.0 + value.second / 3600.0
    if isinstance(value, str):
        text = value.strip()
        return _number(text) if _FLOAT_RE.match(text) else text  # '1h30m' is read by the model
    return _number(value, "a duration like '1h30m' or a number of hours")


def _time(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()  # ISO text or '+36h', read by the model
    if isinstance(value, datetime):
        return value  # a naive date cell gets the start's offset once the scenario is merged (localise_times)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, time):
        raise ValueError(f"expected a date and time, got a time of day ({value.isoformat(timespec='minutes')}) "
                         "with no date; give the date too, or an offset from start like '+36h'")
    raise _wrong("a date and time (a date cell, ISO text like '2022-01-07T08:00+06:00' or '+36h')", value)


def _ids(value: Any) -> list[str]:
    text = _text(value)
    return [] if text == "[]" else [x.strip() for x in _SEPARATORS.split(text) if x.strip()]


def _counts(value: Any) -> dict[str, int]:
    if not isinstance(value, str):
        raise _wrong("vehicle counts like 'bmd-2=10; uaz=4'", value)
    counts: dict[str, int] = {}
    for part in (p.strip() for p in _SEPARATORS.split(value)):
        if not part:
            continue
        match = _PAIR_RE.match(part)
        if not match:
            whole = f" in {value.strip()!r}" if part != value.strip() else ""
            raise ValueError(f"expected vehicle counts like 'bmd-2=10; uaz=4', got {part!r}{whole}")
        if match.group(1) in counts:
            raise ValueError(f"{match.group(1)!r} is counted twice in {value.strip()!r}")
        try:
            counts[match.group(1)] = _int(match.group(2))
        except ValueError as exc:
            raise ValueError(f"{match.group(1)}: {exc}") from None
    return counts


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": _text, "int": _int, "number": _number, "hours": _hours, "time": _time, "list": _ids, "counts": _counts,
}


def convert(kind: str, value: Any) -> Any:
    """The value of a non-empty cell for a field of `kind` (see field_kind); ValueError says what is wrong."""
    if isinstance(value, str) and value.strip() in _EXCEL_ERRORS:
        raise ValueError(f"the cell holds the spreadsheet error {value.strip()}; fix its formula or type the value")
    if isinstance(value, bool):
        raise ValueError(f"expected {'text' if kind == 'text' else 'a value'}, got {str(value).upper()} "
                         "(a true/false cell)")
    return _CONVERTERS[kind](value)


# ------------------------------------------------------------------ located rows


def _located_dict(loc: Loc) -> LocDict:
    out = LocDict()
    out.loc, out.key_locs = loc, {}
    return out


def _located_list(loc: Loc, items: Sequence[Any]) -> LocList:
    out = LocList(items)
    out.loc, out.item_locs = loc, [loc] * len(items)
    return out


def _located(value: Any, at: Loc) -> Any:
    """A list or mapping read from one cell, every item located at that cell."""
    if isinstance(value, list):
        return _located_list(at, value)
    if isinstance(value, dict):
        out = _located_dict(at)
        for k, v in value.items():
            out[k] = v
            out.key_locs[k] = at
        return out
    return value


def _put(row: LocDict, column: Column, value: Any, at: Loc) -> None:
    """Set a cell's value in its row (in the field's mapping, for a `field.key` column)."""
    if column.key is None:
        row[column.field] = _located(value, at)
        row.key_locs[column.field] = at
        return
    part = row.get(column.field)
    if not isinstance(part, LocDict):
        part = row[column.field] = _located_dict(at)
        row.key_locs[column.field] = at
    part[column.key] = value
    part.key_locs[column.key] = at


def _row(number: int, cells: Sequence[Any], columns: list[Column], table: TableName) -> tuple[LocDict, list[Problem]]:
    """One row as a located item (an empty cell's field is left out, its cell kept for messages)."""
    row = _located_dict(Loc(table, number, 0))
    problems = []
    for column in columns:
        at = Loc(table, number, column.index)
        row.key_locs.setdefault(column.field, at)  # where a problem with a field left empty is shown
        value = cells[column.index - 1] if column.index <= len(cells) else None
        if _empty(value):
            continue
        try:
            _put(row, column, convert(column.kind, value), at)
        except ValueError as exc:
            problems.append(Problem(*at, column.field if column.key is None else f"{column.field}.{column.key}",
                                    str(exc)))
    return row, problems


def _stray_cells(number: int, cells: Sequence[Any], header: Sequence[Any], table: TableName) -> list[Problem]:
    """Values in columns that have no header."""
    return [Problem(table, number, j, "", f"a value ({kind_of(v)}) in column {column_letters(j)}, which has no "
                                          "header; name the column or clear the cell")
            for j, v in enumerate(cells, 1) if not _empty(v) and (j > len(header) or _empty(header[j - 1]))]


def _header(cells: Sequence[Any], table: TableName, kind: Kind, patch: bool) -> tuple[list[Column], list[Problem]]:
    """The columns the header row names, and the problems with it (unknown, repeated and missing columns)."""
    columns: list[Column] = []
    problems: list[Problem] = []
    first: dict[tuple[str, str | None], Column] = {}
    for j, cell in enumerate(cells, 1):
        if _empty(cell):
            continue
        made = _column(j, str(cell).strip(), kind.model)
        if isinstance(made, str):
            problems.append(Problem(table, 1, j, "", made))
            continue
        seen = first.setdefault((made.field, made.key), made)
        if seen is not made:
            problems.append(Problem(table, 1, j, "", f"column {made.name!r} repeats column "
                                                     f"{column_letters(seen.index)} ({seen.name!r}); keep one"))
            continue
        columns.append(made)
    return columns, problems + _header_gaps(columns, table, kind, patch)


def _header_gaps(columns: list[Column], table: TableName, kind: Kind, patch: bool) -> list[Problem]:
    """Required columns that are missing, and a field given both in one cell and by parts."""
    given = {c.field for c in columns} | ({"ready"} if any(c.field == "inflow" and c.key == "from"
                                                           for c in columns) else set())
    needed = ["id"] if patch else required_columns(kind.model)
    problems = [Problem(table, 1, 0, "", f"missing column {name!r}; every {kind.noun} needs "
                                         f"{', '.join(needed)}" + (" (a scenario that extends another may give "
                                                                   "only id and what changes)" if patch else ""))
                for name in needed if name not in given]
    for c in columns:
        if c.key is not None and any(o.field == c.field and o.key is None for o in columns):
            problems.append(Problem(table, 1, c.index, "", f"column {c.name!r} and column {c.field!r} both give "
                                                           f"{c.field}; use one form"))
    return problems


def rows_of(cells: list[list[Any]], table: TableName, kind: Kind, patch: bool = False) -> list[LocDict]:
    """The items the cells of a table give (the first row names the columns); ScenarioError with every problem.

    With `patch` (the table of a scenario that extends another), only the id column is required."""
    if not cells:
        raise ScenarioError([Problem(table, 0, 0, "", "the table is empty; its first row names the columns")])
    if all(_empty(v) for v in cells[0]):
        raise ScenarioError([Problem(table, 1, 0, "", "the first row must name the columns "
                                                      f"({', '.join(required_columns(kind.model))}, ...)")])
    columns, problems = _header(cells[0], table, kind, patch)
    rows = []
    for number, line in enumerate(cells[1:], 2):
        if all(_empty(v) for v in line):
            continue
        row, wrong = _row(number, line, columns, table)
        problems += wrong + _stray_cells(number, line, cells[0], table)
        rows.append(row)
    if not rows and not problems:
        problems.append(Problem(table, 0, 0, "", f"has no rows below its header; each row is one {kind.noun}"))
    if problems:
        raise ScenarioError(problems)
    return rows


# ------------------------------------------------------------------ files


def file_problem(path: Path) -> str | None:
    """Why `path` cannot be read as a table (missing, a folder, a FIFO or device, unreadable, not .csv or .xlsx,
    too big), or None; does not open it."""
    return _suffix_problem(path) or input_problem(path, MAX_TABLE_BYTES, "tables", "a table")


def _suffix_problem(path: Path) -> str | None:
    """Why a file of this name cannot be a table (not .csv or .xlsx), or None."""
    suffix = path.suffix.lower()
    if suffix == ".xls":
        return "is an old .xls workbook; save it as .xlsx (Excel Workbook) or as CSV UTF-8"
    if suffix not in (".csv", ".xlsx"):
        return f"tables are read from .csv or .xlsx files, not {suffix or 'a file without an extension'}"
    return None


def _csv_text(path: Path, name: str) -> str:
    """The text of a CSV file, refusing what is not UTF-8 text (a workbook, UTF-16, binary)."""
    raw = read_input(path, name, MAX_TABLE_BYTES, "tables", "a table")
    why = None
    if raw.startswith(b"PK\x03\x04"):
        why = "is a zip file (an .xlsx workbook?), not CSV text; name it .xlsx, or save it as CSV UTF-8"
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        why = "is UTF-16 text; save it as CSV UTF-8"
    elif b"\x00" in raw:
        why = "looks like a binary file, not CSV text"
    if why:
        raise ScenarioError([Problem(name, 0, 0, "", why)])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        why = f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} in this row); save the file as CSV UTF-8"
        raise ScenarioError([Problem(TableName(name), row, 0, "", why)]) from None


def _delimiter(text: str) -> str:
    """',' or the ';' or tab that the header row uses instead (spreadsheets in some languages write ';')."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def csv_cells(path: Path, name: str) -> tuple[TableName, list[list[Any]]]:
    """The table name and the cells of a CSV file, row by row (text, unstripped)."""
    text = _csv_text(path, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), strict=True)
    try:
        return TableName(name), [list(r) for r in reader]
    except csv.Error as exc:
        raise ScenarioError([Problem(TableName(name), reader.line_num, 0, "",
                                     f"is not readable as CSV: {exc}")]) from None


def _openpyxl() -> Any:
    """The openpyxl module (an optional dependency), or ImportError."""
    return importlib.import_module("openpyxl")


def _sheet_name(names: list[str], wanted: str, name: str) -> str:
    """The sheet called `wanted` (any case), or ScenarioError listing the sheets there are."""
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().lower() == wanted.strip().lower()]
    if len(folded) == 1:
        return folded[0]
    raise ScenarioError([Problem(name, 0, 0, "", f"has no sheet {wanted!r} (sheets: {', '.join(names)})"
                                 + did_you_mean(wanted, names))])


def xlsx_cells(path: Path, name: str, sheet: str) -> tuple[TableName, list[list[Any]]]:
    """The table name ('book.xlsx!Sheet') and the cells of a workbook's sheet, row by row, as openpyxl reads
    them (text, numbers, true/false, dates and times; a formula's last computed value)."""
    try:
        openpyxl = _openpyxl()
    except ImportError:
        raise ScenarioError([Problem(name, 0, 0, "", OPENPYXL_MISSING)]) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors: whatever the file is, it is not a workbook
        raise ScenarioError([Problem(name, 0, 0, "", f"is not an XLSX workbook ({type(exc).__name__}: {exc}); "
                                                     "save it from the spreadsheet as .xlsx")]) from None
    try:
        found = _sheet_name(list(book.sheetnames), sheet, name)
        return TableName(f"{name}!{found}"), [list(r) for r in book[found].iter_rows(min_row=1, values_only=True)]
    finally:
        book.close()


def read_table(path: Path, kind: Kind, sheet: str | None = None, patch: bool = False,
               name: str | None = None) -> list[LocDict]:
    """The located rows of a table file (CSV, or an .xlsx workbook's `sheet`, default the kind's); every problem
    of the file or its cells is raised together as a ScenarioError. `name` is the file as messages show it."""
    name = name or str(path)
    why = file_problem(path)
    if why:
        raise ScenarioError([Problem(name, 0, 0, "", why)])
    if path.suffix.lower() == ".csv":
        if sheet is not None:
            raise ScenarioError([Problem(name, 0, 0, "", f"a CSV file has no sheets (asked for {sheet!r})")])
        table, cells = csv_cells(path, name)
    else:
        table, cells = xlsx_cells(path, name, sheet or kind.sheet)
    return rows_of(cells, table, kind, patch)


# ------------------------------------------------------------------ the scenario keys


def _source(spec: Any, at: Loc, key: str) -> tuple[str, str | None]:
    """(path, sheet) from a `movements_file` value: a file name, or {path: ..., sheet: ...}."""
    if isinstance(spec, dict):
        unknown = [k for k in spec if k not in ("path", "sheet")]
        if unknown:
            raise ScenarioError([Problem(*at, key, f"unknown key {unknown[0]!r} (allowed: path, sheet)"
                                         + did_you_mean(str(unknown[0]), ["path", "sheet"]))])
        path, sheet = spec.get("path"), spec.get("sheet")
        if isinstance(path, str) and path.strip() and (sheet is None or (isinstance(sheet, str) and sheet.strip())):
            return path.strip(), sheet
    elif isinstance(spec, str) and spec.strip():
        return spec.strip(), None
    raise ScenarioError([Problem(*at, key, "must be a file name like 'movements.csv', or "
                                           f"{{path: book.xlsx, sheet: Movements}}; got {kind_of(spec)}")])


def _read_key(data: dict, key: str, file: str, patch: bool) -> list[LocDict]:
    """The rows of the table a scenario key names (relative to the folder of `file`, the scenario file; inside
    the folders sim.yamlsrc.allowed_folders gives)."""
    at: Loc = getattr(data, "key_locs", {}).get(key) or Loc(file, 0, 0)
    path_text, sheet = _source(data[key], at, key)
    path = Path(file).parent / path_text
    outside = _suffix_problem(path) is None and outside_folders(path, file, key, path_text)
    if outside:
        raise ScenarioError([Problem(*at, key, outside)])
    why = file_problem(path)
    if why:
        raise ScenarioError([Problem(*at, key, f"{why}: {path_text!r} (looked for {path})")])
    return read_table(path, KINDS[TABLE_KEYS[key]], sheet, patch)


def _append(data: dict, section: str, rows: list[LocDict], at: Loc) -> None:
    """Add rows after the items of `data[section]` (the list is made when the file has none)."""
    items = data.get(section)
    if items is None:
        items = data[section] = _located_list(at, [])
        if isinstance(data, LocDict):
            data.key_locs[section] = at
    if not isinstance(items, list):
        return  # the model reports the file's value
    items.extend(rows)
    if isinstance(items, LocList):
        items.item_locs.extend(r.loc for r in rows)


def read_tables(data: Any, file: str) -> Any:
    """`data` with the rows of its `movements_file` and `contingents_file` tables (relative to the folder of
    `file`) added to its lists and the two keys dropped; a plain dict is copied, located data changed in place.

    In a scenario that `extends` another, a table may give only the id column and what changes."""
    if not isinstance(data, dict) or not any(k in data for k in TABLE_KEYS):
        return data
    if not isinstance(data, LocDict):
        data = {k: list(v) if k in KINDS and isinstance(v, list) else v for k, v in data.items()}
    problems = []
    for key, section in TABLE_KEYS.items():
        if key not in data:
            continue
        try:
            rows = _read_key(data, key, file, patch="extends" in data)
        except ScenarioError as exc:
            problems += exc.problems
            continue
        _append(data, section, rows, getattr(data, "key_locs", {}).pop(key, Loc(file, 0, 0)))
        del data[key]
    if problems:
        raise ScenarioError(problems)
    return data


def read_file_tables(data: LocDict) -> None:
    """The loading step for one scenario file: read its tables, relative to the file (see read_tables)."""
    read_tables(data, data.loc.file)


# ------------------------------------------------------------------ date cells


def start_zone(start: Any) -> tzinfo | None:
    """The time zone (UTC offset) of a scenario's `start` as written, or None when it cannot be read."""
    try:
        when = parse_time(start)
    except ValueError:
        return None
    return when.tzinfo if isinstance(when, datetime) else None


def iso_time(when: datetime) -> str:
    """A time as ISO 8601 text to the minute (to the second when it has seconds), rounded to the second."""
    when = when.replace(microsecond=0) + timedelta(seconds=1 if when.microsecond >= 500_000 else 0)
    return when.isoformat(timespec="seconds" if when.second else "minutes")


def localise(item: dict, zone: tzinfo) -> None:
    """Replace the date cells of an item (and of its mappings) by ISO text, a naive one at `zone`."""
    for k, v in item.items():
        if isinstance(v, datetime):
            item[k] = iso_time(v if v.tzinfo else v.replace(tzinfo=zone))
        elif isinstance(v, dict):
            localise(v, zone)


def localise_times(data: Any) -> None:
    """Give the date cells of table rows in merged scenario data the UTC offset of its start (nothing when the
    start cannot be read: the model reports that, and the cells' missing offsets)."""
    zone = start_zone(data.get("start")) if isinstance(data, dict) else None
    if zone is None:
        return
    for section in KINDS:
        items = data.get(section)
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict):
                localise(item, zone)
