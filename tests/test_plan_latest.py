"""`sim plan latest` / sim.latest_ready: the latest ready time that still meets the deadline, to the minute."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.cli import main
from sim.plan import latest
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

    def fake(args):
        _data, _name, _seed, ids, shift = args
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
