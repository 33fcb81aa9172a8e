"""Charts drawn from Results with matplotlib (Agg). Never runs the engine.

Each function writes one figure as PNG (and SVG when asked) and returns the paths written.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
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
    "figure.dpi": 100, "savefig.dpi": 100, "font.size": 9, "axes.titlesize": 11, "axes.titleweight": "bold",
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
    "legend.frameon": False, "svg.hashsalt": "sim", "svg.fonttype": "none",
    # constrained layout fits titles, labels and outside legends in one drawing pass; bbox_inches="tight"
    # would draw every figure twice
    "figure.constrained_layout.use": True,
})


def colour_map(keys: list[str]) -> dict[str, str]:
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)}


def _dates(run, hours) -> list:
    start = run.scenario.start
    return [start + timedelta(hours=float(h)) for h in np.atleast_1d(hours)]


def _time_axis(ax, tz, span_h: float, max_ticks: int = 14, label: bool = True) -> None:
    """Date ticks in the scenario's local time: 6- or 12-hourly for short spans, else daily."""
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
        offset = datetime(2022, 1, 1, tzinfo=tz).strftime("%z")
        ax.set_xlabel(f"local time (UTC{offset[:3]}:{offset[3:]})")


def _date_axis(ax, run, span_h: float, max_ticks: int = 14, label: bool = True) -> None:
    _time_axis(ax, run.scenario.start.tzinfo, span_h, max_ticks, label)


def _save(fig, out: Path, stem: str, svg: bool) -> list[Path]:
    paths = [out / f"{stem}.png"]
    fig.savefig(paths[0], metadata={"Software": None})
    if svg:
        paths.append(out / f"{stem}.svg")
        fig.savefig(paths[1], metadata={"Date": None, "Creator": None})
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
    # one collection per colour for all tails (not one per tail and colour): a few artists to draw, not hundreds
    from matplotlib.collections import PolyCollection

    base = mdates.date2num(start)
    verts: dict[str, list] = {}
    for y, tail in enumerate(tails):
        for r in by_tail[tail]:
            key = r.contingent if r.phase != "reposition" else ""
            x0 = base + r.off_blocks / 24.0
            w = max(r.on_blocks / 24.0 - r.off_blocks / 24.0, 1e-4)
            y0, y1 = y - 0.38, y + 0.38
            verts.setdefault(key, []).append([(x0, y0), (x0, y1), (x0 + w, y1), (x0 + w, y0)])
    for key, vs in verts.items():
        ax.add_collection(PolyCollection(vs, facecolors=colours.get(key, REPOSITION_COLOUR), linewidths=0))
    down_handles = _gantt_downtime(ax, run, {t: y for y, t in enumerate(tails)}, base)
    ax.set_yticks(range(len(tails)))
    ax.set_yticklabels(tails, fontsize=max(4.0, min(7.5, 500 / max(1, len(tails)))))
    ax.set_ylim(max(len(tails), 1) - 0.5, -0.5)
    if not tails:
        ax.annotate("no aircraft flew in this run", (0.5, 0.5), xycoords="axes fraction", ha="center", color="#777777")
    ax.grid(axis="y", visible=False)
    ax.xaxis_date(tz=start.tzinfo)
    lo = min((r.off_blocks for r in run.sorties), default=0.0) - 3
    hi = max((r.on_blocks for r in run.sorties), default=1.0) + 3
    ax.set_xlim(*mdates.date2num(_dates(run, [lo, hi])))
    _date_axis(ax, run, hi - lo)
    handles = [plt.Rectangle((0, 0), 1, 1, color=colours[c]) for c in conts]
    handles.append(plt.Rectangle((0, 0), 1, 1, color=REPOSITION_COLOUR))
    labels = [f"{c} ({nation[c]})" for c in conts] + ["empty (reposition)"]
    handles += [h for h, _ in down_handles]
    labels += [label for _, label in down_handles]
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.0, 1.0), title="flight / on the ground",
              fontsize=8)
    not_mc = sum(1 for d in run.downtime if d.kind == "availability" and d.end >= run.scenario.horizon)
    extra = f"; {not_mc} not mission capable" if not_mc else ""
    ax.set_title(f"{run.scenario.name}: aircraft schedule ({len(tails)} tails flew{extra}, {len(run.sorties)} flights)")
    ax.set_ylabel("aircraft (tail)")
    return _save(fig, out, "gantt", svg)


# ground time that is not work, drawn as a thin band under the flights: (colour, hatch, label)
DOWNTIME_STYLE = {
    "crew": ("#444444", "", "crew rest"),
    "ute": ("#aaaaaa", "////", "waiting for daily flying hours (UTE)"),
    "availability": ("#dddddd", "....", "not mission capable"),
    "maintenance": ("#000000", "xxxx", "scheduled maintenance"),
    "repair": ("#CC79A7", "\\\\", "repair after a breakdown"),
}


