"""The static charts: what they mark and how, the one deadline colour, and the PNG resolution (--dpi)."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Annotation
from PIL import Image, ImageChops

import sim
from sim import charts, results
from sim.cli import build_parser, main
from sim.records import GroundStay
from sim.replications import Stats, describe
from tests.conftest import REFERENCE_SCENARIO, ROOT, TINY_SCENARIO

UNCERTAIN = ROOT / "scenarios" / "csto_kazakhstan_2022_uncertain.yaml"
RUSSIA_FIRST = ROOT / "scenarios" / "csto_russia_first.yaml"
# the reference with a small apron at Almaty, fewer Il-76 and a horizon short of the withdrawal's end:
# lines late and lines open
STRESSED = {"airfields[almaty].mog": 2, "fleet[il-76md@ivanovo].count": 6, "fleet[il-76md@chkalovsky].count": 4,
            "horizon": "14d"}


@pytest.fixture(scope="module")
def reference() -> results.Results:
    return sim.run(REFERENCE_SCENARIO).results


@pytest.fixture(scope="module")
def stressed() -> results.Results:
    return sim.run(REFERENCE_SCENARIO, overrides=STRESSED).results


# ------------------------------------------------------------------ resolution


def _dpi(png: Path) -> float:
    """The resolution a PNG says it has (its pHYs chunk), dots per inch."""
    with Image.open(png) as im:
        return float(im.info["dpi"][0])


def _pngs(folder: Path) -> list[Path]:
    pngs = sorted(folder.glob("*.png"))
    assert pngs, f"no charts in {folder}"
    return pngs


def test_a_run_writes_its_charts_at_150_dpi_unless_told(tmp_path: Path) -> None:
    """150 dpi by default; write(dpi=72) gives 72 dpi and 72 pixels per inch of figure (a 10 x 4.8 inch
    in_theatre chart is 720 x 345.6, cut to 345 pixels)."""
    result = sim.run(TINY_SCENARIO)
    result.write(tmp_path / "default", svg=False)
    assert {round(_dpi(p)) for p in _pngs(tmp_path / "default")} == {150}
    result.write(tmp_path / "low", svg=False, dpi=72)
    assert {round(_dpi(p)) for p in _pngs(tmp_path / "low")} == {72}
    with Image.open(tmp_path / "low" / "in_theatre.png") as im:
        assert im.size == (720, 345)


def test_dpi_reaches_the_chart_workers(tmp_path: Path) -> None:
    """`sim run --dpi` draws in the forked chart pool: the workers get the resolution with the task."""
    assert main(["run", str(TINY_SCENARIO), "-o", str(tmp_path / "run"), "--no-svg", "--dpi", "60", "-q"]) == 0
    assert {round(_dpi(p)) for p in _pngs(tmp_path / "run")} == {60}


def test_every_batch_command_writes_its_charts_at_the_dpi_asked(tmp_path: Path) -> None:
    """Monte Carlo, comparison, sweep and fleet sizing carry `dpi` to their PNGs."""
    sim.montecarlo(UNCERTAIN, 3, workers=1).write(tmp_path / "mc", svg=False, dpi=80)
    sim.compare([TINY_SCENARIO, TINY_SCENARIO], workers=1).write(tmp_path / "cmp", svg=False, dpi=80)
    sim.sweep(TINY_SCENARIO, {"airfields[b].mog": [2, 4]}, workers=1).write(tmp_path / "sweep", dpi=80)
    sim.size_fleet(TINY_SCENARIO, sim.Question("il-76md", phase="deploy")).write(tmp_path / "size", dpi=80)
    for kind in ("mc", "cmp", "sweep", "size"):
        assert {round(_dpi(p)) for p in _pngs(tmp_path / kind)} == {80}, kind


@pytest.mark.parametrize("command", [["run", "S"], ["montecarlo", "S"], ["compare", "S", "T"],
                                     ["sweep", "S", "--vary", "p=1"], ["size-fleet", "S", "--type", "t"]])
def test_every_command_that_draws_takes_dpi(command: list[str]) -> None:
    parser = build_parser()
    assert parser.parse_args(command).dpi == 150
    assert parser.parse_args([*command, "--dpi", "300"]).dpi == 300
    for bad in ("0", "5000", "high"):
        with pytest.raises(Exception, match="dpi"):
            parser.parse_args([*command, "--dpi", bad])


def test_a_resolution_must_be_positive() -> None:
    with pytest.raises(ValueError, match="dpi"), charts.resolution(0):
        pass


# ------------------------------------------------------------------ how the files are written


def test_a_png_chart_is_opaque_rgb_with_its_resolution_and_no_software_text(tmp_path: Path) -> None:
    """The charts are opaque: the PNG drops the alpha channel matplotlib would write (smaller and faster),
    keeps the pixels and the resolution, and says nothing about the software that drew it."""
    res = sim.run(TINY_SCENARIO).results
    with charts.resolution(72):
        png = charts.in_theatre_chart(res, tmp_path, svg=False)[0]
    plain = tmp_path / "plain.png"
    with matplotlib.rc_context(charts.STYLE):
        charts.in_theatre_figure(res).savefig(plain, dpi=72)
    with Image.open(png) as im, Image.open(plain) as ref:
        assert im.mode == "RGB" and im.size == ref.size == (720, 345)
        assert round(im.info["dpi"][0]) == 72 and "Software" not in im.info
        assert ref.getchannel("A").getextrema() == (255, 255)
        assert ImageChops.difference(im, ref.convert("RGB")).getbbox() is None


def test_a_chart_is_drawn_once_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """savefig draws a figure that has a layout engine twice (once without output, to lay it out, then to
    paint): the PNG is drawn once, its layout engine run in that drawing, and the SVG once on that layout."""
    res = sim.run(TINY_SCENARIO).results
    drawn: list[str] = []
    draw = Figure.draw

    def counted(self: Figure, renderer: Any) -> None:
        """Figure.draw, noting the kind of renderer it drew with."""
        drawn.append(type(renderer).__name__)
        draw(self, renderer)

    monkeypatch.setattr(Figure, "draw", counted)
    paths = charts.in_theatre_chart(res, tmp_path, svg=True)
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size for p in paths)
    assert drawn == ["RendererAgg", "MixedModeRenderer"]


def _svg_texts(svg: str) -> dict[str, tuple[float, float]]:
    """Each text of an SVG written with svg.fonttype 'none': its position, by its words."""
    return {m[3]: (float(m[1]), float(m[2]))
            for m in re.finditer(r'<text [^>]*x="([-0-9.]+)" y="([-0-9.]+)"[^>]*>([^<]+)<', svg)}


@pytest.mark.parametrize("name", ["gantt", "in_theatre", "why_late"])
def test_the_svg_puts_the_axis_labels_where_matplotlib_would(reference: results.Results, name: str) -> None:
    """The SVG keeps the PNG's layout, axis labels pinned (charts._pin_axis_labels) rather than placed
    again from every tick label: within a twentieth of a point of where matplotlib would place them
    (tick labels measured at the PNG's resolution rather than at 72 dpi)."""
    drawn = []
    for pin in (False, True):
        fig = getattr(charts, f"{name}_figure")(reference)
        with matplotlib.rc_context(charts.STYLE):
            fig.savefig(io.BytesIO(), format="rgba", dpi=150)
            fig.set_layout_engine("none")
            if pin:
                charts._pin_axis_labels(fig, 150)
            svg = io.StringIO()
            fig.savefig(svg, format="svg")
        drawn.append(_svg_texts(svg.getvalue()))
    free, pinned = drawn
    labels = [t for ax in fig.axes for t in (ax.get_xlabel(), ax.get_ylabel()) if t]
    assert labels and free.keys() == pinned.keys()
    for text, (x, y) in free.items():
        assert pinned[text] == pytest.approx((x, y), abs=0.05), text


def test_why_late_draws_no_empty_bar(reference: results.Results) -> None:
    """A part of a line's time that is zero draws no bar (a hatched empty bar would still cost its hatch)."""
    ax = charts.why_late_figure(reference).axes[0]
    bars = [p for c in ax.containers for p in c]
    assert bars and all(p.get_width() > 0 for p in bars)
    parts = sum(1 for r in reference.lines for v in r.breakdown_h.values() if v > 0)
    assert len(bars) == parts


# ------------------------------------------------------------------ one colour for every deadline


def _hex(colour: Any) -> str:
    return to_hex(colour, keep_alpha=False)


def _labelled_deadline_colours(fig: Figure) -> list[str]:
    """The colour of every annotation that names a deadline and of every legend entry that does."""
    found = [_hex(t.get_color()) for ax in fig.axes for t in ax.texts if "deadline" in t.get_text()]
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes)]
    for legend in (lg for lg in legends if lg is not None):
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            if "deadline" in text.get_text():
                assert isinstance(handle, Line2D), text.get_text()
                found.append(_hex(handle.get_color()))
    return found


