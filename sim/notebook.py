"""What a result shows in Jupyter (`_repr_html_`) and its charts as matplotlib Figures (`result.plot`).

The HTML is the report's own pieces (headline cards, the line table) under a style scoped to
`.sim-result`, so a notebook's look is untouched. The figures are drawn by the same functions that
write the PNGs (sim.charts `*_figure`), so a chart in a notebook is the chart in the folder.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.htmlreport import esc, run_header, run_lines, table

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.api import RunResult
    from sim.comparison import ComparisonResult
    from sim.grid import SweepResult
    from sim.replications import MonteCarloResult
    from sim.results import Results

STYLE = """<style>
.sim-result table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12.5px; }
.sim-result th, .sim-result td { border: 1px solid #d9dee2; padding: 2px 7px; text-align: left; white-space: nowrap; }
.sim-result th { background: #f3f5f7; } .sim-result td.num { text-align: right; }
.sim-result tr.LATE td.status, .sim-result tr.LATE td.why { background: #fde2e1; }
.sim-result tr.OPEN td.status, .sim-result tr.OPEN td.why { background: #fff2cc; }
.sim-result tr.MET td.status { background: #e3f4e8; } .sim-result td.wrap { white-space: normal; }
.sim-result .kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0; }
.sim-result .kpi { border: 1px solid #d9dee2; border-radius: 6px; padding: 6px 12px; min-width: 150px; }
.sim-result .kpi b { display: block; font-size: 17px; } .sim-result .kpi span { color: #5f6b73; font-size: 12px; }
.sim-result .kpi.bad { border-color: #b00020; background: #fde2e1; }
.sim-result .kpi.bad b, .sim-result .kpi.bad span.state { color: #b00020; }
.sim-result .meta, .sim-result .small { color: #5f6b73; font-size: 12px; }
.sim-result .warn { background: #fff2cc; padding: 4px 8px; margin: 3px 0; font-family: monospace; font-size: 12px; }
.sim-result h1 { font-size: 19px; margin: 4px 0; } .sim-result h2 { font-size: 15px; margin: 14px 0 4px; }
.sim-result h3 { font-size: 13px; margin: 10px 0 4px; }
</style>"""


def _wrap(body: str) -> str:
    return f'{STYLE}<div class="sim-result">{body}</div>'


def run_html(result: RunResult) -> str:
    """A run as a notebook shows it: the headline cards per phase and the line table with its status."""
    res = result.results
    s = result.scenario

    def t(h: float | None) -> str:
        return s.short(h, missing="")

    parts = run_header(res, t) + run_lines(res, t, [str(w) for w in result.warnings])
    return _wrap("".join(parts))


def montecarlo_html(result: MonteCarloResult) -> str:
    """A Monte Carlo batch: P(every line on time) and each phase's percentiles and P(met)."""
    s, sm = result.scenario, result.summary

    def pct(p: float) -> str:
        return "-" if math.isnan(p) else f"{p:.1%}"

    lo, hi = sm.all_met.ci95
    rows = [[phase, s.short(st.deadline_h), s.short(st.p5_h, missing="not closed"),
             s.short(st.p50_h, missing="not closed"), s.short(st.p95_h, missing="not closed"), pct(st.p_met)]
            for phase, st in sm.phases.items()]
    head = (f"<h1>{esc(s.name)}: Monte Carlo</h1><p class=\"meta\">{sm.n} replications ({len(sm.failed)} failed"
            f"{', interrupted' if result.interrupted else ''}) from base seed {result.seed}</p>"
            f'<div class="kpis"><div class="kpi"><span>every line on time</span><b>{pct(sm.all_met.p)}</b>'
            f"<span>95% CI {pct(lo)}\u2013{pct(hi)}</span></div></div>")
    return _wrap(head + table(["phase", "deadline", "P5", "P50", "P95", "P(met)"], rows, num_cols={5}))


def comparison_html(result: ComparisonResult) -> str:
    """A comparison: the side-by-side table (the baseline, then each other scenario's difference to it)."""
    headers, rows = result.table()
    base = result.digests[0]
    return _wrap(f"<h1>Comparison: {len(result.digests)} scenarios</h1><p class=\"meta\">baseline "
                 f"{esc(base.label)}; phase {esc(result.phase)}</p>" + table(headers, rows))


def sweep_html(result: SweepResult) -> str:
    """A sweep: one row per grid point, the varied values then the metrics, as the terminal shows it."""
    headers, rows = result.table()
    return _wrap(f"<h1>{esc(result.scenario.name)}: sweep of {len(rows)} points</h1>" + table(headers, rows))


class RunPlots:
    """The charts of one run as matplotlib Figures, drawn by the functions that write its PNGs.

    `result.plot.gantt()` returns the Figure of gantt.png; close it (matplotlib.pyplot.close) when
    done, or let the notebook show it."""

    def __init__(self, results: Results) -> None:
        self._res = results

    def in_theatre(self) -> Figure:
        """Personnel in theatre over time, stacked by nation (in_theatre.png)."""
        from sim.charts import in_theatre_figure

        return in_theatre_figure(self._res)

    def closure(self) -> Figure:
        """Per phase, the share of each line delivered over time (closure.png)."""
        from sim.charts import closure_figure

        return closure_figure(self._res)

    def gantt(self) -> Figure:
        """One row per aircraft: its flights and downtime (gantt.png)."""
        from sim.charts import gantt_figure

        return gantt_figure(self._res)

    def airfields(self) -> Figure:
        """Working spots in use at each airfield against its MOG (airfields.png)."""
        from sim.charts import airfields_figure

        return airfields_figure(self._res)

    def network(self) -> Figure:
        """Airfields, places and the routes flown or driven (network.png)."""
        from sim.charts import network_figure

        return network_figure(self._res)

    def sorties_per_day(self) -> Figure:
        """Loaded take-offs per local day, by phase (sorties_per_day.png)."""
        from sim.charts import sorties_per_day_figure

        return sorties_per_day_figure(self._res)

    def why_late(self) -> Figure:
        """Each line's time from ready to closure split into its parts (why_late.png)."""
        from sim.charts import why_late_figure

        return why_late_figure(self._res)

    def journey(self) -> Figure:
        """One bar per line from ready to closure, leg by leg (journey.png)."""
        from sim.charts import journey_figure

        return journey_figure(self._res)
