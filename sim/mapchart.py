"""The network chart's map, drawn with matplotlib on the offline base map of sim.basemap.

sim.charts.network_figure gathers the run's airfields, routes and surface moves into a NetworkMap,
makes the figure the size `MapFrame.figsize` asks for, and calls `draw_network`. The drawing runs
in two passes: first the axes, ticks, title and legend, then one layout pass (constrained layout)
that fixes the axes in the figure, after which the layout is frozen; then everything placed in
display units: routes offset into lanes, arrowheads, the scale bar and labels placed by
sim.basemap.place_labels with their real text extents, so that no two labels overlap.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.path import Path as MplPath
from matplotlib.text import Text

from sim import basemap
from sim.basemap import AzimuthalEquidistant, Box, LabelRequest

LAND, SEA, BORDER, GRATICULE = "#e6e6e3", "#d9e6f0", "#9b9b9b", "#c3ccd4"
INK, MUTED = "#222222", "#9a9a9a"
FIG_WIDTH_IN = 11.0
LABEL_CHAR_PX = 6.2  # mean width of a character of an 8-point label at 100 dpi, about (for framing only)
MIN_SPAN_KM = 900.0  # the smallest area shown: a compact network still gets some context around it
FAR_LIMIT_DEG = 170.0  # outlines farther than this from the centre are drawn in to it (never in view)
# a white backing that keeps a label readable over lines and borders; a box rather than a halo (a path
# effect), which would turn the text into outlines in SVG; its pad (1.2 pt) stays within the placer's 2 px
BACKING = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8}
LABEL_PAD_PX = 2.0


@dataclass(frozen=True)
class MapNode:
    """An airfield or place on the map, with its label; `used` when some route or move touched it."""

    id: str
    label: str
    lon: float
    lat: float
    airfield: bool
    used: bool


@dataclass(frozen=True)
class MapRoute:
    """Loaded sorties of one phase along one path of airfields (origin, refuelling stops, destination)."""

    phase: str
    path: tuple[str, ...]
    sorties: int


@dataclass(frozen=True)
class NetworkMap:
    """What the network chart shows: nodes, air routes and surface moves (mode, origin, destination)."""

    title: str
    nodes: tuple[MapNode, ...]
    routes: tuple[MapRoute, ...]
    moves: tuple[tuple[str, str, str], ...]
    phase_colours: dict[str, str]
    surface_styles: dict[str, tuple[str, str]]  # mode -> (colour, line style)

    def node(self, node_id: str) -> MapNode:
        """The node of an id."""
        return next(n for n in self.nodes if n.id == node_id)

    def framed(self) -> list[MapNode]:
        """The nodes the map must show: every airfield and each place a move used."""
        return [n for n in self.nodes if n.airfield or n.used]

    def arc(self, a: str, b: str, n: int = 96) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes along the great circle between two nodes."""
        p, q = self.node(a), self.node(b)
        if (p.lon, p.lat) == (q.lon, q.lat):
            return np.array([p.lon, q.lon]), np.array([p.lat, q.lat])
        return basemap.great_circle(p.lon, p.lat, q.lon, q.lat, n)

    def path_arc(self, path: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes along a path of nodes, leg by leg."""
        legs = [self.arc(a, b) for a, b in itertools.pairwise(path)]
        return np.concatenate([lon for lon, _ in legs]), np.concatenate([lat for _, lat in legs])


@dataclass(frozen=True)
class MapFrame:
    """The projection and the projected area (km) the map must show."""

    projection: AzimuthalEquidistant
    x0: float
    x1: float
    y0: float
    y1: float

    def figsize(self) -> tuple[float, float]:
        """A figure as wide as the other charts and about as tall as the area needs (title, ticks and
        legend included); 4.5 to 9 inches."""
        axes_w = FIG_WIDTH_IN - 0.9
        return FIG_WIDTH_IN, min(9.0, max(4.5, axes_w * (self.y1 - self.y0) / (self.x1 - self.x0) + 1.6))


def frame_for(net: NetworkMap) -> MapFrame:
    """The projection centred on the framed nodes, and the area around them and their routes: a
    margin of a twelfth of the span (at least 150 km) each side, and on the east, where labels go
    first, room for the labels of the nodes near that edge."""
    framed = net.framed()
    proj = AzimuthalEquidistant.centred_on([n.lon for n in framed], [n.lat for n in framed])
    lons, lats = [np.array([n.lon for n in framed])], [np.array([n.lat for n in framed])]
    for path in [r.path for r in net.routes] + [(a, b) for _, a, b in net.moves]:
        lon, lat = net.path_arc(path)
        lons.append(lon)
        lats.append(lat)
    x, y = proj.forward(np.concatenate(lons), np.concatenate(lats))
    cx, cy = (x.min() + x.max()) / 2, (y.min() + y.max()) / 2
    half_w = max(x.max() - x.min(), MIN_SPAN_KM) / 2
    half_h = max(y.max() - y.min(), MIN_SPAN_KM / 2) / 2
    pad = max(2 * max(half_w, half_h) / 12, 150.0)
    west, east = cx - half_w - pad, cx + half_w + pad
    axes_px = (FIG_WIDTH_IN - 0.9) * 100.0  # the axes' width at 100 dpi, about
    for n, nx in zip(framed, x[:len(framed)]):  # labels go right of their node first: room for them there
        label_px = min(LABEL_CHAR_PX * len(n.label) + 16.0, axes_px / 2)
        east = max(east, west + (float(nx) - west) * axes_px / (axes_px - label_px))  # nx + label_px at the end
    return MapFrame(proj, west, east, cy - half_h - pad, cy + half_h + pad)


def draw_network(fig: Figure, ax: Axes, net: NetworkMap, frame: MapFrame) -> None:
    """The whole map: base, routes, moves, nodes, graticule, scale bar, legend and labels."""
    _setup_axes(ax, frame)
    ax.set_title(net.title)
    _legend(fig, net)
    fig.draw_without_rendering()  # lays the figure out once: the axes' place and limits are final
    fig.set_layout_engine("none")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    ax.set_aspect("equal", adjustable="box")  # the box already has the limits' shape: nothing moves
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    proj = frame.projection
    view = proj.lonlat_box(x0, x1, y0, y1)
    _draw_land(ax, proj, view)
    named = _graticule(ax, proj, view)
    drawn, arrows = _draw_routes(ax, net, proj)
    lines = [px for _, px in drawn] + _draw_moves(ax, net, proj)
    anchors, markers = _draw_nodes(ax, net, proj)
    avoid = np.vstack(lines) if lines else np.empty((0, 2))
    scale = _scale_bar(ax, avoid, [*markers, *(b for _, b in named)])
    degrees = _clear_of(named, scale)
    _place_all_labels(ax, net, anchors, drawn, avoid, [*markers, *arrows, scale, *degrees])


# ------------------------------------------------------------------ axes, land and graticule


def _setup_axes(ax: Axes, frame: MapFrame) -> None:
    """Equal scale in km, the frame's limits (widened by matplotlib to fill the axes), sea colour,
    a full frame, no grid; placeholder tick labels hold room for the graticule's degrees."""
    ax.update_datalim([(frame.x0, frame.y0), (frame.x1, frame.y1)])
    ax.margins(0)
    ax.autoscale_view()
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_facecolor(SEA)
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(True)
        spine.set_linewidth(0.8)
        spine.set_color("#555555")
    ax.tick_params(labelsize=7.5, colors="#555555", length=3)
    mid_x, mid_y = (frame.x0 + frame.x1) / 2, (frame.y0 + frame.y1) / 2
    ax.set_xticks([mid_x], ["180°W"])
    ax.set_yticks([mid_y], ["80°N"])


def _ring_paths(proj: AzimuthalEquidistant, box: basemap.LonLatBox, clip: tuple[float, float, float, float],
                tolerance_km: float) -> list[MplPath]:
    """One compound path (outer rings and holes) per country in the box, projected, simplified to
    `tolerance_km` and clipped to `clip` (x0, x1, y0, y1 in km, a little larger than the view); a
    ring around the centre's antipode would turn inside out, and is left out (never in view)."""
    anti_lon, anti_lat = proj.lon0 + 180.0 if proj.lon0 <= 0 else proj.lon0 - 180.0, -proj.lat0
    paths = []
    for country in basemap.countries_in(box):
        verts, codes = [], []
        for ring in country.rings():
            if len(ring) < 3 or _holds(ring, anti_lon, anti_lat):
                continue
            xy = np.column_stack(proj.forward(ring[:, 0], ring[:, 1], FAR_LIMIT_DEG))
            if _outside(xy, clip):  # clipping would leave nothing: spare simplifying it
                continue
            xy = basemap.clip_ring(basemap.simplify_ring(xy, tolerance_km), *clip)
            if len(xy) < 3:
                continue
            verts.append(np.vstack([xy, xy[:1]]))
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 1) + [MplPath.CLOSEPOLY])
        if verts:
            paths.append(MplPath(np.vstack(verts), np.concatenate(codes)))
    return paths


