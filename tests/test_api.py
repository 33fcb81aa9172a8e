"""The Python API (sim.api, reached as sim.load / sim.run): what `sim run` does, from a script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'simulate'"):
        sim.simulate  # noqa: B018 - the attribute access is the test


def test_a_batch_reports_its_progress_and_keeps_replication_order() -> None:
    """on_progress is told of every replication once; replications come back in index order."""
    from sim import montecarlo

    scenario, _ = sim.load(TINY_SCENARIO)
    seen: list[int] = []
    batch = montecarlo.run_batch(scenario, 10, seed=4, workers=1, on_progress=seen.append)
    assert sum(seen) == 10 and not batch.interrupted
    assert [r.index for r in batch.replicas] == list(range(10))
    with pytest.raises(ValueError, match="at least 1"):
        montecarlo.run_batch(scenario, 0, seed=4, workers=1)


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