def _gantt_downtime(ax, run, rows: dict[str, int], base: float) -> list[tuple]:
    """Thin bands for crew rest, UTE waits, maintenance, repairs; returns legend (handle, label) pairs."""
    from matplotlib.collections import PolyCollection

    verts: dict[str, list] = {}
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
        out.append((plt.Rectangle((0, 0), 1, 1, facecolor=colour, hatch=hatch or None, edgecolor="#666666"), label))
    return out


def airfields_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    """One row per airfield: working spots in use over time (an aircraft takes its type's spots
    from on-blocks to the end of its ground task), scaled so that the row's height is its MOG (the
    dashed line): a band touching the line is a full apron."""
    run = res.run
    counts = R.ground_counts(run)
    used = [a for a in run.scenario.airfields if a.id in counts]
    fig, ax = plt.subplots(figsize=(12, 0.62 * max(1, len(used)) + 1.4))
    lo = min((g.start for g in run.ground), default=0.0) - 3
    hi = max((g.end for g in run.ground), default=1.0) + 3
    labels = []
    for k, a in enumerate(used):
        base = len(used) - 1 - k
        t, c = counts[a.id]
        xs = _dates(run, np.concatenate([[lo], t, [hi]]))
        ys = np.concatenate([[0], c, [c[-1] if len(c) else 0]]) / a.mog * 0.8
        peak = R.spots_value(c.max()) if len(c) else 0
        full = peak >= a.mog - 1e-9
        ax.fill_between(xs, base, base + ys, step="post", color="#D55E00" if full else "#0072B2", alpha=0.55, lw=0)
        ax.hlines(base + 0.8, xs[0], xs[-1], colors="#b00020", linestyles="--", lw=0.8)
        ax.hlines(base, xs[0], xs[-1], colors="#bbbbbb", lw=0.6)
        labels.append(f"{a.name or a.id}\nMOG {a.mog}, peak {peak}")
    ax.set_yticks([len(used) - 1 - k + 0.4 for k in range(len(used))])
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_ylim(-0.15, len(used) + 0.05)
    ax.grid(axis="y", visible=False)
    ax.set_xlim(*_dates(run, [lo, hi]))
    _date_axis(ax, run, hi - lo)
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D

    ax.legend([Patch(color="#0072B2", alpha=0.55), Patch(color="#D55E00", alpha=0.55),
               Line2D([], [], color="#b00020", ls="--", lw=0.8)],
              ["working spots in use", "... at an airfield that filled up", "MOG (row height)"],
              loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    ax.set_title(f"{run.scenario.name}: working spots in use against MOG")
    return _save(fig, out, "airfields", svg)


# ------------------------------------------------------------------ comparison charts

MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]


def _tz_of(digests):
    from datetime import datetime as _dt

    return _dt.fromisoformat(digests[0].summary["scenario"]["start"]).tzinfo


def compare_in_theatre_chart(digests, labels, out: Path, svg: bool = False) -> list[Path]:
    from datetime import datetime as _dt

    tz = _tz_of(digests)
    fig, ax = plt.subplots(figsize=(11, 4.8))
    colours = colour_map(labels)
    lo, hi = None, None
    styles = ["-", "--", ":", "-.", (0, (5, 1)), (0, (1, 1, 3, 1))]
    for k, (d, lab) in enumerate(zip(digests, labels)):
        xs = [_dt.fromisoformat(t) for t, _ in d.in_theatre]
        ys = [n for _, n in d.in_theatre]
        # the baseline wide and underneath, the variants dashed on top: identical curves stay visible
        ax.step(xs, ys, where="post", color=colours[lab], lw=3.2 if k == 0 else 1.6, ls=styles[k % len(styles)],
                label=lab + (" (baseline)" if k == 0 else ""), alpha=0.55 if k == 0 else 0.95, zorder=2 + k)
        lo = min(xs[0], lo) if lo else xs[0]
        hi = max(xs[-1], hi) if hi else xs[-1]
    for ph, style in (("deploy", "#444444"), ("withdraw", "#b00020")):
        dl = max((ln["deadline"] for ln in digests[0].summary["lines"] if ln["phase"] == ph), default=None)
        if dl:
            x = _dt.fromisoformat(dl)
            ax.axvline(x, color=style, ls="--", lw=1.1)
            ax.annotate(f"{ph} deadline", (x, 1.0), xycoords=("data", "axes fraction"), fontsize=8, color=style,
                        ha="right", va="top", rotation=90, xytext=(-2, -2), textcoords="offset points")
            hi = max(hi, x)
    ax.set_xlim(lo, hi + timedelta(hours=12))
    ax.set_ylim(0, None)
    ax.set_ylabel("personnel in theatre")
    ax.set_title("Personnel in theatre, by scenario")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="scenario")
    _time_axis(ax, tz, (hi - lo).total_seconds() / 3600, max_ticks=12)
    return _save(fig, out, "compare_in_theatre", svg)