def _outside(xy: np.ndarray, clip: tuple[float, float, float, float]) -> bool:
    """True when the points' bounding box lies wholly outside the rectangle (x0, x1, y0, y1): a ring
    of them, or any subset, clips to nothing."""
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    x0, x1, y0, y1 = clip
    return bool(hi[0] < x0 or lo[0] > x1 or hi[1] < y0 or lo[1] > y1)


def _holds(ring: np.ndarray, lon: float, lat: float) -> bool:
    """True when a ring (longitude, latitude) holds the point; its bounding box is checked first."""
    lo, hi = ring.min(axis=0), ring.max(axis=0)
    return bool(lo[0] <= lon <= hi[0] and lo[1] <= lat <= hi[1]) and basemap.ring_contains(ring, lon, lat)


def _draw_land(ax: Axes, proj: AzimuthalEquidistant, box: basemap.LonLatBox) -> None:
    """Countries in light grey with thin grey borders and coastlines, under everything else; cut
    just outside the axes (the cut edges are out of sight) and simplified to a third of a pixel."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    mx, my = 0.02 * (x1 - x0), 0.02 * (y1 - y0)
    km_per_px = (x1 - x0) / ax.get_window_extent().width
    paths = _ring_paths(proj, box, (x0 - mx, x1 + mx, y0 - my, y1 + my), km_per_px / 3)
    land = PathCollection(paths, facecolors=LAND, edgecolors=BORDER, linewidths=0.45, zorder=0.5)
    ax.add_collection(land, autolim=False)


def _step(span: float) -> float:
    """A graticule interval in degrees giving at most about six lines over `span` degrees."""
    return next((s for s in (1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0) if span / s <= 6.5), 45.0)


def _degrees(value: float, pos: str, neg: str) -> str:
    """A graticule value as 40°E, 75°W, 0°."""
    v = round(value, 6)
    if v == 0 or abs(v) == 180:
        return f"{abs(v):g}°"
    return f"{abs(v):g}°{pos if v > 0 else neg}"


def _graticule(ax: Axes, proj: AzimuthalEquidistant, box: basemap.LonLatBox) -> list[tuple[Text, Box]]:
    """Meridians and parallels every few degrees, each named inside the map along the line itself, where it
    comes in at the left edge (parallels) or the bottom edge (meridians); returns the names and their boxes
    (display units) for the other labels to keep clear of."""
    lon_span = (box.east - box.west) % 360.0 or 360.0
    lon_step, lat_step = _step(lon_span), _step(box.north - box.south)
    first = math.floor(box.west / lon_step) * lon_step
    meridians = [first + i * lon_step for i in range(int(lon_span / lon_step) + 2)]
    start = math.floor(box.south / lat_step) * lat_step
    parallels = [float(p) for p in np.arange(start, box.north + lat_step, lat_step) if -90.0 < p < 90.0]
    lat = np.linspace(max(box.south - lat_step, -89.9), min(box.north + lat_step, 89.9), 200)
    lon = box.west + np.linspace(-lon_step, lon_span + lon_step, 400)
    m_lines = [np.column_stack(proj.forward(np.full_like(lat, m), lat)) for m in meridians]
    p_lines = [np.column_stack(proj.forward(lon, np.full_like(lon, p))) for p in parallels]
    ax.add_collection(LineCollection(m_lines + p_lines, colors=GRATICULE, linewidths=0.5, zorder=0.7),
                      autolim=False)
    return _graticule_labels(ax, [_degrees((m + 180.0) % 360.0 - 180.0, "E", "W") for m in meridians], m_lines,
                             [_degrees(p, "N", "S") for p in parallels], p_lines)


GRATICULE_INK = "#6b7680"  # the graticule's names: darker than its lines, lighter than the map's labels
GRATICULE_INSET_PX = 5.0  # how far inside the frame a graticule name starts
GRATICULE_UPRIGHT_DEG = 120.0  # a name along a line steeper than this (leaning left) is turned half round


def _graticule_labels(ax: Axes, m_names: list[str], m_lines: list[np.ndarray], p_names: list[str],
                      p_lines: list[np.ndarray]) -> list[tuple[Text, Box]]:
    """No degrees on the frame (a curved line meets it away from where its degrees would be read across):
    each meridian named along itself just above the bottom edge, each parallel just right of the left edge;
    a plain tick marks where each line meets the frame. A name that would overlap one already written is left
    out (where the lines converge). Returns the names written and their boxes in display units."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    inset = GRATICULE_INSET_PX * (x1 - x0) / ax.get_window_extent().width  # in km
    xt = [c for line in m_lines if (c := _crossing(line, 1, y0, (x0, x1))) is not None]
    yt = [c for line in p_lines if (c := _crossing(line, 0, x0, (y0, y1))) is not None]
    ax.set_xticks(xt, [""] * len(xt))
    ax.set_yticks(yt, [""] * len(yt))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    named = [_along(ax, line, 1, y0 + inset, (x0 + inset, x1 - inset), name) for name, line in zip(m_names, m_lines)]
    named += [_along(ax, line, 0, x0 + inset, (y0 + inset, y1 - inset), name) for name, line in zip(p_names, p_lines)]
    kept: list[tuple[Text, Box]] = []
    for item in named:
        if item is not None:
            _keep_clear(item, kept)
    return kept


