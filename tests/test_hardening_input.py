"""Scenario inputs refused up front: paths that are not regular readable files, files outside the scenario's
folder, values nested too deep, times and durations out of range, and the same-coordinates warning.

Each refusal is exit 2 with a located message, from `sim validate` and `sim run` alike, and nothing written.
Cases that cannot be committed files (a FIFO, a device, an unreadable file, symlinks, a folder named .csv)
are made in tmp_path here; the committed ones are tests/bad/200-* and on (tests/test_bad_scenarios.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim import errors, yamlsrc
from sim.cli import main
from sim.errors import ScenarioError, read_input, read_json_file
from sim.loading import load_scenario
from sim.timeparse import parse_duration_h, parse_time
from tests.conftest import TINY_SCENARIO
from tests.helpers import run_sim

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")


def _tiny() -> str:
    return TINY_SCENARIO.read_text(encoding="utf-8")


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _refused(path: Path, where: str, fragment: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sim validate` and `sim run` both exit 2 and report `fragment` after `where` ('file: ' or 'file:3:');
    run writes nothing."""
    out = tmp_path / "out"
    before = _tree(tmp_path)
    for argv in (["validate", str(path)], ["run", str(path), "-o", str(out)]):
        code = main(argv)
        printed = capsys.readouterr()
        text = printed.out + printed.err
        assert "Traceback" not in text and "internal error" not in text, text
        assert code == 2, f"{argv[0]}: exit {code}\n{text}"
        lines = [line for line in text.splitlines() if line.startswith(where)]
        assert any(fragment in line for line in lines), f"{argv[0]}: {fragment!r} not at {where!r}\n{text}"
    assert not out.exists()
    assert _tree(tmp_path) == before




# ------------------------------------------------------------------ the scenario path


@needs_fifo
def test_a_fifo_as_the_scenario_is_refused_without_blocking(tmp_path, capsys):
    fifo = tmp_path / "in" / "scenario.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    code, text = run_sim(["validate", str(fifo)], tmp_path)
    assert code == 2 and f"{fifo}: is a named pipe (FIFO), not a regular file" in text, text
    _refused(fifo, f"{fifo}: ", "a scenario file must be a regular file", tmp_path, capsys)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_dev_zero_as_the_scenario_is_refused(tmp_path, capsys):
    code, text = run_sim(["validate", "/dev/zero"], tmp_path)
    assert code == 2 and "/dev/zero: is a device, not a regular file" in text, text
    link = tmp_path / "in" / "zero.yaml"  # a symlink to a device is the device
    link.parent.mkdir()
    link.symlink_to("/dev/zero")
    _refused(link, f"{link}: ", "is a device, not a regular file", tmp_path, capsys)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_scenario_says_so(tmp_path, capsys):
    path = tmp_path / "in" / "locked.yaml"
    path.parent.mkdir()
    path.write_text(_tiny(), encoding="utf-8")
    path.chmod(0)
    try:
        _refused(path, f"{path}: ", "cannot be read: permission denied", tmp_path, capsys)
    finally:
        path.chmod(0o644)


