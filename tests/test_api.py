"""The Python API (sim.api, reached as sim.load / sim.run): what `sim run` does, from a script."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import sim
from sim.cli import main
from sim.errors import ScenarioError
from tests.conftest import REFERENCE_SCENARIO, ROOT, TINY_SCENARIO


def test_import_sim_is_light() -> None:
    """`import sim` loads none of the heavy libraries: they come with the first call."""
    code = ("import sys, sim; heavy = ('matplotlib', 'pandas', 'pydantic', 'simpy', 'numpy');"
            "print([m for m in sys.modules if m.split('.')[0] in heavy])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_the_api_writes_what_the_command_line_writes(tmp_path: Path) -> None:
    """Every CSV, JSON and YAML file of sim.run(...).write() is byte-identical to `sim run`'s."""
    assert main(["run", str(TINY_SCENARIO), "-o", str(tmp_path / "cli")]) == 0
    sim.run(TINY_SCENARIO).write(tmp_path / "api")
    files = sorted(p.name for p in (tmp_path / "cli").iterdir() if p.suffix in (".csv", ".json", ".yaml"))
    assert "summary.json" in files and "sorties.csv" in files
    for name in files:
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    assert sorted(p.name for p in (tmp_path / "api").iterdir()) == sorted(p.name for p in (tmp_path / "cli").iterdir())


def test_load_then_run_a_scenario_object() -> None:
    """sim.load gives the scenario and its warnings; sim.run takes it, with a seed of its own."""
    scenario, warnings = sim.load(REFERENCE_SCENARIO)
    assert scenario.name.startswith("CSTO") and isinstance(warnings, list)
    result = sim.run(scenario, seed=5)
    assert result.run.seed == 5 and result.scenario is scenario
    assert set(result.phases) == {"deploy", "withdraw"}
    assert result.totals.sorties == len(result.run.sorties)
    assert [r.id for r in result.results.lines] == [m.id for m in scenario.movements]


def test_overrides_equal_the_same_edit_made_in_the_file(tmp_path: Path) -> None:
    """Setting fleet[il-76md@ivanovo].count to 8 through the API gives the run of a file edited by hand."""
    text = REFERENCE_SCENARIO.read_text(encoding="utf-8")
    edited = text.replace("count: 28, base: ivanovo", "count: 8, base: ivanovo")
    assert edited != text
    path = tmp_path / "edited.yaml"
    path.write_text(edited, encoding="utf-8")
    by_hand = sim.run(path)
    by_api = sim.run(REFERENCE_SCENARIO, overrides={"fleet[il-76md@ivanovo].count": 8})
    assert by_api.scenario.fleet == by_hand.scenario.fleet
    assert [(r.id, r.closed_h) for r in by_api.results.lines] == [(r.id, r.closed_h) for r in by_hand.results.lines]


def test_an_override_that_breaks_the_scenario_is_refused_with_its_field() -> None:
    with pytest.raises(ScenarioError, match=r"fleet\[1\]\.count"):
        sim.run(REFERENCE_SCENARIO, overrides={"fleet[il-76md@ivanovo].count": -1})


def test_an_override_of_the_wrong_kind_or_path_is_a_path_error_exported_by_sim() -> None:
    """The errors the API raises are reachable as sim.ScenarioError and sim.PathError (a ValueError)."""
    assert sim.ScenarioError is ScenarioError and issubclass(sim.PathError, ValueError)
    with pytest.raises(sim.PathError, match="is a number; cannot use 'many'"):
        sim.run(REFERENCE_SCENARIO, overrides={"fleet[il-76md@ivanovo].count": "many"})
    with pytest.raises(sim.PathError, match="did you mean 'il-76md@ivanovo'"):
        sim.run(REFERENCE_SCENARIO, overrides={"fleet[il-76md@ivanovx].count": 3})


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'simulate'"):
        sim.simulate  # noqa: B018 - the attribute access is the test


def test_a_batch_reports_its_progress_and_keeps_replication_order() -> None:
    """on_progress is told of every replication once; replications come back in index order."""
    from sim import replications

    scenario, _ = sim.load(TINY_SCENARIO)
    seen: list[int] = []
    batch = replications.run_batch(scenario, 10, seed=4, workers=1, on_progress=seen.append)
    assert sum(seen) == 10 and not batch.interrupted
    assert [r.index for r in batch.replicas] == list(range(10))
    with pytest.raises(ValueError, match="at least 1"):
        replications.run_batch(scenario, 0, seed=4, workers=1)