def _clear_of(named: list[tuple[Text, Box]], box: Box) -> list[Box]:
    """The boxes of the names clear of `box`; a name under it is removed."""
    kept = []
    for text, b in named:
        if b.overlaps(box):
            text.remove()
        else:
            kept.append(b)
    return kept


def _keep_clear(item: tuple[Text, Box], kept: list[tuple[Text, Box]], pad: float = LABEL_PAD_PX) -> None:
    """Add a written name to `kept` unless it overlaps one of them (with `pad` pixels between), else remove it."""
    text, box = item
    grown = Box(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)
    if any(grown.overlaps(b) for _, b in kept):
        text.remove()
    else:
        kept.append(item)


def _along(ax: Axes, line: np.ndarray, axis: int, level: float, within: tuple[float, float],
           name: str) -> tuple[Text, Box] | None:
    """`name` written along a graticule line from where it crosses coordinate `axis` == level (if within),
    turned to the line's direction there, and its box in display units; None when it does not cross."""
    c = _crossing(line, axis, level, within)
    if c is None:
        return None
    at = np.array([c, level] if axis == 1 else [level, c])
    i = int(np.argmin(np.hypot(*(line - at).T)))
    j = min(i + 1, len(line) - 1)
    d = line[j] - line[max(j - 1, 0)]
    if d[axis] < 0:  # into the map: a parallel read left to right, a meridian bottom to top
        d = -d
    angle = math.degrees(math.atan2(d[1], d[0]))  # equal scale: the same angle on the screen
    # read upwards along a meridian near upright, like a y axis label; one leaning well left is turned half
    # round to stay readable, the name ending at `at`
    upright = angle <= GRATICULE_UPRIGHT_DEG
    t = ax.text(at[0], at[1], name, fontsize=7, color=GRATICULE_INK, rotation=angle if upright else angle - 180.0,
                rotation_mode="anchor", ha="left" if upright else "right", va="bottom", zorder=0.8, clip_on=True)
    t.set_in_layout(False)
    ext = t.get_window_extent()
    return t, Box(float(ext.x0), float(ext.y0), float(ext.x1), float(ext.y1))


