"""Great-circle distances, routes with refuelling stops, and airfield opening times."""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Sequence

EARTH_RADIUS_KM = 6371.0  # mean Earth radius (IUGG), as used in docs/background/csto-2022-sources.md


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def distance_matrix(coords: Sequence[tuple[float, float]]) -> list[list[float]]:
    """Great-circle km between every pair of (lat, lon) points, as a symmetric matrix."""
    n = len(coords)
    d = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1, n):
            d[i][j] = d[j][i] = great_circle_km(*coords[i], *coords[j])
    return d


def shortest_route(dist: list[list[float]], a: int, b: int, range_km: float) -> list[int] | None:
    """Fewest-kilometre route from a to b whose every leg is within range (Dijkstra over airfields).

    The rule for refuelling: a leg longer than the aircraft's range is flown via the scenario's
    airfields, choosing the stops that make the total distance shortest. None when no route exists.
    """
    if dist[a][b] <= range_km:
        return [a, b]
    n = len(dist)
    best = [math.inf] * n
    prev = [-1] * n
    best[a] = 0.0
    heap = [(0.0, a)]
    while heap:
        d, u = heapq.heappop(heap)
        if u == b:
            break
        if d > best[u]:
            continue
        for v in range(n):
            leg = dist[u][v]
            if v != u and leg <= range_km and d + leg < best[v]:
                best[v], prev[v] = d + leg, u
                heapq.heappush(heap, (d + leg, v))
    if best[b] == math.inf:
        return None
    route = [b]
    while route[-1] != a:
        route.append(prev[route[-1]])
    return route[::-1]


class OpeningTimes:
    """When an airfield accepts take-offs and landings, in hours since scenario start."""

    __slots__ = ("closures", "ends", "phase_h", "starts", "window")

    def __init__(self, window: tuple[float, float] | None, phase_h: float,
                 closures: Sequence[tuple[float, float]] = ()) -> None:
        # phase_h: local clock hour at scenario time 0
        self.window = window
        self.phase_h = phase_h
        self.closures = sorted(closures)
        # the closures merged where they overlap or meet: the airfield is closed on exactly these intervals,
        # so a time inside one opens at its end (what applying every closure in turn gives, in one lookup)
        self.starts: list[float] = []
        self.ends: list[float] = []
        for a, b in self.closures:
            if self.ends and a <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], b)
            else:
                self.starts.append(a)
                self.ends.append(b)

    def next_open(self, t: float) -> float:
        """Earliest time >= t when the airfield is open."""
        starts, ends = self.starts, self.ends
        for _ in range(10000):
            moved = False
            if self.window is not None:
                start, end = self.window
                local = (self.phase_h + t) % 24.0
                inside = start <= local < end if start < end else (local >= start or local < end)
                if not inside:
                    t += (start - local) % 24.0
                    moved = True
            if starts:
                i = bisect.bisect_right(starts, t) - 1
                if i >= 0 and t < ends[i]:
                    t, moved = ends[i], True
            if not moved:
                return t
        return math.inf

    def always_open(self) -> bool:
        """True when the airfield has neither a daily window nor closures."""
        return self.window is None and not self.closures


def joint_departure(t: float, dep: OpeningTimes, arr: OpeningTimes, airborne_h: float, limit_h: float) -> float:
    """Earliest take-off >= t such that the departure field is open at take-off and the arrival
    field is open at landing (take-off + airborne_h); inf if none before limit_h."""
    while t <= limit_h:
        t_off = dep.next_open(t)
        land = t_off + airborne_h
        land_ok = arr.next_open(land)
        if land_ok == land:
            return t_off
        if land_ok == math.inf:
            return math.inf
        t = land_ok - airborne_h
        if t <= t_off:  # cannot happen for a consistent schedule; guard against a stall
            t = t_off + 1.0 / 60.0
    return math.inf


def great_circle_path(lat1: float, lon1: float, lat2: float, lon2: float,
                      step_km: float = 100.0) -> list[tuple[float, float]]:
    """Points (lat, lon) along the great circle from point 1 to point 2, both ends included, at most
    `step_km` apart and evenly spaced (spherical interpolation of the two unit vectors).

    For drawing an air route as an arc on a map. Longitudes are in [-180, 180]; the path takes the
    shorter way round, across the antimeridian if that is shorter. Two points that coincide or are
    antipodal (no single great circle) give just the two ends."""
    d = great_circle_km(lat1, lon1, lat2, lon2)
    omega = d / EARTH_RADIUS_KM
    if math.sin(omega) < 1e-9:
        return [(lat1, lon1), (lat2, lon2)]
    p, q = _unit_vector(lat1, lon1), _unit_vector(lat2, lon2)
    n = max(1, math.ceil(d / step_km))
    points = [(lat1, lon1)]
    for i in range(1, n):
        f = i / n
        a, b = math.sin((1 - f) * omega) / math.sin(omega), math.sin(f * omega) / math.sin(omega)
        x, y, z = (a * u + b * v for u, v in zip(p, q, strict=True))
        points.append((math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))))
    points.append((lat2, lon2))
    return points


def _unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """The point's direction from the Earth's centre (x towards 0°E on the equator, z to the North Pole)."""
    phi, lam = math.radians(lat), math.radians(lon)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)
