"""`sim plan latest` / sim.latest_ready: the latest ready time that still meets the deadline, to the minute."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.loading import validate
from sim.plan import latest, ready
from sim.scenario import Scenario
from tests.conftest import ROOT
from tests.helpers import scenario
from tests.test_closed_forms import equator_pair

REF = ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"


def shuttle(troops: int, aircraft: int, ready_h: int, deadline_h: int):
    """One line of `troops` on `aircraft` lifters, 2800 km apart: one-way 4 h block (2800/800 + 0.5),
    load 2 h, unload 1 h, so a round trip is 11 h and a load lands 6 h after loading starts."""
    return scenario(airfields=equator_pair(2800.0), fleet=[{"type": "lifter", "count": aircraft, "base": "home"}],
                    contingents=[{"id": "x", "nation": "Xland", "troops": troops, "home": "home"}],
                    movements=[{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                                "ready": f"+{ready_h}h", "deadline": f"+{deadline_h}h"}])


def test_one_aircraft_shuttle_matches_hand_calculation():
    """300 troops, one 100-seat lifter: 3 sorties, closure = ready + 2 round trips (22 h) + 6 h = ready + 28 h.
    Deadline +100 h, so the latest ready is +72 h (06 Jan 00:00 + 72 h = 09 Jan 00:00), 62 h after +10 h."""
    s = shuttle(300, 1, 10, 100)
    res = sim.latest_ready(s, lines=["x-in"])
    (row,) = res.rows
    assert s.iso(row.latest_ready_h) == "2022-01-09T00:00+06:00"
    assert row.slack_gained_h == pytest.approx(62.0)
    assert not row.non_monotone and not row.already_late
    closed = {t.shift_min: t.closed_h for t in row.trials}
    assert closed[62 * 60] == pytest.approx(100.0) and not {t.shift_min: t for t in row.trials}[62 * 60 + 1].met


def test_already_late_searches_earlier():
    """Same shuttle with the deadline at +20 h: ready +10 h misses (closes +38 h); the latest that meets is -8 h, i.e.
    the scenario start can not be passed, so ready +0 h closes at +28 h and misses too: no answer."""
    s = shuttle(300, 1, 10, 20)
    (row,) = sim.latest_ready(s, lines=["x-in"]).rows
    assert row.already_late and math.isnan(row.latest_ready_h) and "scenario start" in row.note
    s = shuttle(300, 1, 10, 34)  # closes +38 h; meets when ready by +6 h
    (row,) = sim.latest_ready(s, lines=["x-in"]).rows
    assert row.already_late and s.iso(row.latest_ready_h) == "2022-01-06T06:00+06:00"
    assert row.slack_gained_h == pytest.approx(-4.0)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(troops=st.integers(1, 600), aircraft=st.integers(1, 3), ready=st.integers(0, 30), window=st.integers(10, 80))
def test_reported_latest_meets_and_a_minute_later_misses(troops: int, aircraft: int, ready: int, window: int):
    """Applied through sim.run (a separate path), the reported latest ready meets and one minute later misses,
    unless the target is flagged non-monotone or the answer is capped by the deadline itself."""
    s = shuttle(troops, aircraft, ready, ready + window)
    (row,) = sim.latest_ready(s, lines=["x-in"], step_h=2).rows
    if math.isnan(row.latest_ready_h):
        return
    at = sim.run(s, overrides={"movements[x-in].ready": s.iso(row.latest_ready_h)})
    assert at.lines.set_index("id").loc["x-in", "status"] == "MET"
    if row.non_monotone or "as late as its deadline" in row.note:
        return
    after = sim.run(s, overrides={"movements[x-in].ready": s.iso(row.latest_ready_h + 1 / 60)})
    assert after.lines.set_index("id").loc["x-in", "status"] != "MET"


def test_non_monotone_completion_is_reported(monkeypatch):
    """A fake run that meets for shifts up to 100 min and again from 200 to 250 min: the scan (every hour) finds
    240 meeting and 300 missing, bisects to 250, and reports the misses at 120 and 180 below it."""
    s = shuttle(100, 1, 10, 1000)

    def fake(_base, item):
        ids, shift = item
        ok = shift <= 100 or 200 <= shift <= 250
        return {m.id: (0.0 if ok or m.id not in ids else math.inf) for m in s.movements}

    monkeypatch.setattr(latest, "run_shifted", fake)
    (row,) = sim.latest_ready(s, lines=["x-in"]).rows
    assert row.slack_gained_h == pytest.approx(250 / 60)
    assert row.non_monotone and "non-monotone" in row.note
    missed = {round((a - row.current_ready_h) * 60) for a, _b in row.non_monotone_points}
    assert {120, 180} <= missed


def test_reference_withdrawal_shifted_together():
    """The whole withdrawal moves rigidly while nothing else binds: the latest shift is the smallest slack of a
    withdrawal line in the plain run, to the minute below (ru-withdraw-chkalovsky-19: 18:51 against 23:59)."""
    base = sim.run(REF)
    lines = base.lines
    slack = lines[lines["phase"] == "withdraw"]["slack_h"].min()
    (row,) = sim.latest_ready(REF, phase="withdraw").rows
    assert row.kind == "phase" and not row.non_monotone and not row.others_late
    assert round(row.slack_gained_h * 60) == math.floor(slack * 60 + 1e-6)
    assert base.scenario.short(row.latest_ready_h) == "13 Jan 13:07"


def test_cli_writes_the_folder(tmp_path, capsys):
    out = tmp_path / "latest"
    s = ROOT / "tests" / "data" / "tiny.yaml"
    assert main(["plan", "latest", str(s), "--line", "ru-withdraw-1", "-o", str(out)]) == 0
    assert "ru-withdraw-1" in capsys.readouterr().out
    assert {p.name for p in out.iterdir()} >= {"latest.csv", "latest.json", "latest.png"}
    data = json.loads((out / "latest.json").read_text())
    assert data["deterministic"] is True and data["rows"][0]["trials"]
    assert (out / "latest.csv").read_text().startswith("target,kind,lines,current_ready,latest_ready")


@pytest.mark.parametrize("argv,message", [
    (["--line", "ru-withdraw-9"], "unknown line 'ru-withdraw-9'; did you mean"),
    (["--contingent", "zz"], "unknown contingent 'zz'"),
    (["--line", "ru-withdraw-1", "--phase", "deploy"], "not both"),
])
def test_cli_bad_target_exits_2_and_writes_nothing(tmp_path, capsys, argv, message):
    out = tmp_path / "never"
    s = ROOT / "tests" / "data" / "tiny.yaml"
    assert main(["plan", "latest", str(s), *argv, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists() and list(tmp_path.iterdir()) == []


def refusals() -> Scenario:
    """Five 100-troop lines ready +10 h (d: 300 troops, from `third`), horizon 200 h, each with one limit that
    validation draws on a later ready: a's deadline +100 h, b's leg deadline +50 h, c's inflow (a quarter a day:
    4 days, the last 72 h after its start), d's airfield `third` capped at 1 take-off a day (its 3 sorties need 3
    local days: ceil((200 - ready) / 24) + 1 >= 3, so ready <= 176 h, minus anything), e's deadline +300 h
    beyond the horizon."""
    airfields = [*equator_pair(2800.0), {"id": "third", "lat": 0.0, "lon": -5.0, "mog": 1000, "departures_per_day": 1}]

    def line(lid: str, deadline: str, **more):
        return {"id": lid, "contingent": "x", "phase": "deploy", "from": "home", "to": "pod", "troops": 100,
                "ready": "+10h", "deadline": deadline, **more}

    return scenario(horizon=200, airfields=airfields, fleet=[{"type": "lifter", "count": 2, "base": "home"}],
                    contingents=[{"id": "x", "nation": "Xland", "troops": 700, "home": "home"}],
                    movements=[line("a", "+100h"),
                               line("b", "+100h", legs=[{"mode": "air", "from": "home", "to": "pod",
                                                         "deadline": "+50h"}]),
                               line("c", "+190h", inflow={"from": "+10h", "share_per_day": 0.25}),
                               line("d", "+199h", **{"from": "third", "troops": 300}),
                               line("e", "+300h")])


# (lines, shift in minutes, the refusal worked out by hand; "" when validation accepts the shift).
# Start 2022-01-06T00:00+06:00, so +100 h is 10 Jan 04:00 and +176 h (= +200 h, the horizon, less 24) 13 Jan 08:00.
SHIFTS = [
    ("a", 90 * 60, "test with a shifted +5400 min: movements[0].deadline: deadline 2022-01-10T04:00+06:00 is not "
                   "after ready 2022-01-10T04:00+06:00"),  # ready +100 h = its deadline
    ("a", 90 * 60 - 1, ""),
    ("b", 40 * 60, "test with b shifted +2400 min: movements[1].legs[0].deadline: the leg's deadline is not after "
                   "the line's ready time"),  # ready +50 h = the leg's deadline
    ("b", 40 * 60 - 1, ""),
    ("c", 118 * 60, "test with c shifted +7080 min: movements[2].inflow: at this rate the last of the line arrives "
                    "on day 4 (2022-01-14T08:00+06:00), after the horizon; raise the rate or the horizon"),  # 128+72
    ("c", 118 * 60 - 1, ""),
    ("d", 166 * 60, "test with d shifted +9960 min: airfields[2].departures_per_day: 1 a day allows at most 2 "
                    "take-offs from third on the 2 local days from 2022-01-13T08:00+06:00 to the horizon, but the "
                    "lines leaving it need at least 3 loaded sorties; raise the cap or the horizon"),  # ceil(24/24)+1
    ("d", 166 * 60 - 1, ""),  # ceil(24.02 / 24) + 1 = 3 days: 3 take-offs allowed
    ("e", 190 * 60, "test with e shifted +11400 min: movements[4].ready: ready 2022-01-14T08:00+06:00 is after "
                    "the horizon (200 h from start); raise horizon"),
    ("e", 190 * 60 - 1, ""),
    ("abcde", -10 * 60, ""),  # everything ready at the start
    ("ace", 30 * 60, ""),
]


def _label(s: Scenario, ids: tuple[str, ...], shift: int) -> str:
    """The name a shift is validated under, as sim.plan.latest.run_shifted gives it."""
    return f"{s.name} with {', '.join(ids)} shifted {shift:+d} min"


@pytest.mark.parametrize("ids,shift,refusal", SHIFTS)
def test_shifted_trial_equals_the_revalidated_one(ids: str, shift: int, refusal: str):
    """A trial moves the lines on the validated model (sim.plan.ready.with_ready, inflow starts moved with the
    ready) rather than validating the shifted data again: the moved model equals the re-validated one and every
    line closes at the same time; a shift validation refuses is spotted (ready.may_be_refused) and fails with
    validation's own error."""
    s = refusals()
    base = latest.TrialBase.of(validate(s.resolved(), s.name)[0], 0)
    ids_ = tuple(ids)
    times = latest.shifted_ready(base.scenario, ids_, shift)
    fast = ready.retimed(base.scenario, times, inflow_min=shift)
    assert ready.may_be_refused(base.ready, fast, ids_) == bool(refusal)
    if refusal:
        with pytest.raises(ScenarioError) as refused:
            ready.validated(base.scenario, times, inflow_min=shift, label=_label(s, ids_, shift))
        assert str(refused.value) == refusal
        with pytest.raises(ScenarioError) as trial:
            latest.run_shifted(base, (ids_, shift))
        assert str(trial.value) == refusal
        return
    again = ready.validated(base.scenario, times, inflow_min=shift, label=_label(s, ids_, shift))
    assert ready.ready_data(base.scenario, times, inflow_min=shift) == _shifted_data(base.scenario, ids_, shift)
    assert fast == again and "_cache" not in fast.__dict__
    assert ready.with_ready(base.ready, times, inflow_min=shift, label="") == again
    run = simulate(again, 0)
    assert latest.run_shifted(base, (ids_, shift)) == {
        lid: (r.closed if not math.isnan(r.closed) else math.inf) for lid, r in run.lines.items()}