def compare_completion_chart(digests, labels, phases: tuple[str, ...], out: Path, svg: bool = False) -> list[Path]:
    from datetime import datetime as _dt

    tz = _tz_of(digests)
    phases = tuple(p for p in phases if p in digests[0].summary["phases"])
    colours = colour_map(labels)
    conts = {p: [c for c, v in digests[0].summary["contingents"].items() if f"{p}_closed" in v] for p in phases}
    n_rows = max((len(v) + 1 for v in conts.values()), default=1)
    fig, axes = plt.subplots(1, len(phases), figsize=(6.2 * len(phases) + 1.5, 0.5 * n_rows * max(1, len(digests) / 3) + 2.2),
                             squeeze=False)
    k = len(digests)
    for ax, ph in zip(axes[0], phases):
        rows = conts[ph] + ["all"]
        xs_all = []
        for j, (d, lab) in enumerate(zip(digests, labels)):
            off = (j - (k - 1) / 2) * (0.7 / max(k, 1))
            for i, c in enumerate(rows):
                v = d.summary["phases"][ph]["closed"] if c == "all" else d.summary["contingents"].get(c, {}).get(f"{ph}_closed")
                if v:
                    x = _dt.fromisoformat(v)
                    xs_all.append(x)
                    ax.plot([x], [i + off], marker=MARKERS[j % len(MARKERS)], color=colours[lab], ms=6, ls="none")
        for i, c in enumerate(rows):
            dl = digests[0].summary["phases"][ph]["deadline"] if c == "all" else digests[0].summary["contingents"][c][f"{ph}_deadline"]
            x = _dt.fromisoformat(dl)
            xs_all.append(x)
            ax.plot([x], [i], marker="|", color="black", ms=18, mew=2, ls="none")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([c if c != "all" else f"all {ph}" for c in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.grid(axis="y", visible=False)
        lo, hi = min(xs_all), max(xs_all)
        pad = (hi - lo) * 0.06 + timedelta(hours=3)
        ax.set_xlim(lo - pad, hi + pad)
        _time_axis(ax, tz, (hi - lo).total_seconds() / 3600, max_ticks=12)
        ax.set_title(f"{ph}: completion by contingent")
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], marker=MARKERS[j % len(MARKERS)], color=colours[lab], ls="none", ms=6)
               for j, lab in enumerate(labels)]
    handles.append(Line2D([], [], marker="|", color="black", ls="none", ms=12, mew=2))
    # "outside" places the legend in a band that constrained layout reserves (below the axes)
    fig.legend(handles, [*labels, "deadline (baseline)"], loc="outside lower center",
               ncol=min(3, len(handles)), frameon=False)
    return _save(fig, out, "compare_completion", svg)


def compare_departures_chart(digests, labels, phases: tuple[str, ...], out: Path, svg: bool = False) -> list[Path]:
    from datetime import date as _date

    from datetime import timedelta as _td

    busy = sorted({d for dg in digests for d, v in dg.departures.items() if any(v.get(p, 0) for p in phases)})
    days = busy
    if busy:  # every day from the first to the last, so quiet days show as gaps
        first, last = _date.fromisoformat(busy[0]), _date.fromisoformat(busy[-1])
        days = [(first + _td(days=k)).isoformat() for k in range((last - first).days + 1)]
    colours = colour_map(labels)
    fig, ax = plt.subplots(figsize=(max(8, 0.55 * len(days) * max(1, len(digests) / 2) + 3), 4.4))
    k = len(digests)
    width = 0.8 / max(k, 1)
    for j, (dg, lab) in enumerate(zip(digests, labels)):
        ys = [sum(dg.departures.get(d, {}).get(p, 0) for p in phases) for d in days]
        ax.bar([i + (j - (k - 1) / 2) * width for i in range(len(days))], ys, width=width * 0.95,
               color=colours[lab], label=lab)
    ax.set_xticks(range(len(days)))
    ax.set_xticklabels([_date.fromisoformat(d).strftime("%d %b") for d in days], rotation=0 if len(days) < 16 else 45)
    ax.set_ylabel("loaded take-offs per day")
    ax.set_xlabel("local date")
    ax.grid(axis="x", visible=False)
    ax.set_title("Departures per day, by scenario" + ("" if len(phases) > 1 else f" ({phases[0]})"))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), title="scenario")
    return _save(fig, out, "compare_departures", svg)


def draw_compare_charts(digests, labels, phases, out: Path, svg: bool = False) -> list[Path]:
    return (compare_in_theatre_chart(digests, labels, out, svg)
            + compare_completion_chart(digests, labels, phases, out, svg)
            + compare_departures_chart(digests, labels, phases, out, svg))


