"""Verification against closed forms worked by hand: the shuttle and airfield-throughput formulas of
AFPAM 10-1403 (docs/background/airlift-planning-factors.md), and crew-duty and utilisation
timelines computed by hand from the rules in docs/model.md. Every expectation is exact."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import TYPE_CHECKING

import pytest

from sim.engine import simulate
from tests.helpers import BASE, scenario

if TYPE_CHECKING:
    from sim.scenario import Scenario

EARTH_KM = 6371.0  # the sphere of sim.geo; tests/test_geo.py checks its distances against published ones


def equator_pair(km: float) -> list[dict]:
    """Two airfields on the equator `km` apart along it (great-circle distance R x longitude in radians)."""
    return [{"id": "home", "lat": 0.0, "lon": 0.0, "mog": 1000},
            {"id": "pod", "lat": 0.0, "lon": math.degrees(km / EARTH_KM), "mog": 1000}]


@pytest.mark.parametrize("n_aircraft,n_sorties", [(1, 1), (3, 7), (4, 8), (5, 23), (10, 10)])
def test_shuttle_makespan_matches_closed_form(n_aircraft: int, n_sorties: int) -> None:
    """N aircraft, S equal sorties, no MOG limit: closure after ceil(S/N) round trips less the last return leg."""
    s = scenario(
        airfields=equator_pair(2800.0),
        fleet=[{"type": "lifter", "count": n_aircraft, "base": "home"}],
        contingents=[{"id": "x", "nation": "Xland", "troops": 100 * n_sorties, "home": "home"}],
    )
    run = simulate(s)
    leg_h = 2800.0 / 800 + 0.5  # block time: distance / cruise + allowance, taxi 0
    load_h, unload_h = 2.0, 1.0
    k = math.ceil(n_sorties / n_aircraft)
    expected = (k - 1) * (load_h + leg_h + unload_h + leg_h) + load_h + leg_h
    loaded = [r for r in run.sorties if r.phase == "deploy"]
    assert len(loaded) == n_sorties, "one sortie per full load of 100 seats"
    assert run.lines["x-in"].closed == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("mog,ground_h,days", [(1, 2.0, 3), (1, 3.25, 3), (2, 3.25, 2)])
def test_saturated_spot_turns_mog_times_24_over_ground_time(mog: int, ground_h: float, days: int) -> None:
    """AFPAM 10-1403 formula 9.0 without the 0.85 queuing factor: a saturated destination with MOG
    spots and ground time g receives MOG x 24 / g aircraft a day; its windows run back to back, so
    the count over any whole period is exact to within one landing per spot."""
    airfields = equator_pair(2800.0)
    airfields[1]["mog"] = mog
    aircraft = [dict(BASE["aircraft"][0], load_h=0.5, unload_h=ground_h)]
    s = scenario(
        airfields=airfields, aircraft=aircraft,
        fleet=[{"type": "lifter", "count": 40, "base": "home"}],
        contingents=[{"id": "x", "nation": "Xland", "troops": 100 * 400, "home": "home"}],
        horizon=f"{days + 2}d",
    )
    run = simulate(s)
    landings = sorted(r.on_blocks for r in run.sorties if r.phase == "deploy")
    first = landings[0]
    period = 24.0 * days
    got = sum(1 for t in landings if first <= t < first + period)
    expected = mog * period / ground_h
    assert abs(got - expected) <= mog, f"{got} landings in {days} d vs {expected:.2f} predicted"
    # back to back: the k-th landing at one spot is (k - 1) ground times after the first
    assert landings[mog * 10] == pytest.approx(first + 10 * ground_h, abs=1e-6)


def test_one_spot_closure_is_first_landing_plus_ground_times() -> None:
    """S sorties through one spot with ground time g close at the first on-blocks + (S - 1) g:
    the spot is held from on-blocks to the end of the ground time, taxi excluded."""
    airfields = equator_pair(2800.0)
    airfields[1]["mog"] = 1
    aircraft = [dict(BASE["aircraft"][0], load_h=0.5, unload_h=3.25)]
    s = scenario(airfields=airfields, aircraft=aircraft, planning=dict(BASE["planning"], taxi_h=0.25),
                 fleet=[{"type": "lifter", "count": 12, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 100 * 12, "home": "home"}])
    run = simulate(s)
    first_on_blocks = 0.5 + 0.25 + (2800.0 / 800 + 0.5) + 0.25  # load, taxi out, airborne, taxi in
    assert run.lines["x-in"].closed == pytest.approx(first_on_blocks + 11 * 3.25, abs=1e-6)


CREW_RULES = {"crews": True, "utilisation": False, "availability": False}


def _crew_case(crew_ratio: float) -> Scenario:
    aircraft = [dict(BASE["aircraft"][0], crew_duty_h=16, crew_rest_h=12, crew_report_h=2)]
    return scenario(
        airfields=equator_pair(2800.0), aircraft=aircraft,
        planning=dict(BASE["planning"], rules=CREW_RULES),
        fleet=[{"type": "lifter", "count": 1, "base": "home", "crew_ratio": crew_ratio}],
        contingents=[{"id": "x", "nation": "Xland", "troops": 300, "home": "home"}],
    )


def test_crew_duty_timeline_with_one_crew() -> None:
    """One tail, one crew, 3 sorties of 4 h legs (load 2, unload 1, report 2, duty 16, rest 12).

    Sortie 1: report 0, off 2, on 6, unload to 7, back on 11 (duty 11 h). Sortie 2 would end at
    17 h of duty, so the crew rests 12 h from 11: report 23, off 25, on 29, back on 34 (duty 11 h).
    Sortie 3 would end at 40 - 23 = 17 h: rest from 34 to 46, off 48, on 52: the line closes at 52.
    """
    run = simulate(_crew_case(1.0))
    assert run.lines["x-in"].closed == pytest.approx(52.0, abs=1 / 60)
    offs = [round(r.off_blocks, 6) for r in run.sorties if r.phase == "deploy"]
    assert offs == [2.0, 25.0, 48.0]
    crew_waits = [round(r.wait_crew_h, 6) for r in run.sorties if r.phase == "deploy"]
    assert crew_waits == [0.0, 12.0, 12.0]  # sorties 2 and 3 wait for rest beyond their loading


def test_crew_duty_timeline_with_a_spare_crew() -> None:
    """The same with two crews per tail: at 13 h the rested spare crew at home takes the tail
    (report 11, off 13, on 17, back on 22); at 24 h crew 1 is rested (last on-blocks 11 + 12 +
    report 2 = 25) and takes over: off 25, on 29. The line closes at 29."""
    run = simulate(_crew_case(2.0))
    assert run.lines["x-in"].closed == pytest.approx(29.0, abs=1 / 60)
    crews = [r.crew.rsplit("/", 1)[1] for r in run.sorties if r.phase == "deploy"]
    assert crews == ["c1", "spare1", "c1"]


def test_utilisation_flies_exactly_the_planned_hours_a_day() -> None:
    """UTE 8 h a day, 4 h legs, no other limit: after the first day's budget is spent, each leg waits
    until 4 h have refilled at 8/24 h per hour, so take-offs come every 12 h: exactly 8 h a day."""
    s = scenario(
        airfields=equator_pair(2800.0),
        aircraft=[dict(BASE["aircraft"][0], ute_h_per_day=8)],
        planning=dict(BASE["planning"], rules={"crews": False, "utilisation": True, "availability": False}),
        fleet=[{"type": "lifter", "count": 1, "base": "home"}],
        contingents=[{"id": "x", "nation": "Xland", "troops": 600, "home": "home"}],
    )
    run = simulate(s)
    takeoffs = [r.takeoff for r in run.sorties]
    gaps = [b - a for a, b in pairwise(takeoffs)]
    assert all(g == pytest.approx(12.0, abs=1e-6) for g in gaps[2:]), gaps
    per_day = sum(r.flying_h for r in run.sorties if 48.0 <= r.takeoff < 96.0) / 2
    assert per_day == pytest.approx(8.0, abs=1e-6)
