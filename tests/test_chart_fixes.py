"""Chart fixes found by a new user: what each chart must show, checked against the CSV and the scenario."""

from __future__ import annotations

import csv
import itertools
import re
from datetime import datetime
from pathlib import Path

import matplotlib.dates as mdates
import numpy as np
import pytest
import yaml
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation

import sim
from sim import charts, mapchart
from sim.cli import main
from tests.conftest import DOCS_DIR, REFERENCE_SCENARIO

JOURNEY_DOC = DOCS_DIR / "how-to" / "whole-journey.md"


def _doc_file(doc: Path, name: str) -> str:
    """The text of the file a how-to page writes out (`<!-- file: NAME -->` then a fenced block)."""
    m = re.search(rf"<!-- file: {re.escape(name)} -->\s*```\w*\n(.*?)\n```", doc.read_text(), re.S)
    assert m, f"{doc} has no file {name}"
    return m.group(1) + "\n"


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("journey")
    path = folder / "journey_example.yaml"
    path.write_text(_doc_file(JOURNEY_DOC, "scenarios/journey_example.yaml"))
    return path


def _last_csv_row(out: Path) -> tuple[float, float]:
    """(x as a date number, personnel) of the last row of in_theatre.csv."""
    with (out / "in_theatre.csv").open() as f:
        rows = list(csv.reader(f))
    return mdates.date2num(datetime.fromisoformat(rows[-1][0])), float(rows[-1][1])


def _top_level_width(fig: object, level: float) -> float:
    """The widest x extent over which the top of the stacked area is at `level`."""
    ax = fig.axes[0]  # type: ignore[attr-defined]
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    verts = np.concatenate([c.get_paths()[0].vertices for c in polys])
    at = verts[np.isclose(verts[:, 1], level)]
    return float(at[:, 0].max() - at[:, 0].min()) if len(at) else 0.0


def test_a_run_ending_on_an_arrival_shows_its_last_level(journey: Path, tmp_path: Path) -> None:
    assert main(["run", str(journey), "-o", str(tmp_path)]) == 0
    x_last, level = _last_csv_row(tmp_path)
    assert level == 1500  # the scenario moves its whole contingent of 1,500
    fig = charts.in_theatre_figure(sim.run(journey).results)
    assert _top_level_width(fig, level) > 0, "the final level has no width on the chart"
    ax = fig.axes[0]
    assert ax.get_xlim()[1] > x_last


def test_the_reference_withdrawal_still_ends_at_zero(tmp_path: Path) -> None:
    fig = charts.in_theatre_figure(sim.run(REFERENCE_SCENARIO).results)
    ax = fig.axes[0]
    polys = [c for c in ax.collections if isinstance(c, PolyCollection)]
    verts = np.concatenate([c.get_paths()[0].vertices for c in polys])
    right = verts[np.isclose(verts[:, 0], verts[:, 0].max())]
    assert np.allclose(right[:, 1], 0)


def _deadlines(scenario: Path, phase: str) -> list[float]:
    data = yaml.safe_load(scenario.read_text())
    stated = {m["deadline"] for m in data["movements"] if m["phase"] == phase}
    return sorted(mdates.date2num(d if isinstance(d, datetime) else datetime.fromisoformat(d)) for d in stated)


def test_in_theatre_names_the_last_deploy_deadline_and_draws_the_earlier_ones() -> None:
    fig = charts.in_theatre_figure(sim.run(REFERENCE_SCENARIO).results)
    ax = fig.axes[0]
    labels = [a.get_text() for a in ax.texts if isinstance(a, Annotation)]
    assert any(t.startswith("last deploy deadline\n09 Jan 23:59") for t in labels), labels
    assert any(t.startswith("withdraw deadline\n19 Jan 23:59") for t in labels), labels  # one withdraw deadline
    deploy = _deadlines(REFERENCE_SCENARIO, "deploy")
    assert len(deploy) == 3  # 7, 8 and 9 January
    faint = [x for c in ax.collections if not isinstance(c, PolyCollection)
             for seg in c.get_segments() for x in {seg[0][0]}]
    assert sorted(faint) == pytest.approx(deploy[:-1])
    assert "earlier deploy\nline deadlines" in [t.get_text() for t in ax.get_legend().get_texts()]