def test_summary_records_the_versions_behind_the_results(tmp_path: Path) -> None:
    """summary.json names the Python and library versions that produced it (for reproducing it)."""
    import json
    import platform
    from importlib import metadata

    sim.run(TINY_SCENARIO).write(tmp_path / "run", svg=False)
    tool = json.loads((tmp_path / "run" / "summary.json").read_text(encoding="utf-8"))["tool"]
    assert tool["name"] == "sim" and tool["version"] == sim.__version__
    assert tool["python"] == platform.python_version()
    for lib in ("simpy", "numpy", "matplotlib", "pydantic", "pyyaml"):
        assert tool[lib] == metadata.version(lib), lib
    html = (tmp_path / "run" / "report.html").read_text(encoding="utf-8")
    assert f"simpy {metadata.version('simpy')}" in html


def test_size_fleet_from_python_writes_what_the_command_line_writes(tmp_path: Path) -> None:
    """The answer passes and the size below it (when tried) does not; size_fleet.csv is byte-identical."""
    scenario, _ = sim.load(REFERENCE_SCENARIO)
    result = sim.size_fleet(scenario, sim.Question("il-76md"))
    assert result.answer is not None and result.trials[result.answer].ok
    if result.answer - 1 in result.trials:
        assert not result.trials[result.answer - 1].ok
    result.write(tmp_path / "api")
    assert main(["size-fleet", str(REFERENCE_SCENARIO), "--type", "il-76md", "-o", str(tmp_path / "cli")]) == 0
    assert (tmp_path / "api" / "size_fleet.csv").read_bytes() == (tmp_path / "cli" / "size_fleet.csv").read_bytes()
    with pytest.raises(ValueError, match="go together"):
        sim.size_fleet(scenario, sim.Question("il-76md", confidence=0.9))


# ------------------------------------------------------------------ Monte Carlo, compare, sweep, open

UNCERTAIN = ROOT / "scenarios" / "csto_kazakhstan_2022_uncertain.yaml"
RUSSIA_FIRST = ROOT / "scenarios" / "csto_russia_first.yaml"


def _same_files(a: Path, b: Path, suffixes: tuple[str, ...] = (".csv", ".json", ".yaml")) -> list[str]:
    """The data files of folder a, after checking each is byte-identical in folder b."""
    names = sorted(p.name for p in a.iterdir() if p.suffix in suffixes)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    return names


def test_montecarlo_from_python_writes_what_the_command_line_writes(tmp_path: Path) -> None:
    """sim.montecarlo counts its progress and writes the folder `sim montecarlo` writes (executor aside)."""
    seen: list[int] = []
    result = sim.montecarlo(UNCERTAIN, 6, seed=3, workers=1, on_progress=seen.append)
    assert sum(seen) == 6 and result.summary.n == 6 and result.seed == 3 and not result.interrupted
    assert [r.index for r in result.replicas] == list(range(6))
    result.write(tmp_path / "api")
    assert main(["montecarlo", str(UNCERTAIN), "-n", "6", "--seed", "3", "--workers", "1",
                 "-o", str(tmp_path / "cli")]) == 0
    assert _same_files(tmp_path / "api", tmp_path / "cli") == ["replications.csv", "scenario.resolved.yaml",
                                                                  "summary.json"]
    with pytest.raises(ValueError, match="at least 1"):
        sim.montecarlo(UNCERTAIN, 0)


def test_compare_from_python_takes_files_scenarios_results_and_folders(tmp_path: Path) -> None:
    """One run given four ways compares equal to itself; the CLI's comparison folder is the API's."""
    base = sim.run(REFERENCE_SCENARIO)
    base.write(tmp_path / "run")
    scenario, _ = sim.load(REFERENCE_SCENARIO)
    result = sim.compare([REFERENCE_SCENARIO, scenario, base, tmp_path / "run"], workers=1)
    assert len(result.labels) == len(set(result.labels)) == 4
    values = {m: row[1:] for m, *row in [[r[0], *r[1:]] for r in result.table()[1]]}
    assert all(all(v == "=" for v in diffs[1:]) for diffs in values.values()), values
    assert all(d.changes == [] for d in result.digests[1:])
    result = sim.compare([REFERENCE_SCENARIO, RUSSIA_FIRST], workers=1)
    result.write(tmp_path / "api")
    assert main(["compare", str(REFERENCE_SCENARIO), str(RUSSIA_FIRST), "--workers", "1",
                 "-o", str(tmp_path / "cli")]) == 0
    assert "comparison.csv" in _same_files(tmp_path / "api", tmp_path / "cli")
    with pytest.raises(ValueError, match="at least two"):
        sim.compare([REFERENCE_SCENARIO])
    with pytest.raises(ValueError, match="not run folders"):
        sim.compare([REFERENCE_SCENARIO, tmp_path / "run"], replications=2)


