"""An offline base map: country outlines, a map projection, great-circle arcs and a label placer.

Pure Python and numpy (no matplotlib), so that the static network chart (sim/mapchart.py) and an
interactive map can share it.

- `load_borders()`: the world's countries from Natural Earth 1:50m (public domain), simplified and
  shipped in sim/geodata/borders.json (sim/geodata/README.md says how it was made); read once.
- `countries_in(box)`: the countries whose outline reaches into a longitude/latitude box.
- `AzimuthalEquidistant`: the projection of the network chart (why this one: see its docstring).
- `great_circle(...)`: points along the shortest path between two places on the sphere.
- `place_labels(...)`: label boxes in display units that never overlap each other or obstacles.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from sim.geo import EARTH_RADIUS_KM

BORDERS_FILE = "geodata/borders.json"  # inside the sim package

# ------------------------------------------------------------------ countries


@dataclass(frozen=True)
class LonLatBox:
    """A longitude/latitude box in degrees; west > east when it crosses the 180th meridian."""

    west: float
    south: float
    east: float
    north: float

    def lon_ranges(self) -> list[tuple[float, float]]:
        """The box's longitudes as one or two increasing ranges within [-180, 180]."""
        if self.west <= self.east:
            return [(self.west, self.east)]
        return [(self.west, 180.0), (-180.0, self.east)]

    def intersects(self, other: LonLatBox) -> bool:
        """True when the two boxes share any point."""
        if self.south > other.north or other.south > self.north:
            return False
        return any(a0 <= b1 and b0 <= a1 for a0, a1 in self.lon_ranges() for b0, b1 in other.lon_ranges())


@dataclass(frozen=True)
class Country:
    """A country's outline: polygons, each an outer ring then its holes (lakes, enclaves).

    Every ring is an (n, 2) array of longitude, latitude in degrees, not closed (the last point
    does not repeat the first); outer rings run counter-clockwise, holes clockwise.
    """

    name: str
    a3: str  # Natural Earth's ADM0_A3 code, ISO 3166-1 alpha-3 where one exists
    polygons: tuple[tuple[np.ndarray, ...], ...]
    box: LonLatBox = field(compare=False)

    def rings(self) -> list[np.ndarray]:
        """Every ring of every polygon, outer rings and holes alike."""
        return [r for poly in self.polygons for r in poly]

    def contains(self, lon: float, lat: float) -> bool:
        """True when the point is inside one of the outer rings and in none of its holes."""
        return any(ring_contains(poly[0], lon, lat) and not any(ring_contains(h, lon, lat) for h in poly[1:])
                   for poly in self.polygons)