def _line_colours(fig: Figure) -> set[str]:
    """The colours of the lines and markers drawn on the axes (not in legends)."""
    return {_hex(line.get_color()) for ax in fig.axes for line in ax.get_lines()}


def _deadline_figures(reference: results.Results) -> dict[str, Figure]:
    """Every chart that marks a deadline."""
    mc = sim.montecarlo(UNCERTAIN, 3, workers=1)
    ok = [r for r in mc.replicas if r.error is None]
    from sim import replications

    cmp = sim.compare([REFERENCE_SCENARIO, RUSSIA_FIRST], workers=1)
    sweep = sim.sweep(TINY_SCENARIO, {"airfields[b].mog": [2, 4]}, workers=1)
    sizing = sim.size_fleet(TINY_SCENARIO, sim.Question("il-76md", phase="deploy"))
    return {
        "in_theatre": charts.in_theatre_figure(reference),
        "closure": charts.closure_figure(reference),
        "journey": charts.journey_figure(reference),
        "compare_in_theatre": charts.compare_in_theatre_figure(cmp.digests, cmp.labels),
        "compare_completion": charts.compare_completion_figure(cmp.digests, cmp.labels, ("deploy", "withdraw")),
        "mc_fan": charts.mc_fan_figure(mc.scenario, replications.grid_hours(mc.scenario), replications.fan(mc.replicas),
                                       mc.summary.n),
        "mc_completion": charts.mc_completion_figure(mc.scenario, "withdraw",
                                                     [r.phases.get("withdraw", math.nan) for r in ok],
                                                     mc.summary.phases["withdraw"]),
        "sweep": charts.sweep_figure(sweep.scenario, sweep.varies, sweep.rows, sweep.scenario.phases(), False),
        "size_fleet": charts.size_fleet_figure(sizing.scenario, sizing.trials, "il-76md", "deploy", None,
                                               sizing.answer),
    }