def _crossing(line: np.ndarray, axis: int, level: float, within: tuple[float, float]) -> float | None:
    """Where a polyline first crosses coordinate `axis` == level (the other coordinate), if inside `within`."""
    d = line[:, axis] - level
    idx = np.flatnonzero(np.sign(d[:-1]) * np.sign(d[1:]) < 0)
    other = 1 - axis
    for i in idx:
        t = d[i] / (d[i] - d[i + 1])
        c = float(line[i, other] + t * (line[i + 1, other] - line[i, other]))
        if within[0] + 1e-6 < c < within[1] - 1e-6:
            return c
    return None


# ------------------------------------------------------------------ routes, moves and nodes


def _px(ax: Axes, xy: np.ndarray) -> np.ndarray:
    """Data points (n, 2) in display units."""
    return np.asarray(ax.transData.transform(xy))


def _lane(ax: Axes, xy: np.ndarray, offset_px: float) -> np.ndarray:
    """A polyline bowed `offset_px` to the right of its direction of travel at its middle and not at
    its ends (a sine bump), so that the two directions of a route run in separate lanes."""
    px = _px(ax, xy)
    if len(px) < 3 or offset_px == 0:
        return px
    d = np.gradient(px, axis=0)
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    right = np.column_stack([d[:, 1], -d[:, 0]]) / norm[:, None]
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))])
    t = s / s[-1] if s[-1] > 0 else np.linspace(0.0, 1.0, len(px))
    return px + right * (offset_px * np.sin(np.pi * t))[:, None]


