"""Verification against the standard airlift planning formulas (docs/background/airlift-planning-factors.md)."""

import math

import pytest

from sim import geo
from sim.engine import simulate
from tests.helpers import BASE, scenario


@pytest.mark.parametrize("n_aircraft,n_sorties", [(1, 1), (3, 7), (4, 8), (5, 23), (10, 10)])
def test_shuttle_makespan_matches_closed_form(n_aircraft, n_sorties):
    """N aircraft, S equal sorties, no MOG limit: closure after ceil(S/N) round trips less the last return leg."""
    s = scenario(
        fleet=[{"type": "lifter", "count": n_aircraft, "base": "home"}],
        contingents=[{"id": "x", "nation": "Xland", "troops": 100 * n_sorties, "home": "home"}],
    )
    run = simulate(s)
    a, b = BASE["airfields"]
    leg_h = geo.great_circle_km(a["lat"], a["lon"], b["lat"], b["lon"]) / 800 + 0.5  # taxi 0
    load_h, unload_h = 2.0, 1.0
    k = math.ceil(n_sorties / n_aircraft)
    expected = (k - 1) * (load_h + leg_h + unload_h + leg_h) + load_h + leg_h
    loaded = [r for r in run.sorties if r.phase == "deploy"]
    assert len(loaded) == n_sorties, "one sortie per full load of 100 seats"
    assert run.lines["x-in"].closed == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("mog,ground_h", [(1, 2.0), (3, 2.0), (2, 3.25)])
def test_saturated_airfield_throughput_is_mog_times_24_over_ground_time(mog, ground_h):
    """AFPAM 10-1403 formula 9.0 without the 0.85 queuing factor: a saturated deterministic airfield
    turns MOG x 24 / ground time sorties a day."""
    airfields = [dict(BASE["airfields"][0], mog=mog), dict(BASE["airfields"][1])]
    aircraft = [dict(BASE["aircraft"][0], load_h=ground_h, unload_h=0.5)]
    s = scenario(
        airfields=airfields, aircraft=aircraft,
        fleet=[{"type": "lifter", "count": 40, "base": "home"}],
        contingents=[{"id": "x", "nation": "Xland", "troops": 100 * 400, "home": "home"}],
        horizon="5d",
    )
    run = simulate(s)
    takeoffs = sorted(r.takeoff for r in run.sorties if r.phase == "deploy")
    per_day = sum(1 for t in takeoffs if 24.0 <= t < 72.0) / 2.0
    expected = mog * 24.0 / ground_h
    assert per_day == pytest.approx(expected, abs=mog / 2.0), f"{per_day} sorties/day vs {expected} predicted"
