"""The offline base map (sim.basemap) and the network chart drawn on it (sim.mapchart).

Expected values come from hand calculation (points on the equator and a meridian, the pole between
two points at 45 degrees north) or from an independent source: sim.geo's haversine for distances,
and the countries known to hold well-known places (Almaty in Kazakhstan, ...).
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim import basemap, charts
from sim.basemap import AzimuthalEquidistant, Box, LabelRequest
from sim.geo import great_circle_km
from tests.conftest import REFERENCE_SCENARIO, ROOT, SCENARIOS_DIR

BORDERS = ROOT / "sim" / "geodata" / "borders.json"


# ------------------------------------------------------------------ the data file


def test_the_borders_file_is_under_a_megabyte_and_says_where_it_comes_from() -> None:
    assert BORDERS.stat().st_size < 1_000_000
    doc = json.loads(BORDERS.read_text(encoding="utf-8"))
    assert "Natural Earth" in doc["source"] and "public domain" in doc["licence"]
    assert "Douglas-Peucker" in doc["simplification"]


def test_the_borders_load_once_and_cover_the_world() -> None:
    countries = basemap.load_borders()
    assert basemap.load_borders() is countries  # cached
    assert len(countries) > 200
    names = {c.name for c in countries}
    assert {"Kazakhstan", "Russia", "Poland", "Australia", "Brazil", "Antarctica"} <= names
    everything = np.vstack([r for c in countries for r in c.rings()])
    assert everything[:, 0].min() <= -179.9 and everything[:, 0].max() >= 179.9
    assert everything[:, 1].min() <= -85.0 and everything[:, 1].max() >= 83.0


@pytest.mark.parametrize(("place", "lon", "lat", "a3"), [
    ("Almaty", 76.95, 43.24, "KAZ"), ("Moscow", 37.62, 55.75, "RUS"), ("Minsk", 27.56, 53.90, "BLR"),
    ("Yerevan", 44.51, 40.18, "ARM"), ("Dushanbe", 68.79, 38.56, "TJK"), ("Bishkek", 74.59, 42.87, "KGZ"),
    ("Rzeszow", 22.00, 50.04, "POL"), ("Fayetteville, NC", -78.88, 35.05, "USA"), ("Ramstein", 7.55, 49.44, "DEU"),
    ("Sydney", 151.0, -33.8, "AUS"), ("Suva, Fiji", 178.44, -18.12, "FJI"),
    ("Chukotka, east of 180", 172.0, 66.5, "RUS"), ("Chukotka, west of 180", -175.0, 66.0, "RUS"),
])
def test_known_places_are_inside_their_country(place: str, lon: float, lat: float, a3: str) -> None:
    country = basemap.country_at(lon, lat)
    assert country is not None and country.a3 == a3, place


@pytest.mark.parametrize(("sea", "lon", "lat"), [
    ("Caspian Sea", 50.5, 42.0), ("Black Sea", 34.0, 43.5), ("North Atlantic", -30.0, 45.0),
    ("Pacific", -150.0, 0.0), ("Lake Superior", -87.5, 47.6), ("Lake Victoria", 33.0, -1.0),
])
def test_seas_and_lakes_on_borders_are_not_land(sea: str, lon: float, lat: float) -> None:
    assert basemap.country_at(lon, lat) is None, sea


def test_countries_in_a_box_across_the_180th_meridian() -> None:
    names = {c.name for c in basemap.countries_in(basemap.LonLatBox(170.0, -25.0, -170.0, -10.0))}
    assert "Fiji" in names and "Kazakhstan" not in names


# ------------------------------------------------------------------ great circles and projection


def test_the_great_circle_between_two_points_on_the_equator_runs_along_it() -> None:
    lon, lat = basemap.great_circle(0.0, 0.0, 90.0, 0.0, 3)
    np.testing.assert_allclose(lon, [0.0, 45.0, 90.0], atol=1e-9)
    np.testing.assert_allclose(lat, [0.0, 0.0, 0.0], atol=1e-9)


def test_the_great_circle_along_a_meridian_and_over_the_pole() -> None:
    lon, lat = basemap.great_circle(10.0, 20.0, 10.0, 60.0, 5)
    np.testing.assert_allclose(lat, [20.0, 30.0, 40.0, 50.0, 60.0], atol=1e-9)
    np.testing.assert_allclose(lon, 10.0, atol=1e-9)
    # 45N 0E to 45N 180E: the shorter way is over the pole, 90 degrees of arc, the pole half way
    _, lat = basemap.great_circle(0.0, 45.0, 180.0, 45.0, 3)
    np.testing.assert_allclose(lat, [45.0, 90.0, 45.0], atol=1e-9)


def test_a_great_circle_is_as_long_as_the_haversine_distance_and_evenly_spaced() -> None:
    ends = (38.062, 55.878, 77.041, 43.352)  # Chkalovsky to Almaty International (scenario coordinates)
    lon, lat = basemap.great_circle(*ends, n=201)
    assert (lon[0], lat[0]) == pytest.approx(ends[:2]) and (lon[-1], lat[-1]) == pytest.approx(ends[2:])
    steps = [great_circle_km(lat[i], lon[i], lat[i + 1], lon[i + 1]) for i in range(200)]
    total = great_circle_km(ends[1], ends[0], ends[3], ends[2])
    assert sum(steps) == pytest.approx(total, rel=0.005)
    assert max(steps) - min(steps) < 1e-6 * total


def test_antipodal_points_have_no_single_great_circle() -> None:
    with pytest.raises(ValueError, match="antipodal"):
        basemap.great_circle(0.0, 0.0, 180.0, 0.0)


def test_the_projection_keeps_distances_from_its_centre_and_inverts() -> None:
    proj = AzimuthalEquidistant(60.0, 50.0)
    lons, lats = np.array([77.041, 27.581, 60.0, 60.0, -79.0]), np.array([43.352, 53.775, 80.0, 50.0, 35.2])
    x, y = proj.forward(lons, lats)
    expected = [great_circle_km(50.0, 60.0, la, lo) for lo, la in zip(lons, lats)]
    np.testing.assert_allclose(np.hypot(x, y), expected, rtol=1e-9, atol=1e-6)
    assert x[2] == pytest.approx(0.0, abs=1e-9) and y[2] > 0  # due north is straight up
    back_lon, back_lat = proj.inverse(x, y)
    np.testing.assert_allclose(back_lon, lons, atol=1e-9)
    np.testing.assert_allclose(back_lat, lats, atol=1e-9)


def test_the_projection_is_centred_on_the_middle_of_its_points() -> None:
    proj = AzimuthalEquidistant.centred_on([0.0, 90.0], [0.0, 0.0])
    assert (proj.lon0, proj.lat0) == pytest.approx((45.0, 0.0))


def _area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def test_clipping_a_ring_keeps_the_part_inside_the_rectangle() -> None:
    square = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]])  # counter-clockwise, area 16
    clipped = basemap.clip_ring(square, 1.0, 10.0, -5.0, 3.0)  # keeps x 1..4, y 0..3: area 9
    assert _area(clipped) == pytest.approx(9.0)
    assert clipped[:, 0].min() == pytest.approx(1.0) and clipped[:, 1].max() == pytest.approx(3.0)
    assert len(basemap.clip_ring(square, 5.0, 6.0, 0.0, 1.0)) < 3  # nothing inside
    np.testing.assert_allclose(_area(basemap.clip_ring(square, -1, 5, -1, 5)), 16.0)  # all inside: unchanged


def test_simplifying_a_ring_drops_points_on_straight_edges_only() -> None:
    edge = np.linspace(0.0, 1.0, 11)[:-1]
    square = np.vstack([np.column_stack([edge, 0 * edge]), np.column_stack([1 + 0 * edge, edge]),
                        np.column_stack([1 - edge, 1 + 0 * edge]), np.column_stack([0 * edge, 1 - edge])])
    kept = basemap.simplify_ring(square, 1e-6)
    assert sorted(map(tuple, kept.tolist())) == [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    bump = square.copy()
    bump[5, 1] = -0.2  # a point 0.2 off the bottom edge: kept at a tolerance of 0.16, dropped at 0.3; its
    # neighbours at x = 0.4 and 0.6 are 0.08 / 0.54 = 0.148 off the lines to it, so they go at 0.16
    assert len(basemap.simplify_ring(bump, 0.16)) == 5 and len(basemap.simplify_ring(bump, 0.3)) == 4


# ------------------------------------------------------------------ the label placer


def _assert_clear(placed: list[basemap.Placement | None], bounds: Box, obstacles: list[Box]) -> None:
    boxes = [p.box for p in placed if p is not None]
    assert all(b.inside(bounds) for b in boxes)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    assert not any(b.overlaps(o) for b in boxes for o in obstacles)


labels = st.builds(LabelRequest, st.floats(0, 800), st.floats(0, 600), st.floats(4, 160), st.floats(6, 22),
                   st.booleans())
obstacle = st.builds(Box.around, st.floats(0, 800), st.floats(0, 600), st.floats(1, 30))


@settings(max_examples=60, deadline=None)
@given(st.lists(labels, max_size=40), st.lists(obstacle, max_size=8))
def test_placed_labels_never_overlap(requests: list[LabelRequest], obstacles: list[Box]) -> None:
    bounds = Box(0.0, 0.0, 800.0, 600.0)
    placed = basemap.place_labels(requests, bounds, obstacles)
    assert len(placed) == len(requests)
    _assert_clear(placed, bounds, obstacles)


def test_labels_crowded_on_one_spot_all_find_room() -> None:
    rng = np.random.default_rng(7)
    requests = [LabelRequest(400 + rng.normal(0, 3), 300 + rng.normal(0, 3), 60 + 40 * rng.random(), 11)
                for _ in range(80)]
    bounds = Box(0.0, 0.0, 800.0, 600.0)
    placed = basemap.place_labels(requests, bounds, [Box.around(400, 300, 5)])
    assert all(p is not None for p in placed)
    _assert_clear(placed, bounds, [Box.around(400, 300, 5)])
    assert sum(p.displaced for p in placed if p is not None) >= 70  # most need a leader line


def test_labels_that_cannot_fit_are_left_out_not_overlapped() -> None:
    bounds = Box(0.0, 0.0, 300.0, 60.0)
    placed = basemap.place_labels([LabelRequest(150, 30, 120, 14) for _ in range(30)], bounds)
    assert 0 < sum(p is not None for p in placed) < 30
    _assert_clear(placed, bounds, [])


def test_a_label_goes_right_of_its_point_when_there_is_room() -> None:
    [p] = basemap.place_labels([LabelRequest(100, 100, 50, 10)], Box(0, 0, 400, 400), gap=4.0)
    assert p is not None and not p.displaced
    assert (p.box.x0, p.box.y0, p.box.y1) == pytest.approx((104.0, 95.0, 105.0))


# ------------------------------------------------------------------ the network chart


def test_basemap_needs_no_matplotlib() -> None:
    code = "import sys, sim.basemap; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def _text_boxes(fig: charts.Figure) -> list[Box]:
    fig.draw_without_rendering()
    return [Box(*t.get_window_extent().extents) for ax in fig.axes for t in ax.texts if t.get_visible()]


def test_the_reference_network_labels_do_not_overlap() -> None:
    fig = charts.network_figure(sim.run(REFERENCE_SCENARIO).results)
    boxes = _text_boxes(fig)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert any(s.startswith("Almaty International") for s in labels)
    assert any(s.startswith("Zhetygen") for s in labels)
    assert len(boxes) >= 20  # ten airfields, the routes' sorties and the scale bar
    overlapping = [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]
    assert not overlapping
    frame = Box(*fig.axes[0].get_window_extent().extents)
    assert all(b.inside(frame) for b in boxes)


@pytest.mark.parametrize("path", sorted(SCENARIOS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_network_chart_draws_for_every_shipped_scenario(path: Path) -> None:
    res = sim.run(path).results
    fig = charts.network_figure(res)
    texts = [t.get_text() for t in fig.axes[0].texts]
    for a in res.run.scenario.airfields:
        assert any(t.startswith(a.name or a.id) for t in texts), a.id  # every airfield labelled
    boxes = _text_boxes(fig)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2))
    assert math.isfinite(sum(fig.axes[0].get_xlim()))


@pytest.mark.parametrize(("region", "places"), [
    ("across the 180th meridian", [("Hickam", 21.32, -157.94), ("Nadi", -17.76, 177.44), ("Guam", 13.58, 144.93)]),
    ("over the North Pole", [("Thule", 76.53, -68.70), ("Svalbard", 78.25, 15.47), ("Anchorage", 61.17, -150.0)]),
    ("south of the equator", [("Darwin", -12.41, 130.87), ("Diego Garcia", -7.31, 72.41), ("Djibouti", 11.55, 43.16)]),
    ("two fields 30 km apart", [("Alpha", 50.0, 10.0), ("Bravo", 50.2, 10.3)]),
])
def test_the_map_draws_anywhere_on_the_globe(region: str, places: list[tuple[str, float, float]]) -> None:
    from sim import mapchart

    nodes = tuple(mapchart.MapNode(n, f"{n} (MOG 4)", lon, lat, True, True) for n, lat, lon in places)
    hub = places[0][0]
    routes = tuple(mapchart.MapRoute(phase, (hub, p[0]) if phase == "deploy" else (p[0], hub), 3 + i)
                   for i, p in enumerate(places[1:]) for phase in ("deploy", "withdraw"))
    net = mapchart.NetworkMap(region, nodes, routes, (), charts.PHASE_COLOURS, charts.SURFACE_STYLES)
    frame = mapchart.frame_for(net)
    fig = charts.ChartFigure(figsize=frame.figsize())
    ax = fig.subplots()
    with matplotlib.rc_context(charts.STYLE):
        mapchart.draw_network(fig, ax, net, frame)
    texts = [t.get_text() for t in ax.texts]
    assert all(any(t.startswith(n) for t in texts) for n, _, _ in places), region
    boxes = _text_boxes(fig)
    assert not any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2)), region
    assert ax.collections and len(ax.get_xticks()) >= 1, region  # land drawn, graticule labelled