def _at_fraction(px: np.ndarray, fraction: float) -> int:
    """The index of the point of a polyline nearest to `fraction` of its length from its start."""
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))])
    return min(int(np.searchsorted(s, fraction * s[-1])), len(px) - 1) if s[-1] > 0 else 0


def _line_width(n: int, top: int) -> float:
    """Line width in points of a route with n loaded sorties, the busiest being `top`."""
    return 1.0 + 5.0 * n / max(top, 1)


def _draw_routes(ax: Axes, net: NetworkMap,
                 proj: AzimuthalEquidistant) -> tuple[list[tuple[MapRoute, np.ndarray]], list[Box]]:
    """Each route as a great-circle arc in its lane, as wide as its share of the busiest, deploy solid
    and withdraw dashed, with an arrowhead pointing the way it was flown; busiest drawn first.
    Returns each route with its line's points, and the arrowheads' boxes, in display units."""
    top = max((r.sorties for r in net.routes), default=1)
    to_data = ax.transData.inverted()
    drawn: list[tuple[MapRoute, np.ndarray]] = []
    arrows: list[Box] = []
    for r in sorted(net.routes, key=lambda r: (-r.sorties, r.phase, r.path)):
        lw = _line_width(r.sorties, top)
        px = _lane(ax, np.column_stack(proj.forward(*net.path_arc(r.path))), lw * 0.7 + 2.5)
        xy = to_data.transform(px)
        colour = net.phase_colours[r.phase]
        ax.plot(xy[:, 0], xy[:, 1], color=colour, lw=lw, ls="-" if r.phase == "deploy" else (0, (3, 1.5)),
                alpha=0.85, solid_capstyle="round", dash_capstyle="butt", zorder=2)
        arrows.append(_arrowhead(ax, px, colour, lw))
        drawn.append((r, px))
    return drawn, arrows


def _arrowhead(ax: Axes, px: np.ndarray, colour: str, lw: float) -> Box:
    """A notched arrowhead two thirds along a line (display points), pointing the way it runs, a
    little wider than the line; its box in display units."""
    i = _at_fraction(px, 0.68)
    u = px[min(i + 1, len(px) - 1)] - px[max(i - 1, 0)]
    u = u / (float(np.hypot(*u)) or 1.0)
    n = np.array([-u[1], u[0]])
    width = lw * ax.figure.dpi / 72.0 + 7.0
    length = 1.4 * width
    tip, back = px[i] + u * length / 2, px[i] - u * length / 2
    corners = np.array([tip, back + n * width / 2, back + u * length * 0.3, back - n * width / 2])
    xy = ax.transData.inverted().transform(corners)
    ax.fill(xy[:, 0], xy[:, 1], color=colour, ec="white", lw=0.6, zorder=3)
    return Box(*corners.min(axis=0), *corners.max(axis=0))