def test_paired_replications_of_a_scenario_with_itself_differ_by_nothing() -> None:
    """Common random numbers: the same scenario twice gives zero difference in every pair."""
    seen: dict[str, int] = {}
    result = sim.compare([UNCERTAIN, UNCERTAIN], replications=4, workers=1,
                         on_progress=lambda label, k: seen.__setitem__(label, seen.get(label, 0) + k))
    assert result.paired is not None and result.paired.replications == 4
    assert sorted(seen.values()) == [4, 4]
    for row in result.paired.rows:
        assert row.pairs == 4 and row.median_h == row.p5_h == row.p95_h == 0.0 and row.p_earlier == 0.0


def test_sweep_from_python_writes_what_the_command_line_writes(tmp_path: Path) -> None:
    """A {path: values} mapping and the CLI's PATH=VALUES give the same grid and the same sweep.csv."""
    seen: list[int] = []
    result = sim.sweep(TINY_SCENARIO, {"airfields[b].mog": [2, 4]}, workers=1, on_progress=seen.append)
    assert sum(seen) == 2 and [pt.values for pt, _ in result.rows] == [{"airfields[b].mog": "2"},
                                                                         {"airfields[b].mog": "4"}]
    result.write(tmp_path / "api")
    assert main(["sweep", str(TINY_SCENARIO), "--vary", "airfields[b].mog=2,4", "--workers", "1",
                 "-o", str(tmp_path / "cli")]) == 0
    assert _same_files(tmp_path / "api", tmp_path / "cli") == ["scenario.resolved.yaml", "sweep.csv", "sweep.json"]
    from sim.grid import PathError

    with pytest.raises(PathError, match="at most 3"):
        sim.sweep(TINY_SCENARIO, [f"airfields[b].mog={k}" for k in range(4)])


@pytest.mark.parametrize("kind", ["run", "montecarlo", "compare", "sweep"])
def test_open_reads_every_kind_of_folder_back_equal(tmp_path: Path, kind: str) -> None:
    """sim.open gives back a result equal to the one that wrote the folder, and writing it again
    gives the same data files byte for byte."""
    made = {
        "run": lambda: sim.run(REFERENCE_SCENARIO),
        "montecarlo": lambda: sim.montecarlo(UNCERTAIN, 5, workers=1),
        "compare": lambda: sim.compare([REFERENCE_SCENARIO, RUSSIA_FIRST], workers=1),
        "sweep": lambda: sim.sweep(TINY_SCENARIO, ["airfields[b].mog=2,4"], workers=1),
    }[kind]()
    made.write(tmp_path / "first")
    opened = sim.open(tmp_path / "first", workers=1)
    assert type(opened) is type(made)
    if kind == "run":
        assert opened.results.lines == made.results.lines and opened.run.sorties == made.run.sorties
    elif kind == "montecarlo":
        assert opened.summary == made.summary and opened.seed == made.seed
    elif kind == "compare":
        assert opened.digests == made.digests and opened.phase == made.phase
    else:
        assert [(p.values, m.columns()) for p, m in opened.rows] == [(p.values, m.columns()) for p, m in made.rows]
    opened.write(tmp_path / "again")
    _same_files(tmp_path / "first", tmp_path / "again")


def test_open_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    """A folder sim did not write, and a run folder whose table was edited, are refused with the reason."""
    with pytest.raises(ScenarioError, match="not an output folder"):
        sim.open(tmp_path)
    sim.run(TINY_SCENARIO).write(tmp_path / "run", svg=False)
    sorties = tmp_path / "run" / "sorties.csv"
    sorties.write_text(sorties.read_text(encoding="utf-8").replace(",1,", ",2,", 1), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"sorties\.csv differs"):
        sim.open(tmp_path / "run")


# ------------------------------------------------------------------ notebooks: HTML, figures; files for analysts


def test_a_result_shows_itself_in_a_notebook_and_plots_its_charts() -> None:
    """_repr_html_ holds the headline cards and every line; each chart is a Figure drawn outside pyplot."""
    from matplotlib.figure import Figure

    result = sim.run(REFERENCE_SCENARIO)
    html = result._repr_html_()
    assert 'class="sim-result"' in html and "withdraw closed" in html
    assert all(f">{r.id}<" in html for r in result.results.lines)
    names = [n for n in dir(result.plot) if not n.startswith("_")]
    assert sorted(names) == sorted(["in_theatre", "closure", "gantt", "airfields", "network", "sorties_per_day",
                                    "why_late", "journey"])
    for name in names:
        fig = getattr(result.plot, name)()
        assert isinstance(fig, Figure) and fig.axes, name
        png = fig._repr_png_()  # what Jupyter shows, without pyplot
        assert png.startswith(b"\x89PNG"), name
    assert "matplotlib.pyplot" not in sys.modules or not __import__("matplotlib.pyplot").get_fignums()


