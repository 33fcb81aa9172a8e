"""A run for GIS and Google Earth: network.geojson (RFC 7946) and movement.kml (OGC KML 2.2 with gx:Track).

network.geojson holds the airfields and places as points, and as lines the routes flown or driven
(one per phase, mode and chain of nodes, with what moved on it), every sortie and every road serial
and train, with its times. movement.kml shows the same in Google Earth: the airfields and places,
then a folder per phase with one placemark per sortie whose <gx:Track> moves the aircraft along its
path as the time slider plays, and the serials and trains likewise.

Air routes follow the great circle, with a point at least every STEP_KM (TRACK_STEP_KM in the KML,
whose viewer draws each step on the globe) so that a map draws them as arcs; surface moves are drawn
on the great circle too (the road or track itself is not modelled). Positions between take-off and
landing are spread along the path by distance (a refuelling stop is not shown as a pause). Times are
xs:dateTime to the second in the scenario's UTC offset. Standard library only; the same run gives
the same bytes.
"""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sim.geo import great_circle_km, great_circle_path
from sim.records import PHASES, SORTIE_WAITS, Run, Sortie, Trip
from sim.scenario import Airfield, Scenario
from sim.tablerows import vehicles_text
from sim.vocabulary import utc_label

if TYPE_CHECKING:
    from sim.results import Results

STEP_KM = 100.0  # most distance between two points of a path in network.geojson (GIS maps draw straight lines)
TRACK_STEP_KM = 200.0  # ... and of a gx:Track (Google Earth draws each step on the globe)
DECIMALS = 5  # of a degree in coordinates: about 1 m
KML_NS = "http://www.opengis.net/kml/2.2"
GX_NS = "http://www.google.com/kml/ext/2.2"
ICONS = "http://maps.google.com/mapfiles/kml/shapes/"  # Google Earth's own icon set
# style -> (icon, icon scale, label scale, line width, colour): the phases differ in icon and line
# width as well as in colour, so that they stay apart without colour
STYLES: dict[str, tuple[str, float, float, float, str]] = {
    "airfield": ("placemark_circle.png", 1.0, 0.9, 1.0, "#222222"),
    "place": ("placemark_square.png", 1.0, 0.9, 1.0, "#222222"),
    "deploy": ("airports.png", 1.1, 0.0, 4.0, "#0072B2"),
    "withdraw": ("triangle.png", 0.9, 0.0, 2.0, "#D55E00"),
    "reposition": ("airports.png", 0.6, 0.0, 1.0, "#999999"),
    "road": ("truck.png", 0.9, 0.0, 3.0, "#009E73"),
    "rail": ("rail.png", 0.9, 0.0, 3.0, "#CC79A7"),
}
FOLDER_TITLES = {"deploy": "Deploy", "withdraw": "Withdraw", "reposition": "Reposition (empty legs)"}
# a sortie's waits in minutes, named as in sorties.csv -> the Sortie attribute in hours
WAIT_COLUMNS = {"wait_mog_min": "wait_mog_h", "wait_hours_min": "wait_hours_h", "wait_weather_min": "wait_weather_h",
                "wait_delay_min": "wait_delay_h", "wait_crew_min": "wait_crew_h", "wait_ute_min": "wait_ute_h",
                "wait_avail_min": "wait_avail_h", "wait_cap_min": "wait_cap_h"}

LonLat = tuple[float, float]


# ------------------------------------------------------------------ shared: paths, times, routes


class _Paths:
    """Great-circle paths through chains of airfields and places, as (lon, lat), each chain once."""

    def __init__(self, scenario: Scenario, step_km: float) -> None:
        self.scenario = scenario
        self.step_km = step_km
        self._cache: dict[tuple[str, ...], list[LonLat]] = {}

    def __call__(self, chain: Sequence[str]) -> list[LonLat]:
        """The path from the first node of `chain` through the others, a point every `step_km` at most."""
        key = tuple(chain)
        if key not in self._cache:
            points: list[LonLat] = []
            for a, b in itertools.pairwise(key):
                p, q = self.scenario.place(a), self.scenario.place(b)
                hop = great_circle_path(p.lat, p.lon, q.lat, q.lon, self.step_km)
                points.extend((lon, lat) for lat, lon in hop[1 if points else 0:])
            self._cache[key] = points
        return self._cache[key]