def test_permission_denied_on_open_is_a_located_refusal(tmp_path, monkeypatch):
    """The same as above where the tests run as root: the open itself is refused."""
    path = tmp_path / "locked.yaml"
    path.write_text(_tiny(), encoding="utf-8")

    def denied(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(errors.os, "open", denied)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert str(exc.value) == (f"{path}: cannot be read: permission denied "
                              "(check the file's and its folders' permissions)")


def test_read_input_caps_the_size_and_names_it(tmp_path):
    path = tmp_path / "eleven.txt"
    path.write_bytes(b"x" * 11)
    assert read_input(path, "eleven.txt", 11, "test files", "a test file") == b"x" * 11
    with pytest.raises(ScenarioError) as exc:
        read_input(path, "eleven.txt", 10, "test files", "a test file")
    assert str(exc.value) == "eleven.txt: file is 0.0 MB; test files are capped at 0 MB"


def test_a_missing_or_folder_json_is_named(tmp_path):
    with pytest.raises(ScenarioError, match=r"summary\.json: missing: the folder is incomplete"):
        read_json_file(tmp_path / "summary.json")
    (tmp_path / "summary.json").mkdir()
    with pytest.raises(ScenarioError, match=r"summary\.json: is a directory \(a folder\)"):
        read_json_file(tmp_path / "summary.json")


# ------------------------------------------------------------------ files that extends and tables name


@needs_fifo
def test_a_fifo_as_parent_or_table_is_refused(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "parent.yaml")
    os.mkfifo(folder / "moves.csv")
    child = folder / "child.yaml"
    child.write_text("extends: parent.yaml\nname: c\n", encoding="utf-8")
    _refused(child, f"{child}:1:10: ", "extends: parent scenario 'parent.yaml' is a named pipe (FIFO)", tmp_path,
             capsys)
    table = folder / "table.yaml"
    table.write_text(_tiny().split("\nmovements:", 1)[0] + "\nmovements_file: moves.csv\n", encoding="utf-8")
    _refused(table, f"{table}:18:17: ", "movements_file: is a named pipe (FIFO), not a regular file", tmp_path, capsys)


def test_a_folder_named_as_a_table_says_folder(tmp_path, capsys):
    folder = tmp_path / "in"
    (folder / "moves.csv").mkdir(parents=True)
    path = folder / "s.yaml"
    path.write_text(_tiny().split("\nmovements:", 1)[0] + "\nmovements_file: moves.csv\n", encoding="utf-8")
    _refused(path, f"{path}:18:17: ", "movements_file: is a directory (a folder), not a table: 'moves.csv'", tmp_path,
             capsys)


def test_a_table_outside_is_refused_unless_its_folder_is_allowed(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(yamlsrc.SCENARIO_PATH_ENV, raising=False)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "moves.csv").write_text("contingent,phase,from,to,ready,deadline\nru,deploy,a,b,+2h,+48h\n",
                                      encoding="utf-8")
    path = tmp_path / "in" / "s.yaml"
    path.parent.mkdir()
    path.write_text(_tiny().split("\nmovements:", 1)[0] + "\nmovements_file: ../shared/moves.csv\n", encoding="utf-8")
    monkeypatch.chdir(path.parent)  # the current folder is allowed too: here it allows nothing more
    _refused(path, f"{path}:18:17: ", "movements_file: '../shared/moves.csv' is outside the scenario's folder",
             tmp_path, capsys)
    monkeypatch.setenv(yamlsrc.SCENARIO_PATH_ENV, str(shared))
    assert [m.id for m in load_scenario(path).movements] == ["ru-deploy-1"]


def test_a_table_symlinked_out_of_the_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(yamlsrc.SCENARIO_PATH_ENV, raising=False)
    (tmp_path / "secret.csv").write_text("contingent\nhunter2\n", encoding="utf-8")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "moves.csv").symlink_to(tmp_path / "secret.csv")
    path = folder / "s.yaml"
    path.write_text(_tiny().split("\nmovements:", 1)[0] + "\nmovements_file: moves.csv\n", encoding="utf-8")
    monkeypatch.chdir(folder)
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    assert "movements_file: 'moves.csv' is outside the scenario's folder" in str(exc.value)
    assert "hunter2" not in str(exc.value)


def test_a_parent_named_by_an_absolute_path_inside_the_folder_is_fine(tmp_path, monkeypatch):
    monkeypatch.delenv(yamlsrc.SCENARIO_PATH_ENV, raising=False)
    parent = tmp_path / "sub" / "parent.yaml"
    parent.parent.mkdir()
    parent.write_text(_tiny(), encoding="utf-8")
    child = tmp_path / "child.yaml"
    child.write_text(f"extends: {parent}\nname: by absolute path\n", encoding="utf-8")
    assert load_scenario(child).name == "by absolute path"


# ------------------------------------------------------------------ depth


