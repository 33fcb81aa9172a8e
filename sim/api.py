"""The Python API: load a scenario, run it, look at the result, write its output folder.

    import sim
    scenario, warnings = sim.load("scenarios/csto_kazakhstan_2022.yaml")
    result = sim.run(scenario)                       # or sim.run("path.yaml", seed=7)
    result.phases["withdraw"].closed_h               # typed results (sim.results)
    result.results.lines                             # one LineRow per movement line
    result.write("outputs/reference")                # the same folder `sim run` writes

`sim run` is this API plus printing: the command line parses its arguments, calls these functions
and prints what they return.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import Problem, ScenarioError
from sim.loading import load, validate
from sim.scenario import Scenario
from sim.vocabulary import CHART_DPI

if TYPE_CHECKING:
    from sim.chartpool import ChartPool
    from sim.dispatch import Dispatcher
    from sim.notebook import RunPlots
    from sim.records import Run
    from sim.results import PhaseSummary, Results, Totals

__all__ = ["RunResult", "load", "open", "run"]

Timer = Callable[[str], contextlib.AbstractContextManager[object]]  # entered around a named step


@dataclass(repr=False)
class RunResult:
    """One simulated run: the scenario as run, its warnings, and everything derived from the engine's record."""

    scenario: Scenario
    results: Results
    warnings: list[Problem] = field(default_factory=list)

    def __repr__(self) -> str:
        """One line: the scenario, the seed, the sorties and each phase's closure against its deadline."""
        s = self.scenario
        parts = []
        for name, ph in self.phases.items():
            late = ph.lines_late + ph.lines_open
            parts.append(f"{name} closed {s.short(ph.closed_h, missing='never')} (deadline {s.short(ph.deadline_h)}"
                         + (f", {late} lines late or open)" if late else ")"))
        return f"<RunResult {s.name!r}: seed {self.run.seed}, {self.totals.sorties} sorties; {'; '.join(parts)}>"

    @property
    def run(self) -> Run:
        """The engine's record: every sortie, ground stay, trip and line result."""
        return self.results.run

    @property
    def phases(self) -> dict[str, PhaseSummary]:
        """Deploy and withdraw, each summarised."""
        return self.results.phases

    @property
    def totals(self) -> Totals:
        """Sorties, flying hours and troops moved over the whole run."""
        return self.results.totals

    # ---- as DataFrames (pandas, from the analysis extra): the CSV's columns, times time-zone aware

    @property
    def sorties(self) -> Any:
        """One row per flight, loaded or empty: sorties.csv as a pandas DataFrame."""
        from sim.frames import sorties_frame

        return sorties_frame(self.results)

    @property
    def lines(self) -> Any:
        """One row per movement line, with its status and the parts of its time: movements.csv as a DataFrame."""
        from sim.frames import lines_frame

        return lines_frame(self.results)

    @property
    def legs(self) -> Any:
        """One row per leg of each line's journey: legs.csv as a DataFrame."""
        from sim.frames import legs_frame

        return legs_frame(self.results)

    @property
    def surface(self) -> Any:
        """One row per road serial and train (none when nothing moved by road or rail): surface.csv as a DataFrame."""
        from sim.frames import surface_frame

        return surface_frame(self.results)

    @property
    def in_theatre(self) -> Any:
        """Personnel in theatre by nation at each change: in_theatre.csv as a DataFrame."""
        from sim.frames import in_theatre_frame

        return in_theatre_frame(self.results)

    @property
    def airfields(self) -> Any:
        """One row per airfield: its use against its MOG (summary.json's airfields) as a DataFrame."""
        from sim.frames import airfields_frame

        return airfields_frame(self.results)

    @property
    def plot(self) -> RunPlots:
        """The run's charts as matplotlib Figures: result.plot.gantt(), .in_theatre(), .journey(), ..."""
        from sim.notebook import RunPlots

        return RunPlots(self.results)

    def _repr_html_(self) -> str:
        """In Jupyter: the headline cards per phase and the line table."""
        from sim.notebook import run_html

        return run_html(self)

    def write(self, folder: str | Path, svg: bool = True, chart_pool: ChartPool | None = None,
              timer: Timer | None = None, parquet: bool = False, xlsx: bool = False, dpi: int = CHART_DPI,
              charts: bool = True) -> Path:
        """Write the run's output folder (CSV, JSON, charts as PNG at `dpi` dots per inch and, with `svg`, SVG,
        report.html) atomically, as `sim run` does; return its path.

        `chart_pool` draws the charts in worker processes started earlier (the command line's way
        of hiding matplotlib's import); without it they are drawn here. `charts=False` draws none and
        never imports matplotlib (`sim run --no-charts`). `parquet` adds every table as a Parquet file,
        `xlsx` an Excel workbook (workbook.xlsx); both need the analysis extra."""
        from sim.report import write_run

        return write_run(self.results, Path(folder), [str(w) for w in self.warnings], svg=svg, timer=timer,
                         chart_pool=chart_pool, parquet=parquet, xlsx=xlsx, dpi=dpi, charts=charts)


