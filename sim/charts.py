"""Charts drawn from Results with matplotlib. Never runs the engine.

Each chart is two functions: `<name>_figure(...)` draws a matplotlib Figure (outside pyplot, under
the chart style STYLE) and `<name>_chart(..., out, svg)` saves it as PNG (and SVG when asked) and
returns the paths written. Notebooks get the figures (sim.notebook.RunPlots).

Time axes hold matplotlib date numbers: a chart makes its x axis a date axis in the scenario's time zone
(`Axes.xaxis_date`) before it draws on it, and places everything with `_datenums` / `_datenum`.
"""

from __future__ import annotations

import contextlib
import functools
import math
import textwrap
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import numpy.typing as npt
from matplotlib import patheffects
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FixedLocator, FormatStrFormatter, MaxNLocator, NullFormatter

from sim import mapchart, results
from sim.scenario import Airfield
from sim.vocabulary import CHART_DPI, format_datetime, phases_for, utc_label

# A name in a script the chart font (DejaVu Sans) lacks, CJK or emoji for instance, is drawn as empty
# boxes; matplotlib would warn once per glyph, chart and format (dozens of lines on stderr for one run).
# The text is right in every CSV, JSON and the HTML report; docs/outputs.md says so.
warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from", category=UserWarning)

if TYPE_CHECKING:
    from sim.comparison import Digest
    from sim.grid import Point, PointMetrics, Trial
    from sim.plan.latest import LatestRow
    from sim.records import Run, Sortie
    from sim.replications import Stats
    from sim.scenario import Place, Scenario

    SweepRow = tuple[Point, PointMetrics]  # a grid point and its metrics

# Okabe-Ito colour-blind-safe palette, then tab10 for more series
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#8c564b", "#7f7f7f", "#bcbd22", "#17becf"]
REPOSITION_COLOUR = "#c8c8c8"
PHASE_COLOURS = {"deploy": "#0072B2", "withdraw": "#D55E00"}  # loaded sorties by phase
# the one colour of every deadline on every chart; two phases' deadlines differ by label and line style
DEADLINE_COLOUR = "#b00020"
DEADLINE_STYLES = {"deploy": "--", "withdraw": "-."}
HALO = [patheffects.withStroke(linewidth=4.5, foreground="white")]  # keeps a deadline marker clear of a bar under it

# applied around each figure (rc_context), so that a notebook's own matplotlib settings stay untouched
STYLE: dict[Any, Any] = {
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "legend.frameon": False, "svg.hashsalt": "sim", "svg.fonttype": "none",
    # titles where matplotlib would put them anyway (no chart has ticks on top), without measuring every tick
    # label again to check at each drawing
    "axes.titley": 1.0,
    # glyphs unhinted: as legible at the charts' resolution, and text costs about half as much to lay out
    "text.hinting": "no_hinting",
    # constrained layout fits titles, labels and outside legends in one drawing pass; bbox_inches="tight"
    # would draw every figure twice
    "figure.constrained_layout.use": True,
}


F = TypeVar("F", bound=Callable[..., Figure])


def _styled(draw: F) -> F:
    """Draw under the chart style (STYLE); the figure is not registered with pyplot, so nothing
    is shown or kept open behind the caller's back."""

    @functools.wraps(draw)
    def styled(*args: Any, **kwargs: Any) -> Figure:
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return styled  # type: ignore[return-value]


class ChartFigure(Figure):
    """A Figure that Jupyter shows as a PNG without pyplot (the charts never touch pyplot, so they
    neither change a notebook's backend nor stay open in it)."""

    def _repr_png_(self) -> bytes:
        import io

        buf = io.BytesIO()
        with matplotlib.rc_context(STYLE):
            self.savefig(buf, format="png")
        return buf.getvalue()


def _subplots(*args: Any, figsize: tuple[float, float], **kwargs: Any) -> tuple[Figure, Any]:
    """A new Figure (outside pyplot) of the given size and its axes, as plt.subplots returns them."""
    fig = ChartFigure(figsize=figsize)
    return fig, fig.subplots(*args, **kwargs)


def colour_map(keys: list[str]) -> dict[str, str]:
    """A palette colour for each key, in order (the palette repeats after twelve keys)."""
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


# ------------------------------------------------------------------ time axes


def _start(scenario: Scenario) -> datetime:
    """The scenario's clock origin (validated absolute, though typed like any scenario time)."""
    start = scenario.start
    if not isinstance(start, datetime):
        raise TypeError(f"scenario start must be an absolute time, not {start!r}")
    return start


def _dates(run: Run, hours: npt.ArrayLike) -> list[datetime]:
    """Hours since the scenario's start as datetimes in its time zone."""
    start = _start(run.scenario)
    return [start + timedelta(hours=float(h)) for h in np.atleast_1d(hours)]


def _datenums(values: Sequence[datetime]) -> np.ndarray:
    """Datetimes as x positions on a date axis (matplotlib date numbers)."""
    return mdates.date2num(values)


def _datenum(value: datetime) -> float:
    """One datetime as an x position on a date axis (a matplotlib date number)."""
    return mdates.date2num(value)


def _hours_x(run: Run, hours: npt.ArrayLike) -> np.ndarray:
    """Hours since the scenario's start as x positions on a date axis."""
    return _datenums(_dates(run, hours))


def _time_axis(ax: Axes, tz: tzinfo | None, span_h: float, max_ticks: int = 14, label: bool = True) -> None:
    """Date ticks in the scenario's local time: 6- or 12-hourly for short spans, else daily."""
    if span_h <= 36:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[0, 6, 12, 18], tz=tz))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M", tz=tz))
    elif span_h <= 4 * 24:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[0, 12], tz=tz))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M", tz=tz))
    else:
        step = max(1, math.ceil(span_h / 24 / max_ticks))
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=step, tz=tz))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b", tz=tz))
    if label:
        ax.set_xlabel(f"local time ({utc_label(tz)})")


def _date_axis(ax: Axes, run: Run, span_h: float, max_ticks: int = 14, label: bool = True) -> None:
    """`_time_axis` in the run's scenario time zone."""
    _time_axis(ax, _start(run.scenario).tzinfo, span_h, max_ticks, label)


_DPI: ContextVar[int] = ContextVar("sim_chart_dpi", default=CHART_DPI)


@contextlib.contextmanager
def resolution(dpi: int) -> Iterator[None]:
    """Save the charts written inside at `dpi` dots per inch as PNG (CHART_DPI outside): `with resolution(300): ...`."""
    if dpi <= 0:
        raise ValueError(f"dpi must be a positive number of dots per inch, not {dpi}")
    token = _DPI.set(dpi)
    try:
        yield
    finally:
        _DPI.reset(token)


def _save(fig: Figure, out: Path, stem: str, svg: bool) -> list[Path]:
    """Write the figure as `<stem>.png` at the current `resolution` (and `<stem>.svg`) without volatile metadata.
    The SVG keeps the layout the PNG's drawing fixed (constrained layout would give the same positions
    again, at a third of the SVG's cost), axis labels included; the figure then has no layout engine."""
    paths = [out / f"{stem}.png"]
    with matplotlib.rc_context(STYLE):
        _write_png(fig, paths[0], _DPI.get())
        if svg:
            paths.append(out / f"{stem}.svg")
            _keep_layout(fig, _DPI.get())
            fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
    return paths


PNG_COMPRESS_LEVEL = 3  # zlib level of the PNG charts: half the encoding time of the default 6, same size


def _write_png(fig: Figure, path: Path, dpi: int) -> None:
    """The figure laid out and drawn at `dpi`, once, and written as an RGB PNG (no Software text).

    savefig would draw it twice: once without output to run the layout engine, then again to paint. Here
    the Agg canvas's own drawing runs the layout engine and paints in one pass. The charts are opaque, so
    the alpha channel matplotlib writes carries nothing: without it, and at PNG_COMPRESS_LEVEL, encoding
    takes about half the time and the file is smaller. The pixels are those savefig would give."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    own_dpi = fig.dpi
    fig.dpi = dpi
    try:
        canvas.draw()
        image = Image.fromarray(np.asarray(canvas.buffer_rgba())).convert("RGB")
    finally:
        fig.dpi = own_dpi
    image.save(path, format="png", dpi=(dpi, dpi), compress_level=PNG_COMPRESS_LEVEL)


def _keep_layout(fig: Figure, dpi: int) -> None:
    """Keep the layout of the last drawing (at `dpi`) for the next: no layout engine (savefig would then
    draw the figure once more, without output, before drawing it) and the axis labels pinned."""
    with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # with those two settings off, None means no layout engine at all
    _pin_axis_labels(fig, dpi)


def _pin_axis_labels(fig: Figure, dpi: int) -> None:
    """Pin each axis label where the drawing at `dpi` placed it (as a fraction of its axes, which holds at any
    resolution), so that the next drawing does not measure every tick label again to place it."""
    scale = fig.dpi / dpi  # pixels at `dpi` to pixels at the figure's own resolution
    for ax in fig.axes:
        to_axes = ax.transAxes.inverted()
        if getattr(ax.yaxis, "_autolabelpos", False):
            x, y = ax.yaxis.label.get_position()  # x in pixels, y a fraction of the axes
            ax.yaxis.set_label_coords(to_axes.transform((x * scale, 0.0))[0], y)
        if getattr(ax.xaxis, "_autolabelpos", False):
            x, y = ax.xaxis.label.get_position()  # x a fraction of the axes, y in pixels
            ax.xaxis.set_label_coords(x, to_axes.transform((0.0, y * scale))[1])


def _span(res: results.Results) -> tuple[float, float]:
    """Hours to show for a run: from the first ready time to the end or the last nearby deadline."""
    run = res.run
    lo = min([0.0] + [r.ready_h for r in res.lines])
    hi = max([run.end_h] + [r.deadline_h for r in res.lines if r.deadline_h < run.end_h + 48])
    return lo, hi + 6


# ------------------------------------------------------------------ run charts


@_styled
def in_theatre_figure(res: results.Results) -> Figure:
    """Personnel in theatre over time, stacked by nation, with each phase's deadline."""
    run = res.run
    times, nations, counts = results.in_theatre(run)
    fig, ax = _subplots(figsize=(10, 4.8))
    ax.xaxis_date(_start(run.scenario).tzinfo)
    colours = colour_map(nations)
    lo, hi = _span(res)
    times, counts = _held_to(times, counts, hi)
    x = _hours_x(run, times)
    # white edges between the layers, and the legend in the layers' order (top first): nations told apart
    # by position too, not by colour alone
    ax.stackplot(x, counts, labels=nations, colors=[colours[n] for n in nations], step="post", alpha=0.9,
                 edgecolor="white", linewidth=0.6)
    ymax = max(1.0, counts.sum(axis=0).max())
    earlier = _theatre_deadlines(ax, res, ymax * 1.02)
    ax.set_xlim(*_hours_x(run, [lo, hi]))
    ax.set_ylim(0, ymax * 1.18)
    ax.set_ylabel("personnel in theatre")
    ax.set_title(f"{run.scenario.name}: personnel in theatre by nation")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1] + earlier, labels[::-1] + [str(h.get_label()) for h in earlier], loc="upper left",
              bbox_to_anchor=(1.0, 1.0), title="nation (top first)")
    _date_axis(ax, run, hi - lo)
    return fig