def network_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    """Airfields placed by longitude and latitude; routes drawn with width by loaded sorties."""
    run = res.run
    s = run.scenario
    pos = {a.id: (a.lon, a.lat) for a in s.nodes()}
    routes: dict[tuple[str, str, str], int] = {}
    for r in run.sorties:
        if r.phase != "reposition":
            key = (r.phase, *sorted((r.origin, r.destination)))
            routes[key] = routes.get(key, 0) + 1
    surface = {(t.mode, t.origin, t.destination) for t in run.trips}
    used = {a for k in routes for a in k[1:]} | {a for k in surface for a in k[1:]}
    lats = [pos[a][1] for a in used] or [a.lat for a in s.airfields]
    mid_lat = sum(lats) / len(lats)
    fig, ax = plt.subplots(figsize=(11, 6))
    ax.set_aspect(1 / max(0.2, math.cos(math.radians(mid_lat))))
    top = max(routes.values(), default=1)
    colours = {"deploy": "#0072B2", "withdraw": "#D55E00"}
    for (phase, a, b), n in sorted(routes.items(), key=lambda kv: -kv[1]):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        shift = 0.08 if phase == "deploy" else -0.08  # keep the two phases' lines apart
        ax.plot([x1, x2], [y1 + shift, y2 + shift], color=colours[phase], lw=0.8 + 7 * n / top, alpha=0.55,
                solid_capstyle="round")
        ax.annotate(str(n), ((x1 + x2) / 2, (y1 + y2) / 2 + shift), fontsize=7.5, color=colours[phase],
                    ha="center", va="bottom" if phase == "deploy" else "top")
    styles = {"road": ("#009E73", ":"), "rail": ("#CC79A7", "--")}
    for mode, a, b in sorted(surface):
        (x1, y1), (x2, y2) = pos[a], pos[b]
        ax.plot([x1, x2], [y1, y2], color=styles[mode][0], lw=2.5, ls=styles[mode][1], label=None)
    placed: list[tuple[float, float]] = []  # label anchors already used, in degrees
    for a in sorted(s.nodes(), key=lambda a: (-a.lat, a.lon)):
        if a.id not in used and not hasattr(a, "mog"):
            continue  # places are drawn only when a leg used them
        x, y = pos[a.id]
        active = a.id in used
        ax.plot([x], [y], marker="o" if hasattr(a, "mog") else "s", ms=7 if active else 4,
                color="#222222" if active else "#aaaaaa", zorder=5)
        ly = y
        while any(abs(ly - py) < 1.3 and abs(x - px) < 6 for px, py in placed):
            ly -= 1.3  # airfields close together: stack their labels downwards
        placed.append((x, ly))
        ax.annotate(f"{a.name or a.id}" + (f" (MOG {a.mog})" if hasattr(a, "mog") else ""), (x, y), xytext=(x + 0.6, ly + 0.25), textcoords="data",
                    fontsize=8, color="#222222" if active else "#999999", zorder=6,
                    arrowprops={"arrowstyle": "-", "color": "#bbbbbb", "lw": 0.6} if ly != y else None)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=colours["deploy"], lw=3), Line2D([], [], color=colours["withdraw"], lw=3)]
    labels = ["deploy (number = loaded sorties)", "withdraw"]
    for mode in sorted({k[0] for k in surface}):
        handles.append(Line2D([], [], color=styles[mode][0], lw=2.5, ls=styles[mode][1]))
        labels.append(f"{mode} move")
    ax.legend(handles, labels, loc="lower left")
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    ax.set_title(f"{s.name}: network (line width by sorties)")
    xs = [pos[a.id][0] for a in s.airfields] + [pos[p][0] for p in used]
    ys = [pos[a.id][1] for a in s.airfields] + [pos[p][1] for p in used]
    ax.set_xlim(min(xs) - 3, max(xs) + 6)
    ax.set_ylim(min(ys) - 2, max(ys) + 2)
    return _save(fig, out, "network", svg)


def sorties_per_day_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    days, per_phase = R.sorties_per_day(res.run)
    fig, ax = plt.subplots(figsize=(10, 3.8))
    x = np.arange(len(days))
    bottom = np.zeros(len(days))
    colours = {"deploy": "#0072B2", "withdraw": "#D55E00"}
    for phase in R.PHASES:
        ys = per_phase.get(phase, np.zeros(len(days)))
        if ys.sum():
            ax.bar(x, ys, bottom=bottom, color=colours[phase], label=phase, width=0.75)
            bottom += ys
    for xi, total in zip(x, bottom):
        ax.annotate(f"{int(total)}", (xi, total), ha="center", va="bottom", fontsize=8, xytext=(0, 2),
                    textcoords="offset points")
    from datetime import date as _date

    ax.set_xticks(x)
    ax.set_xticklabels([_date.fromisoformat(d).strftime("%d %b") for d in days], rotation=0 if len(days) <= 16 else 45)
    ax.set_ylim(0, max(1, bottom.max() if len(bottom) else 0) * 1.15)
    if not days:
        ax.annotate("no loaded sorties in this run", (0.5, 0.5), xycoords="axes fraction", ha="center", color="#777777")
    ax.set_ylabel("loaded take-offs")
    ax.set_xlabel("local date")
    ax.grid(axis="x", visible=False)
    if days:
        ax.legend(loc="upper right")
    ax.set_title(f"{res.run.scenario.name}: sorties per day")
    return _save(fig, out, "sorties_per_day", svg)


