"""The planning inputs: daily departure caps (`departures_per_day`, enforced by the engine) and release
windows (`release_window`, read by `sim plan optimise`). Expected values worked by hand."""

from __future__ import annotations

import math

import pytest

from sim.engine import simulate
from tests.helpers import BASE, scenario


def _equator_pair(km: float, home_offset: str | None = None) -> list[dict]:
    home = {"id": "home", "lat": 0.0, "lon": 0.0, "mog": 1000, "departures_per_day": 2}
    if home_offset:
        home["utc_offset"] = home_offset
    return [home, {"id": "pod", "lat": 0.0, "lon": math.degrees(km / 6371.0), "mog": 1000}]


@pytest.mark.parametrize("offset,takeoffs", [
    # start 00:00+06:00 and home on the same clock: local days begin at model hours 0, 24, 48...
    (None, [2.0, 2.0, 24.0, 24.0, 48.0, 48.0, 72.0]),
    # home on UTC+3: model hour 0 is 21:00 local, so its days begin at model hours 3, 27, 51...; the first
    # two loads are ready at 2.0 (local 23:00, the day before), the next two wait for midnight at 3.0
    ("+03:00", [2.0, 2.0, 3.0, 3.0, 27.0, 27.0, 51.0]),
])
def test_daily_cap_spreads_takeoffs_over_local_days(offset: str | None, takeoffs: list[float]) -> None:
    """7 full loads, 7 aircraft, a cap of 2 take-offs a local day: two go each day at its first moment."""
    s = scenario(airfields=_equator_pair(2800.0, offset), fleet=[{"type": "lifter", "count": 7, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 700, "home": "home"}])
    run = simulate(s)
    loaded = sorted(r.takeoff for r in run.sorties if r.phase == "deploy")
    assert loaded == pytest.approx(takeoffs, abs=1e-9)
    leg_h = 2800.0 / 800 + 0.5
    assert run.lines["x-in"].closed == pytest.approx(takeoffs[-1] + leg_h, abs=1e-9)
    waited = sum(r.wait_cap_h for r in run.sorties)
    assert waited == pytest.approx(sum(t - 2.0 for t in takeoffs), abs=1e-9), "every hour pushed is a cap wait"


def test_cap_counts_every_takeoff_including_empty_flights() -> None:
    """At a capped destination the empty returns are take-offs too: never more than the cap a day. 8 loads
    and 4 aircraft: each tail must fly back once for its second load, one return a day."""
    pair = _equator_pair(1000.0)
    pair[0].pop("departures_per_day")
    pair[1]["departures_per_day"] = 1
    s = scenario(airfields=pair, fleet=[{"type": "lifter", "count": 4, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 800, "home": "home"}])
    run = simulate(s)
    days: dict[int, int] = {}
    for r in run.sorties:
        if r.origin == "pod":
            days[math.floor(r.takeoff / 24 + 1e-9)] = days.get(math.floor(r.takeoff / 24 + 1e-9), 0) + 1
    assert days and max(days.values()) == 1
    assert sum(days.values()) == 4, "each of the 4 tails returns once for its second load"
    assert sorted(days) == [0, 1, 2, 3]


def test_release_window_own_beats_contingents() -> None:
    """A line's own window wins over its contingent's for the phase; without either there is none."""
    c = {"id": "x", "nation": "Xland", "troops": 1000, "home": "home",
         "release_window": {"deploy": {"from": "+1h", "to": "+5h"}}}
    own = dict(BASE["movements"][0], release_window={"from": "+2h", "to": "+3h"})
    s = scenario(contingents=[c])
    assert s.release_window(s.movements[0]) == (1.0, 5.0)
    s = scenario(contingents=[c], movements=[own])
    assert s.release_window(s.movements[0]) == (2.0, 3.0)
    assert scenario().release_window(scenario().movements[0]) is None