EARLIER_DEADLINE_ALPHA = 0.4  # a line's deadline before its phase's last: drawn faint and unlabelled


def _theatre_deadlines(ax: Axes, res: results.Results, label_y: float) -> list[Artist]:
    """Each phase's last deadline, labelled as the last; the lines' earlier distinct deadlines faint, unlabelled.
    Returns a legend entry per phase that has earlier deadlines."""
    run = res.run
    handles: list[Artist] = []
    for phase, ph in res.phases.items():
        d = _dates(run, [ph.deadline_h])[0]
        several = len({r.deadline_h for r in res.lines if r.phase == phase}) > 1
        label = f"{'last ' if several else ''}{phase} deadline\n{format_datetime(d, 'short')}"
        _deadline_line(ax, _datenum(d), phase, label, label_y)
        earlier = sorted({r.deadline_h for r in res.lines if r.phase == phase and r.deadline_h < ph.deadline_h})
        if earlier:  # up to just under the labels, which they would cross
            ax.vlines(_hours_x(run, earlier), 0, label_y * 0.99, color=DEADLINE_COLOUR, lw=0.9,
                      ls=DEADLINE_STYLES.get(phase, "--"), alpha=EARLIER_DEADLINE_ALPHA)
            handles.append(Line2D([], [], color=DEADLINE_COLOUR, ls=DEADLINE_STYLES.get(phase, "--"), lw=0.9,
                                  alpha=EARLIER_DEADLINE_ALPHA, label=f"earlier {phase}\nline deadlines"))
    return handles


def _held_to(times: np.ndarray, counts: np.ndarray, end_h: float) -> tuple[np.ndarray, np.ndarray]:
    """The step series held at its last level until `end_h` (the right edge of the chart).

    A run that ends on an arrival has its last level at its last time: drawn as a post step, that level
    would have no width and not show at all."""
    if len(times) == 0 or times[-1] >= end_h:
        return times, counts
    return np.append(times, end_h), np.concatenate([counts, counts[:, -1:]], axis=1)


def in_theatre_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """in_theatre_figure saved as in_theatre.png (and .svg) in `out`."""
    return _save(in_theatre_figure(res), out, "in_theatre", svg)


def _deadline_line(ax: Axes, x: float, phase: str, label: str, label_y: float | None = None,
                   side: str = "left") -> None:
    """A phase's deadline as a vertical line in DEADLINE_COLOUR (the phase's line style), labelled on its
    `side` at `label_y` in data units (at the top of the axes, turned upright, when None)."""
    ax.axvline(x, color=DEADLINE_COLOUR, ls=DEADLINE_STYLES.get(phase, "--"), lw=1.2)
    if label_y is None:
        ax.annotate(label, (x, 1.0), xycoords=("data", "axes fraction"), fontsize=8, color=DEADLINE_COLOUR,
                    ha="right", va="top", rotation=90, xytext=(-2, -2), textcoords="offset points")
    else:
        ax.annotate(label, (x, label_y), fontsize=8, color=DEADLINE_COLOUR, ha="right" if side == "left" else "left",
                    va="bottom", xytext=(-3 if side == "left" else 3, 0), textcoords="offset points")


# how a line's closure bar shows its status without colour: (colour, hatch)
CLOSURE_STYLES = {"MET": ("#0072B2", ""), "LATE": ("#E69F00", "////"), "OPEN": ("#999999", "...")}