# The top mapping is level 1 and `note:`'s value level 2, so the 50th opening is level 51: a list at column
# 6 + 49 + 1 ('note: ' is 6 characters). In mappings a key is a value too: the key 'a' of the 49th '{a: '
# (level 50) is at level 51, at column 6 + 48 * 4 + 2.
@pytest.mark.parametrize("opening, closing, column", [("[", "]", 56), ("{a: ", "}", 200)], ids=["lists", "mappings"])
def test_five_thousand_levels_deep_is_located(tmp_path, capsys, opening, closing, column):
    path = tmp_path / "in" / "deep.yaml"
    path.parent.mkdir()
    path.write_text("name: deep\nnote: " + opening * 5000 + "1" + closing * 5000 + "\n", encoding="utf-8")
    _refused(path, f"{path}:2:{column}: ", "values are nested more than 50 levels deep", tmp_path, capsys)


def test_fifty_levels_are_still_read(tmp_path):
    """The limit is on the nesting, not on YAML: the top mapping plus 49 lists is 50 levels."""
    path = tmp_path / "nested.yaml"
    path.write_text("note: " + "[" * 49 + "]" * 49 + "\n", encoding="utf-8")
    data = yamlsrc.load_located(path)
    depth, value = 0, data["note"]
    while isinstance(value, list):
        depth += 1
        value = value[0] if value else None
    assert depth == 49


# ------------------------------------------------------------------ times and durations


@pytest.mark.parametrize("text", ["1900-01-01T00:00+00:00", "2200-12-31T23:59+14:00"])
def test_times_at_the_ends_of_the_range_are_read(text):
    assert parse_time(text).isoformat().startswith(text[:16])


@pytest.mark.parametrize("text", ["1899-12-31T23:59+00:00", "2201-01-01T00:00+00:00", "0001-01-01T00:00+06:00",
                                  "9999-12-31T23:59+00:00"])
def test_times_beyond_the_range_are_refused(text):
    with pytest.raises(ValueError, match="scenario times fall in the years 1900 to 2200"):
        parse_time(text)


def test_durations_are_capped_at_a_hundred_years():
    assert parse_duration_h("36600d") == 878_400.0  # 100 years of 366 days: 36,600 x 24 h
    assert parse_duration_h(878_400) == 878_400.0
    for value in ("36601d", 878_401, 10**400, "9" * 30 + "h"):
        with pytest.raises(ValueError, match="at most 100 years"):
            parse_duration_h(value)


def test_an_offset_from_start_is_capped_too():
    assert parse_time("+36600d").days == 36_600
    with pytest.raises(ValueError, match="at most 100 years"):
        parse_time("+36601d")


def test_start_at_the_end_of_the_range_runs(tmp_path, capsys):
    """The latest start plus the longest horizon (366 days) is still a time Python can hold: validate and run
    agree."""
    path = tmp_path / "late.yaml"
    text = _tiny().replace("start: 2022-01-06T00:00+06:00", "start: 2200-12-31T00:00+14:00")
    path.write_text(text.replace("horizon: 10d", "horizon: 366d"), encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    assert main(["run", str(path), "-o", str(tmp_path / "out"), "--no-svg"]) == 0
    capsys.readouterr()


# ------------------------------------------------------------------ same coordinates


def test_places_at_the_same_coordinates_as_an_airfield_are_warned(tmp_path, capsys):
    path = tmp_path / "s.yaml"
    path.write_text(_tiny() + "places:\n  - {id: camp, lat: 43.0, lon: 77.0}\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    text = capsys.readouterr().out
    assert (f"{path}:22:" in text and "places[0].lat: warning: place 'camp' is at the same coordinates as airfield "
            "'b' (43, 77): a leg between them is 0 km long" in text), text


def test_distinct_coordinates_give_no_such_warning(capsys):
    assert main(["validate", str(TINY_SCENARIO)]) == 0
    assert "same coordinates" not in capsys.readouterr().out
