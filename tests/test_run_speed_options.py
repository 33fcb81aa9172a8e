"""`sim run` for scripts: `--no-charts` writes everything but the static charts and starts no chart
workers, and the run table is printed before any output file is written (issue 19)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from sim import chartpool, report
from sim.cli import build_parser, main
from tests.conftest import ROOT, TINY_SCENARIO

DATA_FILES = ("sorties.csv", "movements.csv", "in_theatre.csv", "legs.csv", "summary.json", "scenario.resolved.yaml",
              "network.geojson", "movement.kml")


def _no_pool(*_args: object, **_kwargs: object) -> None:
    raise AssertionError("sim run --no-charts started the chart workers")


def test_no_charts_writes_every_file_but_the_charts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(chartpool.ChartPool, "__init__", _no_pool)
    out = tmp_path / "run"
    assert main(["run", str(TINY_SCENARIO), "--no-charts", "-o", str(out)]) == 0
    names = {p.name for p in out.iterdir()}
    assert set(DATA_FILES) | {"report.html"} <= names
    assert not [n for n in names if n.endswith((".png", ".svg"))]
    printed = capsys.readouterr().out
    assert "ru-deploy-1" in printed and f"wrote {out}/ (report.html" in printed
    assert "charts)" not in printed


def test_no_charts_changes_no_data_file(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(TINY_SCENARIO), "--seed", "3", "--no-svg", "-o", str(a)]) == 0
    assert main(["run", str(TINY_SCENARIO), "--seed", "3", "--no-charts", "-o", str(b)]) == 0
    for name in DATA_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs with --no-charts"


def test_no_charts_report_neither_links_nor_embeds_a_chart(tmp_path: Path) -> None:
    with_charts, without = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(TINY_SCENARIO), "-o", str(with_charts)]) == 0
    assert main(["run", str(TINY_SCENARIO), "--no-charts", "-o", str(without)]) == 0
    full = (with_charts / "report.html").read_text(encoding="utf-8")
    bare = (without / "report.html").read_text(encoding="utf-8")
    assert 'id="charts"' in full and "data:image/png" in full and ".svg" in full
    assert 'id="charts"' not in bare and 'href="#charts"' not in bare
    assert "data:image/png" not in bare and ".png" not in bare and ".svg\"" not in bare
    assert "the printout shows the static chart" not in bare
    for interactive in ('id="chart-lines"', 'id="chart-gantt"', 'id="chart-map"', 'id="sim-data"'):
        assert interactive in bare, f"{interactive} missing from the report without static charts"


def test_no_charts_never_imports_matplotlib(tmp_path: Path) -> None:
    code = ("import sys; from sim.cli import main; "
            f"rc = main(['run', {str(TINY_SCENARIO)!r}, '--no-charts', '-q', '-o', {str(tmp_path / 'run')!r}]); "
            "print(rc, 'matplotlib' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["0", "False"]


def test_table_printed_before_any_file_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[str] = []
    write_run = report.write_run
    out = tmp_path / "run"

    def spy(*args: object, **kwargs: object) -> Path:
        assert not out.exists(), "an output file was written before the table was printed"
        seen.append(capsys.readouterr().out)
        return write_run(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report, "write_run", spy)
    assert main(["run", str(TINY_SCENARIO), "--no-charts", "-o", str(out)]) == 0
    assert len(seen) == 1 and "ru-deploy-1" in seen[0] and "MET" in seen[0]
    assert "wrote" not in seen[0]


def test_help_names_no_charts() -> None:
    sub = build_parser()._subparsers._group_actions[0].choices["run"]  # type: ignore[union-attr]
    assert "--no-charts" in sub.format_help()


def test_chart_workers_draw_every_run_chart_once() -> None:
    from sim import charts

    assert sorted(chartpool.ORDER) == sorted(draw.__name__ for draw in charts.RUN_CHARTS)


def test_chart_pool_writes_the_same_files_as_drawing_here(tmp_path: Path) -> None:
    import sim

    result = sim.run(TINY_SCENARIO)
    (tmp_path / "pool").mkdir()
    (tmp_path / "here").mkdir()
    with chartpool.ChartPool() as pool:
        pending = pool.start_run(result.results, tmp_path / "pool", svg=True)
        pooled = pending.wait()
        assert pending.wait() == pooled
    here = chartpool.ChartPool(workers=1).draw_run(result.results, tmp_path / "here", svg=True)
    assert sorted(p.name for p in pooled) == sorted(p.name for p in here)
    for p in here:
        assert (tmp_path / "pool" / p.name).read_bytes() == p.read_bytes(), f"{p.name} differs between processes"


def test_a_chart_error_in_the_workers_reaches_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim
    from sim import charts

    def broken(*_args: object) -> list[Path]:
        raise ValueError("no room for this chart")

    monkeypatch.setattr(charts, "gantt_chart", broken)  # before the fork: the chart process inherits it
    result = sim.run(TINY_SCENARIO)
    with chartpool.ChartPool(workers=2) as pool, pytest.raises(ValueError, match="no room for this chart"):
        pool.draw_run(result.results, tmp_path, svg=False)


def test_api_write_without_charts(tmp_path: Path) -> None:
    import sim

    out = sim.run(TINY_SCENARIO, seed=3).write(tmp_path / "run", charts=False)
    names = {p.name for p in out.iterdir()}
    assert set(DATA_FILES) | {"report.html"} <= names
    assert not [n for n in names if n.endswith((".png", ".svg"))]
