"""Charts drawn from Results with matplotlib (Agg). Never runs the engine.

Each function writes one figure as PNG (and SVG when asked) and returns the paths written.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim import results as R  # noqa: E402

# Okabe-Ito colour-blind-safe palette, then tab10 for more series
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
           "#8c564b", "#7f7f7f", "#bcbd22", "#17becf"]
REPOSITION_COLOUR = "#c8c8c8"

plt.rcParams.update({
    "figure.dpi": 110, "savefig.dpi": 110, "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "legend.frameon": False, "svg.hashsalt": "sim", "svg.fonttype": "none",
})


def colour_map(keys: list[str]) -> dict[str, str]:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def _dates(run, hours) -> list:
    start = run.scenario.start
    return [start + timedelta(hours=float(h)) for h in np.atleast_1d(hours)]


def _date_axis(ax, run, span_h: float, max_ticks: int = 14, label: bool = True) -> None:
    tz = run.scenario.start.tzinfo
    if span_h <= 36:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[0, 6, 12, 18], tz=tz))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M", tz=tz))
    elif span_h <= 4 * 24:
        ax.xaxis.set_major_locator(mdates.HourLocator(byhour=[0, 12], tz=tz))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%H:%M", tz=tz))
    else:
        step = max(1, int(math.ceil(span_h / 24 / max_ticks)))
        ax.xaxis.set_major_locator(mdates.DayLocator(interval=step, tz=tz))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b", tz=tz))
    if label:
        offset = run.scenario.start.strftime("%z")
        ax.set_xlabel(f"local time (UTC{offset[:3]}:{offset[3:]})")


def _save(fig, out: Path, stem: str, svg: bool) -> list[Path]:
    paths = [out / f"{stem}.png"]
    fig.savefig(paths[0], bbox_inches="tight", metadata={"Software": None})
    if svg:
        paths.append(out / f"{stem}.svg")
        fig.savefig(paths[1], bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return paths


def _span(res: R.Results) -> tuple[float, float]:
    run = res.run
    lo = min([0.0] + [r.ready_h for r in res.lines])
    hi = max([run.end_h] + [r.deadline_h for r in res.lines if r.deadline_h < run.end_h + 48])
    return lo, hi + 6


def in_theatre_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    run = res.run
    times, nations, counts = R.in_theatre(run)
    fig, ax = plt.subplots(figsize=(10, 4.8))
    colours = colour_map(nations)
    x = _dates(run, times)
    ax.stackplot(x, counts, labels=nations, colors=[colours[n] for n in nations], step="post", alpha=0.9)
    ymax = max(1.0, counts.sum(axis=0).max())
    for phase, colour in (("deploy", "#444444"), ("withdraw", "#b00020")):
        ph = res.phases.get(phase)
        if not ph:
            continue
        d = _dates(run, [ph["deadline_h"]])[0]
        ax.axvline(d, color=colour, ls="--", lw=1.2)
        ax.annotate(f"{phase} deadline\n{d:%d %b %H:%M}", (d, ymax * 1.02), fontsize=8, color=colour,
                    ha="right", va="bottom", xytext=(-3, 0), textcoords="offset points")
    lo, hi = _span(res)
    ax.set_xlim(*_dates(run, [lo, hi]))
    ax.set_ylim(0, ymax * 1.18)
    ax.set_ylabel("personnel in theatre")
    ax.set_title(f"{run.scenario.name}: personnel in theatre by nation")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="nation")
    _date_axis(ax, run, hi - lo)
    return _save(fig, out, "in_theatre", svg)


def closure_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    run = res.run
    curves = R.closure_curves(run)
    rows = res.lines
    fig, axes = plt.subplots(1, 2, figsize=(12, max(4.2, 0.28 * len(rows) + 1.5)), sharey=False)
    colours = colour_map([r.id for r in rows])
    for ax, phase in zip(axes, R.PHASES):
        mine = [r for r in rows if r.phase == phase]
        if not mine:
            ax.set_visible(False)
            continue
        lo = min(r.ready_h for r in mine) - 3
        hi = max([r.deadline_h for r in mine] + [r.closed_h for r in mine if not math.isnan(r.closed_h)]) + 6
        for r in mine:
            t, share = curves[r.id]
            c = colours[r.id]
            if len(t):
                tt = np.concatenate([[r.ready_h], t])
                ss = np.concatenate([[0.0], share])
                ax.step(_dates(run, tt), ss * 100, where="post", color=c, lw=1.6,
                        label=f"{r.id} ({r.status})")
            else:
                ax.plot([], [], color=c, label=f"{r.id} ({r.status})")
            ax.plot(_dates(run, [r.deadline_h]), [103], marker="v", color=c, ms=7, ls="none", clip_on=False)
        ax.set_xlim(*_dates(run, [lo, hi]))
        ax.set_ylim(0, 108)
        ax.set_ylabel("share of line delivered (%)")
        ax.set_title(f"{phase}: closure by line (\u25bc = deadline)")
        _date_axis(ax, run, hi - lo)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=7.5)
    fig.suptitle(run.scenario.name, fontsize=10)
    fig.tight_layout()
    return _save(fig, out, "closure", svg)


def gantt_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    run = res.run
    by_tail: dict[str, list] = {}
    for r in run.sorties:
        by_tail.setdefault(r.tail, []).append(r)
    tails = [t[0] for t in run.tails if t[0] in by_tail]
    conts = [c.id for c in run.scenario.contingents]
    nation = {c.id: c.nation for c in run.scenario.contingents}
    colours = colour_map(conts)
    height = min(30.0, max(3.5, 0.16 * len(tails) + 1.8))
    fig, ax = plt.subplots(figsize=(12, height))
    start = run.scenario.start
    for y, tail in enumerate(tails):
        bars: dict[str, list] = {}
        for r in by_tail[tail]:
            key = r.contingent if r.phase != "reposition" else ""
            x0 = mdates.date2num(start + timedelta(hours=r.off_blocks))
            x1 = mdates.date2num(start + timedelta(hours=r.on_blocks))
            bars.setdefault(key, []).append((x0, max(x1 - x0, 1e-4)))
        for key, spans in bars.items():
            ax.broken_barh(spans, (y - 0.38, 0.76), facecolors=colours.get(key, REPOSITION_COLOUR), lw=0)
    ax.set_yticks(range(len(tails)))
    ax.set_yticklabels(tails, fontsize=max(4.0, min(7.5, 500 / max(1, len(tails)))))
    ax.set_ylim(len(tails) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    ax.xaxis_date(tz=start.tzinfo)
    lo = min((r.off_blocks for r in run.sorties), default=0.0) - 3
    hi = max((r.on_blocks for r in run.sorties), default=1.0) + 3
    ax.set_xlim(*mdates.date2num(_dates(run, [lo, hi])))
    _date_axis(ax, run, hi - lo)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[c]) for c in conts]
    handles.append(plt.Rectangle((0, 0), 1, 1, color=REPOSITION_COLOUR))
    labels = [f"{c} ({nation[c]})" for c in conts] + ["empty (reposition)"]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="load")
    ax.set_title(f"{run.scenario.name}: aircraft schedule ({len(tails)} tails flew, {len(run.sorties)} flights)")
    ax.set_ylabel("aircraft (tail)")
    return _save(fig, out, "gantt", svg)


def airfields_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    run = res.run
    counts = R.ground_counts(run)
    used = [a for a in run.scenario.airfields if a.id in counts]
    n = max(1, len(used))
    ncols = 2 if n > 1 else 1
    nrows = math.ceil(n / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(12, 2.3 * nrows + 0.8), squeeze=False, sharex=True)
    lo = min((g.start for g in run.ground), default=0.0) - 3
    hi = max((g.end for g in run.ground), default=1.0) + 3
    for k, ax in enumerate(axes.flat):
        if k >= len(used):
            ax.set_visible(False)
            continue
        a = used[k]
        t, c = counts[a.id]
        xs, ys = _dates(run, np.concatenate([[lo], t])), np.concatenate([[0], c])
        ax.fill_between(xs, ys, step="post", color="#0072B2", alpha=0.35, lw=0)
        ax.step(xs, ys, where="post", color="#0072B2", lw=1.0, label="on the ground")
        ax.axhline(a.mog, color="#b00020", ls="--", lw=1.2, label=f"MOG {a.mog}")
        peak = int(c.max()) if len(c) else 0
        ax.set_title(f"{a.name or a.id} — peak {peak} of MOG {a.mog}", fontsize=9.5, loc="left")
        ax.set_ylim(0, max(a.mog, peak) * 1.25 + 0.5)
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_ylabel("aircraft")
        ax.legend(loc="upper right", fontsize=7.5)
        ax.set_xlim(*_dates(run, [lo, hi]))
        ax.tick_params(labelbottom=True)
        _date_axis(ax, run, hi - lo, max_ticks=7, label=k >= len(used) - ncols)
    fig.suptitle(f"{run.scenario.name}: aircraft on the ground against MOG", fontsize=11, fontweight="bold")
    fig.tight_layout()
    return _save(fig, out, "airfields", svg)


RUN_CHARTS = (in_theatre_chart, closure_chart, gantt_chart, airfields_chart)


def draw_run_charts(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    paths: list[Path] = []
    for draw in RUN_CHARTS:
        paths += draw(res, out, svg)
    return paths
