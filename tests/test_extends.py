"""`extends`: deep merge of maps, merge of id'd lists by id, removal, cycles, relative paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.loading import load_scenario
from tests.conftest import TINY_SCENARIO

TINY = TINY_SCENARIO


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def parent(tmp_path) -> Path:
    return write(tmp_path / "base" / "parent.yaml", TINY.read_text())


def test_maps_merge_deeply_and_scalars_replace(parent, tmp_path):
    child = write(tmp_path / "base" / "child.yaml",
                  "extends: parent.yaml\nname: child\nplanning: {taxi_h: 0.3}\n")
    s = load_scenario(child)
    assert s.name == "child"
    assert s.planning.taxi_h == 0.3
    assert s.planning.troop_mass_t == 0.12, "unstated planning factors keep the parent's (default) value"
    assert len(s.airfields) == 2 and len(s.movements) == 2


def test_lists_with_ids_merge_by_id_and_remove_drops(parent, tmp_path):
    child = write(tmp_path / "base" / "child.yaml", """
extends: parent.yaml
airfields:
  - {id: b, mog: 1}
  - {id: c, lat: 50.0, lon: 60.0, mog: 3}
fleet:
  - {id: an-124@a, remove: true}
equipment:
  - {id: big, remove: true}
contingents:
  - {id: ru, equipment: {big: 0}}
""")
    s = load_scenario(child)
    b = s.airfield("b")
    assert b.mog == 1 and b.hours == "06:00-22:00" and b.lat == 43.0, "edit keeps the other fields"
    assert [a.id for a in s.airfields] == ["a", "b", "c"], "new ids are appended"
    assert [f.id for f in s.fleet] == ["il-76md@a"]
    assert [e.id for e in s.equipment] == ["bmd-2"]
    assert s.contingent("ru").equipment == {"bmd-2": 10, "big": 0}, "maps merge key by key"


def test_lists_without_ids_replace(parent, tmp_path):
    child = write(tmp_path / "base" / "child.yaml", """
extends: parent.yaml
airfields:
  - {id: b, closed: [{from: +1h, to: +2h}]}
