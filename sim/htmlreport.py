"""report.html: one self-contained page per run or comparison (charts embedded, styles inline).

Everything taken from the scenario is escaped. No script, font or image is fetched from anywhere:
the page opens offline and prints to PDF (tables are not cut, charts not split across pages).
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim import results
from sim.vocabulary import format_datetime, utc_label, versions_text

if TYPE_CHECKING:
    from sim.comparison import Digest
    from sim.scenario import Scenario

TimeText = Callable[[float | None], str]  # a model time as local text ('' when missing)

SORTIE_ROWS_SHOWN = 300

CSS = """
:root { --ink:#1d2327; --muted:#5f6b73; --line:#d9dee2; --met:#e3f4e8; --late:#fde2e1; --open:#fff2cc; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1240px; padding: 24px 28px 60px; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 34px 0 10px; \
border-bottom: 2px solid var(--line);
     padding-bottom: 4px; } h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 12px; } .desc { margin: 6px 0 14px; max-width: 900px; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: left; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; }
th { background: #f3f5f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.MET td.status { background: var(--met); } tr.LATE td.status, tr.LATE td.why { background: var(--late); }
tr.OPEN td.status, tr.OPEN td.why { background: var(--open); }
.status { font-weight: 600; } .kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 10px 0; }
.kpi { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; min-width: 160px; }
.kpi b { display: block; font-size: 18px; } .kpi span { color: var(--muted); font-size: 12px; }
figure { margin: 10px 0 24px; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 12.5px; } .scroll { overflow-x: auto; }
details { margin: 8px 0; } summary { cursor: pointer; color: #0b5cad; }
pre { background: #f6f8fa; padding: 10px; overflow-x: auto; font-size: 12px; }
.warn { background: var(--open); padding: 6px 10px; border-radius: 4px; margin: 4px 0; \
font-family: monospace; font-size: 12.5px; }
.small { font-size: 12px; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; }
  h2 { break-after: avoid; } figure, .kpi { break-inside: avoid; page-break-inside: avoid; }
  table { font-size: 10px; } tr { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; } details { display: block; } details > summary { display: none; }
  .noprint { display: none; } .scroll { overflow: visible; }
}
"""


def esc(value: object) -> str:
    """The value as HTML-escaped text (quotes too; None as '')."""
    return html.escape("" if value is None else str(value), quote=True)


def _img(path: Path, alt: str, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    svg = path.with_suffix(".svg")
    link = f' <a class="noprint" href="{esc(svg.name)}">SVG for zooming</a>' if svg.exists() else ""
    return (f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(caption)}{link}</figcaption></figure>")


def table(headers: list[str], rows: Sequence[Sequence[object]], num_cols: AbstractSet[int] = frozenset(),
           row_class: Callable[[int], str] | None = None,
           cell_class: dict[int, str] | None = None) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for k, row in enumerate(rows):
        cls = f' class="{esc(row_class(k))}"' if row_class else ""
        cells = []
        for i, c in enumerate(row):
            classes = [x for x in ("num" if i in num_cols else "", (cell_class or {}).get(i, "")) if x]
            attr = f' class="{" ".join(classes)}"' if classes else ""
            cells.append(f"<td{attr}>{esc(c)}</td>")
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>'


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>{body}</body></html>\n")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


CHART_CAPTIONS = [
    ("in_theatre.png",
     "Personnel in theatre over time, stacked by nation; dashed lines mark the deploy and withdraw deadlines."),
    ("closure.png", "Share of each movement line delivered over time (by mass); \u25bc marks each line's deadline."),
    ("why_late.png",
     "Where each line's time went, from its ready time to its closure; late lines name what bound them."),
    ("journey.png",
     "Each line's journey from ready to closure: the wait for the force, each leg by mode (air plain, road dotted, "
     "rail hatched) and the time at the node after it; \u25bc deadline, \u25c6 milestone."),
    ("gantt.png",
     "Every aircraft that flew: bars from off-blocks to on-blocks, coloured by the contingent aboard; grey = empty; "
     "thin bands under them = crew rest, waits for daily flying hours, maintenance, repairs, "
     "days not mission capable."),
    ("airfields.png", "Working spots in use at each airfield (an aircraft takes its type's spots), against its MOG."),
    ("network.png",
     "The network: airfields (circles) and places (squares) by longitude and latitude, routes drawn with width by "
     "loaded sorties; road dotted, rail dashed."),
    ("sorties_per_day.png", "Loaded take-offs per local calendar day."),
]


def run_report(res: results.Results, folder: Path, warnings: list[str], resolved_yaml: str) -> str:
    """The HTML of a run's report; charts are read from `folder` and embedded."""
    s = res.run.scenario

    def t(h: float | None) -> str:
        """A model time as local short text ('' when missing)."""
        return s.short(h, missing="")

    parts = run_header(res, t) + run_lines(res, t, warnings) + _run_charts(folder) + _run_inputs(res, t) \
        + _run_sorties(res, t)
    parts.append("<h2>Scenario as run</h2><details><summary>Show the resolved scenario (every default filled in)"
                 f"</summary><pre>{esc(resolved_yaml)}</pre></details>")
    return _page(f"{s.name}: sim report", "".join(parts))


def _utc(s: Scenario) -> str:
    return utc_label(s.start.tzinfo)


def run_header(res: results.Results, t: TimeText) -> list[str]:
    """Title, when and how it ran, the description, and the headline cards."""
    run, s = res.run, res.run.scenario
    parts = [f"<h1>{esc(s.name)}</h1>",
             f'<p class="meta">Run {esc(_now())} with {esc(versions_text())}; seed {esc(run.seed)}; '
             f"times are local at {esc(_utc(s))}; scenario start {esc(t(0.0))}, horizon {esc(f'{s.horizon:g}')} h.</p>"]
    if s.description:
        parts.append(f'<p class="desc">{esc(s.description)}</p>')
    kpis = []
    for phase, ph in res.phases.items():
        closed = t(ph.closed_h) or "not closed"
        state = "all met" if not ph.lines_late and not ph.lines_open else f"{ph.lines_late} late, {ph.lines_open} open"
        kpis.append(f'<div class="kpi"><span>{esc(phase)} closed</span><b>{esc(closed)}</b>'
                    f'<span>deadline {esc(t(ph.deadline_h))}; {esc(state)}</span></div>')
    tot = res.totals
    kpis.append(f'<div class="kpi"><span>sorties</span><b>{tot.sorties}</b><span>{tot.loaded_sorties} loaded, '
                f'{tot.reposition_sorties} empty; {tot.flying_h:.0f} flying hours</span></div>')
    parts.append(f'<div class="kpis">{"".join(kpis)}</div>')
    return parts


def run_lines(res: results.Results, t: TimeText, warnings: list[str]) -> list[str]:
    """The movement table, then validation warnings and the run's notes."""
    s = res.run.scenario
    rows = [[r.id, r.contingent, r.phase,
             f"{r.origin} \u2192 {r.destination}" + (f" ({r.mode})" if r.mode != "air" else ""),
             r.troops, r.vehicles, f"{r.cargo_t:g}", t(r.ready_h), t(r.deadline_h), t(r.closed_h) or "not closed",
             "" if math.isnan(r.slack_h) else f"{r.slack_h:+.1f}", r.status, r.bound_by] for r in res.lines]
    headers = ["line", "cont.", "phase", "route", "troops", "veh.", "cargo t", "ready", "deadline", "closed",
               "slack h", "status", "late because"]
    if not any(r.bound_by for r in res.lines):
        headers, rows = headers[:-1], [r[:-1] for r in rows]
    parts = ["<h2>Movement lines</h2>",
             f'<p class="small">Times are local ({esc(_utc(s))}), {esc(s.start.year)}. Slack = deadline \u2212 closed; '
             "the parts of each line's time are in movements.csv and the chart below.</p>",
             table(headers, rows, num_cols={4, 5, 6, 10}, row_class=lambda k: res.lines[k].status,
                    cell_class={11: "status", 12: "why wrap"})]
    if warnings:
        parts.append("<h3>Warnings from validation</h3>")
        parts += [f'<div class="warn">{esc(w)}</div>' for w in warnings]
    if res.notes:
        parts.append("<h3>Notes from the run</h3>")
        parts += [f'<div class="warn">{esc(n)}</div>' for n in res.notes]
    return parts


def _run_charts(folder: Path) -> list[str]:
    parts = ["<h2>Charts</h2>"]
    for name, caption in CHART_CAPTIONS:
        if (folder / name).exists():
            parts.append(_img(folder / name, caption.split(":")[0], caption))
    return parts


def _run_inputs(res: results.Results, t: TimeText) -> list[str]:
    """Contingents, fleet, aircraft types and airfields as the run used them."""
    s, fleet, af = res.run.scenario, res.fleet, res.airfields
    return [
        "<h2>Inputs</h2><h3>Contingents</h3>",
        table(["id", "nation", "troops", "vehicles", "cargo t", "home"],
               [[c.id, c.nation, c.troops, ", ".join(f"{k} {n}" for k, n in c.equipment.items() if n) or "-",
                 f"{c.cargo_t:g}", c.home] for c in s.contingents], num_cols={2, 4}),
        "<h3>Fleet</h3>",
        table(["fleet", "type", "tails", "base", "available", "tails used", "sorties", "flying h"],
               [[f.id, f.type, f.count, f.base, t(s.hours_of(f.available)) or t(0.0), fleet[f.id].tails_used,
                 fleet[f.id].sorties, f"{fleet[f.id].flying_h:.0f}"] for f in s.fleet], num_cols={2, 5, 6, 7}),
        "<h3>Aircraft types</h3>",
        table(["type", "seats", "payload t", "floor m", "cruise km/h", "range km", "load h", "unload h", "spots",
                "crews/tail", "duty h", "rest h", "UTE h/day", "MC rate"],
               [[a.id, a.seats, f"{a.payload_t:g}", f"{a.floor_m:g}", f"{a.cruise_kmh:g}", f"{a.range_km:g}",
                 f"{a.load_h:g}", f"{a.unload_h:g}", f"{a.spots:g}", f"{a.crew_ratio:g}", f"{a.duty_h():g}",
                 f"{a.crew_rest_h:g}", f"{a.ute_h_per_day:g}", f"{a.mc_rate:g}"] for a in s.aircraft],
               num_cols=set(range(1, 14))),
        "<h3>Airfields</h3>",
        table(["airfield", "name", "MOG", "peak spots in use", "hours", "departures", "arrivals"],
               [[a.id, a.name, a.mog, af[a.id].peak_on_ground, a.hours, af[a.id].departures,
                 af[a.id].arrivals] for a in s.airfields], num_cols={2, 3, 5, 6}),
    ]


def _run_sorties(res: results.Results, t: TimeText) -> list[str]:
    run = res.run
    n = len(run.sorties)
    rows = [[k + 1, r.tail, r.phase, r.line, r.contingent, f"{r.origin} \u2192 {r.destination}", r.troops,
             sum(r.vehicles.values()), f"{r.cargo_kg / 1000:g}", t(r.takeoff), t(r.on_blocks),
             f"{r.wait_crew_h * 60:.0f}", f"{r.wait_mog_h * 60:.0f}", f"{r.wait_hours_h * 60:.0f}"]
            for k, r in enumerate(run.sorties[:SORTIE_ROWS_SHOWN])]
    return [f"<h2>Sorties</h2><p class=\"small\">The first {min(n, SORTIE_ROWS_SHOWN)} of {n} flights, by take-off; "
            "all of them are in sorties.csv beside this report.</p>",
            table(["#", "tail", "phase", "line", "contingent", "route", "troops", "vehicles", "cargo t",
                    "take-off", "on blocks", "crew wait min", "MOG wait min", "hours wait min"], rows,
                   num_cols={0, 6, 7, 8, 11, 12, 13})]


COMPARE_CHART_CAPTIONS = [
    ("compare_in_theatre.png", "Personnel in theatre over time, one line per scenario."),
    ("compare_completion.png", "Completion time per contingent, per scenario; | marks the baseline's deadline."),
    ("compare_departures.png", "Loaded take-offs per day, per scenario."),
]


def compare_report(digests: list[Digest], phase: str, headers: list[str], rows: list[list[str]], folder: Path) -> str:
    """The HTML of a comparison's report."""
    base = digests[0]
    parts = [f"<h1>Comparison: {esc(len(digests))} scenarios</h1>",
             f'<p class="meta">Made {esc(_now())} with {esc(versions_text())}; phase: {esc(phase)}. '
             f"Baseline: <b>{esc(base.label)}</b> ({esc(base.summary['scenario']['name'])}); the other columns show "
             "their difference to it.</p>"]
    parts.append("<h2>Side by side</h2>")
    parts.append(table(headers, rows))
    parts.append("<h2>Scenarios</h2>")
    parts.append(table(["label", "name", "source", "seed"],
                        [[d.label, d.summary["scenario"]["name"], d.source, d.summary["scenario"]["seed"]]
                         for d in digests]))
    parts.append("<h2>What differs from the baseline</h2>")
    for d in digests[1:]:
        items = ("".join(f"<li><code>{esc(c)}</code></li>" for c in d.changes)
                 or "<li>nothing in the resolved scenario</li>")
        parts.append(f"<h3>{esc(d.label)}</h3><ul>{items}</ul>")
    parts.append("<h2>Charts</h2>")
    for name, caption in COMPARE_CHART_CAPTIONS:
        if (folder / name).exists():
            parts.append(_img(folder / name, caption, caption))
    return _page("sim comparison", "".join(parts))


MC_CHART_CAPTIONS = [
    ("mc_in_theatre_fan.png", "Personnel in theatre: median with 50% and 90% bands."),
    ("mc_withdraw_completion.png", "Withdrawal completion over the replications, deadline marked."),
    ("mc_deploy_completion.png", "Deployment completion over the replications, deadline marked."),
    ("mc_deadlines.png", "Probability of meeting each line's deadline, with 95% intervals."),
]


def montecarlo_report(scenario: Scenario, summary: dict[str, Any], folder: Path) -> str:
    """The HTML of a Monte Carlo batch's report."""
    b = summary["batch"]

    def pct(x: float | None) -> str:
        """A probability as a percentage ('-' when None or NaN)."""
        return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"

    def ci(v: Sequence[float | None] | None) -> str:
        """A (low, high) interval of probabilities as 'a%–b%' ('-' when missing)."""
        return "-" if not v or v[0] is None else f"{v[0]:.1%}\u2013{v[1]:.1%}"

    def short(iso: str | None) -> str:
        """An ISO time as '09 Jan 16:24', or 'not closed' when None."""
        return "not closed" if iso is None else format_datetime(datetime.fromisoformat(iso), "short")

    parts = [f"<h1>{esc(scenario.name)}: Monte Carlo</h1>",
             f'<p class="meta">Made {esc(_now())} with {esc(versions_text())}; {b["ok"]} replications '
             f"({b['failed']} failed{', interrupted' if b['interrupted'] else ''}) "
             f"from base seed {esc(b['base_seed'])}, executor {esc(b['executor'])}. "
             "Replication i uses seed replication_seed(base, i); the seed of each is in "
             "replications.csv, and <code>sim run SCENARIO --seed SEED</code> repeats it.</p>"]
    if scenario.description:
        parts.append(f'<p class="desc">{esc(scenario.description)}</p>')
    kpis = []
    for phase, st in summary["phases"].items():
        kpis.append(f'<div class="kpi"><span>{esc(phase)}: P(by deadline {esc(short(st["deadline"]))})</span>'
                    f'<b>{pct(st["p_met"])}</b><span>95% CI {ci(st["p_met_ci95"])}; '
                    f'median {esc(short(st["p50"]))}</span></div>')
    am = summary["all_deadlines_met"]
    kpis.append(f'<div class="kpi"><span>every line on time</span><b>{pct(am["p"])}</b>'
                f'<span>95% CI {ci(am["ci95"])}</span></div>')
    parts.append(f'<div class="kpis">{"".join(kpis)}</div>')
    parts.append("<h2>Completion by line</h2>")
    rows = [[ln["id"], short(ln["deadline"]), short(ln["p5"]), short(ln["p50"]), short(ln["p95"]), pct(ln["p_met"]),
             ci(ln["p_met_ci95"]), ln["not_closed"]] for ln in summary["lines"]]
    parts.append(table(["line", "deadline", "P5", "P50", "P95", "P(met)", "95% CI", "not closed"], rows,
                        num_cols={5, 7}))
    parts.append("<h2>What drives lateness</h2>")
    d = summary["drivers"]
    if d["late_line_replications"]:
        parts.append(table(["largest wait of a late line", "late line-replications", "share"],
                            [[x["wait"], x["count"], pct(x["share"])] for x in d["bound_by"]], num_cols={1, 2}))
    else:
        parts.append("<p>No line was late in any replication.</p>")
    mw = d["mean_waits_h"]
    parts.append(f'<p class="small">Mean per replication: {d["mean_breakdowns"]:.1f} breakdowns, '
                 f'{d["mean_weather_closures"]:.1f} weather closures; waits summed over sorties: '
                 + ", ".join(f"{esc(k)} {v:.0f} h" for k, v in mw.items() if k != "force") + ".</p>")
    if summary["failures"]:
        parts.append("<h3>Failed replications</h3>")
        parts.append(table(["replication", "seed", "error"],
                            [[f["replication"], f["seed"], f["error"]] for f in summary["failures"][:50]]))
    parts.append("<h2>Charts</h2>")
    for name, caption in MC_CHART_CAPTIONS:
        if (folder / name).exists():
            parts.append(_img(folder / name, caption, caption))
    return _page(f"{scenario.name}: Monte Carlo", "".join(parts))