@_styled
def closure_figure(res: results.Results) -> Figure:
    """Per phase, a bar per line from its ready time to its closure, against its deadline.

    Lines are sorted by ready time (the scenario's order among equals). A bar is pale until the line's first
    element arrived and solid from then to its last; a late line's bar is hatched, an open line's runs dotted to
    the end of the run. The deadline is a bar across the row; each line says how early, late or open it is.
    """
    run = res.run
    curves = results.closure_curves(run)
    panels = [(ph, sorted((r for r in res.lines if r.phase == ph), key=lambda r: r.ready_h))
              for ph in results.PHASES]
    panels = [(ph, rows) for ph, rows in panels if rows]
    heights = [len(rows) + 2.5 for _, rows in panels]
    fig, axes = _subplots(len(panels), 1, figsize=(11, 0.26 * sum(heights) + 1.6), squeeze=False,
                          gridspec_kw={"height_ratios": heights})
    for ax, (phase, rows) in zip(axes[:, 0], panels):
        _closure_panel(ax, run, phase, rows, curves)
    fig.legend(handles=_closure_legend(), loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    fig.suptitle(f"{run.scenario.name}: closure by line", fontsize=11, fontweight="bold")
    return fig


def closure_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """closure_figure saved as closure.png (and .svg) in `out`."""
    return _save(closure_figure(res), out, "closure", svg)


def _closure_panel(ax: Axes, run: Run, phase: str, rows: list[results.LineRow],
                   curves: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
    """One phase's lines, a row each, the first ready at the top, on the phase's own time axis."""
    ax.xaxis_date(_start(run.scenario).tzinfo)
    lo = min(r.ready_h for r in rows)
    hi = max(max(r.deadline_h, _row_end(run, r)) for r in rows)
    pad = 0.03 * (hi - lo) + 1
    for y, r in enumerate(rows):
        _closure_bar(ax, run, y, r, curves[r.id], 0.006 * (hi - lo))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r.id for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(*_hours_x(run, [lo - pad, hi + 6 * pad]))  # room on the right for the tags
    _date_axis(ax, run, hi - lo)
    counts = {s: sum(1 for r in rows if r.status == s) for s in CLOSURE_STYLES}
    ax.set_title(f"{phase}: {len(rows)} lines, {counts['MET']} met, {counts['LATE']} late, {counts['OPEN']} open",
                 loc="left")


def _closure_bar(ax: Axes, run: Run, y: int, r: results.LineRow, curve: tuple[np.ndarray, np.ndarray],
                 min_h: float) -> None:
    """One line: pale from ready to its first arrival, solid to its closure (or the end of the run; at least
    `min_h` hours wide, so a line that arrived at once shows it), its deadline across the row and a tag."""
    colour, hatch = CLOSURE_STYLES.get(r.status, CLOSURE_STYLES["OPEN"])
    times, share = curve
    end = _row_end(run, r)
    first = min(max(float(times[0]), r.ready_h), end) if len(times) else end
    if r.status != "OPEN":
        first = max(r.ready_h, min(first, end - min_h))
    x0, x1, x2 = _hours_x(run, [r.ready_h, first, end])
    edge = "#333333" if hatch else colour
    if x1 > x0:
        ax.barh(y, x1 - x0, left=x0, height=0.62, color=colour, alpha=0.3, hatch=hatch, edgecolor=edge, lw=0)
    if x2 > x1:
        ax.barh(y, x2 - x1, left=x1, height=0.62, color=colour, hatch=hatch, edgecolor=edge, lw=0)
    if r.status == "OPEN":
        ax.plot([x2], [y], marker=">", ms=6, color="#333333", zorder=4)
    dx = _hours_x(run, [r.deadline_h])[0]
    ax.plot([dx], [y], marker="|", ms=13, mew=2.5, color=DEADLINE_COLOUR, zorder=5, path_effects=HALO)
    ax.annotate(_closure_tag(r, share), (max(x2, dx), y), xytext=(6, 0), textcoords="offset points", va="center",
                fontsize=7.5, color="#222222", fontweight="normal" if r.status == "MET" else "bold")


def _closure_tag(r: results.LineRow, share: np.ndarray) -> str:
    """'MET, 12 h early', 'LATE by 5 h' or 'OPEN, 60% delivered': a line's status in words."""
    if r.status == "OPEN":
        return f"OPEN, {float(share[-1]) if len(share) else 0.0:.0%} delivered"
    if r.status == "LATE":
        return f"LATE by {_hours_text(-r.slack_h)}" if r.slack_h < 0 else "LATE (a milestone)"
    return f"MET, {_hours_text(r.slack_h)} early"


def _hours_text(h: float) -> str:
    """'12 h', or '0.4 h' below ten hours."""
    return f"{h:.0f} h" if abs(h) >= 10 else f"{h:.1f} h"


def _closure_legend() -> list[Artist]:
    """What the closure bars, their hatches and the deadline bar mean."""
    handles: list[Artist] = [Patch(facecolor=CLOSURE_STYLES["MET"][0], alpha=0.3,
                                   label="ready, nothing arrived yet (pale)"),
                             Patch(facecolor=CLOSURE_STYLES["MET"][0], label="arriving: first to last element")]
    words = {"LATE": "late (hatched)", "OPEN": "open at the end of the run (dotted, >)"}
    handles += [Patch(facecolor=c, hatch=h, edgecolor="#333333" if h else c, lw=0, label=words[s])
                for s, (c, h) in CLOSURE_STYLES.items() if s in words]
    handles.append(Line2D([], [], marker="|", ms=12, mew=2.5, ls="", color=DEADLINE_COLOUR, label="deadline"))
    return handles


@_styled
def gantt_figure(res: results.Results) -> Figure:
    """One row per tail that flew: its flights by contingent, empty legs in grey, and its downtime."""
    run = res.run
    by_tail = _flights_by_tail(run)
    tails = [t.tail for t in run.tails if t.tail in by_tail]
    conts = [c.id for c in run.scenario.contingents]
    colours = colour_map(conts)
    height = min(30.0, max(3.5, 0.16 * len(tails) + 1.8))
    fig, ax = _subplots(figsize=(12, height))
    start = _start(run.scenario)
    base: float = mdates.date2num(start)
    _gantt_flights(ax, tails, by_tail, colours, base)
    down_handles = _gantt_downtime(ax, run, {t: y for y, t in enumerate(tails)}, base)
    _gantt_rows(ax, tails)
    ax.xaxis_date(tz=start.tzinfo)
    lo = min((r.off_blocks for r in run.sorties), default=0.0) - 3
    hi = max((r.on_blocks for r in run.sorties), default=1.0) + 3
    ax.set_xlim(*_hours_x(run, [lo, hi]))
    _date_axis(ax, run, hi - lo)
    _gantt_legend(ax, run, conts, colours, down_handles)
    ax.set_title(_gantt_title(run, len(tails)))
    ax.set_ylabel("aircraft (tail)")
    return fig


def gantt_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """gantt_figure saved as gantt.png (and .svg) in `out`."""
    return _save(gantt_figure(res), out, "gantt", svg)


def _flights_by_tail(run: Run) -> dict[str, list[Sortie]]:
    """Each tail's flights, in the order they were flown."""
    by_tail: dict[str, list[Sortie]] = {}
    for r in run.sorties:
        by_tail.setdefault(r.tail, []).append(r)
    return by_tail


def _gantt_flights(ax: Axes, tails: list[str], by_tail: dict[str, list[Sortie]], colours: dict[str, str],
                   base: float) -> None:
    """Every flight as a box on its tail's row, coloured by contingent; an empty leg is a thinner grey box
    (told apart from a loaded flight by its shape too, not by its colour alone).

    One collection per colour for all tails (not one per tail and colour): a few artists to draw, not hundreds.
    """
    verts: dict[str, list[list[tuple[float, float]]]] = {}
    for y, tail in enumerate(tails):
        for r in by_tail[tail]:
            key = r.contingent if r.phase != "reposition" else ""
            x0 = base + r.off_blocks / 24.0
            w = max(r.on_blocks / 24.0 - r.off_blocks / 24.0, 1e-4)
            half = 0.38 if key else 0.16
            y0, y1 = y - half, y + half
            verts.setdefault(key, []).append([(x0, y0), (x0, y1), (x0 + w, y1), (x0 + w, y0)])
    for key, vs in verts.items():
        ax.add_collection(PolyCollection(vs, facecolors=colours.get(key, REPOSITION_COLOUR), linewidths=0))


def _gantt_rows(ax: Axes, tails: list[str]) -> None:
    """A labelled row per tail, the first at the top (or a note that no aircraft flew)."""
    ax.set_yticks(range(len(tails)))
    ax.set_yticklabels(tails, fontsize=max(4.0, min(7.5, 500 / max(1, len(tails)))))
    ax.set_ylim(max(len(tails), 1) - 0.5, -0.5)
    if not tails:
        ax.annotate("no aircraft flew in this run", (0.5, 0.5), xycoords="axes fraction", ha="center", color="#777777")
    ax.grid(axis="y", visible=False)


def _gantt_legend(ax: Axes, run: Run, conts: list[str], colours: dict[str, str],
                  down_handles: list[tuple[Rectangle, str]]) -> None:
    """The legend: each contingent with its nation, empty legs, then each kind of downtime drawn."""
    nation = {c.id: c.nation for c in run.scenario.contingents}
    handles: list[Artist] = [Rectangle((0, 0), 1, 1, color=colours[c]) for c in conts]
    handles.append(Line2D([], [], color=REPOSITION_COLOUR, lw=4))
    labels = [f"{c} ({nation[c]})" for c in conts] + ["empty (reposition), thin"]
    handles += [h for h, _ in down_handles]
    labels += [label for _, label in down_handles]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="flight / on the ground",
              fontsize=8)


def _gantt_title(run: Run, n_tails: int) -> str:
    """The schedule's title: tails that flew, those not mission capable at the horizon, flights."""
    not_mc = sum(1 for d in run.downtime if d.kind == "availability" and d.end >= run.scenario.horizon)
    extra = f"; {not_mc} not mission capable" if not_mc else ""
    return f"{run.scenario.name}: aircraft schedule ({n_tails} tails flew{extra}, {len(run.sorties)} flights)"


# ground time that is not work, drawn as a thin band under the flights: (colour, hatch, label)
DOWNTIME_STYLE = {
    "crew": ("#444444", "", "crew rest"),
    "ute": ("#aaaaaa", "////", "waiting for daily flying hours (UTE)"),
    "availability": ("#dddddd", "....", "not mission capable"),
    "maintenance": ("#000000", "xxxx", "scheduled maintenance"),
    "repair": ("#CC79A7", "\\\\", "repair after a breakdown"),
}


def _gantt_downtime(ax: Axes, run: Run, rows: dict[str, int], base: float) -> list[tuple[Rectangle, str]]:
    """Thin bands for crew rest, UTE waits, maintenance, repairs; returns legend (handle, label) pairs."""
    verts: dict[str, list[list[tuple[float, float]]]] = {}
    for d in run.downtime:
        y = rows.get(d.tail)
        if y is None or d.end <= d.start:
            continue
        x0, x1 = base + d.start / 24.0, base + min(d.end, run.end_h) / 24.0
        verts.setdefault(d.kind, []).append([(x0, y + 0.12), (x0, y + 0.38), (x1, y + 0.38), (x1, y + 0.12)])
    out = []
    for kind, (colour, hatch, label) in DOWNTIME_STYLE.items():
        if kind not in verts:
            continue
        ax.add_collection(PolyCollection(verts[kind], facecolors=colour, edgecolors="#666666" if hatch else colour,
                                         hatch=hatch or None, linewidths=0.0))
        out.append((Rectangle((0, 0), 1, 1, facecolor=colour, hatch=hatch or None, edgecolor="#666666"), label))
    return out


# an airfield's row: the spots in use rise from its base line (at MOG_LINE the apron is full), the flights
# waiting for a spot hang below it (QUEUE_DEPTH for the longest queue of the chart)
BASE_LINE, MOG_LINE, QUEUE_DEPTH = 0.36, 0.92, 0.32
SPOTS_COLOUR, QUEUE_COLOUR, FULL_COLOUR = "#0072B2", "#D55E00", "#000000"


@_styled
def airfields_figure(res: results.Results) -> Figure:
    """One row per airfield: working spots in use over time, the flights waiting for a spot, the time at capacity.

    The spots in use (an aircraft takes its type's spots from on-blocks to the end of its ground task) rise from
    the row's base line to its dashed MOG line; the hours with every spot taken are black on that line. The
    flights held for a spot there hang below the base line, on one scale for every row (sim.results.spot_waits).
    """
    run = res.run
    counts = results.ground_counts(run)
    waits = results.spot_waits(run)
    full_h = results.hours_at_capacity(run)
    used = [a for a in run.scenario.airfields if a.id in counts or a.id in waits]
    queues = {a.id: results.queue_counts(waits.get(a.id, [])) for a in used}
    deepest = max([1] + [int(n.max()) for _, n in queues.values() if len(n)])
    fig, ax = _subplots(figsize=(12, 0.78 * max(1, len(used)) + 1.6))
    ax.xaxis_date(_start(run.scenario).tzinfo)
    lo = min([g.start for g in run.ground] + [w[0] for ws in waits.values() for w in ws], default=0.0) - 3
    hi = max((g.end for g in run.ground), default=1.0) + 3
    labels = []
    for k, a in enumerate(used):
        base = len(used) - 1 - k
        empty = (np.array([]), np.array([]))
        _airfield_row(ax, run, a, counts.get(a.id, empty), base, lo, hi)
        _queue_band(ax, run, queues[a.id], base, deepest, hi)
        labels.append(_airfield_label(a, counts.get(a.id, empty), full_h.get(a.id, 0.0), waits.get(a.id, []),
                                      queues[a.id]))
    ax.set_yticks([len(used) - 1 - k + BASE_LINE for k in range(len(used))])
    ax.set_yticklabels(labels, fontsize=7.5)
    ax.set_ylim(-0.05, len(used))
    ax.grid(axis="y", visible=False)
    ax.set_xlim(*_hours_x(run, [lo, hi]))
    _date_axis(ax, run, hi - lo)
    fig.legend([Patch(color=SPOTS_COLOUR, alpha=0.6), Line2D([], [], color="#333333", ls="--", lw=0.8),
                Line2D([], [], color=FULL_COLOUR, lw=3.5), Patch(facecolor=QUEUE_COLOUR, hatch="////",
                                                                edgecolor="#333333", lw=0)],
               ["working spots in use (up from the grey base line)", "MOG: every spot taken",
                "at capacity (every spot taken)",
                f"flights waiting for a spot (down; a queue of {deepest} fills the lane)"],
               loc="outside lower center", ncol=2, fontsize=8, frameon=False)
    ax.set_title(f"{run.scenario.name}: working spots in use, time at capacity and the queue for a spot")
    return fig


def airfields_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """airfields_figure saved as airfields.png (and .svg) in `out`."""
    return _save(airfields_figure(res), out, "airfields", svg)


def _airfield_row(ax: Axes, run: Run, a: Airfield, count: tuple[np.ndarray, np.ndarray], base: int, lo: float,
                  hi: float) -> None:
    """One airfield's spots in use as a band above its base line, its MOG line and the spans at capacity."""
    t, c = count
    xs = _hours_x(run, np.concatenate([[lo], t, [hi]]))
    ys = np.concatenate([[0], c, [c[-1] if len(c) else 0]]) / a.mog * (MOG_LINE - BASE_LINE)
    y0 = base + BASE_LINE
    ax.fill_between(xs, y0, y0 + ys, step="post", color=SPOTS_COLOUR, alpha=0.6, lw=0)
    ax.hlines(base + MOG_LINE, xs[0], xs[-1], colors="#333333", linestyles="--", lw=0.8)
    ax.hlines(y0, xs[0], xs[-1], colors="#bbbbbb", lw=0.6)
    full = [(xs[i + 1], xs[i + 2]) for i in range(len(c) - 1) if c[i] >= a.mog - 1e-9]
    if full:
        ax.hlines([base + MOG_LINE] * len(full), [f[0] for f in full], [f[1] for f in full], colors=FULL_COLOUR,
                  lw=3.5)


def _queue_band(ax: Axes, run: Run, queue: tuple[np.ndarray, np.ndarray], base: int, deepest: int,
                hi: float) -> None:
    """The flights waiting for a spot at one airfield, hanging below its base line (`deepest` fills the lane)."""
    t, n = queue
    if not len(t):
        return
    xs = _hours_x(run, np.concatenate([t, [hi]]))
    depth = np.concatenate([n, [0]]) / deepest * QUEUE_DEPTH
    y0 = base + BASE_LINE
    ax.fill_between(xs, y0 - depth, y0, step="post", facecolor=QUEUE_COLOUR, hatch="////", edgecolor="#333333",
                    lw=0, alpha=0.85)


def _airfield_label(a: Airfield, count: tuple[np.ndarray, np.ndarray], full_h: float,
                    waits: list[tuple[float, float]], queue: tuple[np.ndarray, np.ndarray]) -> str:
    """A row's label: the airfield, its MOG and peak, the hours at capacity, and who waited how long."""
    peak = results.spots_value(count[1].max()) if len(count[1]) else 0
    full = f"at capacity {full_h:.1f} h" if full_h > 0 else "never full"
    text = f"{a.name or a.id}\nMOG {a.mog}, peak {peak}, {full}"
    if waits:
        waited = sum(b - s for s, b in waits)
        text += f"\n{len(waits)} waited {waited:.0f} h, queue \u2264 {int(queue[1].max())}"
    return text


# ------------------------------------------------------------------ comparison charts

MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]
# the baseline solid, each variant in its own dash pattern
COMPARE_STYLES: list[str | tuple[int, tuple[int, ...]]] = ["-", "--", ":", "-.", (0, (5, 1)), (0, (1, 1, 3, 1))]


def _tz_of(digests: list[Digest]) -> tzinfo | None:
    """The baseline scenario's time zone."""
    return datetime.fromisoformat(digests[0].summary["scenario"]["start"]).tzinfo


