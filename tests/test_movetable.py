"""Movement lines and contingents from tables (CSV and XLSX): read like YAML, refused at their cells.

The bad tables are tests/bad_tables/: committed CSV files, and workbooks and wrong-byte files that
tests/bad_tables/make.py writes; tests/bad_tables/expected.txt says what each must report and at
which cell. Each is named by a scenario key added to tests/data/tiny.yaml, and `sim validate` (a
few also `sim run`) must refuse the scenario with exit 2, the message at that cell, nothing written.

The good tables are the reference scenario's movement lines as a CSV (shipped, used by the how-to
guide) and as a workbook with real date cells (made here from the CSV with the standard library):
either gives the scenario, and the run, of the YAML. `sim import` (sim.tableimport) writes a table
into a scenario file; loading the file then gives the same scenario.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from sim import api, tableimport
from sim.cli import main
from sim.errors import Problem, ScenarioError, TableName, column_letters
from sim.loading import load, validate
from sim.movetable import KINDS, OPENPYXL_MISSING, field_kinds, iso_time, read_table
from sim.scenario import Scenario
from tests.bad_tables.make import make, write_workbook
from tests.conftest import REFERENCE_SCENARIO, ROOT, SCENARIOS_DIR, TINY_SCENARIO

BAD_TABLES = ROOT / "tests" / "bad_tables"
MIN_BAD_TABLES = 20
REFERENCE_CSV = SCENARIOS_DIR / "tables" / "csto_2022_movements.csv"
HAVE_OPENPYXL = importlib.util.find_spec("openpyxl") is not None
needs_openpyxl = pytest.mark.skipif(not HAVE_OPENPYXL, reason="openpyxl (the analysis extra) is not installed")
ALMATY = timezone(timedelta(hours=6))  # the reference scenario's start offset


# ------------------------------------------------------------------ the bad tables


@dataclass(frozen=True)
class Expect:
    case: str
    key: str  # the scenario line that names the table, with $TABLE for its path
    where: str  # '!F2', '!Movements!F2', '-' (the file) or 'yaml' (the scenario's key line)
    message: str


def _expectations() -> list[Expect]:
    lines = (BAD_TABLES / "expected.txt").read_text(encoding="utf-8").splitlines()
    return [Expect(*(part.strip() for part in line.split(" | ", 3)))
            for line in lines if line.strip() and not line.startswith("#")]


EXPECTED = _expectations()
CASES = sorted({e.case for e in EXPECTED})


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad_tables")
    make(folder, workbooks=HAVE_OPENPYXL)
    return folder


def _table_path(case: str, made: Path) -> Path:
    committed = BAD_TABLES / case
    return committed if committed.exists() else made / case


def _scenario_for(expect: Expect, table: Path, folder: Path) -> Path:
    """tiny.yaml plus the key naming the table (without tiny's movement lines when the table gives them)."""
    tiny = TINY_SCENARIO.read_text(encoding="utf-8").rstrip("\n")
    if expect.key.startswith("movements_file"):
        tiny = tiny.split("\nmovements:", 1)[0]
    path = folder / "scenario.yaml"
    path.write_text(tiny + "\n" + expect.key.replace("$TABLE", json.dumps(str(table))) + "\n", encoding="utf-8")
    return path


def _prefix(expect: Expect, table: Path, scenario: Path) -> str:
    if expect.where == "yaml":
        return f"{scenario}:{len(scenario.read_text(encoding='utf-8').splitlines())}:"
    return f"{table}: " if expect.where == "-" else f"{table}{expect.where}: "


def _check_reported(expects: list[Expect], table: Path, scenario: Path, code: int, text: str) -> None:
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == 2, f"exit {code}, expected 2\n{text}"
    for e in expects:
        prefix = _prefix(e, table, scenario)
        there = [line[len(prefix):] for line in text.splitlines() if line.startswith(prefix)]
        assert there, f"nothing reported at {prefix!r}\n{text}"
        assert any(e.message in line for line in there), f"{e.message!r} not reported at {prefix!r}\n{text}"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_corpus_has_enough_cases_of_both_kinds() -> None:
    assert len(CASES) >= MIN_BAD_TABLES
    assert sum(c.endswith(".csv") for c in CASES) >= 10 and sum(c.endswith(".xlsx") for c in CASES) >= 10
    numbers = [c.split("-", 1)[0] for c in CASES]
    assert len(numbers) == len(set(numbers)), "two cases share a number"
    listed = set(CASES)
    committed = {p.name for p in BAD_TABLES.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert committed <= listed, f"tables without an expectation: {committed - listed}"


@pytest.mark.parametrize("case", CASES)
def test_bad_table_is_refused_at_its_cell(case: str, made: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_SCENARIO_PATH", str(made))  # the tables are made outside the scenario's folder
    if case.endswith(".xlsx") and not HAVE_OPENPYXL:
        pytest.skip("openpyxl (the analysis extra) is not installed")
    expects = [e for e in EXPECTED if e.case == case]
    table = _table_path(case, made)
    scenario = _scenario_for(expects[0], table, tmp_path)
    before = _tree(tmp_path)
    code = main(["validate", str(scenario)])
    printed = capsys.readouterr()
    _check_reported(expects, table, scenario, code, printed.out + printed.err)
    assert _tree(tmp_path) == before


RUN_TOO = ["04-troops-not-a-number.csv", "15-troops-over-contingent.csv", "44-missing-file.csv"]


@pytest.mark.parametrize("case", RUN_TOO)
def test_sim_run_refuses_a_bad_table_and_writes_nothing(case: str, made: Path, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIM_SCENARIO_PATH", str(made))
    expects = [e for e in EXPECTED if e.case == case]
    table = _table_path(case, made)
    scenario = _scenario_for(expects[0], table, tmp_path)
    before = _tree(tmp_path)
    code = main(["run", str(scenario), "-o", str(tmp_path / "out")])
    printed = capsys.readouterr()
    _check_reported(expects, table, scenario, code, printed.out + printed.err)
    assert _tree(tmp_path) == before


def _importer() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sim import")
    tableimport.configure_parser(parser)
    return parser


@pytest.mark.parametrize("case", [c for c in CASES if c.endswith(".csv") and c[:2] < "29"])
def test_sim_import_refuses_the_same_table_at_the_same_cell(case: str, tmp_path: Path) -> None:
    expects = [e for e in EXPECTED if e.case == case]
    table = BAD_TABLES / case
    into = tmp_path / "scenario.yaml"
    into.write_text(TINY_SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    before = _tree(tmp_path)
    args = [str(table), "--into", str(into)]
    if expects[0].key.startswith("contingents_file"):
        args = [str(BAD_TABLES / "48-sheet-of-a-csv.csv"), "--into", str(into), "--contingents", str(table)]
    with pytest.raises(ScenarioError) as raised:
        tableimport.cmd_import(_importer().parse_args(args))
    _check_reported(expects, table, into, 2, str(raised.value))
    assert _tree(tmp_path) == before, "sim import wrote something for a bad table"


# ------------------------------------------------------------------ locations


@pytest.mark.parametrize(("number", "letters"), [(1, "A"), (7, "G"), (26, "Z"), (27, "AA"), (52, "AZ"), (53, "BA"),
                                                 (702, "ZZ"), (703, "AAA")])
def test_column_letters_count_like_a_spreadsheet(number: int, letters: str) -> None:
    assert column_letters(number) == letters


def test_a_problem_in_a_table_shows_its_cell_and_field() -> None:
    assert str(Problem(TableName("t.xlsx!Movements"), 7, 4, "movements[5].deadline", "too late")) == \
        "t.xlsx!Movements!D7: deadline: too late"
    assert str(Problem(TableName("t.csv"), 7, 0, "movements[5]", "a row")) == "t.csv!7:7: a row"
    assert str(Problem(TableName("t.csv"), 0, 0, "", "file not found")) == "t.csv: file not found"
    assert str(Problem("s.yaml", 7, 4, "movements[5].deadline", "x")) == "s.yaml:7:4: movements[5].deadline: x"


def test_problems_are_sorted_by_row_then_column() -> None:
    t = TableName("t.csv")
    problems = ScenarioError([Problem(t, 10, 1, "", "c"), Problem(t, 2, 3, "", "b"), Problem(t, 2, 1, "", "a")])
    assert [p.message for p in problems.problems] == ["a", "b", "c"]


# ------------------------------------------------------------------ reading cells


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_every_field_of_a_line_and_a_contingent_has_a_way_to_be_read() -> None:
    for kind in KINDS.values():
        for name, how in field_kinds(kind.model).items():
            assert how in {"text", "int", "number", "hours", "time", "list", "counts", "model", "models"}, name
    assert field_kinds(KINDS["movements"].model)["legs"] == "models"  # refused with a message (case 19)


def test_csv_cells_become_typed_fields(tmp_path: Path) -> None:
    table = _write(tmp_path / "m.csv", "\ufeffID;Contingent;phase;from;to;ready;deadline;troops;cargo_t;after;"
                                       "equipment.bmd-2;inflow.from;inflow.share_per_day;after_lag_h;note\n"
                                       "x;ru;withdraw;b;a;;+150h;300;12.5;ru-deploy-1, x-in;4;+96h;0.5;1h30m; "
                                       "as written \n")
    [row] = read_table(table, KINDS["movements"])
    assert row == {"id": "x", "contingent": "ru", "phase": "withdraw", "from": "b", "to": "a", "deadline": "+150h",
                   "troops": 300, "cargo_t": 12.5, "after": ["ru-deploy-1", "x-in"], "equipment": {"bmd-2": 4},
                   "inflow": {"from": "+96h", "share_per_day": 0.5}, "after_lag_h": "1h30m",
                   "note": "as written"}
    assert isinstance(row["troops"], int) and isinstance(row["equipment"]["bmd-2"], int)


def test_an_empty_list_cell_is_written_as_brackets(tmp_path: Path) -> None:
    table = _write(tmp_path / "m.csv", "contingent,phase,from,to,ready,deadline,after\nru,withdraw,b,a,+96h,+150h,[]\n")
    assert read_table(table, KINDS["movements"])[0]["after"] == []


def test_seconds_of_a_date_cell_are_rounded() -> None:
    zone = timezone(timedelta(hours=6))
    assert iso_time(datetime(2022, 1, 7, 7, 59, 59, 999_500, tzinfo=zone)) == "2022-01-07T08:00+06:00"
    assert iso_time(datetime(2022, 1, 7, 8, 0, 30, tzinfo=zone)) == "2022-01-07T08:00:30+06:00"


@needs_openpyxl
def test_a_date_cell_is_local_time_at_the_start_offset(tmp_path: Path) -> None:
    write_workbook(tmp_path / "m.xlsx", {"Movements": [
        ["contingent", "phase", "from", "to", "ready", "deadline"],
        ["ru", "deploy", "a", "b", datetime(2022, 1, 6, 9, 0), datetime(2022, 1, 8).date()]]})
    s = _tiny_with("movements_file: m.xlsx", tmp_path)
    [line] = s.movements
    assert line.ready == datetime(2022, 1, 6, 9, 0, tzinfo=ALMATY)  # tiny starts 2022-01-06T00:00+06:00
    assert line.deadline == datetime(2022, 1, 8, 0, 0, tzinfo=ALMATY)


def test_without_openpyxl_a_workbook_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # import openpyxl now raises ImportError
    book = _write(tmp_path / "m.xlsx", "not read")
    with pytest.raises(ScenarioError, match=re.escape(OPENPYXL_MISSING)):
        read_table(book, KINDS["movements"])
    table = _write(tmp_path / "m.csv", "contingent,phase,from,to,ready,deadline\nru,deploy,a,b,+2h,+48h\n")
    assert read_table(table, KINDS["movements"])  # CSV needs only the standard library


def _tiny_with(key_line: str, folder: Path, movements: bool = False) -> Scenario:
    tiny = TINY_SCENARIO.read_text(encoding="utf-8").rstrip("\n")
    if not movements:
        tiny = tiny.split("\nmovements:", 1)[0]
    return load(_write(folder / "scenario.yaml", tiny + "\n" + key_line + "\n"))[0]


def test_table_rows_come_after_the_yaml_items_and_get_default_ids(tmp_path: Path) -> None:
    _write(tmp_path / "m.csv", "contingent,phase,from,to,ready,deadline,troops\nru,deploy,a,b,+3h,+48h,0\n")
    s = _tiny_with("movements_file: m.csv", tmp_path, movements=True)
    assert [m.id for m in s.movements] == ["ru-deploy-1", "ru-withdraw-1", "ru-deploy-2"]
    assert s.movements[2].troops == 0


def test_contingents_come_from_a_table_too(tmp_path: Path) -> None:
    _write(tmp_path / "c.csv", "id,nation,troops,equipment,cargo_t,home\nkz,Kazakhstan,50,bmd-2=2,3,b\n")
    s = _tiny_with("contingents_file: c.csv", tmp_path, movements=True)
    assert [(c.id, c.troops, c.equipment, c.cargo_t, c.home) for c in s.contingents] == [
        ("ru", 500, {"bmd-2": 10, "big": 1}, 30.0, "a"), ("kz", 50, {"bmd-2": 2}, 3.0, "b")]


def test_plain_data_reads_its_table_from_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import yaml

    _write(tmp_path / "m.csv", "contingent,phase,from,to,ready,deadline\nru,deploy,a,b,+2h,+48h\n")
    data = yaml.safe_load(TINY_SCENARIO.read_text(encoding="utf-8"))
    del data["movements"]
    data["movements_file"] = "m.csv"
    monkeypatch.chdir(tmp_path)
    s, _ = validate(data, "<python>")
    assert [m.id for m in s.movements] == ["ru-deploy-1"]
    assert "movements" not in data and data["movements_file"] == "m.csv", "the caller's data is left alone"
    assert "movements_file" not in s.resolved()


def test_a_variant_table_may_patch_its_parents_lines_by_id(tmp_path: Path) -> None:
    _write(tmp_path / "patch.csv", "id,deadline\nby-deploy,2022-01-08T12:00+06:00\n")
    variant = _write(tmp_path / "variant.yaml", f"extends: {json.dumps(str(REFERENCE_SCENARIO))}\n"
                                                "name: by later\nmovements_file: patch.csv\n")
    s, _ = load(variant)
    ref, _ = load(REFERENCE_SCENARIO)
    changed = [m.id for m, r in zip(s.movements, ref.movements) if m != r]
    assert changed == ["by-deploy"] and len(s.movements) == len(ref.movements)
    assert s.movements[5].deadline == datetime(2022, 1, 8, 12, 0, tzinfo=ALMATY)


# ------------------------------------------------------------------ the reference as tables


def _reference_head() -> str:
    """The reference scenario's text up to its movement lines (its last key)."""
    text = REFERENCE_SCENARIO.read_text(encoding="utf-8")
    head, sep, tail = text.partition("\nmovements:")
    assert sep and not re.search(r"^[a-z_]+:", tail, re.M), "movements is the reference's last key"
    return head + "\n"


@pytest.fixture(scope="module")
def reference() -> api.RunResult:
    return api.run(REFERENCE_SCENARIO)


def _reference_csv_rows() -> list[dict[str, str]]:
    with REFERENCE_CSV.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _cell(column: str, text: str) -> Any:
    """A CSV cell as a spreadsheet would hold it: numbers as numbers, times as local date cells at +06:00."""
    if column in ("ready", "deadline"):
        return datetime.fromisoformat(text).astimezone(ALMATY).replace(tzinfo=None)
    if column in ("troops", "cargo_t", "road_km", "convoy_kmh", "march_h_per_day") and text:
        return float(text) if "." in text else int(text)
    return text or None


def _reference_workbook(path: Path, contingents: bool = False) -> Path:
    """The reference's lines as a workbook: date cells, number cells, one column per vehicle type."""
    rows = _reference_csv_rows()
    vehicles = sorted({pair.split("=")[0].strip() for r in rows for pair in r["equipment"].split(";") if pair})
    header = [c for c in rows[0] if c != "equipment"] + [f"equipment.{v}" for v in vehicles]
    table = [header]
    for r in rows:
        counts = dict(pair.strip().split("=") for pair in r["equipment"].split(";") if pair)
        table.append([_cell(c, r[c]) for c in header if "." not in c] + [int(counts[v]) if v in counts else None
                                                                          for v in vehicles])
    sheets = {"Notes": [["the reference scenario's movement lines"]], "Movements": table}
    if contingents:
        sheets["Contingents"] = [["id", "nation", "troops", "equipment", "cargo_t", "home"],
                                 ["ru", "Russia", 1450, "bmd-2=30; btr-82a=20; tigr=50; kamaz-5350=34; ural-4320=36; "
                                                        "uaz=48", 150, "ivanovo"],
                                 ["by", "Belarus", 130, "btr-82a=2; ural-4320=6; uaz=4", 20, "machulishchy"],
                                 ["am", "Armenia", 100, "ural-4320=2; uaz=2", 10, "zvartnots"],
                                 ["tj", "Tajikistan", 200, None, 20, "gissar"],
                                 ["kg", "Kyrgyzstan", 150, "tigr=8; ural-4320=6; uaz=5", 15, "kant"]]
    write_workbook(path, sheets)
    return path


def _dump(s: Scenario) -> dict[str, Any]:
    """The scenario as plain values, its lines' times as hours from start (whatever their UTC offset)."""
    out = s.model_dump()
    for item, m in zip(out["movements"], s.movements):
        item.update(ready=s.hours_of(m.ready), deadline=s.hours_of(m.deadline))
    for item in [*out["movements"], *out["contingents"]]:
        item.pop("note", None)  # notes are free text; the workbook leaves some out
    return out


def test_the_reference_csv_gives_the_reference_scenario_and_run(tmp_path: Path, reference: api.RunResult) -> None:
    path = _write(tmp_path / "ref.yaml", _reference_head() + f"movements_file: {json.dumps(str(REFERENCE_CSV))}\n")
    result = api.run(path)
    assert result.scenario.resolved() == reference.scenario.resolved()
    assert result.results.lines == reference.results.lines
    assert result.totals == reference.totals


@needs_openpyxl
def test_the_reference_workbook_gives_the_reference_run(tmp_path: Path, reference: api.RunResult) -> None:
    _reference_workbook(tmp_path / "ref.xlsx")
    path = _write(tmp_path / "ref.yaml", _reference_head() + "movements_file: ref.xlsx\n")
    result = api.run(path)
    assert _dump(result.scenario) == _dump(reference.scenario)
    assert result.results.lines == reference.results.lines


# ------------------------------------------------------------------ sim import


def _copy_reference(folder: Path) -> Path:
    return _write(folder / "scenario.yaml", REFERENCE_SCENARIO.read_text(encoding="utf-8"))


def _import(*args: str) -> int:
    return tableimport.cmd_import(_importer().parse_args(list(args)))


def test_import_then_load_gives_the_same_scenario(tmp_path: Path, reference: api.RunResult,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    into = _copy_reference(tmp_path)
    assert _import(str(REFERENCE_CSV), "--into", str(into)) == 0
    assert capsys.readouterr().out == f"{into}: wrote 20 movement lines from {REFERENCE_CSV}\n"
    assert load(into)[0].resolved() == reference.scenario.resolved()
    text = into.read_text(encoding="utf-8")
    assert text.startswith(_reference_head()), "everything above the movement lines is kept, comments included"
    assert f"movements:  # from {REFERENCE_CSV} (sim import)\n  - {{id: ru-deploy-chkalovsky-6, contingent: ru," in text
    assert [p.name for p in tmp_path.iterdir()] == ["scenario.yaml"], "no temporary file is left"


@needs_openpyxl
def test_import_of_a_workbook_replaces_contingents_from_its_sheet(tmp_path: Path, reference: api.RunResult,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    book = _reference_workbook(tmp_path / "ref.xlsx", contingents=True)
    into = _copy_reference(tmp_path)
    assert _import(str(book), "--into", str(into)) == 0
    assert "wrote 20 movement lines, 5 contingents from" in capsys.readouterr().out
    s = load(into)[0]
    assert _dump(s) == _dump(reference.scenario)
    assert "ready: '2022-01-06T12:00+06:00'" in into.read_text(encoding="utf-8")  # 09:00+03:00 as a local cell
    assert api.run(s).results.lines == reference.results.lines


def test_import_into_a_scenario_that_named_the_table_drops_the_key(tmp_path: Path) -> None:
    into = _write(tmp_path / "s.yaml", _reference_head() + f"movements_file: {json.dumps(str(REFERENCE_CSV))}\n"
                                                           "# the end\n")
    expected = load(into)[0].resolved()
    _import(str(REFERENCE_CSV), "--into", str(into))
    text = into.read_text(encoding="utf-8")
    assert "movements_file" not in text and text.endswith("# the end\n")
    assert load(into)[0].resolved() == expected


def test_import_into_a_variant_adds_its_lines_at_the_end(tmp_path: Path) -> None:
    patch = _write(tmp_path / "patch.csv", "id,deadline\nby-deploy,2022-01-08T12:00+06:00\n")
    into = _write(tmp_path / "variant.yaml", f"extends: {json.dumps(str(REFERENCE_SCENARIO))}\nname: by later\n")
    _import(str(patch), "--into", str(into))
    assert into.read_text(encoding="utf-8").endswith(
        f"name: by later\n\nmovements:  # from {patch} (sim import)\n"
        "  - {id: by-deploy, deadline: '2022-01-08T12:00+06:00'}\n")
    assert load(into)[0].movements[5].deadline == datetime(2022, 1, 8, 12, 0, tzinfo=ALMATY)


def test_import_refuses_a_scenario_file_that_does_not_exist(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file; sim import writes into an existing scenario"):
        _import(str(REFERENCE_CSV), "--into", str(tmp_path / "new.yaml"))
    assert not list(tmp_path.iterdir())


def test_import_reports_a_scenario_problem_at_the_tables_cell_and_writes_nothing(tmp_path: Path) -> None:
    table = _write(tmp_path / "m.csv", "contingent,phase,from,to,ready,deadline\nru,deploy,a,b,+2h,+48h\n"
                                       "ru,withdraw,b,x,+96h,+150h\n")
    into = _write(tmp_path / "s.yaml", TINY_SCENARIO.read_text(encoding="utf-8"))
    before = _tree(tmp_path)
    with pytest.raises(ScenarioError) as raised:
        _import(str(table), "--into", str(into))
    assert str(raised.value) == f"{table}!D3: to: unknown airfield 'x' (known: a, b)"
    assert _tree(tmp_path) == before


def test_import_sheet_option_reads_a_csv_only_without_it(tmp_path: Path) -> None:
    into = _write(tmp_path / "s.yaml", TINY_SCENARIO.read_text(encoding="utf-8"))
    with pytest.raises(ScenarioError, match="a CSV file has no sheets"):
        _import(str(BAD_TABLES / "48-sheet-of-a-csv.csv"), "--into", str(into), "--sheet", "Moves")


def test_import_command_parts_for_the_command_line() -> None:
    with pytest.raises(SystemExit):
        _importer().parse_args(["t.csv"])  # --into is required (the command line's parser raises UsageError)
    args = _importer().parse_args(["t.xlsx", "--into", "s.yaml", "--sheet", "Moves", "--contingents-sheet", "C"])
    assert (args.table, args.into, args.sheet, args.contingents, args.contingents_sheet) == \
        ("t.xlsx", "s.yaml", "Moves", None, "C")
    assert tableimport.EXAMPLES and all(e.startswith("sim import ") for e in tableimport.EXAMPLES)