BREAKDOWN_COLOURS = {"force": "#999999", "aircraft": "#D55E00", "reposition": "#E69F00", "crew": "#444444",
                     "ute": "#bbbbbb", "availability": "#dddddd", "mog": "#CC79A7", "hours": "#F0E442",
                     "weather": "#7f7f7f", "delay": "#8c564b", "loading": "#56B4E9", "flying": "#0072B2",
                     "road": "#009E73", "rail": "#882255", "route": "#44AA99", "node": "#DDCC77",
                     "transfer": "#AA4499"}
MODE_HATCH = {"air": "", "road": "..", "rail": "//"}  # modes told apart without colour too


def why_late_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    """Per line, its time from ready to closure split into flying, handling and each kind of wait."""
    rows = res.lines
    fig, ax = plt.subplots(figsize=(11, max(3.0, 0.32 * len(rows) + 1.6)))
    y = np.arange(len(rows))
    left = np.zeros(len(rows))
    for part in R.WAIT_PARTS:
        w = np.array([r.breakdown_h[part] for r in rows])
        if w.sum() > 0:
            ax.barh(y, w, left=left, color=BREAKDOWN_COLOURS[part], label=R.PART_LABELS[part], height=0.7)
            left += w
    for yi, r in zip(y, rows):
        tag = r.status + (f": {r.bound_by}" if r.bound_by else "")
        ax.annotate(tag, (left[yi], yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5,
                    color="#b00020" if r.status != "MET" else "#333333")
    ax.set_yticks(y)
    ax.set_yticklabels([r.id for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, max(1.0, left.max()) * 1.25)
    ax.set_xlabel("hours from ready to closure")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25 / max(1.0, len(rows) / 6)), ncol=3, fontsize=7.5)
    ax.set_title(f"{res.run.scenario.name}: where each line's time went")
    return _save(fig, out, "why_late", svg)