def test_every_chart_draws_its_deadlines_in_the_one_deadline_colour(reference: results.Results) -> None:
    """Whatever names a deadline (an annotation, a legend entry) is in DEADLINE_COLOUR, and each chart draws
    a line or marker in it; the two phases' deadlines differ by line style, not colour."""
    colour = _hex(charts.DEADLINE_COLOUR)
    for name, fig in _deadline_figures(reference).items():
        labelled = _labelled_deadline_colours(fig)
        assert labelled, f"{name}: nothing names a deadline"
        assert set(labelled) == {colour}, f"{name}: deadlines in {set(labelled)}"
        assert colour in _line_colours(fig), f"{name}: no deadline drawn"
    fig = charts.in_theatre_figure(reference)
    styles = {line.get_linestyle() for line in fig.axes[0].get_lines() if _hex(line.get_color()) == colour}
    assert styles == {"--", "-."}  # deploy dashed, withdraw dash-dotted


def test_the_airfields_chart_marks_no_deadline(reference: results.Results) -> None:
    """The MOG line is not a deadline: the deadline colour means a deadline only."""
    fig = charts.airfields_figure(reference)
    assert _hex(charts.DEADLINE_COLOUR) not in _line_colours(fig)


# ------------------------------------------------------------------ closure


def test_closure_is_a_bar_per_line_sorted_by_ready_with_status_shown_without_colour(stressed: results.Results) -> None:
    """One panel per phase, its lines in order of ready time; a late line's bars hatched '////', an open line's
    dotted; a deadline mark on every row; each row's tag says MET, LATE or OPEN."""
    assert {r.status for r in stressed.lines} == {"MET", "LATE", "OPEN"}
    fig = charts.closure_figure(stressed)
    for ax, phase in zip(fig.axes, ("deploy", "withdraw")):
        mine = [r for r in stressed.lines if r.phase == phase]
        expected = [r.id for r in sorted(mine, key=lambda r: r.ready_h)]
        assert [t.get_text() for t in ax.get_yticklabels()] == expected
        by_row: dict[int, set[str]] = {}
        for patch in ax.patches:
            assert isinstance(patch, Rectangle)
            by_row.setdefault(round(patch.get_y() + patch.get_height() / 2), set()).add(patch.get_hatch() or "")
        for y, r in enumerate(sorted(mine, key=lambda r: r.ready_h)):
            assert by_row[y] == {{"MET": "", "LATE": "////", "OPEN": "..."}[r.status]}, r.id
        deadline_rows = [line for line in ax.get_lines() if _hex(line.get_color()) == _hex(charts.DEADLINE_COLOUR)]
        assert len(deadline_rows) == len(mine)
        tags = [t.get_text() for t in ax.texts]
        assert [tag.split(",")[0].split(" ")[0] for tag in tags] == [r.status for r in
                                                                     sorted(mine, key=lambda r: r.ready_h)]


