"""report.html: one self-contained page per run or comparison (charts, data, styles and scripts inline).

Everything taken from the scenario is escaped: as HTML text, inside the JSON data blocks (sim.reportdata)
and inside the CSS strings of the printed header and footer. No script, font or image is fetched from
anywhere (a Content-Security-Policy forbids it): the page opens offline from file://. On screen the run's
report has interactive charts (sim/assets/charts.js) and sortable, filterable tables (tables.js); printed,
it shows the static charts, puts wide tables on landscape pages, and repeats the scenario's name, the run
time, the banner and page numbers on every page.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sim import results, tablerows
from sim.reportdata import json_script, report_data
from sim.reportmap import map_layout, route_pairs
from sim.vocabulary import format_datetime, utc_label, versions_text

if TYPE_CHECKING:
    from sim.comparison import Digest
    from sim.scenario import Scenario

TimeText = Callable[[float | None], str]  # a model time as local text ('' when missing)

# nothing leaves the page: no fetch, no font, no frame; inline styles and scripts and data: images only
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "base-uri 'none'; form-action 'none'")


def esc(value: object) -> str:
    """The value as HTML-escaped text (quotes too; None as '')."""
    return html.escape("" if value is None else str(value), quote=True)


def css_string(value: str) -> str:
    """The text as a CSS string literal: every character but ASCII letters and digits as a six-digit hex
    escape, so no text can end the string or the style sheet. (Spaces are escaped too: CSS would read a
    space right after an escape as the escape's end.)"""
    return '"' + "".join(c if c.isascii() and c.isalnum() else f"\\{ord(c):06x}" for c in value) + '"'


def asset(name: str) -> str:
    """The text of one of the report's style sheets or scripts (sim/assets/)."""
    return (resources.files("sim") / "assets" / name).read_text(encoding="utf-8")


class Sorted(NamedTuple):
    """A table cell whose text does not sort as itself (a local time, a number with a unit): its sort key."""

    text: str
    key: float | str


def _cell(c: object, classes: list[str]) -> str:
    attr = f' class="{" ".join(classes)}"' if classes else ""
    if isinstance(c, Sorted):
        key: object = c.key
        if isinstance(key, float):
            key = "" if not math.isfinite(key) else int(key) if key.is_integer() else key
        return f'<td{attr} data-v="{esc(key)}">{esc(c.text)}</td>'
    return f"<td{attr}>{esc(c)}</td>"


def table(headers: list[str], rows: Sequence[Sequence[object]], num_cols: AbstractSet[int] = frozenset(),
          row_class: Callable[[int], str] | None = None, cell_class: dict[int, str] | None = None,
          table_id: str = "", tall: bool = False) -> str:
    """An HTML table; with `table_id` it sorts by a click on a header and filters on a text box (tables.js),
    and with `tall` it scrolls inside a box on screen (the printout shows every row)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for k, row in enumerate(rows):
        cls = f' class="{esc(row_class(k))}"' if row_class else ""
        cells = [_cell(c, [x for x in ("num" if i in num_cols else "", (cell_class or {}).get(i, "")) if x])
                 for i, c in enumerate(row)]
        body.append(f"<tr{cls}>{''.join(cells)}</tr>")
    if not table_id:
        return (f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
                "</div>")
    bar = (f'<div class="tablebar" data-for="{esc(table_id)}"><input type="search" placeholder="Filter rows\u2026" '
           f'aria-label="Filter the rows of this table"><span class="count"></span></div>')
    return (f'{bar}<div class="{"tall compact" if tall else "scroll"}"><table class="sortable" id="{esc(table_id)}">'
            "<thead>"
            f'<tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table></div>')


def _img(path: Path, alt: str, caption: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    svg = path.with_suffix(".svg")
    link = f' <a class="noprint" href="{esc(svg.name)}">SVG for zooming</a>' if svg.exists() else ""
    return (f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{esc(caption)}{link}</figcaption></figure>")


def page_rules(name: str, made: str, banner: str = "") -> str:
    """The printed pages: A4 portrait, landscape for `.wide` sections, and on every page the scenario's
    name and the run time at the top, the banner top and bottom, and 'page n of N'."""
    left, right = ("34%", "29%") if banner else ("64%", "35%")  # the banner, if any, gets the middle
    small = "font: 8pt system-ui, sans-serif; color: #5f6b73;"
    flag = ("font: bold 9pt system-ui, sans-serif; color: #b3261e; letter-spacing: .08em; width: 37%; "
            f"content: {css_string(banner)};")
    center = f"@top-center {{ {flag} }} @bottom-center {{ {flag} }}" if banner else ""
    title = name if len(name) <= 90 else name[:89] + "\u2026"
    return (f"@page {{ size: A4; margin: 15mm 11mm 14mm 11mm; "
            f"@top-left {{ {small} width: {left}; content: {css_string(title)}; }} "
            f"@top-right {{ {small} width: {right}; text-align: right; content: {css_string(made)}; }} {center} "
            f"@bottom-right {{ {small} width: {right}; text-align: right; "
            'content: "page " counter(page) " of " counter(pages); } }\n'
            "@page wide { size: A4 landscape; margin: 13mm 10mm 12mm 10mm; }\n")


def _page(title: str, body: str, page_css: str = "", scripts: Sequence[str] = ("tables.js",)) -> str:
    code = "".join(f"<script>{asset(name)}</script>" for name in scripts)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{asset('report.css')}\n{page_css}</style></head>"
            f"<body>{body}{code}</body></html>\n")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


CHART_CAPTIONS = [
    ("in_theatre.png",
     "Personnel in theatre over time, stacked by nation; dashed lines mark the deploy and withdraw deadlines."),
    ("closure.png", "Each line from ready to closure, pale until its first arrival; late hatched; | deadline."),
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

# the files written beside report.html that it links to when they are there: (name, what it holds)
FILES = [
    ("sorties.csv", "every flight"),
    ("movements.csv", "every movement line: status and the parts of its time"),
    ("legs.csv", "every leg of every line"),
    ("surface.csv", "road serials and trains"),
    ("in_theatre.csv", "people in theatre after each change"),
    ("summary.json", "the summary, for other programs"),
    ("scenario.resolved.yaml", "the scenario as run"),
    ("network.geojson", "the network, for GIS"),
    ("movement.kml", "the movement, for Google Earth"),
    ("workbook.xlsx", "every table, as an Excel workbook"),
]

# the sections of a run's report: (anchor, title in the contents)
RUN_SECTIONS = [("lines", "Movement lines"), ("schedule", "Aircraft schedule"), ("map", "Airlift map"),
                ("charts", "Charts"), ("inputs", "Inputs"), ("sorties", "Sorties"), ("scenario", "Scenario as run")]


def run_report(res: results.Results, folder: Path, warnings: list[str], resolved_yaml: str) -> str:
    """The HTML of a run's report; charts are read from `folder` and embedded, and the data of the
    interactive charts written in (sim.reportdata), with the map's country outlines (sim.reportmap)."""
    s = res.run.scenario
    made = _now()
    banner = s.report.banner
    routes = [[r.origin, *r.stops, r.destination] for r in res.run.sorties]
    layout = map_layout(s, route_pairs(routes + [[x.origin, x.destination] for x in res.run.trips]))

    def t(h: float | None) -> str:
        """A model time as local short text ('' when missing)."""
        return s.short(h, missing="")

    static = _run_charts(folder)  # none after `sim run --no-charts`: then no Charts section either
    sections = {
        "lines": [*run_lines(res, t, warnings, interactive=True), *_lines_chart()],
        "schedule": _gantt_section(res, _utc(s), printed=bool(static)),
        "map": _map_section(layout is not None),
        "charts": static,
        "inputs": _run_inputs(res, t),
        "sorties": _run_sorties(res, t),
        "scenario": _scenario_section(resolved_yaml),
    }
    classes = {"schedule": "screen-only", "map": "screen-only", "charts": "page-break", "inputs": "page-break",
               "sorties": "wide", "scenario": "page-break"}
    shown = [(key, title) for key, title in RUN_SECTIONS if sections[key]]
    parts = [_banner(banner), *run_header(res, t, made), _contents(folder, shown)]
    parts += [f'<section id="{key}" class="{classes.get(key, "")}">{"".join(sections[key])}</section>'
              for key, _title in shown]
    parts += [json_script("sim-data", report_data(res, banner, layout)), _banner(banner, "bottom")]
    return _page(f"{s.name}: sim report", "".join(parts), page_rules(s.name, f"run {made}", banner),
                 scripts=("tables.js", "charts.js"))


def _banner(text: str, where: str = "top") -> str:
    return f'<div class="banner {where}" role="note">{esc(text)}</div>' if text else ""


def _utc(s: Scenario) -> str:
    return utc_label(s.start.tzinfo)


def _contents(folder: Path, sections: list[tuple[str, str]]) -> str:
    """The table of contents of the `sections` (anchor, title) and the links to the files beside the
    report (those that are there)."""
    toc = "".join(f'<li><a href="#{key}">{esc(title)}</a></li>' for key, title in sections)
    names = [(name, what) for name, what in FILES if (folder / name).exists()]
    names += [(p.name, "a table, as Parquet") for p in sorted(folder.glob("*.parquet"))]
    files = "".join(f'<li><a href="{esc(name)}">{esc(name)}</a> <span class="small">{esc(what)}</span></li>'
                    for name, what in names)
    return (f'<nav class="toc-files noprint"><div><h2>Contents</h2><ol>{toc}</ol></div>'
            f'<div><h2>Files beside this report</h2><ul>{files}</ul></div></nav>')


def run_header(res: results.Results, t: TimeText, made: str = "") -> list[str]:
    """Title, when and how it ran, the description, and the headline cards (red when a line is late or open)."""
    run, s = res.run, res.run.scenario
    parts = [f"<h1>{esc(s.name)}</h1>",
             f'<p class="meta">Run {esc(made or _now())} with {esc(versions_text())}; seed {esc(run.seed)}; '
             f"times are local at {esc(_utc(s))}; scenario start {esc(t(0.0))}, horizon {esc(f'{s.horizon:g}')} h.</p>"]
    if s.description:
        parts.append(f'<p class="desc">{esc(s.description)}</p>')
    kpis = []
    late = sum(r.status == "LATE" for r in res.lines)
    still_open = sum(r.status == "OPEN" for r in res.lines)
    state = "all met their deadlines" if not late and not still_open else f"{late} late, {still_open} open"
    kpis.append(f'<div class="kpi{" bad" if late or still_open else ""}"><span>movement lines</span>'
                f"<b>{len(res.lines) - late - still_open} of {len(res.lines)} on time</b>"
                f'<span class="state">{esc(state)}</span></div>')
    for phase, ph in res.phases.items():
        closed = t(ph.closed_h) or "not closed"
        bad = ph.lines_late or ph.lines_open
        state = "all met" if not bad else f"{ph.lines_late} late, {ph.lines_open} open"
        gap = res.bounds.get(phase)
        if gap is not None:
            state += f"; bound {t(gap.bound_h)}, gap {gap.gap_h:.1f} h"
        kpis.append(f'<div class="kpi{" bad" if bad else ""}"><span>{esc(phase)} closed</span><b>{esc(closed)}</b>'
                    f'<span class="state">deadline {esc(t(ph.deadline_h))}; {esc(state)}</span></div>')
    tot = res.totals
    kpis.append(f'<div class="kpi plain"><span>sorties</span><b>{tot.sorties}</b><span>{tot.loaded_sorties} loaded, '
                f'{tot.reposition_sorties} empty; {tot.flying_h:.0f} flying hours</span></div>')
    parts.append(f'<div class="kpis">{"".join(kpis)}</div>')
    if res.bounds:
        parts.append(_bound_note(res, t))
    return parts


def _bound_note(res: results.Results, t: TimeText) -> str:
    """One paragraph: each phase's bound (no dispatch closes it earlier), the gap and what binds."""
    items = "; ".join(f"{esc(p)}: bound {esc(t(g.bound_h))}, simulated {esc(t(g.simulated_h) or 'not closed')}, "
                      f"gap {g.gap_h:.1f} h, tight at the bound: {esc(g.binding)}" for p, g in res.bounds.items())
    return (f'<p class="desc">Closure bound (a relaxation of the model solved with HiGHS, as '
            f"<code>sim plan bound</code>; no dispatcher closes a phase before its bound, so the gap is the most "
            f"a better one could gain): {items}.</p>")


def _time(t: TimeText, h: float | None) -> Sorted:
    """A local time that sorts by the time (seconds since the start; nothing last)."""
    return Sorted(t(h), float(round(h * 3600)) if h is not None and math.isfinite(h) else math.nan)


def run_lines(res: results.Results, t: TimeText, warnings: list[str], interactive: bool = False) -> list[str]:
    """The movement table, then validation warnings and the run's notes; `interactive`: sortable and filterable."""
    s = res.run.scenario
    rows = [[r.id, r.contingent, r.phase,
             f"{r.origin} \u2192 {r.destination}" + (f" ({r.mode})" if r.mode != "air" else ""),
             r.troops, r.vehicles, f"{r.cargo_t:g}", _time(t, r.ready_h), _time(t, r.deadline_h),
             _time(t, r.closed_h) if t(r.closed_h) else Sorted("not closed", math.nan),
             "" if math.isnan(r.slack_h) else f"{r.slack_h:+.1f}", r.status, r.bound_by] for r in res.lines]
    headers = ["line", "cont.", "phase", "route", "troops", "veh.", "cargo t", "ready", "deadline", "closed",
               "slack h", "status", "late because"]
    if not any(r.bound_by for r in res.lines):
        headers, rows = headers[:-1], [r[:-1] for r in rows]
    parts = ["<h2>Movement lines</h2>",
             f'<p class="small">Times are local ({esc(_utc(s))}), {esc(s.start.year)}. Slack = deadline \u2212 closed; '
             "the parts of each line's time are in movements.csv and the charts below.</p>",
             table(headers, rows, num_cols={4, 5, 6, 10}, row_class=lambda k: res.lines[k].status,
                   cell_class={11: "status", 12: "why wrap"}, table_id="t-lines" if interactive else "")]
    if warnings:
        parts.append("<h3>Warnings from validation</h3>")
        parts += [f'<div class="warn">{esc(w)}</div>' for w in warnings]
    if res.notes:
        parts.append("<h3>Notes from the run</h3>")
        parts += [f'<div class="warn">{esc(n)}</div>' for n in res.notes]
    return parts


def _lines_chart() -> list[str]:
    return ['<div class="keep"><h3>Ready to closed, against the deadline</h3>'
            '<p class="small">One row per line: from its ready time to its closure (grey first while it waits for '
            "the lines it follows); the black tick is its deadline."
            '<span class="noprint"> Hover a row for its status, slack and what bound it.</span></p>'
            '<div id="chart-lines" class="chart"></div></div>']


def _gantt_section(res: results.Results, utc: str, printed: bool = True) -> list[str]:
    """The interactive schedule; `printed`: the static charts are in the report for the printout."""
    return ["<h2>Aircraft schedule</h2>",
            f'<p class="small">Every aircraft that flew ({len({r.tail for r in res.run.sorties})} tails, '
            f"{len(res.run.sorties)} flights), one row per tail: bars from off-blocks to on-blocks, coloured by the "
            "contingent aboard (grey: empty); thin bands under them: crew rest, waits for daily flying hours, "
            f"maintenance, repairs. Hover a bar for the sortie (times local, {esc(utc)})"
            + ("; the printout shows the static chart.</p>" if printed else ".</p>"),
            '<div id="chart-gantt" class="chart"></div>']


def _map_section(borders: bool) -> list[str]:
    note = "" if borders else " No country borders are drawn: the base map could not be read."
    return ["<h2>Airlift map</h2>",
            '<p class="small">The airlift at the slider\'s time: aircraft in the air on the great circle of their '
            f"route, tails on the ground at each airfield, and the people in theatre by nation.{esc(note)} "
            "Press play to run it.</p>",
            '<div id="chart-map" class="chart"></div>']


def _run_charts(folder: Path) -> list[str]:
    """The Charts section: the static charts in `folder`, embedded; nothing when there are none (--no-charts)."""
    images = [_img(folder / name, caption.split(":")[0], caption) for name, caption in CHART_CAPTIONS
              if (folder / name).exists()]
    if not images:
        return []
    return ["<h2>Charts</h2>",
            '<p class="small noprint">The static charts, for print and slides (the printout shows these).</p>',
            *images]


def _run_inputs(res: results.Results, t: TimeText) -> list[str]:
    """Contingents, fleet, aircraft types and airfields as the run used them."""
    s, fleet, af = res.run.scenario, res.fleet, res.airfields
    return [
        "<h2>Inputs</h2><h3>Contingents</h3>",
        table(["id", "nation", "troops", "vehicles", "cargo t", "home"],
              [[c.id, c.nation, c.troops, ", ".join(f"{k} {n}" for k, n in c.equipment.items() if n) or "-",
                f"{c.cargo_t:g}", c.home] for c in s.contingents], num_cols={2, 4}, table_id="t-contingents"),
        "<h3>Fleet</h3>",
        table(["fleet", "type", "tails", "base", "available", "tails used", "sorties", "flying h"],
              [[f.id, f.type, f.count, f.base, _time(t, s.hours_of(f.available)), fleet[f.id].tails_used,
                fleet[f.id].sorties, f"{fleet[f.id].flying_h:.0f}"] for f in s.fleet], num_cols={2, 5, 6, 7},
              table_id="t-fleet"),
        "<h3>Aircraft types</h3>",
        table(["type", "seats", "payload t", "floor m", "cruise km/h", "range km", "load h", "unload h", "spots",
               "crews/tail", "duty h", "rest h", "UTE h/day", "MC rate"],
              [[a.id, a.seats, f"{a.payload_t:g}", f"{a.floor_m:g}", f"{a.cruise_kmh:g}", f"{a.range_km:g}",
                f"{a.load_h:g}", f"{a.unload_h:g}", f"{a.spots:g}", f"{a.crew_ratio:g}", f"{a.duty_h():g}",
                f"{a.crew_rest_h:g}", f"{a.ute_h_per_day:g}", f"{a.mc_rate:g}"] for a in s.aircraft],
              num_cols=set(range(1, 14)), table_id="t-aircraft"),
        "<h3>Airfields</h3>",
        table(["airfield", "name", "MOG", "peak spots in use", "hours", "departures", "arrivals"],
              [[a.id, a.name, a.mog, af[a.id].peak_on_ground, a.hours, af[a.id].departures,
                af[a.id].arrivals] for a in s.airfields], num_cols={2, 3, 5, 6}, table_id="t-airfields"),
    ]


SORTIE_HEADERS = ["#", "tail", "phase", "line", "contingent", "route", "troops", "veh.", "cargo\u00a0t", "off blocks",
                  "take-off", "landing", "on blocks", "flying\u00a0h", "aircraft wait min", "MOG wait min",
                  "hours wait min", "crew wait min", "other waits min"]
OTHER_WAITS = ("wait_ute_min", "wait_avail_min", "wait_weather_min", "wait_delay_min", "wait_cap_min")


def _minutes(x: tablerows.Cell) -> str:
    return f"{x:.0f}" if isinstance(x, (int, float)) and math.isfinite(x) else ""


def _sortie_row(v: dict[str, tablerows.Cell], t: TimeText) -> list[object]:
    """One sortie as the table shows it, from its row of sorties.csv's typed table."""
    stops = str(v["stops"]).split()
    route = " \u2192 ".join([str(v["origin"]), *stops, str(v["destination"])])
    times = [_time(t, float(h)) if isinstance(h, (int, float)) else "" for h in
             (v["off_blocks"], v["takeoff"], v["landing"], v["on_blocks"])]
    other = sum(float(x) for k in OTHER_WAITS if isinstance(x := v[k], (int, float)))
    return [v["sortie"], v["tail"], v["phase"], v["line"], v["contingent"], route, v["troops"], v["vehicle_count"],
            f"{float(v['cargo_t'] or 0):.2f}".rstrip("0").rstrip("."), *times, f"{float(v['flying_h'] or 0):.1f}",
            _minutes(v["wait_aircraft_min"]), _minutes(v["wait_mog_min"]), _minutes(v["wait_hours_min"]),
            _minutes(v["wait_crew_min"]), _minutes(other)]


def _run_sorties(res: results.Results, t: TimeText) -> list[str]:
    typed = tablerows.sortie_table(res)
    rows = [_sortie_row(dict(zip(typed.header, r)), t) for r in typed.rows]
    return [f'<h2>Sorties</h2><p class="small">All {len(rows)} flights, loaded and empty, by take-off (as in '
            "sorties.csv). Waits are minutes; other = daily flying hours, not mission capable, weather and "
            "delays.</p>",
            table(SORTIE_HEADERS, rows, num_cols={0, 6, 7, 8, *range(13, 19)}, table_id="t-sorties", tall=True)]


def _scenario_section(resolved_yaml: str) -> list[str]:
    return ["<h2>Scenario as run</h2><details><summary>Show the resolved scenario (every default filled in)"
            f'</summary><pre class="yaml">{esc(resolved_yaml)}</pre></details>']


COMPARE_CHART_CAPTIONS = [
    ("compare_in_theatre.png", "Personnel in theatre over time, one line per scenario."),
    ("compare_completion.png", "Completion time per contingent, per scenario; | marks the baseline's deadline."),
    ("compare_departures.png", "Loaded take-offs per day, per scenario."),
]


def compare_report(digests: list[Digest], phase: str, headers: list[str], rows: list[list[str]], folder: Path) -> str:
    """The HTML of a comparison's report."""
    base = digests[0]
    made = _now()
    banner = str((base.resolved.get("report") or {}).get("banner") or "")
    parts = [_banner(banner), f"<h1>Comparison: {esc(len(digests))} scenarios</h1>",
             f'<p class="meta">Made {esc(made)} with {esc(versions_text())}; phase: {esc(phase)}. '
             f"Baseline: <b>{esc(base.label)}</b> ({esc(base.summary['scenario']['name'])}); the other columns show "
             "their difference to it.</p>"]
    parts.append("<h2>Side by side</h2>")
    parts.append(table(headers, rows, table_id="t-compare"))
    parts.append("<h2>Scenarios</h2>")
    parts.append(table(["label", "name", "source", "seed"],
                        [[d.label, d.summary["scenario"]["name"], d.source, d.summary["scenario"]["seed"]]
                         for d in digests], table_id="t-scenarios"))
    parts.append("<h2>What differs from the baseline</h2>")
    for d in digests[1:]:
        items = ("".join(f"<li><code>{esc(c)}</code></li>" for c in d.changes)
                 or "<li>nothing in the resolved scenario</li>")
        parts.append(f"<h3>{esc(d.label)}</h3><ul>{items}</ul>")
    parts.append("<h2>Charts</h2>")
    for name, caption in COMPARE_CHART_CAPTIONS:
        if (folder / name).exists():
            parts.append(_img(folder / name, caption, caption))
    parts.append(_banner(banner, "bottom"))
    return _page("sim comparison", "".join(parts), page_rules("sim comparison", f"made {made}", banner))


MC_CHART_CAPTIONS = [
    ("mc_in_theatre_fan.png", "Personnel in theatre: median with 50% and 90% bands."),
    ("mc_withdraw_completion.png", "Withdrawal completion over the replications, deadline marked."),
    ("mc_deploy_completion.png", "Deployment completion over the replications, deadline marked."),
    ("mc_deadlines.png", "Probability of meeting each line's deadline, with 95% intervals."),
]


def montecarlo_report(scenario: Scenario, summary: dict[str, Any], folder: Path) -> str:
    """The HTML of a Monte Carlo batch's report."""
    b = summary["batch"]
    made = _now()

    def pct(x: float | None) -> str:
        """A probability as a percentage ('-' when None or NaN)."""
        return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"

    def ci(v: Sequence[float | None] | None) -> str:
        """A (low, high) interval of probabilities as 'a%–b%' ('-' when missing)."""
        return "-" if not v or v[0] is None else f"{v[0]:.1%}\u2013{v[1]:.1%}"

    def short(iso: str | None) -> str:
        """An ISO time as '09 Jan 16:24', or 'not closed' when None."""
        return "not closed" if iso is None else format_datetime(datetime.fromisoformat(iso), "short")

    def quantile(stats: dict[str, Any], key: str) -> str:
        """A percentile time, '-' when no replication finished (the statistics then have none)."""
        return short(stats[key]) if key in stats else "-"

    parts = [_banner(scenario.report.banner), f"<h1>{esc(scenario.name)}: Monte Carlo</h1>",
             f'<p class="meta">Made {esc(made)} with {esc(versions_text())}; {b["ok"]} replications '
             f"({b['failed']} failed{', interrupted' if b['interrupted'] else ''}) "
             f"from base seed {esc(b['base_seed'])}, executor {esc(b['executor'])}. "
             "Replication i uses seed replication_seed(base, i); the seed of each is in "
             "replications.csv, and <code>sim run SCENARIO --seed SEED</code> repeats it.</p>"]
    if scenario.description:
        parts.append(f'<p class="desc">{esc(scenario.description)}</p>')
    kpis = []
    for phase, st in summary["phases"].items():
        kpis.append(f'<div class="kpi"><span>{esc(phase)}: P(by deadline {esc(short(st["deadline"]))})</span>'
                    f'<b>{pct(st.get("p_met"))}</b><span>95% CI {ci(st.get("p_met_ci95"))}; '
                    f'median {esc(quantile(st, "p50"))}</span></div>')
    am = summary["all_deadlines_met"]
    kpis.append(f'<div class="kpi"><span>every line on time</span><b>{pct(am.get("p"))}</b>'
                f'<span>95% CI {ci(am.get("ci95"))}</span></div>')
    parts.append(f'<div class="kpis">{"".join(kpis)}</div>')
    parts.append("<h2>Completion by line</h2>")
    rows = [[ln["id"], short(ln["deadline"]), quantile(ln, "p5"), quantile(ln, "p50"), quantile(ln, "p95"),
             pct(ln.get("p_met")), ci(ln.get("p_met_ci95")), ln.get("not_closed", "-")] for ln in summary["lines"]]
    parts.append(table(["line", "deadline", "P5", "P50", "P95", "P(met)", "95% CI", "not closed"], rows,
                       num_cols={5, 7}, table_id="t-mc-lines"))
    parts.append("<h2>What drives lateness</h2>")
    d = summary["drivers"]
    if d["late_line_replications"]:
        parts.append(table(["largest wait of a late line", "late line-replications", "share"],
                           [[x["wait"], x["count"], pct(x["share"])] for x in d["bound_by"]], num_cols={1, 2},
                           table_id="t-mc-drivers"))
    else:
        parts.append("<p>No line was late in any replication.</p>")
    parts.append(_mean_drivers(d))
    if summary["failures"]:
        parts.append("<h3>Failed replications</h3>")
        parts.append(table(["replication", "seed", "error"],
                           [[f["replication"], f["seed"], f["error"]] for f in summary["failures"][:50]],
                           table_id="t-mc-failures"))
    return _mc_page(scenario, parts, folder, made)


def _mean_drivers(d: dict[str, Any]) -> str:
    """The means per replication of breakdowns, weather closures and waits ('-' when none finished)."""
    def num(x: float | None, fmt: str) -> str:
        return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, fmt)

    waits = ", ".join(f"{esc(k)} {num(v, '.0f')} h" for k, v in d["mean_waits_h"].items() if k != "force")
    return (f'<p class="small">Mean per replication: {num(d["mean_breakdowns"], ".1f")} breakdowns, '
            f'{num(d["mean_weather_closures"], ".1f")} weather closures; waits summed over sorties: {waits}.</p>')


def _mc_page(scenario: Scenario, parts: list[str], folder: Path, made: str) -> str:
    """A Monte Carlo report's page: its parts, then the charts, between the banners."""
    parts = [*parts, "<h2>Charts</h2>"]
    for name, caption in MC_CHART_CAPTIONS:
        if (folder / name).exists():
            parts.append(_img(folder / name, caption, caption))
    parts.append(_banner(scenario.report.banner, "bottom"))
    return _page(f"{scenario.name}: Monte Carlo", "".join(parts),
                 page_rules(f"{scenario.name}: Monte Carlo", f"made {made}", scenario.report.banner))
