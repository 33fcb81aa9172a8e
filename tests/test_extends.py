"""`extends`: deep merge of maps, merge of id'd lists by id, removal, cycles, relative paths."""

from __future__ import annotations

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
    child = write(tmp_path / "elsewhere" / "deep" / "child.yaml", "extends: ../../base/parent.yaml\nname: far\n")
    assert load_scenario(child).name == "far"


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