@pytest.mark.parametrize("which", ["reference", "stressed"])
def test_no_journey_tag_is_crossed_by_its_deadline(which: str, request: pytest.FixtureRequest) -> None:
    """A line that closed just before its deadline has its tag after the deadline marker, not under it."""
    res: results.Results = request.getfixturevalue(which)
    fig = charts.journey_figure(res)
    ax = fig.axes[0]
    FigureCanvasAgg(fig).draw()
    tags = {round(t.xy[1]): t for t in ax.texts if isinstance(t, Annotation)}
    for y, r in enumerate(res.lines):
        deadline_px = ax.transData.transform((charts._hours_x(res.run, r.deadline_h)[0], y))[0]
        box = tags[y].get_window_extent()
        assert not box.x0 - 2 <= deadline_px <= box.x1, (r.id, tags[y].get_text())


def test_closure_tags_say_how_early_late_or_open() -> None:
    row = SimpleNamespace(status="LATE", slack_h=-5.3)
    assert charts._closure_tag(row, np.array([0.5, 1.0])) == "LATE by 5.3 h"  # type: ignore[arg-type]
    row = SimpleNamespace(status="MET", slack_h=12.4)
    assert charts._closure_tag(row, np.array([1.0])) == "MET, 12 h early"  # type: ignore[arg-type]
    row = SimpleNamespace(status="OPEN", slack_h=math.nan)
    assert charts._closure_tag(row, np.array([0.2, 0.6])) == "OPEN, 60% delivered"  # type: ignore[arg-type]


# ------------------------------------------------------------------ airfields: queue and hours at capacity


def test_queue_counts_step_up_and_down_leaving_before_arriving() -> None:
    """Waits 0-2, 1-3 and 2-4 h: 1, 2, then at 2 h one leaves before one comes (still 2), 1 from 3 h, 0 from 4 h."""
    t, n = results.queue_counts([(0.0, 2.0), (1.0, 3.0), (2.0, 4.0)])
    assert t.tolist() == [0.0, 1.0, 2.0, 2.0, 3.0, 4.0]
    assert n.tolist() == [1, 2, 1, 2, 1, 0]


def test_hours_at_capacity_and_spot_waits_by_hand() -> None:
    """MOG 2; stays 0-3, 1-4 and 2-2.5 h: two or more spots taken from 1 to 3 h, so 2 h at capacity. A loaded
    flight's wait ends at its loading start, an empty leg's at its off-blocks."""
    ground = [GroundStay("x", "t1", 0.0, 3.0), GroundStay("x", "t2", 1.0, 4.0), GroundStay("x", "t3", 2.0, 2.5)]
    sorties = [SimpleNamespace(wait_mog_h=1.5, mog_at="x", phase="deploy", ground_start=5.0, off_blocks=7.0),
               SimpleNamespace(wait_mog_h=0.5, mog_at="x", phase="reposition", ground_start=5.0, off_blocks=6.0),
               SimpleNamespace(wait_mog_h=0.0, mog_at="", phase="deploy", ground_start=1.0, off_blocks=2.0)]
    run: Any = SimpleNamespace(scenario=SimpleNamespace(airfields=[SimpleNamespace(id="x", mog=2)]), ground=ground,
                               sorties=sorties)
    assert results.hours_at_capacity(run) == {"x": pytest.approx(2.0)}
    assert results.spot_waits(run) == {"x": [(3.5, 5.0), (5.5, 6.0)]}