def _fractions(path: Sequence[LonLat]) -> list[float]:
    """How far along the path each point is, as a share of its length (0 to 1)."""
    done = [0.0]
    for (x1, y1), (x2, y2) in itertools.pairwise(path):
        done.append(done[-1] + great_circle_km(y1, x1, y2, x2))
    total = done[-1]
    return [d / total if total > 0 else (0.0 if k == 0 else 1.0) for k, d in enumerate(done)]


def _when(scenario: Scenario, hours: float) -> str:
    """A model time as xs:dateTime to the second in the scenario's UTC offset, '2022-01-07T01:21:00+06:00'."""
    return (scenario.start + timedelta(seconds=round(hours * 3600))).isoformat(timespec="seconds")


def _r(x: float, digits: int) -> float:
    """x rounded for the files (never -0.0, so that the same value always gives the same text)."""
    return round(x, digits) + 0.0


@dataclass
class Route:
    """A route flown or driven: one phase, one mode, one chain of nodes, and what moved on it."""

    mode: str  # air, road or rail
    phase: str  # deploy, withdraw or reposition (empty legs)
    chain: tuple[str, ...]  # origin, stops, destination
    km: float  # length of one trip: great circle through the stops (air) or as driven (surface)
    units: int = 0  # sorties, serials or trains
    troops: int = 0
    vehicles: int = 0
    cargo_kg: int = 0


def routes(run: Run) -> list[Route]:
    """Every route flown (sorties) or driven (serials and trains), in (phase, mode, chain) order."""
    phase_of = {m.id: m.phase for m in run.scenario.movements}
    found: dict[tuple[str, str, tuple[str, ...]], Route] = {}
    moves: list[tuple[str, str, tuple[str, ...], float, Sortie | Trip]] = [
        *[("air", r.phase, (r.origin, *r.stops, r.destination), r.distance_km, r) for r in run.sorties],
        *[(t.mode, phase_of.get(t.line, ""), (t.origin, t.destination), t.km, t) for t in run.trips]]
    for mode, phase, chain, km, move in moves:
        route = found.setdefault((phase, mode, chain), Route(mode, phase, chain, km))
        route.units += 1
        route.troops += move.troops
        route.vehicles += sum(move.vehicles.values())
        route.cargo_kg += move.cargo_kg
    return [found[k] for k in sorted(found)]


# ------------------------------------------------------------------ GeoJSON