def _tick_label_boxes(fig: Figure) -> list[tuple[float, float]]:
    """The x extents in pixels of the visible x tick labels of the figure's first axes, left to right."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_visible() and t.get_text()]
    return sorted((b.x0, b.x1) for b in boxes)


def test_size_fleet_tick_labels_do_not_overlap() -> None:
    sizing = sim.size_fleet(REFERENCE_SCENARIO, sim.Question("il-76md"))
    assert {22, 23, 24, 25, 26, 27} <= set(sizing.trials)  # the crowded sizes the user saw
    fig = charts.size_fleet_figure(sizing.scenario, sizing.trials, "il-76md", "withdraw", None, sizing.answer)
    boxes = _tick_label_boxes(fig)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(boxes)), boxes
    ax = fig.axes[0]
    assert sizing.answer in ax.get_xticks()
    assert sorted({*ax.get_xticks(), *ax.get_xticks(minor=True)}) == sorted(sizing.trials)  # a tick at each size


SWEEP_VARY = ["fleet[il-76md@chkalovsky].count=7:9:1", "movements[ru-withdraw-chkalovsky-17].ready=-48h,-24h,+0h"]


@pytest.fixture(scope="module")
def sweep_fig() -> Figure:
    sweep = sim.sweep(REFERENCE_SCENARIO, SWEEP_VARY, workers=1)
    fig = charts.sweep_figure(sweep.scenario, sweep.varies, sweep.rows, sweep.scenario.phases(), False)
    FigureCanvasAgg(fig).draw()
    return fig


def test_sweep_counts_are_ticked_as_whole_numbers(sweep_fig: Figure) -> None:
    ax = sweep_fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["7", "8", "9"]


def test_sweep_legend_covers_no_line(sweep_fig: Figure) -> None:
    ax = sweep_fig.axes[0]
    renderer = sweep_fig.canvas.get_renderer()  # type: ignore[attr-defined]
    legend = ax.get_legend().get_window_extent(renderer)
    assert not legend.overlaps(ax.get_window_extent(renderer))


def test_sweep_names_series_that_coincide(sweep_fig: Figure) -> None:
    # the deploy phase does not depend on the withdrawal's ready time: its three series coincide
    labels = [str(ln.get_label()) for ln in sweep_fig.axes[0].get_lines() if str(ln.get_label()).startswith("deploy")]
    assert labels == ["deploy, -48h", "deploy, -24h (same as -48h)", "deploy, +0h (same as -48h)"]
    widths = [ln.get_linewidth() for ln in sweep_fig.axes[0].get_lines() if str(ln.get_label()).startswith("deploy")]
    assert widths == sorted(widths, reverse=True) and len(set(widths)) == 3  # rings: each later one thinner


def test_sweep_heatmap_never_prints_a_negative_zero(sweep_fig: Figure) -> None:
    texts = [t.get_text() for t in sweep_fig.axes[1].texts]
    assert not [t for t in texts if re.match(r"-0(\.0)? h", t)], texts
    # 9 chkalovsky tails and the withdrawal's own ready time: the last loads land 16 minutes before the deadline
    assert "-0.3 h" in texts


@pytest.mark.parametrize(("hours", "text"), [(27.4, "+27 h"), (-0.27, "-0.3 h"), (-0.04, "0 h"), (0.0, "0 h"),
                                             (-3.6, "-4 h"), (0.5, "+0.5 h")])
def test_signed_hours(hours: float, text: str) -> None:
    assert charts._signed_hours(hours) == text


def test_network_names_each_graticule_line_on_the_line_itself() -> None:
    res = sim.run(REFERENCE_SCENARIO).results
    fig = charts.network_figure(res)
    ax = fig.axes[0]
    # no degrees on the frame: a curved parallel meets it away from where its degrees would be read across
    assert not [t.get_text() for t in [*ax.get_xticklabels(), *ax.get_yticklabels()] if t.get_text()]
    proj = mapchart.frame_for(charts._network_map(res.run)).projection
    x0, x1 = ax.get_xlim()
    names = [t for t in ax.texts if re.fullmatch(r"\d+°[NE]", t.get_text())]
    assert {"45°N", "50°N", "55°N", "60°E"} <= {t.get_text() for t in names}
    for t in names:
        value, meridian = float(t.get_text()[:-2]), t.get_text().endswith("E")
        along = np.linspace(-89.0, 89.0, 2000) if meridian else np.linspace(0.0, 150.0, 2000)
        lon, lat = (np.full_like(along, value), along) if meridian else (along, np.full_like(along, value))
        line = np.column_stack(proj.forward(lon, lat))
        gap = np.hypot(*(line - np.array(t.get_position())).T).min()
        assert gap < 0.002 * (x1 - x0), (t.get_text(), gap)  # the name starts on its own line


RUSSIA_FIRST = REFERENCE_SCENARIO.parent / "csto_russia_first.yaml"


def test_compare_departures_stacks_a_long_run_of_days_in_rows() -> None:
    cmp = sim.compare([REFERENCE_SCENARIO, RUSSIA_FIRST, REFERENCE_SCENARIO], workers=1)
    fig = charts.compare_departures_figure(cmp.digests, cmp.labels, ("deploy", "withdraw"))
    w, h = fig.get_size_inches()
    assert w / h <= 2.1, (w, h)
    FigureCanvasAgg(fig).draw()
    days = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels() if t.get_text()]
    # 6 to 19 January, every day once, in order, over more than one row
    assert days == [f"{d:02d} Jan" for d in range(6, 20)]
    assert len(fig.axes) > 1


def test_latest_keeps_to_the_search_and_names_a_far_deadline_at_the_edge() -> None:
    (row,) = sim.latest_ready(REFERENCE_SCENARIO, phase="withdraw").rows
    s = sim.run(REFERENCE_SCENARIO).scenario
    fig = charts.latest_figure(s, [row])
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    tried = [mdates.date2num(s.to_datetime(t.ready_h)) for t in row.trials]
    assert lo <= min(tried) and max(tried) <= hi
    # the trials fill most of the axis; the deadline, six days on, is named at the edge instead
    assert (max(tried) - min(tried)) / (hi - lo) > 0.8
    assert mdates.date2num(s.to_datetime(row.deadline_h)) > hi
    assert [a.get_text() for a in ax.texts] == ["deadline 19 Jan 23:59 \u2192"]
