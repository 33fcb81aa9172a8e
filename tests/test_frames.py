"""The analysis outputs: typed DataFrames (sim.frames), Parquet files and the Excel workbook (sim.workbook).

Expected values come from the engine's records (sim.records: Sortie, Trip, LineResult) and from the
CSV files, never from the frames' own code: a time is the scenario's start plus the record's
hours, a column list is the CSV's header row.
"""

from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sim
from sim import frames, report, tablerows, workbook
from sim.api import RunResult
from sim.extras import INSTALL_HINT, MissingDependency
from sim.replications import WAIT_KINDS, Replica
from tests.conftest import REFERENCE_SCENARIO, ROOT

OFFSET = timedelta(hours=6)  # the reference scenario starts at 2022-01-06T00:00+06:00


@pytest.fixture(scope="module")
def result() -> RunResult:
    """The reference scenario, run once for the module."""
    return sim.run(REFERENCE_SCENARIO)


@pytest.fixture(scope="module")
def tables(result: RunResult) -> dict[str, Any]:
    """Every frame of the reference run, by name (pandas needed)."""
    pytest.importorskip("pandas")
    return frames.frames(result.results)


@pytest.fixture(scope="module")
def book(result: RunResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference run's workbook, written once."""
    pytest.importorskip("openpyxl")
    return workbook.write_xlsx(result.results, tmp_path_factory.mktemp("xlsx") / "run.xlsx")


def _csv(text: str) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(text)))
    return header, rows


def _when(result: RunResult, hours: float) -> datetime:
    """A record's time as an aware datetime: the scenario's start plus its hours."""
    return result.scenario.start + timedelta(hours=hours)


# ------------------------------------------------------------------ frames


CSV_OF = {"sorties": report.sorties_csv, "lines": report.movements_csv, "legs": report.legs_csv,
          "in_theatre": report.in_theatre_csv, "surface": report.trips_csv}


@pytest.mark.parametrize("name", sorted(CSV_OF))
def test_each_frame_has_its_csv_columns_and_rows(result: RunResult, tables: dict[str, Any], name: str) -> None:
    header, rows = _csv(CSV_OF[name](result.results))
    frame = tables[name]
    assert list(frame.columns) == header
    assert len(frame) == len(rows) > 0
    assert list(frame.index) == list(range(len(rows)))


@pytest.mark.parametrize("name", sorted(CSV_OF))
def test_frame_times_are_aware_and_read_as_the_csv_writes_them(result: RunResult, tables: dict[str, Any],
                                                               name: str) -> None:
    """Every time column is tz-aware in the start's offset, and floored to the minute it is the CSV's text."""
    header, rows = _csv(CSV_OF[name](result.results))
    frame = tables[name]
    time_columns = [c for c in frame.columns if str(frame[c].dtype).startswith("datetime64")]
    assert time_columns
    for col in time_columns:
        assert str(frame[col].dtype) == "datetime64[ns, UTC+06:00]"
        k = header.index(col)
        shown = ["" if t is None or t != t else t.isoformat(timespec="minutes") for t in frame[col]]
        assert shown == [row[k] for row in rows], col


def test_sortie_frame_values_are_the_records(result: RunResult, tables: dict[str, Any]) -> None:
    f = tables["sorties"]
    records = result.run.sorties
    first = f.iloc[0]
    assert first["takeoff"].to_pydatetime() == _when(result, records[0].takeoff)
    assert first["takeoff"].utcoffset() == OFFSET
    for col, attr in [("takeoff", "takeoff"), ("on_blocks", "on_blocks"), ("unloaded", "done")]:
        assert [t.to_pydatetime() for t in f[col]] == [_when(result, getattr(r, attr)) for r in records]
    assert list(f["cargo_t"]) == [r.cargo_kg / 1000 for r in records]
    assert list(f["flying_h"]) == [r.flying_h for r in records]
    assert list(f["wait_mog_min"]) == [r.wait_mog_h * 60 for r in records]
    assert list(f["leg"]) == [r.leg + 1 for r in records]
    empty = f["phase"] == "reposition"
    assert empty.any() and f.loc[empty, "released"].isna().all() and f.loc[empty, "wait_aircraft_min"].isna().all()
    assert f.loc[~empty, "released"].notna().all()
    assert str(f["troops"].dtype) == "int64" and str(f["distance_km"].dtype) == "float64"


def test_line_and_leg_frames_are_the_line_results(result: RunResult, tables: dict[str, Any]) -> None:
    lines, legs = tables["lines"], tables["legs"]
    assert list(lines["id"]) == [m.id for m in result.scenario.movements]
    for _, row in lines.iterrows():
        rec = result.run.lines[row["id"]]
        assert row["closed"].to_pydatetime() == _when(result, rec.closed)
        assert row["troops_left"] == rec.troops_left and row["cargo_t_left"] == rec.cargo_kg_left / 1000
    assert lines["earliest"].isna().all()  # the reference states no earliest arrival
    for _, row in legs.iterrows():
        rec = result.run.lines[row["line"]].legs[row["leg"] - 1]
        assert row["received"].to_pydatetime() == _when(result, rec.received)
        assert row["node_wait_h"] == rec.received - rec.closed