def network_geojson(res: Results) -> str:
    """network.geojson: an RFC 7946 FeatureCollection of the nodes, routes, sorties, serials and trains.

    Every feature's `layer` property says which of these it is (airfield, place, route, sortie,
    surface); coordinates are [lon, lat] to 5 decimals; one feature a line, keys sorted."""
    run = res.run
    paths = _Paths(run.scenario, STEP_KM)
    nation = {c.id: c.nation for c in run.scenario.contingents}
    features = [*_node_features(res), *[_route_feature(r, paths) for r in routes(run)],
                *[_sortie_feature(run.scenario, k, r, paths, nation) for k, r in enumerate(run.sorties, start=1)],
                *[_trip_feature(run, t, paths, nation) for t in run.trips]]
    rows = [json.dumps(f, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
            for f in features]
    name = json.dumps(run.scenario.name, ensure_ascii=False)
    return '{"type":"FeatureCollection","name":' + name + ',"features":[\n' + ",\n".join(rows) + "\n]}\n"


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def _position(lon: float, lat: float) -> list[float]:
    return [_r(lon, DECIMALS), _r(lat, DECIMALS)]


def _line_geometry(path: Sequence[LonLat]) -> dict[str, Any]:
    """A LineString, or a MultiLineString when the path crosses the antimeridian (RFC 7946, 3.1.9)."""
    parts = [[_position(*p) for p in part] for part in split_at_antimeridian(path)]
    if len(parts) == 1:
        return {"type": "LineString", "coordinates": parts[0]}
    return {"type": "MultiLineString", "coordinates": parts}


def split_at_antimeridian(path: Sequence[LonLat]) -> list[list[LonLat]]:
    """The path cut where a step crosses longitude 180 (a jump of more than 180° between two points),
    each cut ending and the next starting on the antimeridian at the latitude the step crosses it."""
    parts: list[list[LonLat]] = [[path[0]]]
    for (x1, y1), (x2, y2) in itertools.pairwise(path):
        if abs(x2 - x1) > 180.0:
            edge = 180.0 if x1 > 0 else -180.0
            x2_unwrapped = x2 + 360.0 if x1 > 0 else x2 - 360.0
            y = y1 + (y2 - y1) * (edge - x1) / (x2_unwrapped - x1)
            parts[-1].append((edge, y))
            parts.append([(-edge, y)])
        parts[-1].append((x2, y2))
    return parts


def _node_features(res: Results) -> list[dict[str, Any]]:
    """A Point per airfield (with its MOG and traffic) and per place."""
    s = res.run.scenario
    used = {n for r in routes(res.run) for n in r.chain}
    out = []
    for node in s.nodes():
        props: dict[str, Any] = {"layer": "place", "id": node.id, "name": node.name or node.id,
                                 "kind": getattr(node, "kind", "") or "place", "icao": "", "mog": None,
                                 "hours": None, "departures": None, "arrivals": None, "peak_on_ground": None,
                                 "used": node.id in used}
        if isinstance(node, Airfield):
            use = res.airfields[node.id]
            props.update(layer="airfield", kind="airfield", icao=node.icao, mog=node.mog, hours=node.hours,
                         departures=use.departures, arrivals=use.arrivals, peak_on_ground=use.peak_on_ground)
        out.append(_feature({"type": "Point", "coordinates": _position(node.lon, node.lat)}, props))
    return out


def _route_feature(route: Route, paths: _Paths) -> dict[str, Any]:
    return _feature(_line_geometry(paths(route.chain)), {
        "layer": "route", "mode": route.mode, "phase": route.phase, "from": route.chain[0], "to": route.chain[-1],
        "via": " ".join(route.chain[1:-1]), "units": route.units, "troops": route.troops,
        "vehicles": route.vehicles, "cargo_t": _r(route.cargo_kg / 1000, 3), "km": _r(route.km, 1)})


def _sortie_feature(s: Scenario, k: int, r: Sortie, paths: _Paths, nation: dict[str, str]) -> dict[str, Any]:
    """A sortie as sorties.csv has it (row k), drawn from its origin through its stops."""
    loaded = r.phase != "reposition"
    props: dict[str, Any] = {
        "layer": "sortie", "sortie": k, "tail": r.tail, "type": r.type, "fleet": r.fleet, "phase": r.phase,
        "line": r.line, "leg": r.leg + 1, "contingent": r.contingent, "nation": nation.get(r.contingent, ""),
        "from": r.origin, "to": r.destination, "via": " ".join(r.stops), "troops": r.troops,
        "vehicles": vehicles_text(r.vehicles), "vehicle_count": sum(r.vehicles.values()),
        "cargo_t": _r(r.cargo_kg / 1000, 3), "distance_km": _r(r.distance_km, 1), "takeoff": _when(s, r.takeoff),
        "landing": _when(s, r.landing), "flying_h": _r(r.flying_h, 3), "crew": r.crew, "mog_wait_at": r.mog_at,
        "wait_aircraft_min": _r((r.assigned - r.released) * 60, 1) if loaded else None,
    }
    props.update({col: _r(getattr(r, attr) * 60, 1) for col, attr in WAIT_COLUMNS.items()})
    return _feature(_line_geometry(paths((r.origin, *r.stops, r.destination))), props)


def _trip_feature(run: Run, t: Trip, paths: _Paths, nation: dict[str, str]) -> dict[str, Any]:
    """A road serial or train as surface.csv has it."""
    s = run.scenario
    phase = next((m.phase for m in s.movements if m.id == t.line), "")
    return _feature(_line_geometry(paths((t.origin, t.destination))), {
        "layer": "surface", "unit": t.unit, "mode": t.mode, "phase": phase, "line": t.line, "leg": t.leg + 1,
        "contingent": t.contingent, "nation": nation.get(t.contingent, ""), "from": t.origin, "to": t.destination,
        "troops": t.troops, "vehicles": vehicles_text(t.vehicles), "vehicle_count": sum(t.vehicles.values()),
        "cargo_t": _r(t.cargo_kg / 1000, 3), "km": _r(t.km, 1), "depart": _when(s, t.depart),
        "arrive": _when(s, t.arrive), "wait_route_min": _r((t.depart - t.ready) * 60, 1)})


# ------------------------------------------------------------------ KML


def movement_kml(res: Results) -> str:
    """movement.kml: KML 2.2 that Google Earth plays back on its time slider.

    Folders: the airfields and places; the routes (hidden at first, no time); one per phase with a
    placemark per sortie, shown from take-off to landing, whose gx:Track moves along the great
    circle; the road serials and trains, if any."""
    run = res.run
    s = run.scenario
    paths = _Paths(s, TRACK_STEP_KM)
    # the tags are written as they stand: KML's namespace is the default, Google's extensions are gx:
    root = ET.Element("kml", {"xmlns": KML_NS, "xmlns:gx": GX_NS})
    doc = _sub(root, "Document")
    _sub(doc, "name", s.name)
    _sub(doc, "open", "1")
    _sub(doc, "description", f"{_count(len(run.sorties), 'flight', 'flights')}, "
                             f"{_count(len(run.trips), 'road serial or train', 'road serials and trains')}"
                             f"; times in {utc_label(s.start.tzinfo)}. Play the time slider to see them move: "
                             "positions between take-off and landing are spread along the great circle by distance.")
    for name in STYLES:
        doc.append(_style(name))
    doc.append(_nodes_folder(res))
    doc.append(_routes_folder(run, paths))
    for phase in (*PHASES, "reposition"):
        doc.append(_sortie_folder(run, phase, paths))
    if run.trips:
        doc.append(_trip_folder(run, paths))
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _count(n: int, one: str, many: str) -> str:
    """'1 sortie', '2 sorties'."""
    return f"{n} {one if n == 1 else many}"


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    """A child element (a KML tag, or 'gx:' and one of Google's), with its text (escaped when written)."""
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _kml_colour(hex_rgb: str) -> str:
    """'#0072B2' as KML writes colours: opaque, then blue, green, red ('ffb27200')."""
    r, g, b = hex_rgb[1:3], hex_rgb[3:5], hex_rgb[5:7]
    return f"ff{b}{g}{r}".lower()


def _style(name: str) -> ET.Element:
    """A shared style: icon (shape, colour and size), label size, line colour and width."""
    icon, icon_scale, label_scale, width, colour = STYLES[name]
    style = ET.Element("Style", id=name)
    icon_style = _sub(style, "IconStyle")
    _sub(icon_style, "color", _kml_colour(colour))
    _sub(icon_style, "scale", f"{icon_scale:g}")
    _sub(_sub(icon_style, "Icon"), "href", ICONS + icon)
    _sub(_sub(style, "LabelStyle"), "scale", f"{label_scale:g}")
    line = _sub(style, "LineStyle")
    _sub(line, "color", _kml_colour(colour))
    _sub(line, "width", f"{width:g}")
    return style


def _folder(fid: str, name: str, description: str, visible: bool = True) -> ET.Element:
    folder = ET.Element("Folder", id=fid)
    _sub(folder, "name", name)
    if not visible:
        _sub(folder, "visibility", "0")
    _sub(folder, "description", description)
    return folder


def _placemark(folder: ET.Element, name: str, description: str, style: str,
               span: tuple[str, str] | None = None, visible: bool = True) -> ET.Element:
    """A placemark in the schema's order: name, visibility, description, TimeSpan, styleUrl (then geometry)."""
    pm = _sub(folder, "Placemark")
    _sub(pm, "name", name)
    if not visible:
        _sub(pm, "visibility", "0")
    _sub(pm, "description", description)
    if span is not None:
        time_span = _sub(pm, "TimeSpan")
        _sub(time_span, "begin", span[0])
        _sub(time_span, "end", span[1])
    _sub(pm, "styleUrl", f"#{style}")
    return pm


def _coordinates(path: Sequence[LonLat]) -> str:
    return " ".join(f"{lon:.{DECIMALS}f},{lat:.{DECIMALS}f}" for lon, lat in path)


def _nodes_folder(res: Results) -> ET.Element:
    """Every airfield (MOG, hours, traffic) and place as a point."""
    s = res.run.scenario
    folder = _folder("nodes", "Airfields and places", f"{len(s.airfields)} airfields, {len(s.places)} places")
    for node in s.nodes():
        if isinstance(node, Airfield):
            use = res.airfields[node.id]
            text = (f"airfield {node.id}" + (f" ({node.icao})" if node.icao else "")
                    + f"\nMOG {node.mog}, hours {node.hours}\npeak on the ground {use.peak_on_ground}, "
                      f"{use.departures} departures, {use.arrivals} arrivals")
        else:
            text = f"{node.kind or 'place'} {node.id}"
        pm = _placemark(folder, node.name or node.id, text, "airfield" if isinstance(node, Airfield) else "place")
        _sub(_sub(pm, "Point"), "coordinates", _coordinates([(node.lon, node.lat)]))
    return folder


def _routes_folder(run: Run, paths: _Paths) -> ET.Element:
    """Every route flown or driven as a line, without time (hidden until ticked)."""
    found = routes(run)
    folder = _folder("routes", "Routes", f"{len(found)} routes: every chain of airfields flown or places driven, "
                                         "per phase, with what moved on it", visible=False)
    for r in found:
        name = f"{r.phase} {r.mode}: {' → '.join(r.chain)}"
        text = (f"{r.units} {'sorties' if r.mode == 'air' else 'serials or trains'}, {r.troops} troops, "
                f"{r.vehicles} vehicles, {r.cargo_kg / 1000:g} t cargo; {r.km:.0f} km each")
        pm = _placemark(folder, name, text, r.phase if r.mode == "air" else r.mode, visible=False)
        line = _sub(pm, "LineString")
        _sub(line, "tessellate", "1")
        _sub(line, "coordinates", _coordinates(paths(r.chain)))
    return folder


def _track(pm: ET.Element, s: Scenario, path: Sequence[LonLat], begin: float, end: float) -> None:
    """A gx:Track: a <when> per point of the path (spread by distance from begin to end), then its gx:coord."""
    track = _sub(pm, "gx:Track")
    for f in _fractions(path):
        _sub(track, "when", _when(s, begin + f * (end - begin)))
    for lon, lat in path:
        _sub(track, "gx:coord", f"{lon:.{DECIMALS}f} {lat:.{DECIMALS}f} 0")


def _sortie_folder(run: Run, phase: str, paths: _Paths) -> ET.Element:
    """One placemark per sortie of the phase, shown from take-off to landing, moving along its track."""
    s = run.scenario
    nation = {c.id: c.nation for c in s.contingents}
    flown = [(k, r) for k, r in enumerate(run.sorties, start=1) if r.phase == phase]
    folder = _folder(f"{phase}-sorties", f"{FOLDER_TITLES[phase]}: {_count(len(flown), 'sortie', 'sorties')}",
                     f"{sum(r.troops for _, r in flown)} troops flown; placemark names are sorties.csv's row numbers")
    for k, r in flown:
        chain = (r.origin, *r.stops, r.destination)
        pm = _placemark(folder, f"#{k} {r.tail}: {' → '.join(chain)}", _sortie_text(s, k, r, nation), phase,
                        (_when(s, r.takeoff), _when(s, r.landing)))
        _track(pm, s, paths(chain), r.takeoff, r.landing)
    return folder


def _sortie_text(s: Scenario, k: int, r: Sortie, nation: dict[str, str]) -> str:
    """What a sortie's balloon says: aircraft, line, load, times and waits."""
    who = f"line {r.line}, leg {r.leg + 1}: {r.contingent} ({nation.get(r.contingent, '')})" if r.contingent else (
        f"empty, to serve {r.line}" if r.line else "empty, home")
    load = (f"{r.troops} troops, vehicles {vehicles_text(r.vehicles) or 'none'}, cargo {r.cargo_kg / 1000:g} t"
            if r.phase != "reposition" else "no load")
    waits = [f"{kind} {getattr(r, attr) * 60:.0f} min" for kind, attr in SORTIE_WAITS.items()
             if getattr(r, attr) * 60 >= 0.5]
    if r.phase != "reposition" and (r.assigned - r.released) * 60 >= 0.5:
        waits.insert(0, f"aircraft {(r.assigned - r.released) * 60:.0f} min")
    return "\n".join([
        f"sortie {k}: {r.tail} ({r.type}), {r.phase}", who, load,
        f"take-off {_when(s, r.takeoff)}, landing {_when(s, r.landing)}, {r.distance_km:.0f} km",
        "waits: " + (", ".join(waits) if waits else "none") + (f"; spots at {r.mog_at}" if r.mog_at else ""),
    ])


def _trip_folder(run: Run, paths: _Paths) -> ET.Element:
    """One placemark per road serial and train, shown from departure to arrival."""
    s = run.scenario
    title = f"Road and rail: {_count(len(run.trips), 'serial or train', 'serials and trains')}"
    folder = _folder("surface-trips", title,
                     "drawn on the great circle between the two places (the road or track is not modelled)")
    for t in run.trips:
        load = f"{t.troops} troops, vehicles {vehicles_text(t.vehicles) or 'none'}, cargo {t.cargo_kg / 1000:g} t"
        text = (f"{t.mode} {t.unit}: line {t.line}, leg {t.leg + 1} ({t.contingent})\n{load}\n"
                f"depart {_when(s, t.depart)}, arrive {_when(s, t.arrive)}, {t.km:.0f} km")
        pm = _placemark(folder, f"{t.unit}: {t.origin} → {t.destination}", text, t.mode,
                        (_when(s, t.depart), _when(s, t.arrive)))
        _track(pm, s, paths((t.origin, t.destination)), t.depart, t.arrive)
    return folder