def _shifted_data(s: Scenario, ids: tuple[str, ...], shift_min: int) -> dict:
    """The resolved scenario with the lines' ready and inflow start moved by `shift_min` minutes, each rounded
    to the minute on its own: how sim.plan.latest shifted the data before sim.plan.ready."""
    data = s.resolved()
    by_id = {m.id: m for m in s.movements}
    for item in data["movements"]:
        if item["id"] in ids:
            m = by_id[item["id"]]
            item["ready"] = s.iso(round(s.hours_of(m.ready) * 60 + shift_min) / 60)
            if m.inflow is not None and isinstance(item.get("inflow"), dict):
                item["inflow"]["from"] = s.iso(round(s.hours_of(m.inflow.start) * 60 + shift_min) / 60)
    return data


def _revalidated(base: latest.TrialBase, item: tuple[tuple[str, ...], int]) -> dict[str, float]:
    """A trial as every trial once ran: the resolved data validated, shifted and validated again, then run."""
    ids, shift = item
    s = validate(base.scenario.resolved(), base.scenario.name)[0]
    s = validate(_shifted_data(s, ids, shift), _label(s, ids, shift))[0] if shift else s
    run = simulate(s, base.seed)
    return {lid: (r.closed if not math.isnan(r.closed) else math.inf) for lid, r in run.lines.items()}