def test_run_writes_parquet_and_a_workbook_on_request(tmp_path: Path) -> None:
    """--format parquet and --xlsx add typed tables beside the CSVs, read back with pandas and openpyxl."""
    pd = pytest.importorskip("pandas")
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "run"
    assert main(["run", str(TINY_SCENARIO), "-o", str(out), "--format", "parquet", "--xlsx", "--no-svg", "-q"]) == 0
    sorties = pd.read_parquet(out / "sorties.parquet")
    assert str(sorties["takeoff"].dt.tz) == "UTC+06:00" and len(sorties) == len(sim.run(TINY_SCENARIO).run.sorties)
    assert list(pd.read_parquet(out / "movements.parquet").columns) == \
        (out / "movements.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    book = openpyxl.load_workbook(out / "workbook.xlsx")
    assert book.sheetnames == ["Lines", "Sorties", "Airfields", "In theatre", "Scenario"]
    assert book["Sorties"].freeze_panes == "A2"


def test_a_missing_analysis_extra_is_a_usage_error_before_anything_runs(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "openpyxl" else real(name, *a))
    assert main(["run", str(TINY_SCENARIO), "-o", str(tmp_path / "x"), "--xlsx"]) == 2
    from sim.extras import INSTALL_HINT

    assert f"--xlsx needs openpyxl: {INSTALL_HINT}" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_verbose_lists_every_file_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(TINY_SCENARIO), "-o", str(tmp_path / "v"), "-v", "--no-svg"]) == 0
    out = capsys.readouterr().out
    for p in (tmp_path / "v").iterdir():
        if not p.name.startswith("."):
            assert f"  {p.name} " in out, p.name
    assert "timings: load" in out


# ------------------------------------------------------------------ misuse: clear errors, never a wrong answer


@pytest.mark.parametrize(("call", "error", "words"), [
    (lambda: sim.compare(str(TINY_SCENARIO)), ValueError, "a list of inputs"),
    (lambda: sim.compare([TINY_SCENARIO, TINY_SCENARIO], phase="withdrawal"), ValueError, "phase 'withdrawal'"),
    (lambda: sim.compare([TINY_SCENARIO, TINY_SCENARIO], labels=["a", "a"]), ValueError, "one unique label"),
    (lambda: sim.compare([TINY_SCENARIO, TINY_SCENARIO], labels=["a"]), ValueError, "one unique label"),
    (lambda: sim.compare([TINY_SCENARIO, 5]), TypeError, "cannot compare a int"),
    (lambda: sim.sweep(TINY_SCENARIO, {}), ValueError, "nothing to vary"),
    (lambda: sim.size_fleet(TINY_SCENARIO, sim.Question("il-76md", phase="withdrawal")), ValueError,
     "phase 'withdrawal'"),
    (lambda: sim.size_fleet(TINY_SCENARIO, sim.Question("il-76md", max_tails=0)), ValueError, "at least 1"),
])
def test_api_misuse_is_refused_with_what_to_do(call: Any, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_api_takes_the_short_forms_a_user_tries() -> None:
    """A path for size_fleet, a type alone for its question, one VALUES text or one value for sweep."""
    assert sim.size_fleet(TINY_SCENARIO, "il-76md").question.aircraft_type == "il-76md"
    one = sim.sweep(TINY_SCENARIO, "airfields[b].mog=2,4", workers=1)
    assert [p.values["airfields[b].mog"] for p, _ in one.rows] == ["2", "4"]
    assert list(one.frame["airfields[b].mog"]) == [2, 4]  # numbers, so they sort as numbers
    assert len(sim.sweep(TINY_SCENARIO, {"airfields[b].mog": 4}, workers=1).rows) == 1


def test_a_result_prints_as_one_line() -> None:
    text = repr(sim.run(REFERENCE_SCENARIO))
    assert "\n" not in text and len(text) < 300
    assert text.startswith("<RunResult 'CSTO") and "withdraw closed 19 Jan 18:51" in text


@pytest.mark.parametrize(("damage", "words"), [
    ("summary.json", "summary.json:1:2: damaged JSON"),
    ("scenario.resolved.yaml", "damaged or incomplete output folder"),
])
def test_open_names_a_damaged_file(tmp_path: Path, damage: str, words: str) -> None:
    sim.run(TINY_SCENARIO).write(tmp_path / "run", svg=False)
    (tmp_path / "run" / damage).write_text("{bad" if damage.endswith(".json") else "a: [", encoding="utf-8")
    with pytest.raises(ScenarioError, match=re.escape(words)):
        sim.open(tmp_path / "run")
