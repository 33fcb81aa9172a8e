"""`sim plan optimise`: release dates worked out by hand on one aircraft and two lines, every answer
confirmed by a run, the variant scenario usable by `sim compare`, and bad windows refused."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from sim.cli import main
from sim.loading import load
from sim.scenario import Scenario
from tests.conftest import ROOT
from tests.helpers import BASE, scenario
from tests.test_closed_forms import equator_pair

pytest.importorskip("highspy")

from sim.plan.optimise import OptimiseResult, optimise_releases

# The equator pair 2800 km apart: a leg takes 2800 / 800 + 0.5 = 4 h; loading 2 h, unloading 1 h.
# One tail based at home. A line of 100 troops is one sortie: ready r, it closes r + 2 + 4 = r + 6 when
# the tail is at home. After unloading (r + 7) the idle tail flies home empty (r + 11).
RULES_OFF = {"crews": False, "utilisation": False, "availability": False, "parking": False}


def _two_lines(ready_a: str, ready_b: str, deadline_a: str = "+18h", deadline_b: str = "+30h") -> dict:
    return {**BASE, "airfields": equator_pair(2800.0), "planning": {**BASE["planning"], "rules": RULES_OFF},
            "fleet": [{"type": "lifter", "count": 1, "base": "home"}],
            "contingents": [{"id": "x", "nation": "Xland", "troops": 200, "home": "home"}],
            "movements": [{"id": "a", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                           "troops": 100, "ready": ready_a, "deadline": deadline_a},
                          {"id": "b", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                           "troops": 100, "ready": ready_b, "deadline": deadline_b}]}


def _confirmed(result: OptimiseResult) -> None:
    """The answer is a schedule a run confirmed: rerun it and find the same closures."""
    import sim

    s = result.scenario
    overrides = {f"movements[{r.line}].ready": s.iso(r.ready_h) for r in result.rows}
    lines = sim.run(s, overrides=overrides).run.lines
    for r in result.rows:
        assert lines[r.line].closed == pytest.approx(r.closed_h, abs=1e-9)
    assert any(v.kept and v.schedule == {r.line: r.ready_h for r in result.rows} for v in result.runs)


def test_longest_stay_releases_each_line_as_late_as_its_deadline_allows() -> None:
    """A's deadline 18 h: ready at most 18 - 6 = 12. B's deadline 30 h: ready at most 30 - 6 = 24, and the
    tail is home from A at 12 + 11 = 23 <= 24, so B can wait until 24 (B first would force A's ready
    below 18 - 6 - 11 = 1). Answer: A at 12 h closing 18 h, B at 24 h closing 30 h."""
    result = optimise_releases(scenario(**_two_lines("+0h", "+0h")), objective="longest-stay", phase="deploy")
    got = {r.line: (r.ready_h, r.closed_h) for r in result.rows}
    assert got == {"a": (pytest.approx(12.0), pytest.approx(18.0)), "b": (pytest.approx(24.0), pytest.approx(30.0))}
    assert all(r.met for r in result.rows)
    assert result.solver["status"] == "Optimal"
    _confirmed(result)


def test_earliest_finishes_when_the_one_tail_allows() -> None:
    """Now: A at 0, B at 14: the tail is home at 11, B waits until 14 and closes 20 h. Two sorties of one
    tail cannot close before 6 + 11 = 17 h (the second starts loading when the tail is back at 11), and
    that is reached by B ready at or before 11 h."""
    s = scenario(**_two_lines("+0h", "+14h", "+30h", "+30h"))
    result = optimise_releases(s, objective="earliest", phase="deploy", windows=["a=+0h..+0h", "b=-14h..+0h"])
    assert result.current_closed_h == pytest.approx(20.0)
    assert result.closed_h == pytest.approx(17.0)
    assert {r.line: r.ready_h for r in result.rows}["b"] <= 11.0 + 1e-9
    _confirmed(result)


def test_an_already_best_schedule_is_kept() -> None:
    """Both lines ready at 0 close at 17 h, the best one tail can do: earliest keeps the current schedule."""
    result = optimise_releases(scenario(**_two_lines("+0h", "+0h", "+30h", "+30h")), objective="earliest",
                               phase="deploy")
    assert result.closed_h == pytest.approx(17.0)
    assert result.changed() == {}
    _confirmed(result)


def test_the_variant_extends_the_file_and_compares(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The variant validates, holds only the changed ready times, and `sim compare` runs on it, from the
    folder that holds both (its parent is outside the variant's own folder: see the `extends` rule)."""
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "two.yaml"
    src.write_text(yaml.safe_dump(_two_lines("+0h", "+0h")), encoding="utf-8")
    out = tmp_path / "opt"
    assert main(["plan", "optimise", str(src), "--objective", "longest-stay", "--phase", "deploy", "-o", str(out)]) == 0
    assert {p.name for p in out.iterdir()} >= {"optimise.csv", "optimise.json", "optimise.png", "two_optimised.yaml"}
    variant = yaml.safe_load((out / "two_optimised.yaml").read_text(encoding="utf-8"))
    assert variant["extends"] == "../two.yaml"
    assert {m["id"] for m in variant["movements"]} == {"a", "b"}
    s = load(out / "two_optimised.yaml")[0]
    assert {m.id: s.hours_of(m.ready) for m in s.movements} == {"a": 12.0, "b": 24.0}
    data = json.loads((out / "optimise.json").read_text(encoding="utf-8"))
    assert data["runs"][0]["label"] == "current schedule" and all(ln["met"] for ln in data["lines"])
    assert main(["compare", str(src), str(out / "two_optimised.yaml"), "-o", str(tmp_path / "cmp")]) == 0


