"""The interactive map of report.html: its frame, country outlines and label places, from sim.basemap.

The page draws the map in the projection of the static network chart (sim.basemap's azimuthal
equidistant, centred on the scenario's places); this module picks the frame in km, keeps only the
outlines that reach into it (points far outside drawn in to a box around it, so that each country
stays one closed shape), and places the places' labels where they overlap no other label and no
ground badge. `map_layout` returns None when the base map cannot be read: the page then draws the
map without borders.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from sim import basemap
from sim.basemap import AzimuthalEquidistant, Box, LabelRequest, LonLatBox
from sim.scenario import Scenario

WIDTH_PX = 900  # the map's width in the page's SVG units (it scales with the page)
MIN_H_PX, MAX_H_PX = 380, 600
MIN_SPAN_KM = 900.0
CHAR_PX, LABEL_H_PX = 6.3, 13.0  # an 11 px label: mean character width and line height, about
MARGIN_DEG = 3.0  # outline points farther than this outside the view are drawn in to it


def _nodes(s: Scenario) -> list[tuple[str, float, float]]:
    return [(n.id, n.lon, n.lat) for n in [*s.airfields, *s.places]]


def _frame(s: Scenario, pairs: set[tuple[str, str]]) -> tuple[AzimuthalEquidistant, list[float]]:
    """The projection centred on the places, and the km frame [x0, x1, y0, y1] around them and their
    routes: a twelfth of the span each side (at least 150 km), shaped 900 px wide by 380 to 600 px."""
    nodes = {k: (lon, lat) for k, lon, lat in _nodes(s)}
    proj = AzimuthalEquidistant.centred_on([p[0] for p in nodes.values()], [p[1] for p in nodes.values()])
    lons, lats = [np.array([p[0] for p in nodes.values()])], [np.array([p[1] for p in nodes.values()])]
    for a, b in pairs:
        if nodes[a] != nodes[b]:
            lon, lat = basemap.great_circle(*nodes[a], *nodes[b], 32)
            lons.append(lon)
            lats.append(lat)
    x, y = proj.forward(np.concatenate(lons), np.concatenate(lats))
    cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    half_w, half_h = max(x.max() - x.min(), MIN_SPAN_KM) / 2, max(y.max() - y.min(), MIN_SPAN_KM / 2) / 2
    pad = max(2 * max(half_w, half_h) / 12, 150.0)
    half_w, half_h = half_w + pad, half_h + pad
    ratio = WIDTH_PX * half_h / half_w  # the height in px at the frame's shape
    if ratio > MAX_H_PX:
        half_w = half_h * WIDTH_PX / MAX_H_PX
    elif ratio < MIN_H_PX:
        half_h = half_w * MIN_H_PX / WIDTH_PX
    return proj, [float(cx - half_w), float(cx + half_w), float(cy - half_h), float(cy + half_h)]


def _ring(ring: np.ndarray, box: LonLatBox) -> list[float] | None:
    """A ring as flat [lon, lat, ...] to 0.01 degree, drawn in to the box grown by MARGIN_DEG (None when
    nothing of it is left)."""
    lon, lat = ring[:, 0], ring[:, 1]
    if box.west <= box.east:  # a box across the 180th meridian keeps its longitudes as they are
        lon = np.clip(lon, box.west - MARGIN_DEG, box.east + MARGIN_DEG)
    lat = np.clip(lat, box.south - MARGIN_DEG, box.north + MARGIN_DEG)
    pts = np.round(np.column_stack([lon, lat]), 2)
    keep = np.ones(len(pts), dtype=bool)
    keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
    pts = pts[keep]
    if len(pts) < 3 or np.ptp(pts[:, 0]) == 0 or np.ptp(pts[:, 1]) == 0:
        return None
    return [float(v) for v in pts.ravel()]


def _countries(proj: AzimuthalEquidistant, box: LonLatBox) -> list[dict[str, Any]]:
    """The outlines in the view: per country its rings (outer and holes; the page fills them even-odd)."""
    anti = (proj.lon0 + 180.0 if proj.lon0 <= 0 else proj.lon0 - 180.0, -proj.lat0)
    out = []
    for c in basemap.countries_in(box):
        rings = [r for ring in c.rings() if len(ring) >= 3 and not basemap.ring_contains(ring, *anti)
                 if (r := _ring(ring, box)) is not None]
        if rings:
            out.append({"name": c.name, "rings": rings})
    return out


def _labels(proj: AzimuthalEquidistant, frame: list[float], s: Scenario, height: float) -> dict[str, list[float]]:
    """Each place's label as [x, baseline y, displaced (0 or 1), leader end x, y] in the SVG's px (y down):
    none overlaps another or a place's dot with its disc of tails on the ground."""
    x0, x1, y0, _y1 = frame
    k = WIDTH_PX / (x1 - x0)
    nodes = _nodes(s)
    x, y = proj.forward(np.array([n[1] for n in nodes]), np.array([n[2] for n in nodes]))
    px, py = (x - x0) * k, (y - y0) * k  # y up, as the placer wants it
    discs = [Box.around(float(a), float(b), 9.0) for a, b in zip(px, py)]  # the dot and its disc of tails
    requests = [LabelRequest(float(a), float(b), CHAR_PX * len(n[0]) + 4, LABEL_H_PX) for n, a, b in zip(nodes, px, py)]
    placed = basemap.place_labels(requests, Box(2, 2, WIDTH_PX - 2, height - 2), discs, gap=12.0)
    out = {}
    for n, r, p in zip(nodes, requests, placed):
        if p is not None:
            lx, ly = p.box.nearest(r.x, r.y)
            out[n[0]] = [round(p.box.x0 + 2, 1), round(height - p.box.y0 - 3.5, 1), int(p.displaced), round(lx, 1),
                         round(height - ly, 1)]
    return out


def map_layout(s: Scenario, pairs: set[tuple[str, str]]) -> dict[str, Any] | None:
    """The map's projection, frame, size, outlines and labels for the page; `pairs`: the (from, to) of
    every route drawn. None when the base map cannot be read (the page then draws no borders)."""
    try:
        proj, frame = _frame(s, pairs)
        height = round(WIDTH_PX * (frame[3] - frame[2]) / (frame[1] - frame[0]))
        box = proj.lonlat_box(frame[0], frame[1], frame[2], frame[3])
        countries = _countries(proj, box)
    except (OSError, ValueError, KeyError):  # a damaged or missing outline file: the page draws no borders
        return None
    return {
        "lon0": round(proj.lon0, 4), "lat0": round(proj.lat0, 4), "radius_km": proj.radius_km, "frame": frame,
        "width": WIDTH_PX, "height": height, "box": [box.west, box.south, box.east, box.north],
        "countries": countries, "labels": _labels(proj, frame, s, height),
        "source": "Natural Earth 1:50m country outlines (public domain)",
    }


def route_pairs(stops: list[list[str]]) -> set[tuple[str, str]]:
    """The (from, to) of every hop of the given routes (each a list of place ids)."""
    return {(a, b) for path in stops for a, b in itertools.pairwise(path)}

