"""Work shared by the runs of a search or a sweep is done once (issue 19): `sim plan latest` sends the validated
scenario to each worker once and runs the unshifted scenario once; a sweep point reads only the tables it needs."""

from __future__ import annotations

import math
import pickle

import sim
from sim import grid, parallel
from sim.engine import simulate
from sim.loading import load_scenario
from sim.plan import latest
from sim.results import analyse
from sim.scenario import Scenario
from tests.conftest import ROOT

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
