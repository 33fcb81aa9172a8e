"""sim.geo against published great-circle distances and hand-worked routes and opening times.

The closed-form tests (tests/test_closed_forms.py) place airfields a known distance apart and the
engine measures them with `great_circle_km`; this file checks that function against numbers that
were published by others, so those tests do not rest on the code they check.

sim.geo uses a spherical Earth of radius 6371.0 km (the IUGG mean radius). Each published value
below states the radius its source used, and the tolerance is the rounding of the published figure.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.geo import EARTH_RADIUS_KM, OpeningTimes, distance_matrix, great_circle_km, joint_departure, shortest_route

INF = math.inf
FAR = 99_999.0  # a leg no aircraft in these graphs can fly


def dms(deg: float, minutes: float = 0.0, seconds: float = 0.0) -> float:
    """Degrees, minutes and seconds (of one sign) to decimal degrees."""
    return deg + minutes / 60.0 + seconds / 3600.0


# ----------------------------------------------------------------- published distances


def test_radius_is_the_iugg_mean_radius() -> None:
    """The published values below are for R = 6371 km; the module must use the same sphere."""
    assert EARTH_RADIUS_KM == 6371.0


def test_lax_to_jfk_matches_the_aviation_formulary_worked_example() -> None:
    """Ed Williams, Aviation Formulary V1.46, worked example "distance from LAX to JFK":
    LAX 33°57'N 118°24'W, JFK 40°38'N 73°47'W, d = 0.623585 radians = 2144 nm.

    The Formulary gives the central angle (radius-free) to 6 decimals, so the angle must agree to
    within half a unit of the 6th decimal (5e-7 rad, 3 m at 6371 km). Its nautical miles take
    1 nm = 1 arc minute, i.e. R = 180 x 60 / pi nm, and are rounded to the whole mile.
    """
    km = great_circle_km(dms(33, 57), -dms(118, 24), dms(40, 38), -dms(73, 47))
    assert km / 6371.0 == pytest.approx(0.623585, abs=5e-7)
    assert km / 6371.0 * 180 * 60 / math.pi == pytest.approx(2144, abs=0.5)


def test_nashville_to_los_angeles_matches_rosetta_code() -> None:
    """Rosetta Code, task "Haversine formula": BNA (36.12, -86.67) to LAX (33.94, -118.40) is
    2886.44444283798 km with R = 6371.0 km (the task also gives 2887.2600 km for R = 6372.8 km).

    The published figure has 15 significant digits; 1e-6 km allows only floating-point rounding.
    """
    assert great_circle_km(36.12, -86.67, 33.94, -118.40) == pytest.approx(2886.44444283798, abs=1e-6)


def test_lands_end_to_john_o_groats_matches_movable_type_scripts() -> None:
    """Chris Veness, Movable Type Scripts, "Calculate distance, bearing and more between
    Latitude/Longitude points" (https://www.movable-type.co.uk/scripts/latlong.html): its example
    points 50°03'59"N 005°42'53"W and 58°38'38"N 003°04'12"W are 968.9 km apart by the haversine
    formula with R = 6371 km. The page rounds to 4 significant figures, hence +-0.05 km.
    """
    km = great_circle_km(dms(50, 3, 59), -dms(5, 42, 53), dms(58, 38, 38), -dms(3, 4, 12))
    assert km == pytest.approx(968.9, abs=0.05)


# ----------------------------------------------------------------- geometry worked by hand


@pytest.mark.parametrize(
    "lat1,lon1,lat2,lon2,km",
    [
        (0.0, 0.0, 0.0, 180.0, 20015.086796020572),  # half the equator: pi x 6371
        (90.0, 0.0, -90.0, 0.0, 20015.086796020572),  # pole to pole along a meridian: pi x 6371
        (0.0, 0.0, 90.0, 0.0, 10007.543398010286),  # equator to pole: pi / 2 x 6371
        (0.0, 0.0, 0.0, 1.0, 111.19492664455873),  # one degree of arc: 6371 x pi / 180
        (45.0, 10.0, 45.0, 10.0, 0.0),  # the same point
    ],
)
def test_arcs_of_known_angle(lat1: float, lon1: float, lat2: float, lon2: float, km: float) -> None:
    """Arcs whose central angle is known without trigonometry: distance = 6371 km x angle in radians."""
    assert great_circle_km(lat1, lon1, lat2, lon2) == pytest.approx(km, abs=1e-6)


def test_distance_is_symmetric_and_ignores_which_way_round_longitude_is_written() -> None:
    """A to B equals B to A, and 179°E to 179°W is 2° of equator (222.4 km), not 358°."""
    assert great_circle_km(51.5, -0.1, 55.75, 37.6) == great_circle_km(55.75, 37.6, 51.5, -0.1)
    assert great_circle_km(0.0, 179.0, 0.0, -179.0) == pytest.approx(2 * 111.19492664455873, abs=1e-6)


def test_distance_matrix_is_symmetric_with_a_zero_diagonal() -> None:
    """Three points on the equator at 0°, 90°E and 180°: quarter, quarter and half circumferences."""
    quarter, half = 10007.543398010286, 20015.086796020572  # pi / 2 x 6371 and pi x 6371
    d = distance_matrix([(0.0, 0.0), (0.0, 90.0), (0.0, 180.0)])
    expected = [[0.0, quarter, half], [quarter, 0.0, quarter], [half, quarter, 0.0]]
    for row, want in zip(d, expected):
        assert row == pytest.approx(want, abs=1e-6)


def test_distance_matrix_of_no_points_is_empty() -> None:
    assert distance_matrix([]) == []


# ----------------------------------------------------------------- shortest_route on hand-made graphs


def test_a_leg_within_range_is_flown_direct() -> None:
    """0 -> 1 is 1000 km and the range 1500 km: no stop, even though a stop would not cost more."""
    dist = [[0.0, 1000.0, 500.0], [1000.0, 0.0, 500.0], [500.0, 500.0, 0.0]]
    assert shortest_route(dist, 0, 1, 1500.0) == [0, 1]


def test_a_leg_exactly_at_range_is_flown_direct() -> None:
    dist = [[0.0, 2000.0], [2000.0, 0.0]]
    assert shortest_route(dist, 0, 1, 2000.0) == [0, 1]


def test_a_long_leg_stops_where_the_total_is_shortest() -> None:
    """0 -> 3 is 2500 km, the range 2000 km. Via 1: 1000 + 1800 = 2800 km; via 2: 1500 + 1500 =
    3000 km; 1 -> 2 is out of range. The route is 0, 1, 3 (2800 km)."""
    dist = [
        [0.0, 1000.0, 1500.0, 2500.0],
        [1000.0, 0.0, 2500.0, 1800.0],
        [1500.0, 2500.0, 0.0, 1500.0],
        [2500.0, 1800.0, 1500.0, 0.0],
    ]
    assert shortest_route(dist, 0, 3, 2000.0) == [0, 1, 3]


def test_fewest_kilometres_beat_fewest_stops() -> None:
    """0 -> 4 is out of range (2000 km). One stop via 1: 1900 + 1900 = 3800 km; two stops via 2
    and 3: 1000 + 1000 + 1000 = 3000 km. The rule is fewest kilometres: 0, 2, 3, 4."""
    dist = [[FAR] * 5 for _ in range(5)]
    for i in range(5):
        dist[i][i] = 0.0
    for a, b, km in [(0, 1, 1900.0), (1, 4, 1900.0), (0, 2, 1000.0), (2, 3, 1000.0), (3, 4, 1000.0)]:
        dist[a][b] = dist[b][a] = km
    assert shortest_route(dist, 0, 4, 2000.0) == [0, 2, 3, 4]


def test_no_route_when_every_chain_has_a_leg_beyond_range() -> None:
    """0 -> 1 is 1000 km but 1 -> 2 and 0 -> 2 are 3000 km: with a 2000 km range 2 is unreachable."""
    dist = [[0.0, 1000.0, 3000.0], [1000.0, 0.0, 3000.0], [3000.0, 3000.0, 0.0]]
    assert shortest_route(dist, 0, 2, 2000.0) is None


# ----------------------------------------------------------------- opening times


@pytest.mark.parametrize(
    "t,expected",
    [
        (0.0, 6.0),  # 00:00 local: closed until 06:00
        (10.0, 10.0),  # 10:00: open
        (21.99, 21.99),  # just before 22:00: open
        (22.0, 30.0),  # 22:00 closes; next opening 06:00 the next day = 24 + 6
    ],
)
def test_next_open_with_a_day_window(t: float, expected: float) -> None:
    """Window 06:00-22:00, local clock 00:00 at scenario time 0."""
    assert OpeningTimes((6.0, 22.0), 0.0).next_open(t) == pytest.approx(expected)


def test_next_open_counts_the_local_clock_from_its_phase() -> None:
    """Local clock 18:00 at time 0: t = 4 is 22:00 local, closed for 8 h until 06:00, i.e. t = 12."""
    hours = OpeningTimes((6.0, 22.0), 18.0)
    assert hours.next_open(0.0) == 0.0
    assert hours.next_open(4.0) == pytest.approx(12.0)


def test_next_open_with_a_window_across_midnight() -> None:
    """Window 22:00-06:00 from local 00:00: open at 00:00; at 06:00 closed for 16 h until 22:00."""
    hours = OpeningTimes((22.0, 6.0), 0.0)
    assert hours.next_open(0.0) == 0.0
    assert hours.next_open(6.0) == pytest.approx(22.0)


def test_next_open_skips_closures_and_then_the_window() -> None:
    """Closed 20-23 h inside a 06:00-22:00 window: at 21 h the closure moves to 23 h (local 23:00,
    outside the window), then the window moves to 06:00 the next day, 30 h."""
    assert OpeningTimes(None, 0.0, [(5.0, 8.0)]).next_open(6.0) == 8.0
    assert OpeningTimes(None, 0.0, [(5.0, 8.0)]).next_open(8.0) == 8.0
    assert OpeningTimes((6.0, 22.0), 0.0, [(20.0, 23.0)]).next_open(21.0) == pytest.approx(30.0)


def test_always_open_only_without_window_or_closures() -> None:
    assert OpeningTimes(None, 0.0).always_open()
    assert not OpeningTimes((6.0, 22.0), 0.0).always_open()
    assert not OpeningTimes(None, 0.0, [(1.0, 2.0)]).always_open()


def test_joint_departure_waits_until_the_landing_is_inside_the_window() -> None:
    """Departure always open; arrival open 06:00-22:00 from local 00:00; 3 h airborne. Take-off at 0
    would land at 03:00 (closed), so take-off moves to 06:00 - 3 h = 3 h and lands at 06:00."""
    t_off = joint_departure(0.0, OpeningTimes(None, 0.0), OpeningTimes((6.0, 22.0), 0.0), 3.0, 100.0)
    assert t_off == pytest.approx(3.0)


def test_joint_departure_is_inf_past_the_limit() -> None:
    """The arrival is closed from 0 to 1000 h: the earliest landing, 1000 h, is past the 100 h limit."""
    arrival = OpeningTimes(None, 0.0, [(0.0, 1000.0)])
    assert joint_departure(0.0, OpeningTimes(None, 0.0), arrival, 3.0, 100.0) == INF


def _next_open_by_passes(hours: OpeningTimes, t: float) -> float:
    """The definition next_open implements: move past the window and past every closure that holds t, in
    start order, until nothing moves (the closures one by one, as before they were merged)."""
    while True:
        moved = False
        if hours.window is not None:
            start, end = hours.window
            local = (hours.phase_h + t) % 24.0
            inside = start <= local < end if start < end else (local >= start or local < end)
            if not inside:
                t, moved = t + (start - local) % 24.0, True
        for a, b in hours.closures:
            if a <= t < b:
                t, moved = b, True
        if not moved:
            return t


def test_next_open_with_overlapping_closures() -> None:
    # [1, 4) and [3, 6) overlap, [6, 7) meets them, [9, 9.5) stands apart: closed over [1, 7) and [9, 9.5)
    hours = OpeningTimes(None, 0.0, [(6.0, 7.0), (3.0, 6.0), (1.0, 4.0), (9.0, 9.5)])
    assert [hours.next_open(t) for t in (0.5, 1.0, 3.5, 6.0, 7.0, 8.0, 9.2, 9.5)] == [0.5, 7.0, 7.0, 7.0, 7.0, 8.0,
                                                                                      9.5, 9.5]


@given(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 30)), max_size=12), st.integers(0, 240),
       st.booleans(), st.sampled_from([(6.0, 22.0), (22.0, 5.0), (0.0, 23.5)]))
def test_next_open_equals_closures_applied_one_by_one(spans: list[tuple[int, int]], t_quarters: int, window: bool,
                                                      hours_of_day: tuple[float, float]) -> None:
    closures = [(a / 4, a / 4 + d / 4) for a, d in spans]
    hours = OpeningTimes(hours_of_day if window else None, 3.0, closures)
    t = t_quarters / 4 + 0.1
    assert hours.next_open(t) == _next_open_by_passes(hours, t)