@_styled
def compare_in_theatre_figure(digests: list[Digest], labels: list[str]) -> Figure:
    """Personnel in theatre over time, a step line per scenario, with the baseline's phase deadlines."""
    tz = _tz_of(digests)
    fig, ax = _subplots(figsize=(11, 4.8))
    ax.xaxis_date(tz)
    colours = colour_map(labels)
    firsts: list[datetime] = []
    lasts: list[datetime] = []
    for k, (d, lab) in enumerate(zip(digests, labels)):
        xs = [datetime.fromisoformat(t) for t, _ in d.in_theatre]
        ys = [n for _, n in d.in_theatre]
        # the baseline wide and underneath, the variants dashed on top: identical curves stay visible
        ax.step(_datenums(xs), ys, where="post", color=colours[lab], lw=3.2 if k == 0 else 1.6,
                ls=COMPARE_STYLES[k % len(COMPARE_STYLES)], label=lab + (" (baseline)" if k == 0 else ""),
                alpha=0.55 if k == 0 else 0.95, zorder=2 + k)
        firsts.append(xs[0])
        lasts.append(xs[-1])
    lo, hi = min(firsts), max(lasts + _compare_deadlines(ax, digests[0]))
    ax.set_xlim(_datenum(lo), _datenum(hi + timedelta(hours=12)))
    ax.set_ylim(0, None)
    ax.set_ylabel("personnel in theatre")
    ax.set_title("Personnel in theatre, by scenario")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="scenario")
    _time_axis(ax, tz, (hi - lo).total_seconds() / 3600, max_ticks=12)
    return fig


def compare_in_theatre_chart(digests: list[Digest], labels: list[str], out: Path, svg: bool = False) -> list[Path]:
    """compare_in_theatre_figure saved as compare_in_theatre.png (and .svg) in `out`."""
    return _save(compare_in_theatre_figure(digests, labels), out, "compare_in_theatre", svg)


def _compare_deadlines(ax: Axes, baseline: Digest) -> list[datetime]:
    """A line at the baseline's last deadline of each phase; returns the deadlines drawn."""
    drawn = []
    for ph in ("deploy", "withdraw"):
        dl = max((ln["deadline"] for ln in baseline.summary["lines"] if ln["phase"] == ph), default=None)
        if dl:
            x = datetime.fromisoformat(dl)
            _deadline_line(ax, _datenum(x), ph, f"{ph} deadline")
            drawn.append(x)
    return drawn