def test_search_answers_as_when_every_trial_was_revalidated(monkeypatch):
    """Each line of `refusals()` searched on its own (the scan reaching its refused limits) and the whole phase,
    in two worker processes: the same rows, trace and errors as with every trial validated again."""
    s = refusals()
    now = [sim.latest_ready(s, step_h=8, workers=2).to_json(), sim.latest_ready(s, phase="deploy").to_json()]
    monkeypatch.setattr(latest, "run_shifted", _revalidated)
    before = [sim.latest_ready(s, step_h=8).to_json(), sim.latest_ready(s, phase="deploy").to_json()]
    assert now == before
    refused = {t["error"].split(": ")[2] for row in now[0]["rows"] for t in row["trials"] if t["error"]}
    assert refused >= {"movements[0].deadline", "movements[1].legs[0].deadline", "movements[2].inflow",
                       "airfields[2].departures_per_day", "movements[4].ready"}


def test_inflow_start_off_the_minute_moves_by_the_shift() -> None:
    """Ready at +10.01 h (10:00:36) and inflow from +12.005 h (12:00:18), shifted 1 minute: the ready goes to
    round(600.6 + 1) = 602 min = 10:02, and the inflow start to round(720.3 + 1) = 721 min = 12:01, each time
    rounded on its own (moving the inflow by the ready's change, 1.4 min, would give 722 min = 12:02)."""
    s = scenario(movements=[{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                             "ready": "+10.01h", "deadline": "+10d",
                             "inflow": {"from": "+12.005h", "share_per_day": 0.5}}])
    base = latest.TrialBase.of(s, 0)
    moved = ready.with_ready(base.ready, latest.shifted_ready(s, ("x-in",), 1), inflow_min=1, label="")
    m = moved.movements[0]
    assert (s.hours_of(m.ready) * 60, s.hours_of(m.inflow.start) * 60) == pytest.approx((602, 721))
    assert ready.ready_data(s, latest.shifted_ready(s, ("x-in",), 1), inflow_min=1) == _shifted_data(s, ("x-in",), 1)