@pytest.mark.parametrize("window,message", [
    ("nope=+0h..+1h", "unknown line 'nope'"),
    ("a=+2h..+1h", "is after TO"),
    ("a=+2h", "ID=FROM..TO"),
])
def test_a_bad_window_exits_2_and_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str], window: str,
                                                 message: str) -> None:
    src = tmp_path / "two.yaml"
    src.write_text(yaml.safe_dump(_two_lines("+0h", "+0h")), encoding="utf-8")
    out = tmp_path / "opt"
    code = main(["plan", "optimise", str(src), "--objective", "earliest", "--phase", "deploy", "--window", window,
                 "-o", str(out)])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_a_window_of_another_phase_is_refused() -> None:
    with pytest.raises(ValueError, match="not a deploy line"):
        optimise_releases(_reference(), phase="deploy", windows=["ru-withdraw-chkalovsky-19=-1h..+0h"])


def _reference() -> Scenario:
    return load(ROOT / "scenarios" / "csto_kazakhstan_2022.yaml")[0]


def test_every_proposed_schedule_on_the_reference_is_confirmed() -> None:
    """On the reference withdrawal, longest-stay: every line meets its deadline in the confirming run, and
    no line is released before its window."""
    result = optimise_releases(_reference(), objective="longest-stay")
    assert all(r.met for r in result.rows)
    assert all(r.ready_h >= r.window_from_h - 1e-9 and math.isfinite(r.closed_h) for r in result.rows)
    assert sum(r.ready_h for r in result.rows) >= sum(r.current_ready_h for r in result.rows)
    _confirmed(result)


