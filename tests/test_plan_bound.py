"""`sim plan bound`: the relaxation's bound equals closed forms worked by hand where the relaxation is
exact, and never exceeds a simulated closure (its soundness)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings

from sim.cli import main
from sim.errors import ScenarioError
from tests.conftest import ROOT
from tests.helpers import BASE, build, scenario
from tests.test_closed_forms import equator_pair
from tests.test_invariants import scenarios

pytest.importorskip("highspy")

from sim.plan.bound import closure_bound

MINUTE_H = 1 / 60
LEG_H = 2800.0 / 800 + 0.5  # the equator pair's block time: distance / cruise + allowance, taxi 0
LOAD_H, UNLOAD_H = 2.0, 1.0  # the lifter of tests.helpers.BASE
RULES_OFF = {"crews": False, "utilisation": False, "availability": False, "parking": False}


def _planning(**rules: bool) -> dict:
    return {**BASE["planning"], "rules": rules}


@pytest.mark.parametrize("sorties", [1, 2, 5])
def test_shuttle_bound_is_the_closed_form(sorties: int) -> None:
    """One tail shuttling S full loads, every rule off: S loaded legs and S - 1 empty returns,
    ready at 0: closure = S x (load + leg) + (S - 1) x (unload + leg), and the bound is exact."""
    s = scenario(airfields=equator_pair(2800.0), planning=_planning(**RULES_OFF),
                 fleet=[{"type": "lifter", "count": 1, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 100 * sorties, "home": "home"}])
    expected = sorties * (LOAD_H + LEG_H) + (sorties - 1) * (UNLOAD_H + LEG_H)
    b = closure_bound(s).phases["deploy"]
    assert b.bound_h == pytest.approx(expected, abs=MINUTE_H)
    assert b.bound_h <= expected + 1e-9
    assert b.simulated_h == pytest.approx(expected, abs=1e-9)
    assert b.sorties == {"lifter@home": sorties}


@pytest.mark.parametrize("where", ["pod", "home"])
def test_one_spot_apron_binds(where: str) -> None:
    """Four tails, four full loads, one working spot at one end. At the destination the unloads queue:
    the first lands at load + leg, each next one unload later (6 + 3 x 1 = 9 h). At the origin the loads
    queue: the last is loaded at 4 x 2 = 8 h and lands a leg later (12 h). The bound is exact."""
    airfields = equator_pair(2800.0)
    airfields[0 if where == "home" else 1]["mog"] = 1
    s = scenario(airfields=airfields, planning=_planning(crews=False, utilisation=False, availability=False),
                 fleet=[{"type": "lifter", "count": 4, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 400, "home": "home"}])
    expected = LOAD_H + LEG_H + 3 * UNLOAD_H if where == "pod" else 4 * LOAD_H + LEG_H
    b = closure_bound(s).phases["deploy"]
    assert b.simulated_h == pytest.approx(expected, abs=1e-6)
    assert b.bound_h == pytest.approx(expected, abs=MINUTE_H)
    assert b.binding == f"spots at {where} (lines x-in)"


def test_ready_times_and_tails_per_fleet() -> None:
    """Two tails, five loads ready at 10 h: some tail flies three, so closure >= 10 + 2 x 11 + 6 = 38 h,
    which the simulator reaches; the bound holds it up by the sorties per tail."""
    s = scenario(airfields=equator_pair(2800.0), planning=_planning(**RULES_OFF),
                 fleet=[{"type": "lifter", "count": 2, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 500, "home": "home"}],
                 movements=[{**BASE["movements"][0], "ready": "+10h"}])
    b = closure_bound(s).phases["deploy"]
    expected = 10 + 2 * (LOAD_H + LEG_H + UNLOAD_H + LEG_H) + LOAD_H + LEG_H
    assert b.simulated_h == pytest.approx(expected, abs=1e-9)
    assert b.bound_h == pytest.approx(expected, abs=MINUTE_H)
    assert "sorties per tail of lifter@home" in b.binding


def test_one_crew_per_tail_rests_between_duties() -> None:
    """One tail, its one crew (16 h duty, 2 h report, 12 h rest), two loads. First off-blocks at 2 h, on
    blocks at 6; back on blocks at 11; the second load would land at 17, 15 h after the first
    off-blocks, over the 14 h a duty leaves after report. So the crew rests 12 h and reports 2 h before
    off-blocks at 25 (loading from 23) and lands at 29; resting after the first flight instead lands at
    30. The bound is exact and names crew duty."""
    lifter = dict(BASE["aircraft"][0], crew_duty_h=16, crew_report_h=2, crew_rest_h=12, crew_ratio=1.0)
    s = scenario(airfields=equator_pair(2800.0), aircraft=[lifter],
                 planning=_planning(crews=True, utilisation=False, availability=False, parking=False),
                 fleet=[{"type": "lifter", "count": 1, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 200, "home": "home"}])
    expected = 29.0
    b = closure_bound(s).phases["deploy"]
    assert b.simulated_h == pytest.approx(expected, abs=1e-6)
    assert b.bound_h == pytest.approx(expected, abs=MINUTE_H)
    assert b.binding == "crew duty of lifter@home (lines x-in)"


def test_chain_sorties_by_hand() -> None:
    """The crew chain of the test above: one sortie lands at 6 h, two at 29 h; with an 8 h rest gap (6 h
    rest + 2 h report) the second leaves at 11 + 8 = 19 h (its loading inside the gap) and lands at 23 h."""
    from sim.plan.relaxation import chain_sorties

    assert chain_sorties(5.99, 2, 4, 1, 4, 14, 14) == 0
    assert chain_sorties(6.0, 2, 4, 1, 4, 14, 14) == 1
    assert chain_sorties(28.99, 2, 4, 1, 4, 14, 14) == 1
    assert chain_sorties(29.0, 2, 4, 1, 4, 14, 14) == 2
    assert chain_sorties(22.99, 2, 4, 1, 4, 14, 8) == 1
    assert chain_sorties(23.0, 2, 4, 1, 4, 14, 8) == 2


def test_reference_bound_is_below_the_run_and_written(tmp_path: Path) -> None:
    """The reference scenario: each phase's bound at or before its simulated closure; the folder's files."""
    result = closure_bound(ROOT / "scenarios" / "csto_kazakhstan_2022.yaml")
    assert set(result.phases) == {"deploy", "withdraw"}
    for b in result.phases.values():
        assert b.bound_h <= b.simulated_h
        assert b.gap_h == pytest.approx(b.simulated_h - b.bound_h)
        assert b.transit_h <= b.bound_h + 1e-9
    out = result.write(tmp_path / "bound")
    assert {p.name for p in out.iterdir()} >= {"bound.csv", "bound.json", "bound.png"}
    assert (out / "bound.csv").read_text().splitlines()[0].startswith("phase,lines,deadline,simulated_closed,bound")
    data = json.loads((out / "bound.json").read_text())
    assert [p["phase"] for p in data["phases"]] == ["deploy", "withdraw"]
    assert "opening hours and weather" in data["relaxation"]["dropped"]


def test_cli_writes_the_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`sim plan bound` prints the table and writes bound.csv, bound.json and bound.png."""
    out = tmp_path / "b"
    assert main(["plan", "bound", str(ROOT / "tests" / "data" / "tiny.yaml"), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "deploy" in printed and "withdraw" in printed and "Running HiGHS" not in printed
    assert (out / "bound.png").exists()


def test_without_o_the_folder_is_named_after_the_scenario_and_question(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """As every other command, `sim plan` has a default output folder: outputs/<scenario stem>-<question>/."""
    monkeypatch.chdir(tmp_path)
    assert main(["plan", "bound", str(ROOT / "tests" / "data" / "tiny.yaml")]) == 0
    assert (tmp_path / "outputs" / "tiny-bound" / "bound.json").is_file()


@pytest.fixture
def no_highspy(monkeypatch: pytest.MonkeyPatch) -> None:
    """highspy cannot be imported (as without the plan extra)."""
    import importlib

    from sim.plan import relaxation

    real = importlib.import_module

    def without(name: str, *args: object) -> object:
        if name == "highspy":
            raise ImportError("no highspy")
        return real(name, *args)

    monkeypatch.setattr(relaxation.importlib, "import_module", without)


@pytest.mark.usefixtures("no_highspy")
def test_missing_solver_names_the_extra() -> None:
    """Without highspy the error says which extra to install."""
    from sim.extras import MissingDependency

    with pytest.raises(MissingDependency, match=r"\.\[plan\]"):
        closure_bound(ROOT / "tests" / "data" / "tiny.yaml")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios())
def test_bound_never_exceeds_the_simulated_closure(data: dict) -> None:
    """Soundness: on random scenarios (every rule on or off, uncertainty, MOG 1 to 4, two types), no
    phase closes in the simulator before its bound."""
    try:
        s = build(data)
    except ScenarioError:
        s = None
    assume(s is not None)
    for b in closure_bound(s).phases.values():
        if math.isfinite(b.simulated_h):
            assert b.bound_h <= b.simulated_h + 1e-6, b


def test_the_same_question_writes_the_same_bytes(tmp_path: Path) -> None:
    """Deterministic outputs: two bounds of one scenario write identical CSV and JSON (no wall-clock times)."""
    from sim.loading import load

    s = load(ROOT / "tests" / "data" / "tiny.yaml")[0]
    for k in (1, 2):
        closure_bound(s).write(tmp_path / str(k))
    for name in ("bound.csv", "bound.json"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_run_bound_shows_the_bound_and_gap_in_summary_table_and_report(tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """`sim run --bound`: summary.json, the printed summary and the report show, per phase, the bound and
    the gap, and they agree with `sim.closure_bound` (gap = simulated closure - bound, never negative)."""
    tiny = ROOT / "tests" / "data" / "tiny.yaml"
    out = tmp_path / "run"
    assert main(["run", str(tiny), "--bound", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    expected = closure_bound(tiny)
    s = expected.scenario
    for phase, b in expected.phases.items():
        got = summary["bound"][phase]
        assert got["bound"] == s.iso(b.bound_h)
        assert got["gap_h"] == pytest.approx(b.gap_h, abs=1e-3) and got["gap_h"] >= 0
        assert f"{phase:8s} bound {s.short(b.bound_h)}" in printed
    assert "Closure bound" in (out / "report.html").read_text(encoding="utf-8")


def test_run_without_bound_writes_no_bound(tmp_path: Path) -> None:
    """Without --bound nothing of it is computed or written (the outputs stay as before)."""
    out = tmp_path / "run"
    assert main(["run", str(ROOT / "tests" / "data" / "tiny.yaml"), "-q", "-o", str(out)]) == 0
    assert "bound" not in json.loads((out / "summary.json").read_text(encoding="utf-8"))


@pytest.mark.usefixtures("no_highspy")
def test_run_bound_without_solver_exits_2_before_running(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without highspy `sim run --bound` names the extra, exits 2 and writes nothing."""
    out = tmp_path / "run"
    assert main(["run", str(ROOT / "tests" / "data" / "tiny.yaml"), "--bound", "-o", str(out)]) == 2
    assert ".[plan]" in capsys.readouterr().err
    assert not out.exists()