def journey_chart(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    """One bar per line from ready to closure: the wait for the force, each leg (by mode) and the time
    at the node after it (reception and transfer), with the deadline and each milestone."""
    run, rows = res.run, res.lines
    fig, ax = plt.subplots(figsize=(11, max(3.0, 0.34 * len(rows) + 1.8)))
    start, end = min(r.ready_h for r in rows), max(_row_end(run, r) for r in rows)
    for y, r in enumerate(rows):
        _journey_bar(ax, run, y, r)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"{r.id} ({r.mode})" for r in rows], fontsize=8)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    _date_axis(ax, run, end - start)
    ax.set_xlim(_dates(run, start - 0.02 * (end - start + 1))[0], _dates(run, end + 0.08 * (end - start + 1))[0])
    from matplotlib.patches import Patch

    modes = sorted({g.mode for r in rows for g in r.legs})
    handles = [Patch(facecolor=BREAKDOWN_COLOURS["force"], label="waiting for the force or the lines it follows")
               ] if any(r.breakdown_h["force"] > 0 for r in rows) else []
    handles += [Patch(facecolor=_MODE_COLOURS[m], hatch=MODE_HATCH[m], edgecolor="white", label=f"{m} leg")
                for m in modes]
    if any(len(r.legs) > 1 for r in rows):
        handles.append(Patch(facecolor=BREAKDOWN_COLOURS["node"], label="reception and transfer at a node"))
    handles.append(plt.Line2D([], [], marker="|", ms=12, mew=2, ls="", color="#b00020", label="deadline"))
    if any(g.deadline_h is not None for r in rows for g in r.legs):
        handles.append(plt.Line2D([], [], marker="D", ls="", color="#333333", label="milestone"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=7.5, frameon=False)
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{run.scenario.name}: each line's journey, leg by leg")
    return _save(fig, out, "journey", svg)


_MODE_COLOURS = {"air": "#0072B2", "road": "#009E73", "rail": "#882255"}


def _row_end(run, r: R.LineRow) -> float:
    return r.closed_h if not math.isnan(r.closed_h) else run.end_h


def _journey_bar(ax, run, y: int, r: R.LineRow) -> None:
    """The segments of one line: force, then each leg and the node after it."""
    def span(a: float, b: float, colour: str, hatch: str = "") -> None:
        if not (math.isnan(a) or math.isnan(b)) and b > a:
            left = mdates.date2num(_dates(run, a)[0])
            ax.barh(y, mdates.date2num(_dates(run, b)[0]) - left, left=left, height=0.6, color=colour,
                    hatch=hatch, edgecolor="white", linewidth=0.4)

    end = _row_end(run, r)
    first = r.legs[0].complete_h if not math.isnan(r.legs[0].complete_h) else end
    span(r.ready_h, first, BREAKDOWN_COLOURS["force"])
    for g in r.legs:
        closed = g.closed_h if not math.isnan(g.closed_h) else end
        span(g.complete_h, closed, _MODE_COLOURS[g.mode], MODE_HATCH[g.mode])
        span(g.closed_h, g.received_h if not math.isnan(g.received_h) else end, BREAKDOWN_COLOURS["node"])
        if g.deadline_h is not None:
            ax.plot(_dates(run, g.deadline_h), [y], marker="D", ms=5, color="#333333", zorder=5)
    ax.plot(_dates(run, r.deadline_h), [y], marker="|", ms=12, mew=2, color="#b00020", zorder=5)
    tag = r.status if r.status == "MET" else f"{r.status}: {r.bound_by}"
    ax.annotate(tag, (mdates.date2num(_dates(run, end)[0]), y), xytext=(4, 0), textcoords="offset points",
                va="center", fontsize=7, color="#b00020" if r.status != "MET" else "#333333")


RUN_CHARTS = (in_theatre_chart, closure_chart, gantt_chart, airfields_chart, network_chart, sorties_per_day_chart,
              why_late_chart, journey_chart)


def draw_run_charts(res: R.Results, out: Path, svg: bool = False) -> list[Path]:
    """Draw every run chart in this process (sim.chartpool draws them in two workers)."""
    return [p for draw in RUN_CHARTS for p in draw(res, out, svg)]


# ------------------------------------------------------------------ Monte Carlo charts


def mc_fan_chart(scenario, grid, fan: dict, n: int, out: Path, svg: bool = False) -> list[Path]:
    fig, ax = plt.subplots(figsize=(11, 4.8))
    start = scenario.start
    x = [start + timedelta(hours=float(h)) for h in grid]
    ax.fill_between(x, fan["p5"], fan["p95"], step="post", color="#0072B2", alpha=0.18, lw=0, label="90% band (P5-P95)")
    ax.fill_between(x, fan["p25"], fan["p75"], step="post", color="#0072B2", alpha=0.38, lw=0, label="50% band (P25-P75)")
    ax.step(x, fan["p50"], where="post", color="#003f6b", lw=1.8, label="median")
    top = float(np.max(fan["p95"])) if len(fan["p95"]) else 1.0
    for phase, colour in (("deploy", "#444444"), ("withdraw", "#b00020")):
        mine = [m for m in scenario.movements if m.phase == phase]
        if mine:
            d = start + timedelta(hours=max(scenario.h(m.deadline) for m in mine))
            ax.axvline(d, color=colour, ls="--", lw=1.1)
            ax.annotate(f"{phase} deadline", (d, top * 1.02), fontsize=8, color=colour, ha="right", va="bottom",
                        xytext=(-3, 0), textcoords="offset points")
    ax.set_ylim(0, max(1.0, top) * 1.15)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylabel("personnel in theatre")
    ax.set_title(f"{scenario.name}: personnel in theatre over {n} replications")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _time_axis(ax, start.tzinfo, grid[-1] - grid[0], max_ticks=12)
    return _save(fig, out, "mc_in_theatre_fan", svg)


def mc_completion_chart(scenario, phase: str, closed_h: list[float], stats: dict, out: Path,
                        svg: bool = False) -> list[Path]:
    fig, ax = plt.subplots(figsize=(10, 4.2))
    start = scenario.start
    finite = np.array([v for v in closed_h if v is not None and not math.isnan(v)])
    if len(finite):
        lo, hi = float(finite.min()), float(finite.max())
        bins = max(10, min(60, int((hi - lo) / 2) + 1))
        edges = np.linspace(lo - 0.5, hi + 0.5, bins + 1)
        ax.hist([start + timedelta(hours=float(v)) for v in finite],
                bins=[start + timedelta(hours=float(e)) for e in edges], color="#0072B2", alpha=0.85)
    d = start + timedelta(hours=stats["deadline_h"])
    ax.axvline(d, color="#b00020", ls="--", lw=1.5)
    lo_ci, hi_ci = stats["p_met_ci95"]
    ax.annotate(f"deadline {d:%d %b %H:%M} (dashed)\nP(met) = {stats['p_met']:.1%} (95% CI {lo_ci:.1%}-{hi_ci:.1%})",
                (0.98, 0.96), xycoords="axes fraction", ha="right", va="top", fontsize=9, color="#b00020",
                bbox={"boxstyle": "round", "fc": "white", "ec": "#dddddd"})
    if len(finite):
        lo_h = min(float(finite.min()), stats["deadline_h"])
        hi_h = max(float(finite.max()), stats["deadline_h"])
        pad = max(2.0, 0.05 * (hi_h - lo_h))
        ax.set_xlim(start + timedelta(hours=lo_h - pad), start + timedelta(hours=hi_h + pad))
    if stats.get("not_closed"):
        ax.annotate(f"{stats['not_closed']} replications never closed", (0.01, 0.98), xycoords="axes fraction",
                    va="top", fontsize=9)
    ax.set_ylabel("replications")
    ax.set_title(f"{scenario.name}: {phase} completion over {stats['n']} replications")
    span = (max(finite.max(), stats["deadline_h"]) - min(finite.min(), stats["deadline_h"])) / 24 if len(finite) else 1
    _time_axis(ax, start.tzinfo, 24 * span, max_ticks=12)
    return _save(fig, out, f"mc_{phase}_completion", svg)


def mc_deadlines_chart(scenario, line_stats: dict, out: Path, svg: bool = False) -> list[Path]:
    ids = [m.id for m in scenario.movements]
    fig, ax = plt.subplots(figsize=(10, max(3.0, 0.3 * len(ids) + 1.4)))
    p = np.array([line_stats[i]["p_met"] for i in ids])
    lo = np.array([line_stats[i]["p_met_ci95"][0] for i in ids])
    hi = np.array([line_stats[i]["p_met_ci95"][1] for i in ids])
    y = np.arange(len(ids))
    colours = ["#009E73" if v >= 0.9 else "#E69F00" if v >= 0.5 else "#D55E00" for v in p]
    ax.barh(y, p * 100, color=colours, height=0.7)
    ax.errorbar(p * 100, y, xerr=[np.maximum(p - lo, 0) * 100, np.maximum(hi - p, 0) * 100], fmt="none", ecolor="#333333", capsize=2, lw=0.8)
    for yi, v, h in zip(y, p, hi):
        ax.annotate(f"{v:.0%}", (max(v, h) * 100, yi), xytext=(5, 0), textcoords="offset points", va="center",
                    fontsize=7.5)
    ax.set_yticks(y)
    ax.set_yticklabels(ids, fontsize=8)
    ax.set_ylim(len(ids) - 0.5, -0.5)
    ax.set_xlim(0, 112)
    ax.axvline(90, color="#777777", ls=":", lw=1)
    ax.set_xlabel("probability of meeting the deadline (%), with 95% interval; "
                  "green at least 90%, orange 50-90%, red below 50%; dotted line at 90%")
    ax.grid(axis="y", visible=False)
    ax.set_title(f"{scenario.name}: probability of meeting each deadline")
    return _save(fig, out, "mc_deadlines", svg)


# ------------------------------------------------------------------ sweep and fleet sizing


def _numeric(values: list[str]) -> list[float] | None:
    try:
        return [float(v) for v in values]
    except ValueError:
        return None


def sweep_chart(scenario, varies, rows, phases, replicated: bool, out: Path, svg: bool = False) -> list[Path]:
    """Each phase's completion (hours after its own deadline) against the first varied field, a line
    per phase and value of a second field; with two fields, also a heatmap of the worst phase's
    lateness (or P(all met))."""
    # deterministic: the line of each phase latest against its own deadline; replicated: the phase's
    # P50 completion against its latest deadline
    deadlines = {ph: (max(scenario.h(m.deadline) for m in scenario.movements if m.phase == ph) if replicated else 0.0)
                 for ph in phases}
    keys = {ph: f"{ph}_p50_h" if replicated else f"{ph}_worst_h" for ph in phases}
    second = varies[1] if len(varies) > 1 else None
    fixed = {p: v[0] for p, v in varies[2:]}
    ncols = 2 if second else 1
    fig, axes = plt.subplots(1, ncols, figsize=(7.5 * ncols, 4.8), squeeze=False)
    _sweep_lines(axes[0][0], varies, rows, phases, replicated, deadlines, keys, fixed)
    if second:
        _sweep_heatmap(fig, axes[0][1], varies, rows, phases, replicated, deadlines, keys, fixed)
    fig.suptitle(f"{scenario.name}: sweep", fontsize=10)
    return _save(fig, out, "sweep", svg)


def _sweep_lines(ax, varies, rows, phases, replicated: bool, deadlines: dict, keys: dict, fixed: dict) -> None:
    """Completion against the first varied field: a line per phase and value of the second."""
    first, vals1 = varies[0]
    second = varies[1] if len(varies) > 1 else None
    xs = _numeric(vals1)
    xpos = xs if xs is not None else list(range(len(vals1)))
    series = second[1] if second else [None]
    colours = colour_map([str(v) for v in series])
    styles = {"deploy": ("--", "s"), "withdraw": ("-", "o")}
    for ph in phases:
        for v2 in series:
            pts = [(pt, m) for pt, m in rows if (v2 is None or pt.values[second[0]] == v2)
                   and all(pt.values[p] == v for p, v in fixed.items())]
            ys = [m.get(keys[ph], math.nan) for _, m in pts]
            ys = [y - deadlines[ph] if y is not None and not math.isinf(y) else math.nan for y in ys]
            ls, mk = styles.get(ph, ("-", "o"))
            ax.plot(xpos[: len(ys)], ys, marker=mk, ls=ls, color=colours[str(v2)],
                    label=ph + (f", {second[0]} = {v2}" if second else ""))
    ax.axhline(0, color="#b00020", ls=":", lw=1.2)
    ax.annotate("deadline", (0.01, 0), xycoords=("axes fraction", "data"), va="bottom", fontsize=8, color="#b00020")
    if xs is None:
        ax.set_xticks(xpos)
        ax.set_xticklabels(vals1, rotation=30, ha="right")
    ax.set_xlabel(first)
    ax.set_ylabel("phase completion (P50), hours after its deadline" if replicated
                  else "latest line of the phase, hours after its own deadline")
    ax.set_title(f"completion against {first}" + (f" ({', '.join(f'{k}={v}' for k, v in fixed.items())})" if fixed else ""))
    ax.legend(loc="best", fontsize=8)


def _sweep_grid(varies, rows, phases, replicated: bool, deadlines: dict, keys: dict, fixed: dict) -> np.ndarray:
    """Per (second, first) value: P(all met) in % (replicated), else the worst phase's lateness in hours."""
    (first, vals1), (second, vals2) = varies[0], varies[1]
    grid = np.full((len(vals2), len(vals1)), np.nan)
    for pt, m in rows:
        if all(pt.values[p] == v for p, v in fixed.items()):
            i, j = vals2.index(pt.values[second]), vals1.index(pt.values[first])
            if replicated:
                grid[i, j] = m.get("p_all_met", math.nan) * 100
            else:  # the worst phase: the largest lateness against its own deadline
                late = [m.get(keys[ph]) - deadlines[ph] for ph in phases
                        if m.get(keys[ph]) is not None and not math.isinf(m.get(keys[ph]))
                        and not math.isnan(m.get(keys[ph]))]
                grid[i, j] = max(late) if len(late) == len(phases) else np.nan
    return grid


def _sweep_heatmap(fig, hx, varies, rows, phases, replicated: bool, deadlines: dict, keys: dict, fixed: dict) -> None:
    (first, vals1), (second, vals2) = varies[0], varies[1]
    grid = _sweep_grid(varies, rows, phases, replicated, deadlines, keys, fixed)
    if replicated:
        im = hx.imshow(grid, cmap="RdYlGn", vmin=0, vmax=100, aspect="auto", origin="lower")
        label = "P(all deadlines met) %"
    else:
        lim = max(1.0, float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0)
        im = hx.imshow(grid, cmap="RdYlGn_r", vmin=-lim, vmax=lim, aspect="auto", origin="lower")
        label = "hours after the deadline, worst phase (negative: early)"
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            text = "open" if np.isnan(grid[i, j]) else f"{grid[i, j]:.0f}"
            hx.text(j, i, text, ha="center", va="center", fontsize=7.5)
    hx.set_xticks(range(len(vals1)))
    hx.set_xticklabels(vals1, rotation=30, ha="right")
    hx.set_yticks(range(len(vals2)))
    hx.set_yticklabels(vals2)
    hx.set_xlabel(first)
    hx.set_ylabel(second)
    hx.grid(False)
    fig.colorbar(im, ax=hx, label=label)
    hx.set_title(label)


def size_fleet_chart(scenario, trials, type_id: str, phase: str, confidence, answer, out: Path,
                     svg: bool = False) -> list[Path]:
    ns = sorted(trials)
    fig, ax = plt.subplots(figsize=(9, 4.4))
    if confidence is not None:
        ys = [trials[n].p_met * 100 if trials[n].p_met is not None else np.nan for n in ns]
        ax.axhline(confidence * 100, color="#b00020", ls="--", lw=1.2, label=f"required {confidence:.0%}")
        ax.set_ylabel(f"P({phase} deadlines met) %")
        ax.set_ylim(-3, 105)
    else:
        phases = [p for p in ("deploy", "withdraw") if phase in (p, "all")]
        deadline = max(scenario.h(m.deadline) for m in scenario.movements if m.phase in phases)
        ys = [trials[n].closed_h - deadline if not math.isnan(trials[n].closed_h) else np.nan for n in ns]
        ax.axhline(0, color="#b00020", ls="--", lw=1.2, label=f"{phase} deadline")
        ax.set_ylabel(f"{phase} completion, hours after the deadline")
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
        ax.set_xscale("log", base=2)
        ax.xaxis.set_major_locator(matplotlib.ticker.FixedLocator(ns))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%d"))
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        plt.setp(ax.get_xticklabels(), rotation=45, fontsize=7.5)
    ax.set_xlabel(f"{type_id} tails")
    ax.set_title(f"{scenario.name}\n{phase} completion against {type_id} fleet size (the sizes tried)")
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, out, "size_fleet", svg)