@_styled
def compare_completion_figure(digests: list[Digest], labels: list[str], phases: tuple[str, ...]) -> Figure:
    """Per phase, when each contingent and the whole phase closed in each scenario, with the baseline's deadlines."""
    tz = _tz_of(digests)
    phases = tuple(p for p in phases if p in digests[0].summary["phases"])
    colours = colour_map(labels)
    conts = {p: [c for c, v in digests[0].summary["contingents"].items() if f"{p}_closed" in v] for p in phases}
    n_rows = max((len(v) + 1 for v in conts.values()), default=1)
    size = (6.2 * len(phases) + 1.5, 0.5 * n_rows * max(1, len(digests) / 3) + 2.2)
    fig, axes = _subplots(1, len(phases), figsize=size, squeeze=False)
    for ax, ph in zip(axes[0], phases):
        ax.xaxis_date(tz)
        rows = [*conts[ph], "all"]
        xs_all = _closed_markers(ax, digests, labels, colours, ph, rows) + _deadline_markers(ax, digests[0], ph, rows)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([c if c != "all" else f"all {ph}" for c in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        lo, hi = min(xs_all), max(xs_all)
        pad = (hi - lo) * 0.06 + timedelta(hours=3)
        ax.set_xlim(_datenum(lo - pad), _datenum(hi + pad))
        _time_axis(ax, tz, (hi - lo).total_seconds() / 3600, max_ticks=12)
        ax.set_title(f"{ph}: completion by contingent")
    handles = [Line2D([], [], marker=MARKERS[j % len(MARKERS)], color=colours[lab], ls="none", ms=6)
               for j, lab in enumerate(labels)]
    handles.append(Line2D([], [], marker="|", color=DEADLINE_COLOUR, ls="none", ms=12, mew=2))
    # "outside" places the legend in a band that constrained layout reserves (below the axes)
    fig.legend(handles, [*labels, "deadline (baseline)"], loc="outside lower center",
               ncol=min(3, len(handles)), frameon=False)
    return fig


def compare_completion_chart(digests: list[Digest], labels: list[str], phases: tuple[str, ...], out: Path,
                             svg: bool = False) -> list[Path]:
    """compare_completion_figure saved as compare_completion.png (and .svg) in `out`."""
    return _save(compare_completion_figure(digests, labels, phases), out, "compare_completion", svg)


def _closed_at(digest: Digest, phase: str, row: str) -> str | None:
    """When a contingent (or, for row 'all', the whole phase) closed in one scenario: ISO time, or None."""
    if row == "all":
        return digest.summary["phases"][phase]["closed"]
    return digest.summary["contingents"].get(row, {}).get(f"{phase}_closed")


def _deadline_at(digest: Digest, phase: str, row: str) -> str:
    """A contingent's (or, for row 'all', the whole phase's) deadline: ISO time."""
    if row == "all":
        return digest.summary["phases"][phase]["deadline"]
    return digest.summary["contingents"][row][f"{phase}_deadline"]


def _closed_markers(ax: Axes, digests: list[Digest], labels: list[str], colours: dict[str, str], phase: str,
                    rows: list[str]) -> list[datetime]:
    """A marker per scenario on each row where it closed, offset so the scenarios sit side by side."""
    k = len(digests)
    drawn = []
    for j, (d, lab) in enumerate(zip(digests, labels)):
        off = (j - (k - 1) / 2) * (0.7 / max(k, 1))
        for i, c in enumerate(rows):
            v = _closed_at(d, phase, c)
            if v:
                x = datetime.fromisoformat(v)
                drawn.append(x)
                ax.plot([_datenum(x)], [i + off], marker=MARKERS[j % len(MARKERS)], color=colours[lab], ms=6,
                        ls="none")
    return drawn


def _deadline_markers(ax: Axes, baseline: Digest, phase: str, rows: list[str]) -> list[datetime]:
    """A bar at the baseline's deadline on each row; returns the deadlines."""
    drawn = []
    for i, c in enumerate(rows):
        x = datetime.fromisoformat(_deadline_at(baseline, phase, c))
        drawn.append(x)
        ax.plot([_datenum(x)], [i], marker="|", color=DEADLINE_COLOUR, ms=18, mew=2, ls="none")
    return drawn


@_styled
def compare_departures_figure(digests: list[Digest], labels: list[str], phases: tuple[str, ...]) -> Figure:
    """Loaded take-offs per local day, a bar per scenario side by side; a long run of days in rows, one
    under the other (same scale), so that the chart is never much wider than about twice its height."""
    days = _departure_days(digests, phases)
    colours = colour_map(labels)
    day_in = 0.55 * max(1, len(digests) / 2)  # inches a day's group of bars needs
    fits = max(1, int((DEPARTURES_MAX_WIDTH_IN - 3) / day_in))  # days a row of the widest chart holds
    per_row = max(1, math.ceil(len(days) / math.ceil(len(days) / fits))) if days else 1  # rows alike
    rows = [days[i:i + per_row] for i in range(0, len(days), per_row)] or [[]]
    fig, axes = _subplots(len(rows), 1, figsize=(max(8, min(DEPARTURES_MAX_WIDTH_IN, day_in * per_row + 3)),
                                                 1.4 + 2.7 * len(rows)), squeeze=False, sharey=True)
    for ax, row in zip(axes[:, 0], rows):
        _departure_bars(ax, digests, labels, phases, row, colours)
        ax.set_xlim(-0.5, per_row - 0.5)  # every row on the same scale of days
        ax.set_ylabel("loaded take-offs per day")
    axes[-1, 0].set_xlabel("local date")
    axes[0, 0].set_title("Departures per day, by scenario" + ("" if len(phases) > 1 else f" ({phases[0]})"))
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right upper", title="scenario")
    return fig


DEPARTURES_MAX_WIDTH_IN = 11.0  # the departures chart's widest; more days go on further rows


def _departure_bars(ax: Axes, digests: list[Digest], labels: list[str], phases: tuple[str, ...], days: list[str],
                    colours: dict[str, str]) -> None:
    """A group of bars per day, one bar per scenario, with the days as tick labels."""
    k = len(digests)
    width = 0.8 / max(k, 1)
    for j, (dg, lab) in enumerate(zip(digests, labels)):
        ys = [sum(dg.departures.get(d, {}).get(p, 0) for p in phases) for d in days]
        ax.bar([i + (j - (k - 1) / 2) * width for i in range(len(days))], ys, width=width * 0.95,
               color=colours[lab], label=lab)
    ax.set_xticks(range(len(days)))
    ax.set_xticklabels([date.fromisoformat(d).strftime("%d %b") for d in days], rotation=0 if len(days) < 16 else 45)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # take-offs are whole
    ax.grid(axis="x", visible=False)


def compare_departures_chart(digests: list[Digest], labels: list[str], phases: tuple[str, ...], out: Path,
                             svg: bool = False) -> list[Path]:
    """compare_departures_figure saved as compare_departures.png (and .svg) in `out`."""
    return _save(compare_departures_figure(digests, labels, phases), out, "compare_departures", svg)


def _departure_days(digests: list[Digest], phases: tuple[str, ...]) -> list[str]:
    """Every local day (ISO date) from the first to the last with a loaded take-off, so quiet days show as gaps."""
    busy = sorted({d for dg in digests for d, v in dg.departures.items() if any(v.get(p, 0) for p in phases)})
    if not busy:
        return busy
    first, last = date.fromisoformat(busy[0]), date.fromisoformat(busy[-1])
    return [(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]


def draw_compare_charts(digests: list[Digest], labels: list[str], phases: tuple[str, ...], out: Path,
                        svg: bool = False, dpi: int = CHART_DPI) -> list[Path]:
    """Draw every comparison chart (PNG at `dpi`): personnel in theatre, completion and departures per day."""
    with resolution(dpi):
        return (compare_in_theatre_chart(digests, labels, out, svg)
                + compare_completion_chart(digests, labels, phases, out, svg)
                + compare_departures_chart(digests, labels, phases, out, svg))


# ------------------------------------------------------------------ network

SURFACE_STYLES = {"road": ("#009E73", ":"), "rail": ("#CC79A7", "--")}  # (colour, line style) by mode


@_styled
def network_figure(res: results.Results) -> Figure:
    """The route network on a map of its region (Natural Earth borders and coastlines, shipped with
    the package): routes as great-circle arcs as wide as their loaded sorties, deploy solid and
    withdraw dashed with arrowheads, road and rail moves, airfields and places, and labels that never
    overlap (sim.mapchart draws it on sim.basemap)."""
    net = _network_map(res.run)
    frame = mapchart.frame_for(net)
    fig, ax = _subplots(figsize=frame.figsize())
    mapchart.draw_network(fig, ax, net, frame)
    return fig


def network_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """network_figure saved as network.png (and .svg) in `out`."""
    return _save(network_figure(res), out, "network", svg)


def _network_map(run: Run) -> mapchart.NetworkMap:
    """What the network chart shows of a run: every node, the air routes flown loaded, the surface moves."""
    s = run.scenario
    routes = _air_routes(run)
    moves = sorted({(t.mode, t.origin, t.destination) for t in run.trips})
    used = {a for _, path in routes for a in path} | {a for m in moves for a in m[1:]}
    nodes = tuple(mapchart.MapNode(a.id, _node_label(a), a.lon, a.lat, isinstance(a, Airfield), a.id in used)
                  for a in s.nodes())
    return mapchart.NetworkMap(f"{s.name}: route network", nodes,
                               tuple(mapchart.MapRoute(phase, path, n) for (phase, path), n in sorted(routes.items())),
                               tuple(moves), PHASE_COLOURS, SURFACE_STYLES)


def _air_routes(run: Run) -> dict[tuple[str, tuple[str, ...]], int]:
    """Loaded sorties per phase and path flown (origin, refuelling stops, destination), by direction."""
    routes: dict[tuple[str, tuple[str, ...]], int] = {}
    for r in run.sorties:
        if r.phase != "reposition":
            key = (r.phase, (r.origin, *r.stops, r.destination))
            routes[key] = routes.get(key, 0) + 1
    return routes


def _node_label(a: Airfield | Place) -> str:
    """A node's name (or id), with the MOG of an airfield."""
    return f"{a.name or a.id}" + (f" (MOG {a.mog})" if isinstance(a, Airfield) else "")


# ------------------------------------------------------------------ sorties, waits and journeys


@_styled
def sorties_per_day_figure(res: results.Results) -> Figure:
    """Loaded take-offs per local day, stacked by phase, with each day's total."""
    days, per_phase = results.sorties_per_day(res.run)
    fig, ax = _subplots(figsize=(10, 3.8))
    x = np.arange(len(days))
    bottom = np.zeros(len(days))
    for phase in results.PHASES:
        ys = per_phase.get(phase, np.zeros(len(days)))
        if ys.sum():
            ax.bar(x, ys, bottom=bottom, color=PHASE_COLOURS[phase], label=phase, width=0.75)
            bottom += ys
    for xi, total in zip(x, bottom):
        ax.annotate(f"{int(total)}", (xi, total), ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                    textcoords="offset points")
    ax.set_xticks(x)
    ax.set_xticklabels([date.fromisoformat(d).strftime("%d %b") for d in days], rotation=0 if len(days) <= 16 else 45)
    ax.set_ylim(0, max(1, bottom.max() if len(bottom) else 0) * 1.15)
    if not days:
        ax.annotate("no loaded sorties in this run", (0.5, 0.5), xycoords="axes fraction", ha="center", color="#777777")
    ax.set_ylabel("loaded take-offs")
    ax.set_xlabel("local date")
    ax.grid(axis="x", visible=False)
    if days:
        ax.legend(loc="upper right")
    ax.set_title(f"{res.run.scenario.name}: sorties per day")
    return fig


def sorties_per_day_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """sorties_per_day_figure saved as sorties_per_day.png (and .svg) in `out`."""
    return _save(sorties_per_day_figure(res), out, "sorties_per_day", svg)


BREAKDOWN_COLOURS = {"force": "#999999", "aircraft": "#D55E00", "reposition": "#E69F00", "crew": "#444444",
                     "ute": "#bbbbbb", "availability": "#dddddd", "mog": "#CC79A7", "hours": "#F0E442",
                     "cap": "#332288", "weather": "#7f7f7f", "delay": "#8c564b", "loading": "#56B4E9",
                     "flying": "#0072B2", "road": "#009E73", "rail": "#882255", "route": "#44AA99", "node": "#DDCC77",
                     "transfer": "#AA4499"}
MODE_HATCH = {"air": "", "road": "..", "rail": "//"}  # modes told apart without colour too
# parts that a colour vision deficiency would confuse with their neighbours (MOG with loading and UTE)
BREAKDOWN_HATCH = {"mog": "////", "ute": "...."}


def _room_for_tags(ax: Axes, tags: list[Any], ends: list[float], xmax: float) -> float:
    """The right x limit (at least `xmax`, from 0) at which every tag, drawn just right of the end of
    its bar, fits inside the axes: a tag w pixels wide after a bar ending at x needs
    x / xmax + w / W <= 1, W the axes' width in pixels (text keeps its size when the limit changes)."""
    from matplotlib.backends.backend_agg import RendererAgg

    fig = ax.get_figure()
    assert fig is not None
    renderer = RendererAgg(fig.bbox.width, fig.bbox.height, fig.dpi)  # measures text as the PNG draws it
    width = ax.get_window_extent(renderer).width
    for tag, end in zip(tags, ends):
        share = (tag.get_window_extent(renderer).width + 8) / width  # the 4-point offset and a margin
        if share < 0.9:
            xmax = max(xmax, end / (1.0 - share))
    return xmax


def _wrapped(tag: str, width: int = 64) -> str:
    """A long tag beside a bar broken into lines, so that it stays inside the figure."""
    return "\n".join(textwrap.wrap(tag, width)) or tag


@_styled
def why_late_figure(res: results.Results) -> Figure:
    """Per line, its time from ready to closure split into flying, handling and each kind of wait."""
    rows = res.lines
    fig, ax = _subplots(figsize=(11, max(3.0, 0.32 * len(rows) + 1.6)))
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    for part in results.WAIT_PARTS:
        w = np.array([r.breakdown_h[part] for r in rows])
        if w.sum() > 0:
            some = w > 0  # an empty bar draws nothing, but a hatched one still costs its hatch
            ax.barh(y[some], w[some], left=left[some], color=BREAKDOWN_COLOURS[part], label=results.PART_LABELS[part],
                    height=0.7, hatch=BREAKDOWN_HATCH.get(part), edgecolor="white", lw=0)
            left += w
    tags = []
    for yi, r in zip(y, rows):
        tag = _wrapped(r.status + (f": {r.bound_by}" if r.bound_by else ""))
        tags.append(ax.annotate(tag, (left[yi], yi), xytext=(4, 0), textcoords="offset points", va="center",
                                fontsize=7.5, color="#b00020" if r.status != "MET" else "#333333"))
    ax.set_yticks(y)
    ax.set_yticklabels([r.id for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, _room_for_tags(ax, tags, [float(v) for v in left], max(1.0, left.max()) * 1.25))
    ax.set_xlabel("hours from ready to closure")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25 / max(1.0, len(rows) / 6)), ncol=3, fontsize=7.5)
    ax.set_title(f"{res.run.scenario.name}: where each line's time went")
    return fig


def why_late_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """why_late_figure saved as why_late.png (and .svg) in `out`."""
    return _save(why_late_figure(res), out, "why_late", svg)


@_styled
def journey_figure(res: results.Results) -> Figure:
    """One bar per line from ready to closure, leg by leg, with the deadline and each milestone.

    The bar shows the wait for the force, each leg (by mode) and the time at the node after it (reception
    and transfer).
    """
    run, rows = res.run, res.lines
    fig, ax = _subplots(figsize=(11, max(3.0, 0.34 * len(rows) + 1.8)))
    ax.xaxis_date(_start(run.scenario).tzinfo)
    start, end = min(r.ready_h for r in rows), max(_row_end(run, r) for r in rows)
    for y, r in enumerate(rows):
        _journey_bar(ax, run, y, r, 0.07 * (end - start + 1))
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r.id} ({r.mode})" for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    _date_axis(ax, run, end - start)
    ax.set_xlim(_hours_x(run, start - 0.02 * (end - start + 1))[0], _hours_x(run, end + 0.08 * (end - start + 1))[0])
    fig.legend(handles=_journey_legend(rows), loc="outside lower center", ncol=3, fontsize=7.5, frameon=False)
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{run.scenario.name}: each line's journey, leg by leg")
    return fig


def journey_chart(res: results.Results, out: Path, svg: bool = False) -> list[Path]:
    """journey_figure saved as journey.png (and .svg) in `out`."""
    return _save(journey_figure(res), out, "journey", svg)


def _journey_legend(rows: list[results.LineRow]) -> list[Artist]:
    """Legend handles for what the journey bars show: only the segment kinds and markers present."""
    modes = sorted({g.mode for r in rows for g in r.legs})
    handles: list[Artist] = []
    if any(r.breakdown_h["force"] > 0 for r in rows):
        handles.append(Patch(facecolor=BREAKDOWN_COLOURS["force"],
                             label="waiting for the force or the lines it follows"))
    handles += [Patch(facecolor=_MODE_COLOURS[m], hatch=MODE_HATCH[m], edgecolor="white", label=f"{m} leg")
                for m in modes]
    if any(len(r.legs) > 1 for r in rows):
        handles.append(Patch(facecolor=BREAKDOWN_COLOURS["node"], label="reception and transfer at a node"))
    handles.append(Line2D([], [], marker="|", ms=12, mew=2, ls="", color=DEADLINE_COLOUR, label="deadline"))
    if any(g.deadline_h is not None for r in rows for g in r.legs):
        handles.append(Line2D([], [], marker="D", ls="", color="#333333", label="milestone"))
    return handles


_MODE_COLOURS = {"air": "#0072B2", "road": "#009E73", "rail": "#882255"}


def _row_end(run: Run, r: results.LineRow) -> float:
    """When a line closed, or the end of the run if it did not."""
    return r.closed_h if not math.isnan(r.closed_h) else run.end_h


def _journey_span(ax: Axes, run: Run, y: int, a: float, b: float, colour: str, hatch: str = "") -> None:
    """One segment of a journey bar, from hour `a` to `b` (nothing when either is unknown or it is empty)."""
    if not (math.isnan(a) or math.isnan(b)) and b > a:
        left = _hours_x(run, a)[0]
        ax.barh(y, _hours_x(run, b)[0] - left, left=left, height=0.6, color=colour, hatch=hatch, edgecolor="white",
                linewidth=0.4)


def _journey_bar(ax: Axes, run: Run, y: int, r: results.LineRow, near_h: float) -> None:
    """The segments of one line: force, then each leg and the node after it; its tag after the bar, or after
    the deadline when that falls less than `near_h` hours after the bar's end (it would cross the tag)."""
    end = _row_end(run, r)
    first = r.legs[0].complete_h if not math.isnan(r.legs[0].complete_h) else end
    _journey_span(ax, run, y, r.ready_h, first, BREAKDOWN_COLOURS["force"])
    for g in r.legs:
        closed = g.closed_h if not math.isnan(g.closed_h) else end
        _journey_span(ax, run, y, g.complete_h, closed, _MODE_COLOURS[g.mode], MODE_HATCH[g.mode])
        received = g.received_h if not math.isnan(g.received_h) else end
        _journey_span(ax, run, y, g.closed_h, received, BREAKDOWN_COLOURS["node"])
        if g.deadline_h is not None:
            ax.plot(_hours_x(run, g.deadline_h), [y], marker="D", ms=5, color="#333333", zorder=5)
    ax.plot(_hours_x(run, r.deadline_h), [y], marker="|", ms=12, mew=2, color=DEADLINE_COLOUR, zorder=5,
            path_effects=HALO)
    tag = r.status if r.status == "MET" else _wrapped(f"{r.status}: {r.bound_by}")
    at = r.deadline_h if 0 <= r.deadline_h - end <= near_h else end
    ax.annotate(tag, (_hours_x(run, at)[0], y), xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=7, color="#b00020" if r.status != "MET" else "#333333")


RunChart = Callable[[results.Results, Path, bool], list[Path]]
RUN_CHARTS: tuple[RunChart, ...] = (in_theatre_chart, closure_chart, gantt_chart, airfields_chart, network_chart,
                                    sorties_per_day_chart, why_late_chart, journey_chart)


def draw_run_charts(res: results.Results, out: Path, svg: bool = False, dpi: int = CHART_DPI) -> list[Path]:
    """Draw every run chart in this process, PNG at `dpi` (sim.chartpool draws them in two workers)."""
    with resolution(dpi):
        return [p for draw in RUN_CHARTS for p in draw(res, out, svg)]


# ------------------------------------------------------------------ Monte Carlo charts


@_styled
def mc_fan_figure(scenario: Scenario, grid: np.ndarray, fan: dict[str, np.ndarray], n: int) -> Figure:
    """Personnel in theatre over the replications: the median with its 50% and 90% bands."""
    fig, ax = _subplots(figsize=(11, 4.8))
    start = _start(scenario)
    ax.xaxis_date(start.tzinfo)
    x = _datenums([start + timedelta(hours=float(h)) for h in grid])
    ax.fill_between(x, fan["p5"], fan["p95"], step="post", color="#0072B2", alpha=0.18, lw=0,
                    label="90% band (P5-P95)")
    ax.fill_between(x, fan["p25"], fan["p75"], step="post", color="#0072B2", alpha=0.38, lw=0,
                    label="50% band (P25-P75)")
    ax.step(x, fan["p50"], where="post", color="#003f6b", lw=1.8, label="median")
    top = float(np.max(fan["p95"])) if len(fan["p95"]) else 1.0
    for phase in ("deploy", "withdraw"):
        mine = [m for m in scenario.movements if m.phase == phase]
        if mine:
            d = start + timedelta(hours=max(scenario.hours_of(m.deadline) for m in mine))
            _deadline_line(ax, _datenum(d), phase, f"{phase} deadline", top * 1.02)
    ax.set_ylim(0, max(1.0, top) * 1.15)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylabel("personnel in theatre")
    ax.set_title(f"{scenario.name}: personnel in theatre over {n} replications")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _time_axis(ax, start.tzinfo, grid[-1] - grid[0], max_ticks=12)
    return fig


def mc_fan_chart(scenario: Scenario, grid: np.ndarray, fan: dict[str, np.ndarray], n: int, out: Path,
                 svg: bool = False) -> list[Path]:
    """mc_fan_figure saved as mc_in_theatre_fan.png (and .svg) in `out`."""
    return _save(mc_fan_figure(scenario, grid, fan, n), out, "mc_in_theatre_fan", svg)


@_styled
def mc_completion_figure(scenario: Scenario, phase: str, closed_h: list[float], stats: Stats) -> Figure:
    """One phase's completion over the replications as a cumulative curve: the share of replications closed by
    each time, with P50, P90 and P95 marked, the deadline and P(met); one that never closed keeps it below 100%."""
    fig, ax = _subplots(figsize=(10, 4.6))
    start = _start(scenario)
    ax.xaxis_date(start.tzinfo)
    arr = np.array([math.inf if v is None or math.isnan(v) else v for v in closed_h], dtype=float)
    finite = np.sort(arr[np.isfinite(arr)])
    lo_h = min([stats.deadline_h, *finite[:1]])
    hi_h = max([stats.deadline_h, *finite[-1:]])
    pad = max(2.0, 0.05 * (hi_h - lo_h))

    def at(h: float) -> float:
        return _datenum(start + timedelta(hours=float(h)))

    if len(finite):
        shares = np.arange(1, len(finite) + 1) / len(arr) * 100
        ax.step([at(lo_h - pad), *[at(h) for h in finite], at(hi_h + pad)], [0.0, *shares, shares[-1]],
                where="post", color="#0072B2", lw=2)
        _percentile_marks(ax, start, arr, stats, (at(lo_h - pad), at(hi_h + pad)))
    d = start + timedelta(hours=stats.deadline_h)
    _deadline_line(ax, at(stats.deadline_h), phase, f"{phase} deadline {format_datetime(d, 'short')}", 101.0,
                   side="right")
    if stats.n:
        ax.plot([at(stats.deadline_h)], [stats.p_met * 100], marker="o", ms=7, color=DEADLINE_COLOUR, zorder=5)
        ax.annotate(f"P(met) {stats.p_met:.1%}: closed by the deadline", (at(stats.deadline_h), stats.p_met * 100),
                    xytext=(8, -5), textcoords="offset points", ha="left", va="top", fontsize=8.5,
                    color=DEADLINE_COLOUR, fontweight="bold")
    ax.set_xlim(at(lo_h - pad), at(hi_h + pad))
    ax.set_ylim(0, 109)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("replications closed by then (%)")
    lo_ci, hi_ci = stats.p_met_ci95
    never = f"; {stats.not_closed} never closed" if stats.not_closed else ""
    ax.set_title(f"{scenario.name}: {phase} completion over {stats.n} replications\n"
                 f"P(met) = {stats.p_met:.1%} (95% CI {lo_ci:.1%}-{hi_ci:.1%}){never}", fontsize=10.5)
    _time_axis(ax, start.tzinfo, hi_h - lo_h, max_ticks=12)
    return fig


def mc_completion_chart(scenario: Scenario, phase: str, closed_h: list[float], stats: Stats, out: Path,
                        svg: bool = False) -> list[Path]:
    """mc_completion_figure saved as mc_<phase>_completion.png (and .svg) in `out`."""
    return _save(mc_completion_figure(scenario, phase, closed_h, stats), out, f"mc_{phase}_completion", svg)


def _percentile_marks(ax: Axes, start: datetime, arr: np.ndarray, stats: Stats, span: tuple[float, float]) -> None:
    """P50, P90 and P95 of the completion times (never closed = +inf, as sim.replications.describe counts
    them) as labelled points on the curve, each with a dotted guide from the y axis; one that is never
    reached is named at the right edge of `span` (the x limits)."""
    p90 = float(np.percentile(arr, 90, method="higher"))
    right = span[1]
    for q, h in ((50, stats.p50_h), (90, p90), (95, stats.p95_h)):
        if math.isfinite(h):
            x = _datenum(start + timedelta(hours=h))
            ax.plot([x], [q], marker="D", ms=5, color="#222222", zorder=4)
            ax.hlines(q, span[0], x, colors="#222222", lw=0.7, linestyles=":")
            text = f"P{q} {format_datetime(start + timedelta(hours=h), 'short')}"
        else:
            x, text = right, f"P{q}: not closed"
        ax.annotate(text, (x, q), xytext=(6, -2) if x != right else (-4, -2), textcoords="offset points",
                    ha="left" if x != right else "right", va="top", fontsize=8, color="#222222")


@_styled
def mc_deadlines_figure(scenario: Scenario, line_stats: dict[str, Stats]) -> Figure:
    """Per line, the probability of meeting its deadline as a point with its 95% interval; the riskiest line
    (lowest P(met), then lowest interval) at the top. Shapes tell the bands apart without colour."""
    ids = [m.id for m in scenario.movements if m.id in line_stats]
    ids.sort(key=lambda i: (line_stats[i].p_met, line_stats[i].p_met_ci95[0]))  # stable: scenario order in ties
    fig, ax = _subplots(figsize=(10, max(3.2, 0.3 * len(ids) + 2.1)))
    for y, i in enumerate(ids):
        st = line_stats[i]
        colour, marker, _ = _risk_band(st.p_met)
        lo, hi = st.p_met_ci95
        ax.hlines(y, lo * 100, hi * 100, colors=colour, lw=4, alpha=0.45)
        ax.plot([st.p_met * 100], [y], marker=marker, ms=7, color=colour, mec="#222222", mew=0.6, ls="none")
        ax.annotate(f"{st.p_met:.0%} ({lo:.0%}-{hi:.0%})", (hi * 100, y), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=7.5)
    ax.set_yticks(range(len(ids)))
    ax.set_yticklabels(ids, fontsize=8)
    ax.set_ylim(len(ids) - 0.5, -0.5)
    # from the tens below the lowest interval (less 10), so that the intervals near 100% can be told apart
    left = max(0, math.floor(min([1.0] + [line_stats[i].p_met_ci95[0] for i in ids]) * 10) * 10 - 10)
    ax.set_xlim(left - 2, 100 + 0.25 * (100 - left))
    ax.set_xticks(range(left, 101, 10 if left < 50 else 5))
    ax.axvline(90, color="#777777", ls=":", lw=1)
    ax.set_xlabel("probability of meeting the deadline (%)" + (f", from {left}%" if left else ""))
    ax.grid(axis="y", visible=False)
    handles: list[Artist] = [Line2D([], [], marker=m, color=c, mec="#222222", mew=0.6, ls="none", ms=7, label=lab)
                             for c, m, lab in (_risk_band(0.95), _risk_band(0.7), _risk_band(0.2))]
    handles += [Line2D([], [], color="#777777", lw=4, alpha=0.45, label="95% interval"),
                Line2D([], [], color="#777777", ls=":", lw=1, label="90%")]
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8, frameon=False)
    ax.set_title(f"{scenario.name}\nprobability of meeting each line's deadline, the riskiest line first")
    return fig