def _draw_moves(ax: Axes, net: NetworkMap, proj: AzimuthalEquidistant) -> list[np.ndarray]:
    """Road and rail moves in their mode's colour and line style; their points in display units."""
    lines = []
    for mode, a, b in sorted(net.moves):
        colour, style = net.surface_styles[mode]
        x, y = proj.forward(*net.arc(a, b))
        ax.plot(x, y, color=colour, lw=2.5, ls=style, zorder=2.5)
        lines.append(_px(ax, np.column_stack([x, y])))
    return lines


def _node_style(node: MapNode) -> tuple[str, float, str]:
    """Marker, size (points) and colour of a node: airfields round, places square, unused grey."""
    return ("o" if node.airfield else "s"), (7.0 if node.used else 4.5), (INK if node.used else MUTED)


def _draw_nodes(ax: Axes, net: NetworkMap, proj: AzimuthalEquidistant) -> tuple[dict[str, np.ndarray], list[Box]]:
    """Every airfield and each place a move used; their points and markers' boxes in display units."""
    anchors: dict[str, np.ndarray] = {}
    boxes = []
    for node in net.framed():
        marker, size, colour = _node_style(node)
        x, y = proj.forward(np.array([node.lon]), np.array([node.lat]))
        ax.plot(x, y, marker=marker, ms=size, color=colour, mec="white", mew=0.8, zorder=5, ls="none")
        px = anchors[node.id] = _px(ax, np.column_stack([x, y]))[0]
        boxes.append(Box.around(float(px[0]), float(px[1]), size * ax.figure.dpi / 72.0 / 2 + 1.0))
    return anchors, boxes


# ------------------------------------------------------------------ scale bar, legend and labels


def _nice_km(limit: float) -> float:
    """The largest 1, 2 or 5 times a power of ten not over `limit` (km)."""
    power = 10.0 ** math.floor(math.log10(limit))
    return max(m * power for m in (1.0, 2.0, 5.0) if m * power <= limit)


def _scale_bar(ax: Axes, avoid: np.ndarray, markers: Sequence[Box]) -> Box:
    """A scale bar about a fifth of the map wide, in the corner with the fewest lines and nodes under
    it; its box in display units. The scale is true at the centre of the projection."""
    bbox = ax.get_window_extent()
    x0, x1 = ax.get_xlim()
    km_per_px = (x1 - x0) / bbox.width
    length = _nice_km(0.2 * (x1 - x0))
    bar_px = length / km_per_px
    w, h, m = bar_px + 24.0, 30.0, 10.0
    corners = [Box(bbox.x0 + m, bbox.y0 + m, bbox.x0 + m + w, bbox.y0 + m + h),
               Box(bbox.x1 - m - w, bbox.y0 + m, bbox.x1 - m, bbox.y0 + m + h),
               Box(bbox.x0 + m, bbox.y1 - m - h, bbox.x0 + m + w, bbox.y1 - m),
               Box(bbox.x1 - m - w, bbox.y1 - m - h, bbox.x1 - m, bbox.y1 - m)]

    def crowding(b: Box) -> int:
        inside = (avoid[:, 0] > b.x0) & (avoid[:, 0] < b.x1) & (avoid[:, 1] > b.y0) & (avoid[:, 1] < b.y1)
        return int(np.count_nonzero(inside)) + 50 * sum(b.overlaps(k) for k in markers)

    box = min(corners, key=crowding)
    to_data = ax.transData.inverted()
    (bx0, by0), (bx1, by1) = to_data.transform([(box.x0, box.y0), (box.x1, box.y1)])
    ax.fill([bx0, bx1, bx1, bx0], [by0, by0, by1, by1], color="white", alpha=0.8, lw=0, zorder=7)
    (lx0, ly), (lx1, ty) = to_data.transform([(box.x0 + 12, box.y0 + 8), (box.x0 + 12 + bar_px, box.y0 + 12)])
    ax.plot([lx0, lx1], [ly, ly], color=INK, lw=2, solid_capstyle="butt", zorder=8)
    tick = (ty - ly) * 0.8
    ax.plot([lx0, lx0, np.nan, lx1, lx1], [ly - tick, ly + tick, np.nan, ly - tick, ly + tick], color=INK, lw=1,
            zorder=8)
    ax.text((lx0 + lx1) / 2, ty, f"{length:,.0f} km", ha="center", va="bottom", fontsize=7.5, color=INK, zorder=8)
    return box


