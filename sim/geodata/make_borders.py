"""Regenerate sim/geodata/borders.json from a Natural Earth Admin 0 countries GeoJSON file.

Run from the repository root, with the Natural Earth file unpacked somewhere:

    python sim/geodata/make_borders.py ne_50m_admin_0_countries_lakes.json

It writes sim/geodata/borders.json (see sim/geodata/README.md for the source, licence and the
simplification). Not imported by the package: a tool kept so that the data file can be rebuilt.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sim import basemap

SCALE = 100  # stored units per degree: coordinates quantised to 0.01 degree (about 1.1 km of latitude)
TOLERANCE_DEG = 0.02  # Douglas-Peucker tolerance, degrees (about 2 km): under half a pixel on a 4,000 km wide chart
OUT = Path(__file__).with_name("borders.json")
SOURCE = ("Natural Earth 1:50m Cultural Vectors, Admin 0 - Countries (lakes cut out), version 4.0.0 (2017), "
          "naturalearthdata.com; GeoJSON conversion of github.com/martynafford/natural-earth-geojson at commit "
          "0b9a6ceb0a7032713abd9460ac1e995a9c60cd1e (the file last changed in "
          "90266457d82d3717e47313e72a921e31a087d2c4), "
          "file 50m/cultural/ne_50m_admin_0_countries_lakes.7z")
LICENCE = "public domain (Natural Earth terms of use: no permission needed, no attribution required)"


def simplify_ring(ring: list[list[float]], tolerance: float) -> np.ndarray:
    """A closed ring simplified (sim.basemap.simplify_ring: Douglas-Peucker on the two halves between
    its first point and the point farthest from it) and quantised to integer units, the first point
    not repeated at the end. A ring that simplifies to fewer than three points (a small island)
    keeps its extreme points instead, so that nothing on the source map disappears.
    """
    pts = np.asarray(ring, dtype=float)
    if len(pts) > 1 and np.array_equal(pts[0], pts[-1]):
        pts = pts[:-1]
    q = _dedupe(np.round(basemap.simplify_ring(pts, tolerance) * SCALE).astype(np.int64))
    if len(q) < 3:
        extremes = [int(np.argmin(pts[:, 0])), int(np.argmax(pts[:, 1])), int(np.argmax(pts[:, 0])),
                    int(np.argmin(pts[:, 1]))]
        q = _dedupe(np.round(pts[sorted(set(extremes))] * SCALE).astype(np.int64))
    return q


def _dedupe(q: np.ndarray) -> np.ndarray:
    """Consecutive repeated points dropped (also the last one when it repeats the first)."""
    if len(q) < 2:
        return q
    step = np.any(np.diff(q, axis=0) != 0, axis=1)
    q = q[np.concatenate([[True], step])]
    if len(q) > 1 and np.array_equal(q[0], q[-1]):
        q = q[:-1]
    return q


def signed_area(q: np.ndarray) -> float:
    """Shoelace area of a ring (positive when counter-clockwise)."""
    x, y = q[:, 0].astype(float), q[:, 1].astype(float)
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def encode_ring(q: np.ndarray, outer: bool) -> list[int]:
    """A ring as a flat list: first point, then the differences to each next point; an outer ring
    counter-clockwise and a hole clockwise, as GeoJSON (RFC 7946) orders them."""
    if (signed_area(q) > 0) != outer:
        q = q[::-1]
    deltas = np.vstack([q[:1], np.diff(q, axis=0)])
    return [int(v) for v in deltas.ravel()]


def country(feature: dict[str, Any], tolerance: float) -> dict[str, Any]:
    """One country: its short name, its ISO-like code and its polygons (outer ring first, then holes)."""
    props, geom = feature["properties"], feature["geometry"]
    polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
    out = []
    for poly in polys:
        rings = [simplify_ring(r, tolerance) for r in poly]
        encoded = [encode_ring(q, i == 0) for i, q in enumerate(rings) if i == 0 or len(q) >= 3]
        out.append(encoded)
    return {"name": props["NAME"], "a3": props["ADM0_A3"], "polygons": out}


def main(argv: list[str] | None = None) -> int:
    """Read the Natural Earth file named on the command line and write borders.json."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("geojson", type=Path, help="Natural Earth Admin 0 countries, GeoJSON")
    parser.add_argument("--tolerance", type=float, default=TOLERANCE_DEG, help="Douglas-Peucker tolerance, degrees")
    parser.add_argument("-o", "--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    features = json.loads(args.geojson.read_text(encoding="utf-8"))["features"]
    countries = sorted((country(f, args.tolerance) for f in features), key=lambda c: (c["name"], c["a3"]))
    doc = {"source": SOURCE, "licence": LICENCE,
           "simplification": f"Douglas-Peucker at {args.tolerance:g} degree per ring, then quantised to "
                             f"1/{SCALE} degree; rings stored as a first point and differences, in 1/{SCALE} degree",
           "scale": SCALE, "countries": countries}
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    points = sum(len(r) // 2 for c in countries for p in c["polygons"] for r in p)
    print(f"{args.out}: {len(countries)} countries, {points} points, {len(text.encode()) / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