def _risk_band(p: float) -> tuple[str, str, str]:
    """(colour, marker, label) of a probability of meeting a deadline: at least 90%, 50-90%, below 50%."""
    if p >= 0.9:
        return "#009E73", "o", "at least 90%"
    if p >= 0.5:
        return "#E69F00", "s", "50-90%"
    return "#D55E00", "X", "below 50%"


def mc_deadlines_chart(scenario: Scenario, line_stats: dict[str, Stats], out: Path,
                       svg: bool = False) -> list[Path]:
    """mc_deadlines_figure saved as mc_deadlines.png (and .svg) in `out`."""
    return _save(mc_deadlines_figure(scenario, line_stats), out, "mc_deadlines", svg)


# ------------------------------------------------------------------ sweep and fleet sizing


def _numeric(values: list[str]) -> list[float] | None:
    """The values as numbers, or None when any is not a number."""
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


@dataclass(frozen=True)
class _Sweep:
    """A sweep's results and how its charts read them."""

    varies: list[tuple[str, list[str]]]  # the varied fields (paths) with their values, first to last
    rows: list[SweepRow]
    phases: list[str]
    replicated: bool
    deadlines: dict[str, float]  # per phase: subtracted from its completion metric (0 when the metric is lateness)
    fixed: dict[str, str]  # the fields after the second at their first value

    def second(self) -> tuple[str | None, list[str | None]]:
        """The second varied field and its values, or (None, [None]) when only one field varies."""
        if len(self.varies) > 1:
            field, values = self.varies[1]
            return field, list(values)
        return None, [None]

    def value(self, metrics: PointMetrics, phase: str) -> float:
        """The metric plotted for a phase: its P50 completion (replicated), else its worst line's lateness."""
        ph = metrics.phases.get(phase)
        if ph is None:
            return math.nan
        return ph.p50_h if self.replicated else ph.worst_h

    def points(self, field: str | None, value: str | None) -> list[PointMetrics]:
        """The metrics of the points with `field` at `value` (every point when None) and the fixed fields."""
        return [m for pt, m in self.rows if (field is None or value is None or pt.values[field] == value)
                and all(pt.values[p] == v for p, v in self.fixed.items())]