def _legend(fig: Figure, net: NetworkMap) -> None:
    """Below the map: the two phases (solid, dashed), each surface mode, and the node symbols."""
    handles: list[Artist] = []
    labels: list[str] = []
    phases = {r.phase for r in net.routes}
    for phase, style in (("deploy", "-"), ("withdraw", (0, (3, 1.5)))):
        if phase in phases:
            handles.append(Line2D([], [], color=net.phase_colours[phase], lw=3, ls=style, marker=">", ms=7,
                                  markevery=[1]))
            labels.append(f"{phase} flights")
    for mode in sorted({m for m, _, _ in net.moves}):
        colour, style = net.surface_styles[mode]
        handles.append(Line2D([], [], color=colour, lw=2.5, ls=style))
        labels.append(f"{mode} move")
    kinds = {(n.airfield, n.used) for n in net.framed()}
    for airfield, used, text in ((True, True, "airfield (MOG: parking slots)"), (True, False, "airfield not used"),
                                 (False, True, "place")):
        if (airfield, used) in kinds:
            marker, size, colour = _node_style(MapNode("", "", 0.0, 0.0, airfield, used))
            handles.append(Line2D([], [], marker=marker, ms=size, color=colour, ls="none"))
            labels.append(text)
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(handles), 4), fontsize=8,
               title="line width and number: loaded sorties; arrowhead: direction of flight", title_fontsize=8)


def _traffic(net: NetworkMap) -> dict[str, int]:
    """Loaded sorties through each node."""
    out: dict[str, int] = {}
    for r in net.routes:
        for node in set(r.path):
            out[node] = out.get(node, 0) + r.sorties
    return out


def _label_text(ax: Axes, text: str, colour: str, size: float, bold: bool = False) -> tuple[Text, float, float]:
    """A label's text artist (left/bottom aligned, on a white backing) and its size in display units."""
    t = ax.text(0.0, 0.0, text, fontsize=size, color=colour, ha="left", va="bottom", zorder=9,
                fontweight="bold" if bold else "normal", bbox=BACKING, clip_on=False)
    t.set_in_layout(False)
    ext = t.get_window_extent()
    return t, float(ext.width), float(ext.height)


def _place_all_labels(ax: Axes, net: NetworkMap, anchors: dict[str, np.ndarray],
                      drawn: list[tuple[MapRoute, np.ndarray]], avoid: np.ndarray, obstacles: list[Box]) -> None:
    """Node names (busiest first, unused last), then each route's sorties on its line, each placed
    where it overlaps no other label, node, arrowhead or the scale bar; a leader line when displaced."""
    traffic = _traffic(net)
    nodes = sorted(net.framed(), key=lambda n: (not n.used, not n.airfield, -traffic.get(n.id, 0), n.id))
    items: list[tuple[Text, LabelRequest]] = []
    for n in nodes:
        px = anchors[n.id]
        t, w, h = _label_text(ax, n.label, INK if n.used else MUTED, 8.0)
        items.append((t, LabelRequest(float(px[0]), float(px[1]), w, h)))
    for r, px in sorted(drawn, key=lambda d: -d[0].sorties):
        mid = px[_at_fraction(px, 0.4)]
        t, w, h = _label_text(ax, str(r.sorties), net.phase_colours[r.phase], 7.5, bold=True)
        items.append((t, LabelRequest(float(mid[0]), float(mid[1]), w, h, centred=True)))
    ax_box = ax.get_window_extent()
    bounds = Box(ax_box.x0 + 3, ax_box.y0 + 3, ax_box.x1 - 3, ax_box.y1 - 3)
    placed = basemap.place_labels([req for _, req in items], bounds, obstacles, avoid, pad=LABEL_PAD_PX)
    to_data = ax.transData.inverted()
    for (t, req), p in zip(items, placed):
        if p is None:
            t.remove()  # no room left anywhere on the map: left out rather than overlapping
            continue
        t.set_position(tuple(to_data.transform((p.box.x0, p.box.y0))))
        if p.displaced:
            lead = to_data.transform([(req.x, req.y), p.box.nearest(req.x, req.y)])
            ax.plot(lead[:, 0], lead[:, 1], color="#8a8a8a", lw=0.6, zorder=4)