def ring_contains(ring: np.ndarray, x: float, y: float) -> bool:
    """Point in polygon by ray casting (crossings of a ray towards +x), in the ring's own plane."""
    x0, y0 = ring[:, 0], ring[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    straddles = (y0 > y) != (y1 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        cross_x = x0 + (y - y0) * (x1 - x0) / (y1 - y0)
    return bool(np.count_nonzero(straddles & (x < cross_x)) % 2)


def _decode_ring(flat: list[int], scale: float) -> np.ndarray:
    """A stored ring (first point, then differences, in 1/scale degree) as an (n, 2) array of degrees."""
    return np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) / scale


def _country(entry: dict, scale: float) -> Country:
    """One stored country decoded, with its bounding box."""
    polygons = tuple(tuple(_decode_ring(r, scale) for r in poly) for poly in entry["polygons"])
    outer = np.vstack([poly[0] for poly in polygons])
    lo, hi = outer.min(axis=0), outer.max(axis=0)
    return Country(entry["name"], entry["a3"], polygons, LonLatBox(float(lo[0]), float(lo[1]), float(hi[0]),
                                                                   float(hi[1])))


@functools.cache
def load_borders() -> tuple[Country, ...]:
    """Every country of the shipped Natural Earth outlines, read from the package once and kept."""
    doc = json.loads(resources.files("sim").joinpath(BORDERS_FILE).read_text(encoding="utf-8"))
    return tuple(_country(c, float(doc["scale"])) for c in doc["countries"])


def countries_in(box: LonLatBox) -> list[Country]:
    """The countries whose bounding box meets `box` (a quick test: some may only come near it)."""
    return [c for c in load_borders() if c.box.intersects(box)]


def country_at(lon: float, lat: float) -> Country | None:
    """The country whose outline holds the point, or None at sea (at this map's 1:50m detail)."""
    point = LonLatBox(lon, lat, lon, lat)
    return next((c for c in countries_in(point) if c.contains(lon, lat)), None)


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the points of an open polyline (n, 2) that Douglas-Peucker keeps at `tolerance`
    (in the points' units): both ends, and every point farther than it from the simplified line."""
    keep = np.zeros(len(points), dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        inner = points[first + 1:last]
        ab = b - a
        norm = float(np.hypot(*ab))
        if norm == 0.0:
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(ab[0] * (inner[:, 1] - a[1]) - ab[1] * (inner[:, 0] - a[0])) / norm
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            mid = first + 1 + i
            keep[mid] = True
            stack += [(first, mid), (mid, last)]
    return np.flatnonzero(keep)


def simplify_ring(ring: np.ndarray, tolerance: float) -> np.ndarray:
    """A closed ring (n, 2), not repeating its first point, simplified by Douglas-Peucker: cut at its
    first point and the point farthest from it, each half simplified keeping both its ends."""
    if len(ring) < 4:
        return ring
    far = int(np.argmax(np.hypot(*(ring - ring[0]).T)))
    if far == 0:
        return ring[:1]
    halves = (ring[:far + 1], np.vstack([ring[far:], ring[:1]]))
    return np.vstack([h[douglas_peucker(h, tolerance)][:-1] for h in halves])


def _clip_half(p: np.ndarray, axis: int, value: float, keep_above: bool) -> np.ndarray:
    """A closed ring clipped to one half-plane (coordinate `axis` >= value, or <= value), vectorised
    Sutherland-Hodgman: each edge gives its end if both ends are kept, the crossing if it leaves,
    the crossing and its end if it enters, nothing if it stays out."""
    if not len(p):
        return p
    d = (p[:, axis] - value) * (1.0 if keep_above else -1.0)
    q, dq = np.roll(p, -1, axis=0), np.roll(d, -1)
    inside, inside_q = d >= 0, dq >= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(inside != inside_q, d / (d - dq), 0.0)
    cross = p + t[:, None] * (q - p)
    first = np.where((inside & inside_q)[:, None], q, cross)
    keep = np.stack([inside | inside_q, ~inside & inside_q], axis=1)
    return np.stack([first, q], axis=1)[keep]


def clip_ring(ring: np.ndarray, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    """A closed ring (n, 2), not repeating its first point, clipped to the rectangle x0..x1, y0..y1
    (Sutherland-Hodgman). Its fill inside the rectangle is unchanged; where it was cut, its new
    edges run along the rectangle. Fewer than three points when nothing of it is inside."""
    for axis, value, above in ((0, x0, True), (0, x1, False), (1, y0, True), (1, y1, False)):
        ring = _clip_half(ring, axis, value, above)
    return ring


# ------------------------------------------------------------------ projection and great circles


def _unit_vectors(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points on the unit sphere, (n, 3), from degrees."""
    lam, phi = np.radians(lon), np.radians(lat)
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def _lonlat(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Degrees of longitude and latitude of vectors (n, 3) (not necessarily of unit length)."""
    lon = np.degrees(np.arctan2(v[..., 1], v[..., 0]))
    lat = np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))
    return lon, lat


def great_circle(lon1: float, lat1: float, lon2: float, lat2: float, n: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """`n` points (n >= 2) evenly spaced along the shorter great-circle arc from point 1 to point 2,
    both ends included, as arrays of longitude and latitude in degrees (spherical interpolation).

    ValueError for antipodal points, between which every great circle is equally short.
    """
    a, b = _unit_vectors(np.array([lon1, lon2]), np.array([lat1, lat2]))
    omega = math.acos(max(-1.0, min(1.0, float(np.dot(a, b)))))
    if math.pi - omega < 1e-9:
        raise ValueError("antipodal points: the great circle between them is not unique")
    t = np.linspace(0.0, 1.0, max(2, n))[:, None]
    if omega < 1e-12:
        v = np.repeat(a[None, :], len(t), axis=0)
    else:
        v = (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / math.sin(omega)
    return _lonlat(v)


@dataclass(frozen=True)
class AzimuthalEquidistant:
    """The spherical azimuthal equidistant projection (Snyder 1987, USGS Professional Paper 1395,
    pp. 191-202), centred on (lon0, lat0); x east and y north in km.

    Why this projection for an airlift network: distances and directions from the centre are true,
    so a chart centred on the network shows every leg at close to its flown length; great circles
    through the centre are straight lines and the others curve gently, as the routes are flown; it
    works anywhere on the globe, across the equator, the poles and the 180th meridian, which a conic
    (needs standard parallels on one side of the equator) or an equirectangular map (stretches
    east-west away from its central latitude; breaks at the 180th meridian) would not. Away from the
    centre the east-west scale grows as c / sin(c) with c the angle from the centre: +1% at 14
    degrees (about 1,500 km), +11% at 45 degrees, so the scale bar is true near the centre.
    """

    lon0: float
    lat0: float
    radius_km: float = EARTH_RADIUS_KM

    @classmethod
    def centred_on(cls, lons: Sequence[float], lats: Sequence[float]) -> AzimuthalEquidistant:
        """Centred on the spherical mean of the points (their mean unit vector, normalised)."""
        v = _unit_vectors(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)).sum(axis=0)
        if float(np.linalg.norm(v)) < 1e-9:  # points spread evenly around the globe: any centre will do
            v = _unit_vectors(np.asarray(lons[:1], dtype=float), np.asarray(lats[:1], dtype=float))[0]
        lon, lat = _lonlat(v)
        return cls(float(lon), float(lat))

    def angle(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Angular distance of each point from the centre, radians."""
        phi0, phi, dlam = math.radians(self.lat0), np.radians(lat), np.radians(np.asarray(lon) - self.lon0)
        cos_c = math.sin(phi0) * np.sin(phi) + math.cos(phi0) * np.cos(phi) * np.cos(dlam)
        return np.arccos(np.clip(cos_c, -1.0, 1.0))

    def forward(self, lon: np.ndarray, lat: np.ndarray, max_angle_deg: float = 180.0) -> tuple[np.ndarray, np.ndarray]:
        """x, y in km of longitudes and latitudes in degrees; points farther than `max_angle_deg`
        from the centre are drawn in to that distance, along their own bearing."""
        phi0, phi, dlam = math.radians(self.lat0), np.radians(lat), np.radians(np.asarray(lon) - self.lon0)
        c = self.angle(lon, lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(c < 1e-12, 1.0, c / np.sin(c))
        x = k * np.cos(phi) * np.sin(dlam)
        y = k * (math.cos(phi0) * np.sin(phi) - math.sin(phi0) * np.cos(phi) * np.cos(dlam))
        limit = math.radians(max_angle_deg)
        if limit < math.pi:
            rho = np.hypot(x, y)
            with np.errstate(divide="ignore", invalid="ignore"):
                shrink = np.where(rho > limit, limit / rho, 1.0)
            x, y = x * shrink, y * shrink
        return self.radius_km * x, self.radius_km * y

    def inverse(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes in degrees of x, y in km (longitudes in [-180, 180))."""
        x, y = np.asarray(x, dtype=float) / self.radius_km, np.asarray(y, dtype=float) / self.radius_km
        phi0 = math.radians(self.lat0)
        c = np.hypot(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(c < 1e-12, 0.0, y * np.sin(c) / c)
        phi = np.arcsin(np.clip(np.cos(c) * math.sin(phi0) + ratio * math.cos(phi0), -1.0, 1.0))
        lam = np.arctan2(x * np.sin(c), c * math.cos(phi0) * np.cos(c) - y * math.sin(phi0) * np.sin(c))
        lon = (self.lon0 + np.degrees(lam) + 180.0) % 360.0 - 180.0
        return lon, np.degrees(phi)

    def lonlat_box(self, x0: float, x1: float, y0: float, y1: float, samples: int = 50) -> LonLatBox:
        """The longitude/latitude box around a projected rectangle (its edges sampled, poles checked)."""
        t = np.linspace(0.0, 1.0, samples)
        xs = np.concatenate([x0 + (x1 - x0) * t, np.full(samples, x1), x1 - (x1 - x0) * t, np.full(samples, x0)])
        ys = np.concatenate([np.full(samples, y0), y0 + (y1 - y0) * t, np.full(samples, y1), y1 - (y1 - y0) * t])
        lon, lat = self.inverse(xs, ys)
        south, north = float(lat.min()), float(lat.max())
        for pole in (90.0, -90.0):
            px, py = self.forward(np.array([0.0]), np.array([pole]))
            if x0 <= px[0] <= x1 and y0 <= py[0] <= y1:
                return LonLatBox(-180.0, min(south, pole), 180.0, max(north, pole))
        west, east = _lon_span(lon)
        return LonLatBox(west, south, east, north)


def _lon_span(lon: np.ndarray) -> tuple[float, float]:
    """The shortest range of longitudes (west, east) that covers all of them, across 180 if shorter."""
    s = np.sort(lon)
    gaps = np.diff(np.concatenate([s, [s[0] + 360.0]]))
    i = int(np.argmax(gaps))
    if i == len(s) - 1:
        return float(s[0]), float(s[-1])
    return float(s[i + 1]), float(s[i])


# ------------------------------------------------------------------ labels


@dataclass(frozen=True)
class Box:
    """A rectangle in display units (x to the right, y up): left, bottom, right, top."""

    x0: float
    y0: float
    x1: float
    y1: float

    @classmethod
    def around(cls, x: float, y: float, half_w: float, half_h: float | None = None) -> Box:
        """A box centred on a point."""
        hh = half_w if half_h is None else half_h
        return cls(x - half_w, y - hh, x + half_w, y + hh)

    def overlaps(self, other: Box, pad: float = 0.0) -> bool:
        """True when the boxes, each grown by `pad`, share interior."""
        return (self.x0 - pad < other.x1 + pad and other.x0 - pad < self.x1 + pad
                and self.y0 - pad < other.y1 + pad and other.y0 - pad < self.y1 + pad)

    def inside(self, other: Box) -> bool:
        """True when this box lies within `other`."""
        return other.x0 <= self.x0 and self.x1 <= other.x1 and other.y0 <= self.y0 and self.y1 <= other.y1

    def nearest(self, x: float, y: float) -> tuple[float, float]:
        """The point of the box nearest to (x, y): where a leader line from (x, y) meets it."""
        return min(max(x, self.x0), self.x1), min(max(y, self.y0), self.y1)


@dataclass(frozen=True)
class LabelRequest:
    """A label to place: its anchor point and the size of its text, in display units.

    `centred`: first try the box centred on the anchor (a number on a line), else beside it.
    """

    x: float
    y: float
    width: float
    height: float
    centred: bool = False


@dataclass(frozen=True)
class Placement:
    """Where a label went; `displaced` when it sits away from its anchor and needs a leader line."""

    box: Box
    displaced: bool


class _Board:
    """What the placer has to keep clear of: placed labels, obstacles, and points to avoid covering."""

    def __init__(self, bounds: Box, taken: Sequence[Box], avoid: np.ndarray, pad: float) -> None:
        self.bounds = bounds
        self.taken = np.array([(b.x0, b.y0, b.x1, b.y1) for b in taken], dtype=float).reshape(-1, 4)
        self.avoid = avoid  # (n, 2) points (of lines) that a label had better not cover
        self.pad = pad

    def take(self, box: Box) -> None:
        """Mark a box as taken by a placed label."""
        self.taken = np.vstack([self.taken, [(box.x0, box.y0, box.x1, box.y1)]])

    def free(self, box: Box) -> bool:
        """Inside the bounds and clear of every placed label and obstacle (each grown by the pad)."""
        if not box.inside(self.bounds):
            return False
        t, p2 = self.taken, 2 * self.pad
        hit = (box.x0 < t[:, 2] + p2) & (t[:, 0] < box.x1 + p2) & (box.y0 < t[:, 3] + p2) & (t[:, 1] < box.y1 + p2)
        return not bool(hit.any())

    def covered(self, box: Box) -> int:
        """How many of the points to avoid the box covers."""
        a = self.avoid
        if not len(a):
            return 0
        return int(np.count_nonzero((a[:, 0] > box.x0) & (a[:, 0] < box.x1) & (a[:, 1] > box.y0) & (a[:, 1] < box.y1)))


# the eight directions tried first, in order of preference: right, left, up-right, up-left, down-right, ...
_FIRST = ((1, 0), (-1, 0), (1, 1), (-1, 1), (1, -1), (-1, -1), (0, 1), (0, -1))
_RING_STEPS = 12  # rings of candidates beyond the first, each `step` farther out
_COVER_COST = 0.35  # one covered line point costs about a third of a ring's distance


def _candidate(r: LabelRequest, ux: float, uy: float, dist: float) -> Box:
    """The label's box in direction (ux, uy) from its anchor, its nearest edge or corner `dist` away."""
    w, h = r.width, r.height
    left = r.x + dist * ux if ux > 0.3 else (r.x + dist * ux - w if ux < -0.3 else r.x - w / 2)
    bottom = r.y + dist * uy if uy > 0.3 else (r.y + dist * uy - h if uy < -0.3 else r.y - h / 2)
    return Box(left, bottom, left + w, bottom + h)


def _candidates(r: LabelRequest, gap: float, step: float) -> list[tuple[float, Box]]:
    """Every candidate box of a label with the cost of its distance and direction, nearest first."""
    out: list[tuple[float, Box]] = []
    if r.centred:
        out.append((0.0, Box.around(r.x, r.y, r.width / 2, r.height / 2)))
    for i, (ux, uy) in enumerate(_FIRST):
        norm = math.hypot(ux, uy)
        out.append((0.5 * bool(r.centred) + 0.02 * i, _candidate(r, ux / norm, uy / norm, gap)))
    angles = np.radians(np.arange(0.0, 360.0, 22.5))
    for k in range(1, _RING_STEPS + 1):
        for j, a in enumerate(angles):
            out.append((1.0 + k + 0.01 * j, _candidate(r, math.cos(a), math.sin(a), gap + k * step)))
    return out


def _grid_fallback(r: LabelRequest, board: _Board) -> Box | None:
    """The free box nearest the anchor on a grid over the whole bounds, if any."""
    b, step = board.bounds, max(1.0, r.height / 2)
    gx, gy = np.meshgrid(np.arange(b.x0, b.x1 - r.width + 1e-9, step), np.arange(b.y0, b.y1 - r.height + 1e-9, step))
    x0, y0 = gx.ravel()[:, None], gy.ravel()[:, None]
    t, p2 = board.taken, 2 * board.pad
    hit = ((x0 < t[:, 2] + p2) & (t[:, 0] < x0 + r.width + p2)
           & (y0 < t[:, 3] + p2) & (t[:, 1] < y0 + r.height + p2)).any(axis=1)
    free = np.flatnonzero(~hit)
    if not len(free):
        return None
    d2 = (x0[free, 0] + r.width / 2 - r.x) ** 2 + (y0[free, 0] + r.height / 2 - r.y) ** 2
    i = free[int(np.argmin(d2))]
    return Box(float(x0[i, 0]), float(y0[i, 0]), float(x0[i, 0]) + r.width, float(y0[i, 0]) + r.height)


def _place_one(r: LabelRequest, board: _Board, gap: float) -> Placement | None:
    """The cheapest free candidate of one label (distance plus covered line points), or the nearest
    free spot anywhere, or None when the bounds have no room left."""
    best: tuple[float, Box] | None = None
    for cost, box in _candidates(r, gap, max(r.height, 6.0)):
        if best is not None and cost >= best[0]:
            break  # candidates come cheapest first: none further on can beat the best
        if board.free(box):
            total = cost + _COVER_COST * board.covered(box)
            if best is None or total < best[0]:
                best = (total, box)
    if best is not None:
        box = best[1]
    else:
        fallback = _grid_fallback(r, board)
        if fallback is None:
            return None
        box = fallback
    near_x, near_y = box.nearest(r.x, r.y)
    return Placement(box, math.hypot(near_x - r.x, near_y - r.y) > gap + 1.0)


def place_labels(requests: Sequence[LabelRequest], bounds: Box, obstacles: Sequence[Box] = (),
                 avoid: np.ndarray | None = None, gap: float = 4.0, pad: float = 1.5) -> list[Placement | None]:
    """Boxes for the labels, placed greedily in the order given (put the most important first).

    Guarantees: every box returned lies inside `bounds`, and no two boxes, and no box and obstacle,
    come closer than 2 * `pad`. Each label tries the box centred on its anchor (when asked), then
    eight boxes `gap` from it, then rings of sixteen farther out, taking the cheapest free one: the
    nearer the better, and each of the `avoid` points (samples of lines) it covers costs extra.
    When none is free it takes the free spot nearest its anchor on a grid over the bounds, and
    when the bounds are full, None: the label is left out rather than overlapping another.
    All in display units (pixels); text sizes come from the renderer, so this needs no matplotlib.
    """
    board = _Board(bounds, list(obstacles), np.empty((0, 2)) if avoid is None else np.asarray(avoid, float), pad)
    out: list[Placement | None] = []
    for r in requests:
        placed = _place_one(r, board, gap)
        if placed is not None:
            board.take(placed.box)
        out.append(placed)
    return out