@_styled
def sweep_figure(scenario: Scenario, varies: list[tuple[str, list[str]]],
                 rows: list[SweepRow], phases: list[str], replicated: bool) -> Figure:
    """Each phase's completion against the first varied field; with two fields, also a heatmap.

    Completion is in hours after the phase's own deadline, a line per phase and value of a second field; the
    heatmap shows the worst phase's lateness (or P(all met)).
    """
    # deterministic: the line of each phase latest against its own deadline; replicated: the phase's
    # P50 completion against its latest deadline
    deadlines = {ph: (max(scenario.hours_of(m.deadline) for m in scenario.movements if m.phase == ph)
                      if replicated else 0.0)
                 for ph in phases}
    sweep = _Sweep(varies, rows, phases, replicated, deadlines, {p: v[0] for p, v in varies[2:]})
    ncols = 2 if len(varies) > 1 else 1
    fig, axes = _subplots(1, ncols, figsize=(7.5 * ncols, 5.4), squeeze=False)  # the legend below the lines
    _sweep_lines(axes[0][0], sweep)
    if len(varies) > 1:
        _sweep_heatmap(fig, axes[0][1], sweep)
    fig.suptitle(f"{scenario.name}: sweep", fontsize=10)
    return fig


def sweep_chart(scenario: Scenario, varies: list[tuple[str, list[str]]], rows: list[SweepRow], phases: list[str],
                replicated: bool, out: Path, svg: bool = False) -> list[Path]:
    """sweep_figure saved as sweep.png (and .svg) in `out`."""
    return _save(sweep_figure(scenario, varies, rows, phases, replicated), out, "sweep", svg)


_SWEEP_MARKS = {"deploy": ("--", "s"), "withdraw": ("-", "o")}  # (line style, marker) by phase
SWEEP_LINE_INTEGER_TICKS = 12  # integer values of the first field: a tick at each, up to this many


def _sweep_lines(ax: Axes, sweep: _Sweep) -> None:
    """Completion against the first varied field: a line per phase and value of the second. A series that
    coincides with one drawn before is drawn thinner on top of it and says which it repeats."""
    first, vals1 = sweep.varies[0]
    second, series = sweep.second()
    xs = _numeric(vals1)
    xpos: list[float] | list[int] = xs if xs is not None else list(range(len(vals1)))
    # the second field's values in order, dark to light (viridis: readable with a colour vision deficiency)
    shades = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.8, max(1, len(series))))
    colours = {str(v): matplotlib.colors.to_hex(c) for v, c in zip(series, shades)}
    for ph in sweep.phases:
        ys_of = [_after_deadline([sweep.value(m, ph) for m in sweep.points(second, v2)], sweep.deadlines[ph])
                 for v2 in series]
        ls, mk = _SWEEP_MARKS.get(ph, ("-", "o"))
        for v2, ys, (same, under) in zip(series, ys_of, _coincident(ys_of)):
            label = ph + (f", {v2}" if second is not None else "")
            label += f" (same as {series[same]})" if same is not None else ""
            # of coincident series, the first widest and underneath, each later one thinner on top: rings
            ax.plot(xpos[: len(ys)], ys, marker=mk, ls=ls, color=colours[str(v2)], label=label,
                    lw=1.5 + 1.4 * under, ms=6.0 + 2.5 * under, zorder=2.5 - 0.1 * under)
    _sweep_line_axes(ax, sweep, first, vals1, xs)
    # below the axes, a column per phase: clear of the lines, and the plot keeps its width
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize=8, title=second, title_fontsize=8,
              ncol=len(sweep.phases), markerscale=0.8)


def _coincident(series: list[list[float]]) -> list[tuple[int | None, int]]:
    """Per series: the index of the first earlier series it coincides with (None if none), and how many
    later series coincide with it (the ones drawn over it)."""
    firsts = [next((j for j in range(i) if _same_series(series[j], ys)), None) for i, ys in enumerate(series)]
    roots = [i if f is None else f for i, f in enumerate(firsts)]
    return [(f, sum(1 for k in range(i + 1, len(roots)) if roots[k] == roots[i])) for i, f in enumerate(firsts)]


def _same_series(a: list[float], b: list[float]) -> bool:
    """Whether two series plot the same points (missing values alike)."""
    return len(a) == len(b) and bool(np.allclose(np.asarray(a, float), np.asarray(b, float), equal_nan=True))


def _sweep_line_axes(ax: Axes, sweep: _Sweep, first: str, vals1: list[str], xs: list[float] | None) -> None:
    """The deadline, ticks (the values themselves when they are whole numbers), labels and title."""
    ax.axhline(0, color=DEADLINE_COLOUR, ls="--", lw=1.2)
    ax.annotate("deadline", (0.01, 0), xycoords=("axes fraction", "data"), va="bottom", fontsize=8,
                color=DEADLINE_COLOUR)
    if xs is None:
        ax.set_xticks(range(len(vals1)))
        ax.set_xticklabels(vals1, rotation=30, ha="right")
    elif all(float(x).is_integer() for x in xs):
        few = len(xs) <= SWEEP_LINE_INTEGER_TICKS
        ax.xaxis.set_major_locator(FixedLocator(xs) if few else MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    ax.set_xlabel(first)
    ax.set_ylabel("phase completion (P50), hours after its deadline" if sweep.replicated
                  else "latest line of the phase, hours after its own deadline")
    fixed = f" ({', '.join(f'{k}={v}' for k, v in sweep.fixed.items())})" if sweep.fixed else ""
    ax.set_title(f"completion against {first}{fixed}")


def _after_deadline(values: list[float | None], deadline: float) -> list[float]:
    """Hours after the deadline; nan for a value that is missing or infinite (never closed)."""
    return [v - deadline if v is not None and not math.isinf(v) else math.nan for v in values]


def _sweep_grid(sweep: _Sweep) -> np.ndarray:
    """Per (second, first) value: P(all met) in % (replicated), else the worst phase's lateness in hours."""
    (first, vals1), (second, vals2) = sweep.varies[0], sweep.varies[1]
    grid = np.full((len(vals2), len(vals1)), np.nan)
    for pt, m in sweep.rows:
        if all(pt.values[p] == v for p, v in sweep.fixed.items()):
            i, j = vals2.index(pt.values[second]), vals1.index(pt.values[first])
            grid[i, j] = m.p_all_met * 100 if sweep.replicated else _worst_lateness(sweep, m)
    return grid


def _worst_lateness(sweep: _Sweep, metrics: PointMetrics) -> float:
    """The largest lateness of any phase against its own deadline; nan unless every phase has a finite one."""
    late = [v - sweep.deadlines[ph] for ph in sweep.phases if math.isfinite(v := sweep.value(metrics, ph))]
    return max(late) if len(late) == len(sweep.phases) else np.nan


# the sweep heatmap's colours, both readable with a colour vision deficiency: lateness diverges from blue
# (early) through white (on the deadline) to orange (late); P(all deadlines met) is cividis, dark to yellow
LATENESS_CMAP = LinearSegmentedColormap.from_list("sim_early_late", ["#0072B2", "#f7f7f7", "#E69F00"])
HEATMAP_TEXT_CELLS = 150  # values are written in the cells up to this many
HEATMAP_TICKS = 12  # at most this many tick labels per axis


def _sweep_heatmap(fig: Figure, hx: Axes, sweep: _Sweep) -> None:
    """The two varied fields as a grid of P(all met) or of the worst phase's lateness; late cells hatched,
    cells that never closed crossed."""
    (first, vals1), (second, vals2) = sweep.varies[0], sweep.varies[1]
    grid = _sweep_grid(sweep)
    if sweep.replicated:
        cmap, vmin, vmax = matplotlib.colormaps["cividis"].with_extremes(bad=OPEN_CELL), 0.0, 100.0
        label = "P(all deadlines met), %"
    else:
        lim = max(1.0, float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0)
        cmap, vmin, vmax = LATENESS_CMAP.with_extremes(bad=OPEN_CELL), -lim, lim
        label = "hours after the deadline, worst phase (negative: early)"
    im = hx.imshow(grid, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto", origin="lower")
    late = _sweep_late(sweep)
    for (i, j), v in np.ndenumerate(grid):
        if late[i, j]:
            hx.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="xx" if np.isnan(v) else "///",
                                   edgecolor="#222222" if _light_cell(im, v) else "#ffffff", lw=0, alpha=0.6))
    if grid.size <= HEATMAP_TEXT_CELLS:
        _heatmap_values(hx, im, grid, late, sweep.replicated)
    _heatmap_ticks(hx, vals1, vals2)
    hx.set_xlabel(first)
    hx.set_ylabel(second)
    hx.grid(False)
    fig.colorbar(im, ax=hx, label=label)
    what = "P(all deadlines met)" if sweep.replicated else "the worst phase against its deadline"
    hx.set_title(f"{what}\nhatched: a phase late{' (its P50)' if sweep.replicated else ''}; crossed: never closed",
                 fontsize=10)


OPEN_CELL = "#d9d9d9"  # a heatmap cell whose metric is missing: a phase never closed


def _light_cell(im: Any, v: float) -> bool:
    """Whether a heatmap cell of value v is light (dark text and hatching read on it) or dark."""
    r, g, b, _ = im.cmap(im.norm(v)) if not np.isnan(v) else matplotlib.colors.to_rgba(OPEN_CELL)
    return bool(0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45)


def _sweep_late(sweep: _Sweep) -> np.ndarray:
    """Per (second, first) value: True where a phase completed after its deadline (or never did)."""
    (first, vals1), (second, vals2) = sweep.varies[0], sweep.varies[1]
    late = np.zeros((len(vals2), len(vals1)), dtype=bool)
    for pt, m in sweep.rows:
        if all(pt.values[p] == v for p, v in sweep.fixed.items()):
            worst = _worst_lateness(sweep, m)
            late[vals2.index(pt.values[second]), vals1.index(pt.values[first])] = not worst <= 0
    return late