def test_surface_in_theatre_and_airfield_frames(result: RunResult, tables: dict[str, Any]) -> None:
    trip = result.run.trips[0]
    row = tables["surface"].iloc[0]
    assert (row["unit"], row["depart"].to_pydatetime()) == (trip.unit, _when(result, trip.depart))
    assert row["wait_route_min"] == (trip.depart - trip.ready) * 60
    theatre = tables["in_theatre"]
    assert theatre["time"].iloc[0].to_pydatetime() == result.scenario.start
    assert theatre["time"].iloc[-1].to_pydatetime() == _when(result, result.run.end_h)
    assert (theatre["total"] == theatre.drop(columns=["time", "total"]).sum(axis=1)).all()
    airfields = tables["airfields"]
    summary = report.summary_dict(result.results)["airfields"]
    assert list(airfields.columns) == ["id", *next(iter(summary.values()))]
    assert list(airfields["id"]) == list(summary)
    assert list(airfields["departures"]) == [sum(1 for r in result.run.sorties if r.origin == a)
                                             for a in airfields["id"]]


def _replicas(result: RunResult) -> list[Replica]:
    """One replication that ran (the reference run's closures) and one that failed."""
    ok = Replica(index=0, seed=11, lines={r.id: r.closed_h for r in result.results.lines},
                 phases={p: v.closed_h for p, v in result.phases.items()}, contingents={}, sorties=390,
                 breakdowns=2, weather_closures=1, waits_h=dict.fromkeys(WAIT_KINDS, 1.0 / 3), late_bound={},
                 in_theatre=np.zeros(1))
    return [Replica.failed(1, 12, "ValueError: boom"), ok]


def test_replications_frame_has_the_csv_columns_typed(result: RunResult) -> None:
    pytest.importorskip("pandas")
    replicas = _replicas(result)
    header, rows = _csv(report.replications_csv(result.scenario, replicas))
    f = frames.replications_frame(result.scenario, replicas)
    assert list(f.columns) == header and len(f) == len(rows) == 2
    assert all(len(row) == len(header) for row in rows)  # a failed replication's row is as wide as the others
    assert list(f["status"]) == ["ok", "error"] and f.loc[1, "error"] == "ValueError: boom"
    assert str(f["sorties"].dtype) == "Int64" and f["sorties"].isna().tolist() == [False, True]
    assert f.loc[0, "wait_mog_h"] == 1.0 / 3 and rows[0][header.index("wait_mog_h")] == "0.33"
    closed = f.loc[0, "closed.withdraw"].to_pydatetime()
    assert closed == _when(result, result.phases["withdraw"].closed_h) and closed.utcoffset() == OFFSET
    assert f["closed.withdraw"].isna().tolist() == [False, True]


# ------------------------------------------------------------------ Parquet


def test_parquet_files_read_back_as_the_frames(result: RunResult, tables: dict[str, Any], tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    assert frames.write_parquet(result.results, tmp_path / "pq") == tmp_path / "pq"
    stems = {n: frames.PARQUET_STEMS.get(n, n) for n in frames.PARQUET_FILES}
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == sorted(f"{s}.parquet" for s in stems.values())
    assert stems["lines"] == "movements"  # beside movements.csv
    for name, frame in tables.items():
        back = pd.read_parquet(tmp_path / "pq" / f"{stems[name]}.parquet")
        pd.testing.assert_frame_equal(back, frame)  # values, dtypes (time zones included) and index
        zones = {str(back[c].dt.tz) for c in back.columns if str(back[c].dtype).startswith("datetime64")}
        assert zones == (set() if name == "airfields" else {"UTC+06:00"}), name


# ------------------------------------------------------------------ the workbook


def test_workbook_sheets_headers_and_layout(book: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Lines", "Sorties", "Airfields", "In theatre", "Scenario"]
    for ws in wb:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.b for c in ws[1]), ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}", ws.title
        widths = [ws.column_dimensions[ws.cell(1, k).column_letter].width for k in range(1, ws.max_column + 1)]
        assert all(4 <= w <= workbook.MAX_WIDTH + 2 for w in widths), ws.title
    header = [c.value for c in wb["Sorties"][1]]
    assert header == [*report.SORTIE_COLUMNS, "time zone"]
    assert [c.value for c in wb["Lines"][1]] == [*report.MOVEMENT_COLUMNS, "time zone"]
    assert wb["Sorties"].column_dimensions["B"].width > wb["Sorties"].column_dimensions["A"].width  # tail > sortie


