"""network.geojson and movement.kml (sim.exports), checked by real parsers and the published schemas.

GeoJSON: the official JSON Schema of a FeatureCollection (geojson.org), then what the features say
against the run's records. KML: ElementTree (a namespace-aware XML parser) for the structure, and
the OGC KML 2.2 XSD with Google's gx extension schema for validity (xmlschema). The schemas are
copies in tests/data/schemas (README.md there gives their sources), so no test uses the network.
"""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import sim
from sim.api import RunResult
from sim.exports import GX_NS, KML_NS, movement_kml, network_geojson, split_at_antimeridian
from sim.geo import EARTH_RADIUS_KM, great_circle_path
from sim.records import Run
from tests.conftest import REFERENCE_SCENARIO, TEST_DATA_DIR, TINY_SCENARIO

SCHEMAS = TEST_DATA_DIR / "schemas"
JOURNEYS = TEST_DATA_DIR / "rail_air_road.yaml"  # trains, sorties and road serials (docs/how-to/whole-journey.md)
HELD = TEST_DATA_DIR / "journey_held_at_horizon.yaml"  # road serials, and a rail leg still held when the run ends
K = f"{{{KML_NS}}}"
GX = f"{{{GX_NS}}}"
ACROSS_180 = {"airfields[a].lon": 170, "airfields[b].lon": -170, "airfields[b].lat": 50}


@cache
def _run(path: Path, overrides: tuple[tuple[str, object], ...] = ()) -> RunResult:
    return sim.run(path, overrides=dict(overrides) or None)


@cache
def _geojson(path: Path, overrides: tuple[tuple[str, object], ...] = ()) -> dict[str, Any]:
    text = network_geojson(_run(path, overrides).results)
    return json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in the GeoJSON"))


@cache
def _kml(path: Path) -> ET.Element:
    return ET.fromstring(movement_kml(_run(path).results))


def _layer(doc: dict[str, Any], layer: str) -> list[dict[str, Any]]:
    return [f for f in doc["features"] if f["properties"]["layer"] == layer]


def _at(run: Run, hours: float) -> datetime:
    return run.scenario.start + timedelta(hours=hours)


def _same_second(text: str, expected: datetime) -> bool:
    """text is an ISO 8601 time with an offset that is `expected` to the second."""
    when = datetime.fromisoformat(text)
    return when.utcoffset() == expected.utcoffset() and abs((when - expected).total_seconds()) <= 0.5


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    """The parts of a LineString or MultiLineString."""
    return [geometry["coordinates"]] if geometry["type"] == "LineString" else geometry["coordinates"]


def _unit(lon: float, lat: float) -> tuple[float, float, float]:
    p, q = math.radians(lat), math.radians(lon)
    return math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p)


# ------------------------------------------------------------------ the great circle


def test_points_along_the_equator_are_evenly_spaced() -> None:
    """A quarter of the equator (10,007.5 km) in steps of at most 2,600 km: 4 steps of 22.5°."""
    points = great_circle_path(0.0, 0.0, 0.0, 90.0, step_km=2600.0)
    assert [(round(lat, 9), round(lon, 9)) for lat, lon in points] == [
        (0.0, 0.0), (0.0, 22.5), (0.0, 45.0), (0.0, 67.5), (0.0, 90.0)]


def test_the_path_between_opposite_meridians_goes_over_the_pole() -> None:
    """60°N 0°E to 60°N 180°E: the great circle runs through the North Pole, 30° of arc each side."""
    points = great_circle_path(60.0, 0.0, 60.0, 180.0, step_km=2 * math.pi * EARTH_RADIUS_KM * 30 / 360 + 1)
    assert len(points) == 3
    assert points[1][0] == pytest.approx(90.0)


def test_every_point_lies_on_the_plane_of_the_great_circle() -> None:
    """Los Angeles to New York: each point is perpendicular to the normal of the plane through both ends."""
    a, b = (33.95, -118.4), (40.633, -73.783)
    p, q = _unit(a[1], a[0]), _unit(b[1], b[0])
    normal = (p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0])
    points = great_circle_path(*a, *b, step_km=100.0)
    assert points[0] == a and points[-1] == b
    for lat, lon in points:
        assert abs(sum(x * n for x, n in zip(_unit(lon, lat), normal, strict=True))) < 1e-12


def test_a_path_across_the_antimeridian_is_cut_there() -> None:
    """From 170°E 10°N to 170°W 10°S the step crosses 180° halfway, at the equator (by symmetry)."""
    parts = split_at_antimeridian([(170.0, 10.0), (-170.0, -10.0)])
    assert parts == [[(170.0, 10.0), (180.0, 0.0)], [(-180.0, 0.0), (-170.0, -10.0)]]
    assert split_at_antimeridian([(-170.0, 0.0), (170.0, 0.0)]) == [[(-170.0, 0.0), (-180.0, 0.0)],
                                                                    [(180.0, 0.0), (170.0, 0.0)]]