""")
    s = load_scenario(child)
    assert len(s.airfield("b").closed) == 1


def test_relative_path_is_relative_to_the_extending_file(parent, tmp_path):
    write(tmp_path / "base" / "variants" / "mid.yaml", "extends: ../parent.yaml\nname: mid\n")
    child = write(tmp_path / "base" / "child.yaml", "extends: variants/mid.yaml\nplanning: {taxi_h: 0.2}\n")
    s = load_scenario(child)
    assert s.name == "mid" and s.planning.taxi_h == 0.2, "each relative path is read from the file that names it"


def test_a_parent_outside_the_scenario_folder_is_refused(parent, tmp_path, monkeypatch):
    """`extends` stays inside the folder tree of the scenario given (here tmp/elsewhere/deep)."""
    monkeypatch.delenv("SIM_SCENARIO_PATH", raising=False)
    child = write(tmp_path / "elsewhere" / "deep" / "child.yaml", "extends: ../../base/parent.yaml\nname: far\n")
    monkeypatch.chdir(child.parent)  # the current folder is allowed too: here it allows nothing more
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    text = str(exc.value)
    folder = os.path.realpath(child.parent)
    assert f"child.yaml:1:10: extends: '../../base/parent.yaml' is outside the scenario's folder ({folder})" in text
    assert "SIM_SCENARIO_PATH" in text


def test_the_current_folder_is_allowed_but_not_the_root(parent, tmp_path, monkeypatch):
    """`sim compare scenarios/a.yaml outputs/opt/a_optimised.yaml` from a project folder: the variant in
    outputs/ extends ../../scenarios/a.yaml, outside its own folder but inside the current one."""
    monkeypatch.delenv("SIM_SCENARIO_PATH", raising=False)
    child = write(tmp_path / "elsewhere" / "deep" / "child.yaml", "extends: ../../base/parent.yaml\nname: far\n")
    monkeypatch.chdir(tmp_path)
    assert load_scenario(child).name == "far"
    monkeypatch.chdir("/")  # a service started in / would otherwise allow every file
    with pytest.raises(ScenarioError, match="is outside the scenario's folder"):
        load_scenario(child)


def test_sim_scenario_path_allows_another_folder(parent, tmp_path, monkeypatch):
    monkeypatch.setenv("SIM_SCENARIO_PATH", os.pathsep.join([str(tmp_path / "nothing-here"), str(tmp_path / "base")]))
    child = write(tmp_path / "elsewhere" / "deep" / "child.yaml", "extends: ../../base/parent.yaml\nname: far\n")
    assert load_scenario(child).name == "far"
    absolute = write(tmp_path / "elsewhere" / "abs.yaml", f"extends: {parent}\nname: abs\n")
    assert load_scenario(absolute).name == "abs"


def test_the_folder_is_that_of_the_scenario_given_not_of_each_parent(tmp_path, monkeypatch):
    """A parent in a subfolder may extend a file beside the top-level scenario (inside its tree)."""
    monkeypatch.delenv("SIM_SCENARIO_PATH", raising=False)
    write(tmp_path / "common.yaml", TINY.read_text())
    write(tmp_path / "sub" / "mid.yaml", "extends: ../common.yaml\nname: mid\n")
    top = write(tmp_path / "top.yaml", "extends: sub/mid.yaml\n")
    monkeypatch.chdir(tmp_path / "sub")
    assert load_scenario(top).name == "mid"
    with pytest.raises(ScenarioError) as exc:  # given on its own, sub/mid.yaml reaches out of its folder
        load_scenario(tmp_path / "sub" / "mid.yaml")
    assert "mid.yaml:1:10: extends: '../common.yaml' is outside" in str(exc.value)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("SIM_SCENARIO_PATH", raising=False)
    outside = write(tmp_path / "outside" / "parent.yaml", TINY.read_text())
    (tmp_path / "inside").mkdir()
    (tmp_path / "inside" / "parent.yaml").symlink_to(outside)
    child = write(tmp_path / "inside" / "child.yaml", "extends: parent.yaml\nname: c\n")
    monkeypatch.chdir(tmp_path / "inside")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert "extends: 'parent.yaml' is outside the scenario's folder" in str(exc.value)


def test_cycle_is_an_error_naming_the_chain(tmp_path):
    a = write(tmp_path / "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", "extends: a.yaml\nname: b\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(a)
    assert "cycle: a.yaml -> b.yaml -> a.yaml" in str(exc.value)


def test_missing_parent_names_the_chain(tmp_path):
    a = write(tmp_path / "a.yaml", "extends: gone.yaml\nname: a\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(a)
    assert "a.yaml:1:10: extends: parent scenario 'gone.yaml' not found" in str(exc.value)


def test_a_folder_as_parent_is_called_a_folder(tmp_path):
    (tmp_path / "variants").mkdir()
    a = write(tmp_path / "a.yaml", "extends: variants\nname: a\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(a)
    assert "a.yaml:1:10: extends: parent scenario 'variants' is a directory (a folder), not a scenario file" in str(
        exc.value)


@pytest.mark.parametrize("text", [
    "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n",  # plain text
    "secret_token: hunter2\npassword: swordfish\n",  # a mapping, but of no scenario key
    "key: [unclosed, hunter2\n",  # not YAML
    "- hunter2\n- swordfish\n",  # a list
], ids=["text", "foreign-mapping", "not-yaml", "list"])
def test_a_parent_that_is_not_a_scenario_is_named_not_quoted(tmp_path, text):
    write(tmp_path / "notes.txt", text)
    a = write(tmp_path / "a.yaml", "extends: notes.txt\nname: a\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(a)
    message = str(exc.value)
    assert f"a.yaml:1:10: extends: {tmp_path / 'notes.txt'} is not a scenario" in message
    for secret in ("root:x", "hunter2", "swordfish", "secret_token", "password"):
        assert secret not in message


def test_problem_in_child_is_located_in_the_child(parent, tmp_path):
    child = write(tmp_path / "base" / "child.yaml", "extends: parent.yaml\n\nairfields:\n  - {id: b, mog: 0}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert "child.yaml:4:" in str(exc.value) and "airfields[1].mog" in str(exc.value)


def test_problem_in_parent_is_located_in_the_parent(tmp_path):
    write(tmp_path / "parent.yaml", TINY.read_text().replace("mog: 4", "mog: -4"))
    child = write(tmp_path / "child.yaml", "extends: parent.yaml\nname: c\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert "parent.yaml:5:" in str(exc.value)


def test_a_new_entry_with_a_near_miss_id_is_called_a_misspelt_id(parent, tmp_path):
    """A child that means to move line 'ru-deploy-1' but writes 'ru-deploy-l' adds a new line with no route: the
    error says the id is not the parent's and names the near one, instead of five 'required field' lines."""
    child = write(tmp_path / "base" / "child.yaml",
                  "extends: parent.yaml\nmovements:\n  - {id: ru-deploy-l, ready: +3h}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert len(exc.value.problems) == 1, "one problem for the entry, not one per missing field"
    text = str(exc.value)
    assert "child.yaml:3:" in text and "movements[2].id" in text
    assert "'ru-deploy-l' is not an id in the parent" in text and "did you mean 'ru-deploy-1'?" in text
    assert "'contingent', 'phase', 'from', 'to', 'deadline'" in text


def test_a_new_entry_with_an_unlike_id_keeps_its_missing_fields(parent, tmp_path):
    child = write(tmp_path / "base" / "child.yaml", "extends: parent.yaml\nairfields:\n  - {id: zzz, mog: 1}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert "required field 'lat' is missing" in str(exc.value) and "did you mean" not in str(exc.value)


def test_an_id_twice_in_a_child_list_is_an_error(parent, tmp_path):
    """Merged by id, the second entry would silently replace the first; a full file refuses duplicates too."""
    child = write(tmp_path / "base" / "child.yaml",
                  "extends: parent.yaml\nairfields:\n  - {id: b, mog: 1}\n  - {id: b, mog: 2}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert "child.yaml:4:" in str(exc.value) and "duplicate id 'b' (first at line 3)" in str(exc.value)


def test_two_entries_with_one_default_id_in_a_child_are_an_error(parent, tmp_path):
    child = write(tmp_path / "base" / "child.yaml", "extends: parent.yaml\nfleet:\n"
                  "  - {type: il-76md, base: a, count: 2}\n  - {type: il-76md, base: a, count: 5}\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(child)
    assert "child.yaml:4:" in str(exc.value) and "duplicate default id" in str(exc.value)
