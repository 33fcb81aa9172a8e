"""`sim compare`: numbers equal those of the single runs, run folders as inputs, refusals, diffs."""

from __future__ import annotations

import json

import pytest

from sim import comparison
from sim.cli import main
from tests.conftest import SCENARIOS_DIR

SCEN = SCENARIOS_DIR
BASE = SCEN / "csto_kazakhstan_2022.yaml"
VARIANTS = [SCEN / "csto_all_released_13jan.yaml", SCEN / "csto_30_il76_no_an124.yaml"]


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cmp")
    runs = []
    for path in [BASE, *VARIANTS]:
        out = tmp / path.stem
        assert main(["run", str(path), "-o", str(out)]) == 0
        runs.append(out)
    cmp_dir = tmp / "cmp"
    assert main(["compare", str(BASE), *map(str, VARIANTS), "-o", str(cmp_dir), "--workers", "1"]) == 0
    return runs, cmp_dir


def test_comparison_numbers_equal_the_single_runs(compared):
    runs, cmp_dir = compared
    data = json.loads((cmp_dir / "comparison.json").read_text())
    for run_dir, entry in zip(runs, data["scenarios"]):
        summary = json.loads((run_dir / "summary.json").read_text())
        values = entry["values"]
        for ph in ("deploy", "withdraw"):
            assert values[f"{ph}.closed"] == summary["phases"][ph]["closed"]
            assert values[f"{ph}.sorties"] == summary["phases"][ph]["sorties"]
            assert values[f"{ph}.flying_h"] == summary["phases"][ph]["flying_h"]
            for cid, c in summary["contingents"].items():
                assert values[f"{ph}.closed.{cid}"] == c[f"{ph}_closed"]
        for af, a in summary["airfields"].items():
            if a["peak_on_ground"]:
                assert values[f"peak_on_ground.{af}"] == [a["peak_on_ground"], a["mog"]]


def test_run_folders_give_the_same_comparison_as_scenarios(compared, tmp_path):
    runs, cmp_dir = compared
    out = tmp_path / "from-folders"
    assert main(["compare", *map(str, runs), "-o", str(out)]) == 0
    a = json.loads((cmp_dir / "comparison.json").read_text())
    b = json.loads((out / "comparison.json").read_text())
    assert [s["values"] for s in a["scenarios"]] == [s["values"] for s in b["scenarios"]]
    assert [s["changes"] for s in a["scenarios"]] == [s["changes"] for s in b["scenarios"]]
    assert (cmp_dir / "comparison.csv").read_text().splitlines()[1:] != []


def test_outputs_and_structured_diff(compared):
    _, cmp_dir = compared
    names = {p.name for p in cmp_dir.iterdir()}
    assert {"comparison.csv", "comparison.json", "compare_in_theatre.png", "compare_completion.png",
            "compare_departures.png"} <= names
    data = json.loads((cmp_dir / "comparison.json").read_text())
    fleet_changes = data["scenarios"][2]["changes"]
    assert "fleet[il-76md@chkalovsky].count: 24 -> 10" in fleet_changes
    assert "fleet[an-124@chkalovsky]: removed" in fleet_changes
    assert data["scenarios"][0]["changes"] == []


def test_released_on_13th_closes_earlier(compared):
    _, cmp_dir = compared
    data = json.loads((cmp_dir / "comparison.json").read_text())
    diff = data["scenarios"][1]["differences"]["withdraw.closed"]
    assert diff < -24, "releasing everyone on the 13th must close the withdrawal days earlier"


def test_one_invalid_input_runs_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("extends: " + str(BASE) + "\nairfields:\n  - {id: almaty, mog: 0}\n")
    out = tmp_path / "cmp"
    assert main(["compare", str(BASE), str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:3:" in err and "mog" in err
    assert not out.exists()


def test_compare_needs_two_inputs(capsys):
    assert main(["compare", str(BASE)]) == 2
    assert "at least two" in capsys.readouterr().err


def test_not_a_run_folder_is_refused(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["compare", str(BASE), str(tmp_path / "empty"), "-o", str(tmp_path / "x")]) == 2
    assert "not a run folder" in capsys.readouterr().err


def test_diff_formatting():
    assert comparison.diff_value("time", "2022-01-19T18:51+06:00", "2022-01-20T22:51+06:00") == "+1d 4h"
    assert comparison.diff_value("count", 84, 84) == "="
    assert comparison.diff_value("count", 84, 92) == "+8"
    assert comparison.short_labels(["csto_a", "csto_b_c"]) == ["csto_a", "b_c"]
    assert comparison.scenario_diff({"airfields": [{"id": "a", "mog": 4}]}, {"airfields": [{"id": "a", "mog": 2}]}) == [
        "airfields[a].mog: 4 -> 2"]