# ------------------------------------------------------------------ GeoJSON


@pytest.mark.parametrize("path", [REFERENCE_SCENARIO, JOURNEYS, HELD, TINY_SCENARIO])
def test_geojson_is_a_valid_feature_collection(path: Path) -> None:
    """Valid against geojson.org's JSON Schema of a FeatureCollection (draft-07)."""
    schema = json.loads((SCHEMAS / "geojson" / "FeatureCollection.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(_geojson(path)))
    assert not errors, [e.message for e in errors[:5]]


def test_geojson_has_a_feature_per_node_sortie_and_trip() -> None:
    run = _run(REFERENCE_SCENARIO).run
    doc = _geojson(REFERENCE_SCENARIO)
    counts = Counter(f["properties"]["layer"] for f in doc["features"])
    assert counts["airfield"] == len(run.scenario.airfields) and counts["place"] == len(run.scenario.places)
    assert counts["sortie"] == len(run.sorties) == 390
    assert counts["surface"] == len(run.trips) == 1
    assert set(counts) <= {"airfield", "place", "route", "sortie", "surface"}


def test_geojson_routes_add_up_to_the_sorties_and_trips() -> None:
    """One route per phase, mode and chain of nodes; its units and troops are those of what moved on it."""
    run = _run(REFERENCE_SCENARIO).run
    phase_of = {m.id: m.phase for m in run.scenario.movements}
    expected: Counter[tuple[str, str, str, str, str]] = Counter()
    troops: Counter[tuple[str, str, str, str, str]] = Counter()
    for r in run.sorties:
        key = (r.phase, "air", r.origin, r.destination, " ".join(r.stops))
        expected[key] += 1
        troops[key] += r.troops
    for t in run.trips:
        key = (phase_of[t.line], t.mode, t.origin, t.destination, "")
        expected[key] += 1
        troops[key] += t.troops
    found = {(p["phase"], p["mode"], p["from"], p["to"], p["via"]): p
             for p in (f["properties"] for f in _layer(_geojson(REFERENCE_SCENARIO), "route"))}
    assert {k: p["units"] for k, p in found.items()} == dict(expected)
    assert {k: p["troops"] for k, p in found.items()} == dict(troops)


def test_geojson_sorties_carry_the_records_times_and_loads() -> None:
    """Row k is sorties.csv's row k: the same tail, line and load; take-off and landing to the second,
    in the scenario's UTC offset."""
    run = _run(REFERENCE_SCENARIO).run
    nation = {c.id: c.nation for c in run.scenario.contingents}
    features = _layer(_geojson(REFERENCE_SCENARIO), "sortie")
    for k, (r, f) in enumerate(zip(run.sorties, features, strict=True), start=1):
        p = f["properties"]
        assert (p["sortie"], p["tail"], p["type"], p["line"], p["phase"]) == (k, r.tail, r.type, r.line, r.phase)
        assert (p["contingent"], p["nation"]) == (r.contingent, nation.get(r.contingent, ""))
        assert (p["troops"], p["vehicle_count"]) == (r.troops, sum(r.vehicles.values()))
        assert p["cargo_t"] == pytest.approx(r.cargo_kg / 1000)
        assert _same_second(p["takeoff"], _at(run, r.takeoff)) and _same_second(p["landing"], _at(run, r.landing))
        assert p["wait_mog_min"] == pytest.approx(r.wait_mog_h * 60, abs=0.05)


def test_geojson_arcs_run_from_airfield_to_airfield_on_the_great_circle() -> None:
    """Each sortie's line starts at its origin and ends at its destination (to 5 decimals), with points
    at most 100 km apart (so a flat map draws an arc) and all on the great circle of a direct flight."""
    run = _run(REFERENCE_SCENARIO).run
    for r, f in zip(run.sorties, _layer(_geojson(REFERENCE_SCENARIO), "sortie"), strict=True):
        points = _lines(f["geometry"])[0]
        a, b = run.scenario.place(r.origin), run.scenario.place(r.destination)
        assert points[0] == [round(a.lon, 5), round(a.lat, 5)] and points[-1] == [round(b.lon, 5), round(b.lat, 5)]
        assert len(points) >= math.ceil(r.distance_km / 100.0) + 1
        if not r.stops:
            p, q = _unit(a.lon, a.lat), _unit(b.lon, b.lat)
            normal = (p[1] * q[2] - p[2] * q[1], p[2] * q[0] - p[0] * q[2], p[0] * q[1] - p[1] * q[0])
            size = math.sqrt(sum(n * n for n in normal))
            for lon, lat in points:  # 1e-6 of the Earth's radius: 6 m, above the rounding to 5 decimals
                assert abs(sum(x * n for x, n in zip(_unit(lon, lat), normal, strict=True))) / size < 1e-6


@pytest.mark.parametrize("path", [REFERENCE_SCENARIO, JOURNEYS, HELD])
def test_geojson_coordinates_are_lon_lat_in_range_to_5_decimals(path: Path) -> None:
    for f in _geojson(path)["features"]:
        g = f["geometry"]
        points = [g["coordinates"]] if g["type"] == "Point" else [p for part in _lines(g) for p in part]
        for lon, lat in points:
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert round(lon, 5) == lon and round(lat, 5) == lat


def test_geojson_cuts_a_route_across_the_antimeridian() -> None:
    """Airfields at 170°E and 170°W: every line is a MultiLineString meeting at ±180° at one latitude."""
    overrides = tuple(ACROSS_180.items())
    doc = _geojson(TINY_SCENARIO, overrides)
    lines = [f["geometry"] for f in doc["features"] if f["geometry"]["type"] != "Point"]
    assert lines and all(g["type"] == "MultiLineString" for g in lines)
    for g in lines:
        first, second = g["coordinates"]
        assert abs(first[-1][0]) == abs(second[0][0]) == 180.0 and first[-1][0] == -second[0][0]
        assert first[-1][1] == second[0][1]
    schema = json.loads((SCHEMAS / "geojson" / "FeatureCollection.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)


def test_geojson_surface_trips_carry_their_times() -> None:
    run = _run(JOURNEYS).run
    features = _layer(_geojson(JOURNEYS), "surface")
    assert {f["properties"]["mode"] for f in features} == {"road", "rail"}
    for t, f in zip(run.trips, features, strict=True):
        p = f["properties"]
        assert (p["unit"], p["from"], p["to"], p["troops"]) == (t.unit, t.origin, t.destination, t.troops)
        assert _same_second(p["depart"], _at(run, t.depart)) and _same_second(p["arrive"], _at(run, t.arrive))


# ------------------------------------------------------------------ KML


def test_kml_declares_kml_2_2_and_googles_extensions() -> None:
    text = movement_kml(_run(REFERENCE_SCENARIO).results)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2" '
                           'xmlns:gx="http://www.google.com/kml/ext/2.2">')
    root = _kml(REFERENCE_SCENARIO)
    assert root.tag == f"{K}kml" and root.find(f"{K}Document/{K}name") is not None
    assert root.findall(f".//{GX}Track")


@pytest.mark.parametrize("path", [REFERENCE_SCENARIO, JOURNEYS, HELD, TINY_SCENARIO])
def test_kml_is_valid_against_the_ogc_schema_and_googles_extensions(path: Path) -> None:
    """Validated by xmlschema against OGC's ogckml22.xsd and Google's kml22gx.xsd (which imports it):
    the order of every element, xs:dateTime times, unique ids, gx:Track's content."""
    xmlschema = pytest.importorskip("xmlschema", reason="pip install -c .ci/constraints.txt -e '.[test]'")
    errors = list(_kml_schema(xmlschema).iter_errors(_kml(path)))
    assert not errors, [str(e.reason) for e in errors[:5]]


def _kml_schema(xmlschema: Any) -> Any:
    folder = SCHEMAS / "kml"
    xal = "http://docs.oasis-open.org/election/external/xAL.xsd"  # ogckml22.xsd's import, here locally

    def local(uri: str) -> str:
        return (folder / "xAL.xsd").as_uri() if uri == xal else uri

    return xmlschema.XMLSchema(str(folder / "kml22gx.xsd"), uri_mapper=local, allow="local")


def test_kml_has_a_folder_per_phase_with_a_placemark_per_sortie() -> None:
    run = _run(REFERENCE_SCENARIO).run
    folders = {f.get("id"): f for f in _kml(REFERENCE_SCENARIO).iter(f"{K}Folder")}
    assert set(folders) == {"nodes", "routes", "deploy-sorties", "withdraw-sorties", "reposition-sorties",
                            "surface-trips"}
    per_phase = Counter(r.phase for r in run.sorties)
    for phase in ("deploy", "withdraw", "reposition"):
        assert len(folders[f"{phase}-sorties"].findall(f"{K}Placemark")) == per_phase[phase]
    assert len(folders["nodes"].findall(f"{K}Placemark")) == len(run.scenario.nodes())
    assert len(folders["surface-trips"].findall(f"{K}Placemark")) == len(run.trips)


def test_kml_sorties_play_from_takeoff_to_landing() -> None:
    """Each placemark shows from take-off to landing; its gx:Track has a <when> per gx:coord, from the
    take-off at the origin to the landing at the destination, spaced by distance (evenly on a direct flight)."""
    run = _run(REFERENCE_SCENARIO).run
    placemarks = [pm for phase in ("deploy", "withdraw", "reposition")
                  for pm in _kml(REFERENCE_SCENARIO).findall(f".//{K}Folder[@id='{phase}-sorties']/{K}Placemark")]
    by_number = {int(pm.findtext(f"{K}name", "").split()[0][1:]): pm for pm in placemarks}
    assert sorted(by_number) == list(range(1, len(run.sorties) + 1))
    for k, r in enumerate(run.sorties, start=1):
        pm = by_number[k]
        begin, end = pm.findtext(f"{K}TimeSpan/{K}begin", ""), pm.findtext(f"{K}TimeSpan/{K}end", "")
        assert _same_second(begin, _at(run, r.takeoff)) and _same_second(end, _at(run, r.landing))
        assert datetime.fromisoformat(begin) < datetime.fromisoformat(end)
        assert pm.findtext(f"{K}styleUrl") == f"#{r.phase}"
        whens = [datetime.fromisoformat(w.text or "") for w in pm.iter(f"{K}when")]
        coords = [[float(x) for x in (c.text or "").split()] for c in pm.iter(f"{GX}coord")]
        assert len(whens) == len(coords) >= 2
        assert whens[0] == datetime.fromisoformat(begin) and whens[-1] == datetime.fromisoformat(end)
        a, b = run.scenario.place(r.origin), run.scenario.place(r.destination)
        assert coords[0][:2] == [round(a.lon, 5), round(a.lat, 5)] and coords[-1][:2] == [round(b.lon, 5),
                                                                                         round(b.lat, 5)]
        if not r.stops:
            n, span = len(whens) - 1, (whens[-1] - whens[0]).total_seconds()
            for i, w in enumerate(whens):
                assert abs((w - whens[0]).total_seconds() - span * i / n) <= 1.0


def test_kml_phases_differ_without_colour() -> None:
    """Deploy and withdraw styles differ in icon and line width, not only in colour."""
    styles = {s.get("id"): s for s in _kml(REFERENCE_SCENARIO).iter(f"{K}Style")}
    deploy, withdraw = styles["deploy"], styles["withdraw"]
    assert deploy.findtext(f"{K}IconStyle/{K}Icon/{K}href") != withdraw.findtext(f"{K}IconStyle/{K}Icon/{K}href")
    assert deploy.findtext(f"{K}LineStyle/{K}width") != withdraw.findtext(f"{K}LineStyle/{K}width")


def test_kml_road_and_rail_move_on_the_time_slider_too() -> None:
    run = _run(JOURNEYS).run
    placemarks = _kml(JOURNEYS).findall(f".//{K}Folder[@id='surface-trips']/{K}Placemark")
    assert len(placemarks) == len(run.trips) and {t.mode for t in run.trips} == {"road", "rail"}
    for t, pm in zip(run.trips, placemarks, strict=True):
        assert pm.findtext(f"{K}styleUrl") == f"#{t.mode}"
        assert _same_second(pm.findtext(f"{K}TimeSpan/{K}begin", ""), _at(run, t.depart))
        assert _same_second(pm.findtext(f"{K}TimeSpan/{K}end", ""), _at(run, t.arrive))
        assert len(list(pm.iter(f"{K}when"))) == len(list(pm.iter(f"{GX}coord")))


def test_text_is_escaped_in_both_files() -> None:
    """A name with XML's and JSON's special characters comes back unchanged from both parsers."""
    name = "Tiny <&> \"shuttle\" 'A'"
    result = _run(TINY_SCENARIO, (("name", name),))
    assert result.scenario.name == name
    assert ET.fromstring(movement_kml(result.results)).findtext(f"{K}Document/{K}name") == name
    assert json.loads(network_geojson(result.results))["name"] == name


def test_the_same_run_gives_the_same_bytes() -> None:
    first, second = sim.run(REFERENCE_SCENARIO), sim.run(REFERENCE_SCENARIO)
    assert network_geojson(first.results) == network_geojson(second.results)
    assert movement_kml(first.results) == movement_kml(second.results)


def test_every_run_folder_holds_both_files(tmp_path: Path) -> None:
    result = _run(JOURNEYS)
    result.write(tmp_path / "out", svg=False)
    assert (tmp_path / "out" / "network.geojson").read_text(encoding="utf-8") == network_geojson(result.results)
    assert (tmp_path / "out" / "movement.kml").read_text(encoding="utf-8") == movement_kml(result.results)