def _heatmap_values(hx: Axes, im: Any, grid: np.ndarray, late: np.ndarray, replicated: bool) -> None:
    """Each cell's value written in it, dark or light for contrast with its colour ('open' when never closed);
    on a late cell, 'late' below it and a box to keep it clear of the hatching."""
    for (i, j), v in np.ndenumerate(grid):
        light = _light_cell(im, v)
        text = "open" if np.isnan(v) else f"{v:.0f}%" if replicated else _signed_hours(v)
        box = {"boxstyle": "round,pad=0.15", "fc": "white" if light else "#333333", "ec": "none", "alpha": 0.75}
        hx.text(j, i, text + ("\nlate" if late[i, j] and not np.isnan(v) else ""), ha="center", va="center",
                fontsize=8, fontweight="bold", color="#111111" if light else "white", bbox=box if late[i, j] else None)


def _signed_hours(v: float) -> str:
    """Hours after a deadline, signed, to the hour ("+27 h"); under an hour to a tenth ("-0.3 h"), and
    "0 h" when that rounds to nothing: never a negative zero."""
    text = f"{v:+.0f}" if abs(v) >= 1 else f"{v:+.1f}"
    return ("0" if float(text) == 0 else text) + " h"


def _heatmap_ticks(hx: Axes, vals1: list[str], vals2: list[str]) -> None:
    """Tick labels for both fields: at most HEATMAP_TICKS each (every k-th), the x labels turned when long."""
    for axis, vals in ((hx.xaxis, vals1), (hx.yaxis, vals2)):
        step = math.ceil(len(vals) / HEATMAP_TICKS)
        axis.set_ticks(range(0, len(vals), step))
        axis.set_ticklabels(vals[::step])
    if sum(len(v) for v in vals1[:: math.ceil(len(vals1) / HEATMAP_TICKS)]) > 40:
        for label in hx.get_xticklabels():
            label.set(rotation=30, ha="right")


@_styled
def size_fleet_figure(scenario: Scenario, trials: dict[int, Trial],
                      type_id: str, phase: str, confidence: float | None, answer: int | None) -> Figure:
    """Each fleet size tried against its P(met) or lateness, whether it meets, and the smallest that does."""
    ns = sorted(trials)
    fig, ax = _subplots(figsize=(9, 4.4))
    if confidence is not None:
        ys = _p_met_axis(ax, trials, ns, phase, confidence)
    else:
        ys = _lateness_axis(ax, scenario, trials, ns, phase)
    ok = [trials[n].ok for n in ns]
    ax.plot(ns, ys, color="#0072B2", lw=1, alpha=0.6)
    ax.scatter([n for n, o in zip(ns, ok) if o], [y for y, o in zip(ys, ok) if o], color="#009E73", zorder=3,
               label="meets")
    ax.scatter([n for n, o in zip(ns, ok) if not o], [y for y, o in zip(ys, ok) if not o], color="#D55E00",
               marker="x", zorder=3, label="misses")
    if answer is not None:
        ax.axvline(answer, color="#009E73", ls=":", lw=1.2)
        ax.annotate(f"smallest: {answer}", (answer, 1.0), xycoords=("data", "axes fraction"), va="top",
                    xytext=(4, -4), textcoords="offset points", color="#006b4e", fontsize=9)
    if ns and max(ns) / max(1, min(ns)) > 8:  # the search doubles upwards: a log axis keeps the small sizes apart
        _log2_sizes(ax, ns, answer)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # fleet sizes are whole tails
    ax.set_xlabel(f"{type_id} tails")
    ax.set_title(f"{scenario.name}\n{phase} completion against {type_id} fleet size (the sizes tried)")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def size_fleet_chart(scenario: Scenario, trials: dict[int, Trial], type_id: str, phase: str,
                     confidence: float | None, answer: int | None, out: Path, svg: bool = False) -> list[Path]:
    """size_fleet_figure saved as size_fleet.png (and .svg) in `out`."""
    return _save(size_fleet_figure(scenario, trials, type_id, phase, confidence, answer), out, "size_fleet", svg)


def _p_met_axis(ax: Axes, trials: dict[int, Trial], ns: list[int], phase: str, confidence: float) -> list[float]:
    """Each size's P(deadlines met) in % (nan without one), on an axis with the required confidence marked."""
    ys = [_percent(trials[n].p_met) for n in ns]
    ax.axhline(confidence * 100, color="#333333", ls=":", lw=1.2, label=f"required {confidence:.0%}")
    ax.set_ylabel(f"P({phase} deadlines met) %")
    ax.set_ylim(-3, 105)
    return ys


def _percent(p: float | None) -> float:
    """A probability in %, or nan when there is none."""
    return p * 100 if p is not None else np.nan


def _lateness_axis(ax: Axes, scenario: Scenario, trials: dict[int, Trial], ns: list[int], phase: str) -> list[float]:
    """Each size's completion in hours after the phase's last deadline (nan if open), with the deadline marked."""
    phases = list(phases_for(phase))
    deadline = max(scenario.hours_of(m.deadline) for m in scenario.movements if m.phase in phases)
    ys = [trials[n].closed_h - deadline if not math.isnan(trials[n].closed_h) else np.nan for n in ns]
    ax.axhline(0, color=DEADLINE_COLOUR, ls=DEADLINE_STYLES.get(phase, "--"), lw=1.2, label=f"{phase} deadline")
    ax.set_ylabel(f"{phase} completion, hours after the deadline")
    return ys


SIZE_LABEL_GAP = 0.05  # least distance between two labelled fleet sizes, as a share of the log2 axis


def _log2_sizes(ax: Axes, ns: list[int], answer: int | None = None) -> None:
    """A base-2 log x axis with a tick at each size tried: labelled (the first, the last and the answer
    first) where the labels keep clear of each other, a short unlabelled tick elsewhere."""
    ax.set_xscale("log", base=2)
    labelled = _spaced_sizes(ns, answer)
    ax.xaxis.set_major_locator(FixedLocator(labelled))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%d"))
    ax.xaxis.set_minor_locator(FixedLocator([n for n in ns if n not in labelled]))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.tick_params(axis="x", which="major", labelsize=8)


def _spaced_sizes(ns: list[int], answer: int | None) -> list[int]:
    """The sizes to label on a log2 axis: the first, the last and the answer, then the others in order
    where they are at least SIZE_LABEL_GAP of the axis from every size already labelled."""
    if not ns:
        return []
    gap = SIZE_LABEL_GAP * max(1.0, math.log2(max(ns) / max(1, min(ns))))
    chosen = [n for n in dict.fromkeys([ns[0], ns[-1], answer]) if n in ns]
    for n in ns:
        if all(abs(math.log2(max(n, 1) / max(c, 1))) >= gap for c in chosen):
            chosen.append(n)
    return sorted(chosen)


# ------------------------------------------------------------------ sim plan latest


@_styled
def latest_figure(scenario: Scenario, rows: list[LatestRow]) -> Figure:
    """Per target: a bar from its current ready to the latest ready that still meets, its deadline in
    DEADLINE_COLOUR, and each trial of the search (meets or misses) on the same time axis.

    The axis spans the ready times and the trials; a deadline far beyond them is named at the edge of the
    chart rather than stretching the axis to it (which would leave the chart mostly empty)."""
    tz = scenario.start.tzinfo
    fig, ax = _subplots(figsize=(10, 1.5 + 0.5 * len(rows)))
    hours = [h for r in rows for h in (r.current_ready_h, r.latest_ready_h, *(t.ready_h for t in r.trials))
             if not math.isnan(h)]
    lo, hi = (min(hours), max(hours)) if hours else (0.0, 24.0)
    near = [r.deadline_h for r in rows if r.deadline_h - hi <= max(12.0, 0.5 * (hi - lo))]
    lo, hi = min([lo, *near]), max([hi, *near])
    pad = max(1.0, (hi - lo) * 0.04)
    for y, r in enumerate(reversed(rows)):
        _latest_row(ax, scenario, y, r, hi + pad)
    ax.set_yticks(range(len(rows)), [r.target for r in reversed(rows)], fontsize=8)
    ax.set_ylim(-0.6, len(rows) - 0.3)
    ax.set_xlim(_datenum(scenario.to_datetime(lo - pad)), _datenum(scenario.to_datetime(hi + pad)))
    _time_axis(ax, tz, hi - lo, max_ticks=8)
    ax.legend(handles=_latest_legend(rows), loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    ax.set_title(f"{scenario.name}\nlatest ready time that still meets the deadline (and the trials searched)")
    return fig


def _latest_row(ax: Axes, scenario: Scenario, y: int, r: LatestRow, right_h: float) -> None:
    """One target's bar, current ready, deadline (named at the right edge when beyond `right_h`) and trials."""
    when = scenario.to_datetime
    if not math.isnan(r.latest_ready_h):
        a, b = sorted((r.current_ready_h, r.latest_ready_h))
        ax.barh(y, _datenum(when(b)) - _datenum(when(a)), left=_datenum(when(a)), height=0.5,
                color="#D55E00" if r.already_late else "#009E73", alpha=0.8)
    ax.plot([_datenum(when(r.current_ready_h))], [y], marker="|", ms=14, mew=2, color="#333333")
    if r.deadline_h <= right_h:
        ax.plot([_datenum(when(r.deadline_h))], [y], marker="|", ms=14, mew=2.5, color=DEADLINE_COLOUR)
    else:
        ax.annotate(f"deadline {format_datetime(when(r.deadline_h), 'short')} \u2192", (1.0, y),
                    xycoords=("axes fraction", "data"), xytext=(-4, 0), textcoords="offset points", ha="right",
                    va="center", fontsize=8, color=DEADLINE_COLOUR)
    met = [t for t in r.trials if t.met]
    miss = [t for t in r.trials if not t.met]
    ax.scatter([_datenum(when(t.ready_h)) for t in met], [y + 0.32] * len(met), s=6, color="#009E73")
    ax.scatter([_datenum(when(t.ready_h)) for t in miss], [y + 0.32] * len(miss), s=8, marker="x",
               color="#D55E00", lw=0.8)


def _latest_legend(rows: list[LatestRow]) -> list[Artist]:
    """The bars drawn (later, already late), the ready and deadline marks and the two kinds of trial."""
    bars = [Patch(color="#009E73", alpha=0.8, label="current -> latest ready (later)")] * any(
        not r.already_late for r in rows) + [Patch(color="#D55E00", alpha=0.8, label="latest -> current ready "
                                                   "(already late)")] * any(r.already_late for r in rows)
    return [*bars,
            Line2D([], [], marker="|", ms=12, mew=2, ls="", color="#333333", label="current ready"),
            Line2D([], [], marker="|", ms=12, mew=2.5, ls="", color=DEADLINE_COLOUR, label="deadline"),
            Line2D([], [], marker="o", ms=3, ls="", color="#009E73", label="trial meets"),
            Line2D([], [], marker="x", ms=4, ls="", color="#D55E00", label="trial misses")]