def run(scenario: Scenario | str | Path, seed: int | None = None, overrides: Mapping[str, object] | None = None,
        timer: Timer | None = None, dispatcher: Dispatcher | None = None, bound: bool = False) -> RunResult:
    """Simulate a scenario (or a scenario file) once.

    `seed` replaces the scenario's seed; `overrides` sets fields of the resolved scenario by the
    paths `sim sweep --vary` takes, e.g. {"fleet[il-76md@ivanovo].count": 8}, and validates the
    result like a file (ScenarioError on any problem; PathError, a ValueError, for a path the scenario
    does not have or a value of the wrong kind, such as text for a count). `timer`, for profiling, is entered around
    the steps by name ("simulate", "analyse"). `dispatcher`, an object with an `assign(view)` method
    (sim.dispatch.Dispatcher), chooses which idle aircraft flies which pending load instead of the
    scenario's `planning.dispatch` rule. `bound` adds each phase's lower bound on closure and the gap
    (`results.bounds`, sim.plan.bound; needs the plan extra: MissingDependency, before the run, without it).
    """
    from sim.engine import simulate
    from sim.results import analyse

    if bound:
        from sim.plan.relaxation import highs

        highs()
    timer = timer or (lambda _name: contextlib.nullcontext())
    warnings: list[Problem] = []
    if not isinstance(scenario, Scenario):
        scenario, warnings = load(scenario)
    if overrides:
        scenario, warnings = _overridden(scenario, overrides)
    with timer("simulate"):
        record = simulate(scenario, seed, dispatcher)
    with timer("analyse"):
        results = analyse(record)
    if bound:
        from sim.plan.bound import phase_gaps

        with timer("bound"):
            results.bounds = phase_gaps(results)
    return RunResult(scenario, results, warnings)


def _overridden(scenario: Scenario, overrides: Mapping[str, object]) -> tuple[Scenario, list[Problem]]:
    """The scenario with the fields at the given paths set, validated again."""
    from sim.grid import apply_value

    data = scenario.resolved()
    for path, value in overrides.items():
        data = apply_value(data, path, str(value))
    return validate(data, f"{scenario.name} with {', '.join(f'{k}={v}' for k, v in overrides.items())}")


# ------------------------------------------------------------------ reading a finished output folder back


def _folder_problem(folder: Path, message: str) -> ScenarioError:
    return ScenarioError([Problem(str(folder), 0, 0, "", message)])


def _resolved(folder: Path) -> Scenario:
    """The scenario a folder recorded (scenario.resolved.yaml), validated again."""
    import yaml

    path = folder / "scenario.resolved.yaml"
    return validate(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))[0]


RUN_TABLES = {"sorties.csv": "sorties_csv", "movements.csv": "movements_csv", "legs.csv": "legs_csv",
              "in_theatre.csv": "in_theatre_csv", "surface.csv": "trips_csv"}


def open_run(folder: Path) -> RunResult:
    """A run folder, read back by running its resolved scenario again with its seed (runs are
    deterministic) and checking that the replay gives the folder's tables byte for byte; so the
    result has the full record (every time to the second), not the rounded CSV. ScenarioError when
    the replay differs (the folder was written by another version of sim, or edited)."""
    from sim import report
    from sim.errors import read_json_file

    summary = read_json_file(folder / "summary.json")
    result = run(_resolved(folder), seed=summary["scenario"]["seed"])
    result.warnings = [Problem("", 0, 0, "", w) for w in summary.get("warnings", [])]
    for name, writer in RUN_TABLES.items():
        path = folder / name
        if path.is_file() and path.read_text(encoding="utf-8") != getattr(report, writer)(result.results):
            raise _folder_problem(folder, f"{name} differs from a new run of its scenario: "
                                          f"{_why_different(summary.get('tool', {}))}")
    return result


def _why_different(tool: dict[str, Any]) -> str:
    """Why a replay may differ: another version wrote the folder, or the folder was edited."""
    from sim.vocabulary import tool_versions

    now = tool_versions()
    changed = [f"{k} {tool.get(k)} (now {v})" for k, v in now.items() if tool.get(k) != v]
    return ("it was written with " + ", ".join(changed)) if changed else "the folder was changed since it was written"


def open(folder: str | Path, workers: int | None = None) -> Any:
    """Read a finished output folder back into the result object that wrote it.

    A run folder gives a RunResult, a Monte Carlo folder a MonteCarloResult, a comparison a
    ComparisonResult, a sweep a SweepResult. Comparisons and sweeps are read from their JSON files;
    runs and Monte Carlo batches are replayed from their resolved scenario and seeds (deterministic)
    and checked against the folder's tables, so a Monte Carlo folder takes as long to open as its
    batch took to run (on `workers` processes). ScenarioError for a folder sim did not write, or one
    a replay does not reproduce.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise _folder_problem(folder, "no such folder")
    import yaml

    try:
        return _open_kind(folder, workers)
    except (KeyError, TypeError, ValueError, AttributeError, OSError, yaml.YAMLError) as exc:  # missing or damaged
        raise _folder_problem(folder, f"damaged or incomplete output folder ({type(exc).__name__}: {exc}); "
                                      "write it again") from None


def _open_kind(folder: Path, workers: int | None) -> Any:
    """The reader of the folder's kind, told apart by the files it holds."""
    from sim.comparison import DIGESTS_FILE, open_comparison
    from sim.grid import SWEEP_FILE, open_sweep
    from sim.replications import open_montecarlo

    if (folder / "comparison.json").is_file():
        if not (folder / DIGESTS_FILE).is_file():
            raise _folder_problem(folder, f"a comparison without {DIGESTS_FILE}: written by an older sim; run "
                                          "sim compare again")
        return open_comparison(folder)
    if (folder / "sweep.csv").is_file():
        if not (folder / SWEEP_FILE).is_file():
            raise _folder_problem(folder, f"a sweep without {SWEEP_FILE}: written by an older sim; run sim sweep again")
        return open_sweep(folder)
    if (folder / "replications.csv").is_file():
        return open_montecarlo(folder, _resolved(folder), workers)
    if all((folder / f).is_file() for f in ("summary.json", "scenario.resolved.yaml", "sorties.csv")):
        return open_run(folder)
    raise _folder_problem(folder, "not an output folder of sim run, montecarlo, compare or sweep")
