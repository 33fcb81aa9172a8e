"""Work shared by the runs of a search or a sweep is done once (issue 19): `sim plan latest` sends the validated
scenario to each worker once and runs the unshifted scenario once; a sweep point reads only the tables it needs;
`sim plan optimise` builds each verification run on the validated model (sim.plan.ready.with_ready) as its
`movements[ID].ready` overrides of sim.api.run did."""

from __future__ import annotations

import math
import pickle

import pytest

import sim
from sim import api, grid, parallel
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.loading import load_scenario, validate
from sim.plan import latest, ready
from sim.results import analyse
from sim.scenario import Scenario
from tests.conftest import ROOT
from tests.test_plan_latest import refusals

TINY = ROOT / "tests" / "data" / "tiny.yaml"
REF = ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"


def test_latest_sends_the_scenario_once_and_each_trial_as_its_shift(monkeypatch):
    """Every batch of trials goes through run_many with the TrialBase as `shared` (to each worker once) and items
    of a few bytes (the lines and the shift), not the scenario; the unshifted run is made once for all targets."""
    calls: list[tuple[object, list]] = []
    real_many = parallel.run_many

    def run_many(fn, items, *args, shared=None, **kwargs):
        calls.append((shared, list(items)))
        return real_many(fn, items, *args, shared=shared, **kwargs)

    monkeypatch.setattr(parallel, "run_many", run_many)
    result = sim.latest_ready(TINY, step_h=6, workers=2)
    assert len(result.rows) == 2 and any(len(batch) > 1 for _, batch in calls)  # a scan in two processes
    assert all(isinstance(shared, latest.TrialBase) for shared, _ in calls)
    items = [item for _, batch in calls for item in batch]
    assert all(isinstance(ids, tuple) and isinstance(d, int) for ids, d in items)
    assert max(len(pickle.dumps(item)) for item in items) < 200
    # every target has its trial of shift 0, and none went through run_many: it is the run made once up front
    assert all(0 in {t.shift_min for t in row.trials} for row in result.rows)
    assert 0 not in {d for _, d in items}


def _analysed_metrics(s: Scenario) -> grid.PointMetrics:
    """A deterministic sweep point's metrics as sim.grid.evaluate made them from sim.results.analyse."""
    res = analyse(simulate(s))
    late = [r for r in res.lines if r.status != "MET"]
    return grid.PointMetrics(
        sorties=res.totals.sorties, flying_h=res.totals.flying_h, lines_late=len(late),
        worst_lateness_h=max((-r.slack_h for r in late if r.status == "LATE"), default=0.0), all_met=not late,
        bound_by=grid._binding(res.lines),
        phases={phase: grid.PhaseMetrics(closed_h=ph.closed_h, met=ph.lines_late == 0 and ph.lines_open == 0,
                                         lines_late=ph.lines_late + ph.lines_open,
                                         worst_h=grid._worst_slack_h(res.lines, phase),
                                         bound_by=grid._binding(res.lines, phase))
                for phase, ph in res.phases.items()})


def test_sweep_point_metrics_equal_those_of_the_whole_analysis():
    """A point reads the lines, phases and totals only; its metrics are those of the full analysis, on the
    reference as it is and with its withdrawal late (a line shifted past its deadline, one not closed)."""
    s = load_scenario(REF)
    resolved = s.resolved()
    late = grid.apply_value(resolved, "movements[ru-withdraw-chkalovsky-19].ready", "+12h")
    short = grid.apply_value(resolved, "fleet[il-76md@ivanovo].count", "1")
    for point in (s, grid.build_point(grid.Point({}, late), "late"), grid.build_point(grid.Point({}, short), "few")):
        got, want = grid.evaluate((point, 0, 0)), _analysed_metrics(point)
        assert repr(got) == repr(want)
    assert not math.isnan(grid.evaluate((s, 0, 0)).sorties)


def _closures(s: Scenario) -> dict[str, float]:
    """Every line's closure in one run with seed 0 (inf: open)."""
    return {lid: (r.closed if not math.isnan(r.closed) else math.inf) for lid, r in simulate(s, 0).lines.items()}


# absolute ready times (model hours) of lines of tests.test_plan_latest.refusals(): (times, refused by validation).
# Start 2022-01-06T00:00+06:00; a's deadline +100 h, b's leg deadline +50 h, c's inflow from +10 h (it stays there:
# only `ready` moves), d leaves `third` (1 take-off a day, 3 sorties: ready at most +176 h), horizon 200 h.
READY = [
    ({"a": 37.5, "c": 12.0}, False),
    ({"a": 99.99, "b": 49.0, "c": 150.0, "d": 175.0, "e": 199.0}, False),  # a at 10 Jan 03:59: the minute it reads
    ({"b": 3.0 + 1 / 7, "e": -4.0}, False),  # off the minute (read to the minute below); before the start (a warning)
    ({"a": 100.0}, True),  # ready at its deadline
    ({"b": 50.0}, True),  # ready at its leg's deadline
    ({"d": 176.5}, True),  # too few local days left for the cap at `third`
    ({"e": 200.0}, True),  # ready at the horizon
]


@pytest.mark.parametrize("times,refused", READY)
def test_with_ready_equals_the_overridden_scenario(times: dict[str, float], refused: bool):
    """sim.plan.ready.with_ready(inflow_min=None) gives the scenario sim.api.run's `movements[ID].ready` overrides
    validate (field by field on the movements, times in the same offset; the same closure of every line), and a
    time validation refuses fails with the same ScenarioError text."""
    s = refusals()
    base = ready.ReadyBase.of(validate(s.resolved(), s.name)[0])
    overrides = {f"movements[{lid}].ready": s.iso(h) for lid, h in times.items()}
    label = f"{s.name} with {', '.join(f'{k}={v}' for k, v in overrides.items())}"
    assert ready.may_be_refused(base, ready.retimed(base.scenario, times, inflow_min=None), times) == refused
    if refused:
        with pytest.raises(ScenarioError) as want:
            api._overridden(s, overrides)
        with pytest.raises(ScenarioError) as got:
            ready.with_ready(base, times, inflow_min=None, label=label)
        assert str(got.value) == str(want.value) and str(got.value).startswith(f"{label}: ")
        return
    want_s = api._overridden(s, overrides)[0]
    got_s = ready.with_ready(base, times, inflow_min=None, label=label)
    for got_m, want_m in zip(got_s.movements, want_s.movements, strict=True):
        assert got_m.model_dump(mode="json") == want_m.model_dump(mode="json")
        assert got_m == want_m
    assert got_s == want_s and got_s.movements[2].inflow == s.movements[2].inflow
    assert _closures(got_s) == _closures(want_s)


def test_optimise_judge_refused_schedule_closes_no_line():
    """A schedule validation refuses gives the judge's run every line open (closed inf), as when sim.api.run
    raised; an accepted one closes its lines as the overridden scenario's run does."""
    from sim.plan.optimise import _Judge

    s = refusals()
    judge = _Judge(s, "deploy", 0)
    refused = judge.run({"a": 100.0}, "refused")
    assert set(refused.closed.values()) == {math.inf} and refused.phase_closed_h == math.inf
    fine = judge.run({"a": 37.5, "c": 12.0}, "fine")
    want = _closures(api._overridden(s, {"movements[a].ready": s.iso(37.5), "movements[c].ready": s.iso(12.0)})[0])
    assert fine.closed == {lid: want[lid] for lid in judge.ids}