def test_the_airfields_chart_shows_the_queue_and_the_time_at_capacity(stressed: results.Results) -> None:
    """With Almaty's apron at 2 the flights queue there: its row names the hours at capacity and the waits."""
    fig = charts.airfields_figure(stressed)
    labels = {t.get_text().split("\n")[0]: t.get_text() for t in fig.axes[0].get_yticklabels()}
    almaty = labels["Almaty International"]
    assert "MOG 2, peak 2, at capacity" in almaty and "waited" in almaty and "queue" in almaty
    full = results.hours_at_capacity(stressed.run)["almaty"]
    assert full > 24 and f"at capacity {full:.1f} h" in almaty


# ------------------------------------------------------------------ Monte Carlo


def _stats(values: list[float], deadline: float) -> Stats:
    return describe(values, deadline)


def test_completion_is_a_cumulative_curve_with_its_percentiles_marked(reference: results.Results) -> None:
    """Twenty replications closing at 1..20 h, deadline 15 h: 75% met; P50 = 11 h, P90 = 19 h and P95 = 20 h
    (the 'higher' percentile: the 10th, 18th and 19th of the sorted values counting from 0)."""
    scenario = reference.run.scenario
    values = [float(h) for h in range(1, 21)]
    fig = charts.mc_completion_figure(scenario, "deploy", values, _stats(values, 15.0))
    ax = fig.axes[0]
    curve = max(ax.get_lines(), key=lambda line: len(line.get_xdata()))
    assert list(curve.get_ydata())[-1] == pytest.approx(100.0)
    texts = [t.get_text() for t in ax.texts]
    start = charts._start(scenario)
    from datetime import timedelta

    for q, h in ((50, 11), (90, 19), (95, 20)):
        assert f"P{q} {(start + timedelta(hours=h)).strftime('%d %b %H:%M')}" in texts
    assert any("P(met) 75.0%" in t for t in texts)
    assert "P(met) = 75.0%" in ax.get_title()


def test_completion_names_what_never_closed(reference: results.Results) -> None:
    """Two of twenty never closed: the curve stops at 90%, P95 is 'not closed', the title counts them."""
    values = [float(h) for h in range(1, 19)] + [math.nan, math.nan]
    fig = charts.mc_completion_figure(reference.run.scenario, "deploy", values, _stats(values, 15.0))
    ax = fig.axes[0]
    assert "P95: not closed" in [t.get_text() for t in ax.texts]
    assert "2 never closed" in ax.get_title()
    curve = max(ax.get_lines(), key=lambda line: len(line.get_xdata()))
    assert list(curve.get_ydata())[-1] == pytest.approx(90.0)


def test_deadline_risk_puts_the_riskiest_line_first(reference: results.Results) -> None:
    """Lines with P(met) 100%, 40%, 80% and 40% (the last with fewer replications, so a lower interval):
    the two 40% lines first, the one with the lower interval on top, then 80%, then 100%."""
    scenario = reference.run.scenario
    ids = [m.id for m in scenario.movements][:4]
    made = {ids[0]: [1.0] * 10, ids[1]: [1.0] * 4 + [9.0] * 6, ids[2]: [1.0] * 8 + [9.0] * 2,
            ids[3]: [1.0] * 2 + [9.0] * 3}
    line_stats = {i: _stats(v, 5.0) for i, v in made.items()}
    assert line_stats[ids[3]].p_met_ci95[0] < line_stats[ids[1]].p_met_ci95[0]
    fig = charts.mc_deadlines_figure(scenario, line_stats)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [ids[3], ids[1], ids[2], ids[0]]


# ------------------------------------------------------------------ sweep heatmap


def test_the_sweep_heatmap_is_colour_blind_safe_and_marks_late_cells() -> None:
    """A diverging blue-orange map around the deadline, values in the cells, late cells hatched, a colour bar
    with its unit."""
    result = sim.sweep(REFERENCE_SCENARIO, {"airfields[almaty].mog": [2, 8], "fleet[il-76md@ivanovo].count": [4, 16]},
                       workers=1)
    fig = charts.sweep_figure(result.scenario, result.varies, result.rows, result.scenario.phases(), False)
    hx = fig.axes[1]
    image = hx.get_images()[0]
    assert image.get_cmap().name.startswith("sim_early_late")
    texts = [t.get_text() for t in hx.texts]
    assert len(texts) == 4 and all(t.endswith(" h") or "h\nlate" in t for t in texts)
    hatched = [p for p in hx.patches if p.get_hatch()]
    assert len(hatched) == sum("late" in t for t in texts) > 0
    assert any("hours" in ax.get_ylabel() for ax in fig.axes[2:])