def test_the_same_question_writes_the_same_bytes(tmp_path: Path) -> None:
    """Deterministic outputs: two solves of one question write identical CSV and JSON (no wall-clock times)."""
    s = scenario(**_two_lines("+0h", "+0h"))
    for k in (1, 2):
        optimise_releases(s, objective="longest-stay", phase="deploy").write(tmp_path / str(k))
    for name in ("optimise.csv", "optimise.json"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_the_scenarios_release_window_bounds_the_answer() -> None:
    """As the longest-stay case above, but B's `release_window` ends at 20 h: B leaves at 20 (the tail is
    home at 23, so B closes 23 + 2 + 4 = 29, within 30), A still at 12."""
    data = _two_lines("+0h", "+0h")
    data["movements"][1]["release_window"] = {"from": "+0h", "to": "+20h"}
    result = optimise_releases(scenario(**data), objective="longest-stay", phase="deploy")
    got = {r.line: (r.ready_h, r.closed_h) for r in result.rows}
    assert got == {"a": (pytest.approx(12.0), pytest.approx(18.0)), "b": (pytest.approx(20.0), pytest.approx(29.0))}
    assert [r.window_to_h for r in result.rows] == [pytest.approx(18.0), pytest.approx(20.0)]
    _confirmed(result)


def test_an_infeasible_window_is_explained() -> None:
    """A's window opens at 13 h; released then it closes at 13 + 6 = 19 h, after its 18 h deadline: the
    model has no schedule, the reason names line a; the local search starts from the current schedule."""
    data = _two_lines("+0h", "+0h")
    data["movements"][0]["release_window"] = {"from": "+13h", "to": "+15h"}
    result = optimise_releases(scenario(**data), objective="longest-stay", phase="deploy")
    assert len(result.infeasible) == 1 and result.infeasible[0].startswith("line a:")
    assert "open its release_window earlier" in result.infeasible[0]
    assert "a" not in result.changed()


def test_fewest_aircraft_spreads_the_lines_for_one_tail() -> None:
    """A ready 4 h (deadline 12), B ready 10 h (deadline 17), windows from 0. With one tail A closes 10,
    the tail is home at 15 and B closes 21: late, so the current schedule needs 2 tails. Released at 0,
    A closes 6, the tail is home at 11 and B (ready 10) closes 11 + 6 = 17: one tail is enough."""
    data = _two_lines("+4h", "+10h", "+12h", "+17h")
    data["fleet"] = [{"type": "lifter", "count": 2, "base": "home"}]
    for m in data["movements"]:
        m["release_window"] = {"from": "+0h", "to": m["ready"]}
    result = optimise_releases(scenario(**data), objective="fewest-aircraft", phase="deploy")
    assert result.fleet is not None
    assert (result.fleet["current"], result.fleet["proposed"]) == (2, 1)
    assert result.changed()["a"] == pytest.approx(0.0)
    assert all(r.met for r in result.rows)
    assert [f["count"] for f in result.fleet_change()["fleet"]] == [1]
    _confirmed(result)


def test_departure_caps_enter_the_model() -> None:
    """Two lines from a home capped at 1 take-off a day: the model may not open both on one day, so
    longest-stay with deadlines 2 days apart releases them on different days; every run confirms it."""
    data = _two_lines("+0h", "+0h", "+30h", "+60h")
    data["airfields"][0]["departures_per_day"] = 1
    data["fleet"] = [{"type": "lifter", "count": 2, "base": "home"}]
    result = optimise_releases(scenario(**data), objective="longest-stay", phase="deploy")
    days = sorted(math.floor(r.ready_h / 24) for r in result.rows)
    assert days[0] != days[1]
    assert all(r.met for r in result.rows)
    _confirmed(result)


@pytest.mark.parametrize("argv", [
    ["optimise", "--objective", "earliest", "--phase", "deploy", "--window", "nope=+0h..+1h"],
    ["optimise", "--objective", "earliest", "--phase", "withdraw"],
    ["latest", "--line", "nope"],
    ["bound", "--phase", "withdraw"],
])
def test_a_refused_option_leaves_not_even_the_output_parents(tmp_path: Path, argv: list[str]) -> None:
    """Options are checked before -o is probed: nothing is created, not even -o's parent folders (the
    two-line scenario has no withdraw line)."""
    src = tmp_path / "two.yaml"
    src.write_text(yaml.safe_dump(_two_lines("+0h", "+0h")), encoding="utf-8")
    out = tmp_path / "a" / "b" / "c"
    assert main(["plan", argv[0], str(src), *argv[1:], "-o", str(out)]) == 2
    assert not (tmp_path / "a").exists()