def test_workbook_times_are_excel_datetimes_in_local_time(result: RunResult, book: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    ws = openpyxl.load_workbook(book)["Sorties"]
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(result.run.sorties)
    k, zone = header.index("takeoff"), header.index("time zone")
    local_start = result.scenario.start.replace(tzinfo=None)
    for row, rec in zip(rows, result.run.sorties):
        assert isinstance(row[k], datetime) and row[k].tzinfo is None
        assert abs(row[k] - (local_start + timedelta(hours=rec.takeoff))) <= timedelta(milliseconds=1)
        assert row[zone] == "UTC+06:00"
        # full precision (openpyxl writes 16 significant digits), not the CSV's one decimal
        assert math.isclose(row[header.index("distance_km")], rec.distance_km, rel_tol=1e-15)
    assert ws.cell(2, k + 1).number_format == workbook.TIME_FORMAT
    released = header.index("released")
    assert [r[released] is None for r in rows] == [rec.phase == "reposition" for rec in result.run.sorties]


def test_workbook_lines_in_theatre_airfields_and_scenario(result: RunResult, book: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.load_workbook(book)
    lines = list(wb["Lines"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in lines] == [m.id for m in result.scenario.movements]
    assert len(list(wb["In theatre"].iter_rows(min_row=2))) == len(_csv(report.in_theatre_csv(result.results))[1])
    assert [r[0] for r in wb["Airfields"].iter_rows(min_row=2, values_only=True)] == \
        [a.id for a in result.scenario.airfields]
    pairs = dict(wb["Scenario"].iter_rows(min_row=2, values_only=True))
    assert pairs["name"] == result.scenario.name and pairs["seed"] == result.run.seed
    assert pairs["start"] == datetime(2022, 1, 6) and pairs["time zone"] == "UTC+06:00"
    assert pairs["tool.version"] == sim.__version__
    assert pairs["scenario.airfields[almaty].mog"] == result.scenario.airfield("almaty").mog


def test_workbook_bytes_do_not_depend_on_the_clock(result: RunResult, book: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Written again a year later (by the clock), the workbook is byte-identical; its dates are the start's."""
    later = time.time() + 366 * 86400
    monkeypatch.setattr(time, "time", lambda: later)
    again = workbook.write_xlsx(result.results, tmp_path / "again.xlsx")
    monkeypatch.undo()
    assert again.read_bytes() == book.read_bytes()
    with zipfile.ZipFile(book) as z:
        assert {i.date_time for i in z.infolist()} == {(2022, 1, 5, 18, 0, 0)}  # the start, in UTC
        assert b"2022-01-05T18:00:00Z" in z.read("docProps/core.xml")


def test_workbook_replaces_a_file_atomically(result: RunResult, tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    target = tmp_path / "run.xlsx"
    target.write_bytes(b"old")
    workbook.write_xlsx(result.results, target)
    assert zipfile.is_zipfile(target)
    assert [p.name for p in tmp_path.iterdir()] == ["run.xlsx"]  # no temporary file left


def test_workbook_text_is_never_a_formula() -> None:
    pytest.importorskip("openpyxl")
    from openpyxl import Workbook

    ws = Workbook(write_only=True).create_sheet("x")
    cell = workbook._text(ws, "=1+1\x07")
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    assert workbook.flatten({"a": [{"id": "x", "b": [1, 2]}], "c": None}, "s") == [("s.a[x].id", "x"),
                                                                                ("s.a[x].b", "1, 2"), ("s.c", None)]


# ------------------------------------------------------------------ the libraries stay optional


@pytest.mark.parametrize(("module", "call", "message"), [
    ("pandas", lambda res, path: frames.sorties_frame(res), "DataFrames need pandas: " + INSTALL_HINT),
    ("pyarrow", frames.write_parquet, "Parquet files need pyarrow: " + INSTALL_HINT),
    ("openpyxl", workbook.write_xlsx, "Excel workbooks need openpyxl: " + INSTALL_HINT),
])
def test_a_missing_library_says_what_to_install(result: RunResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                module: str, call: Any, message: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # `import module` now raises ImportError
    with pytest.raises(ImportError) as info:
        call(result.results, tmp_path / "out")
    assert isinstance(info.value, MissingDependency) and str(info.value) == message
    assert not (tmp_path / "out").exists()


def test_the_modules_import_none_of_the_optional_libraries() -> None:
    code = ("import sys, sim.frames, sim.workbook, sim.report, sim.tablerows;"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'pyarrow', 'openpyxl'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_the_csv_cells_are_the_typed_rows_formatted(result: RunResult) -> None:
    """The typed table and the CSV agree cell by cell where a value is plain text or a count."""
    table = tablerows.sortie_table(result.results)
    header, rows = _csv(report.sorties_csv(result.results))
    assert table.header == header and len(table.rows) == len(rows)
    for k, col in enumerate(table.columns):
        if col.kind in ("text", "int"):
            assert [str(r[k]) for r in table.rows] == [r[k] for r in rows], col.name
        elif col.kind == "float":
            assert all(math.isclose(float(c), float(r[k]), abs_tol=0.6 * 10 ** -(col.digits or 0))
                       for r, c in zip(table.rows, (row[k] for row in rows)) if c), col.name
