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
from typing import TYPE_CHECKING

from sim.errors import Problem
from sim.loading import load, validate
from sim.scenario import Scenario

if TYPE_CHECKING:
    from sim.chartpool import ChartPool
    from sim.records import Run
    from sim.results import PhaseSummary, Results, Totals

__all__ = ["RunResult", "load", "run"]

Timer = Callable[[str], contextlib.AbstractContextManager[object]]  # entered around a named step


@dataclass
class RunResult:
    """One simulated run: the scenario as run, its warnings, and everything derived from the engine's record."""

    scenario: Scenario
    results: Results
    warnings: list[Problem] = field(default_factory=list)

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

    def write(self, folder: str | Path, svg: bool = True, chart_pool: ChartPool | None = None,
              timer: Timer | None = None) -> Path:
        """Write the run's output folder (CSV, JSON, charts as PNG and, with `svg`, SVG, report.html)
        atomically, as `sim run` does; return its path.

        `chart_pool` draws the charts in worker processes started earlier (the command line's way
        of hiding matplotlib's import); without it they are drawn here."""
        from sim.report import write_run

        return write_run(self.results, Path(folder), [str(w) for w in self.warnings], svg=svg, timer=timer,
                         chart_pool=chart_pool)


def run(scenario: Scenario | str | Path, seed: int | None = None, overrides: Mapping[str, object] | None = None,
        timer: Timer | None = None) -> RunResult:
    """Simulate a scenario (or a scenario file) once.

    `seed` replaces the scenario's seed; `overrides` sets fields of the resolved scenario by the
    paths `sim sweep --vary` takes, e.g. {"fleet[il-76md@ivanovo].count": 8}, and validates the
    result like a file (ScenarioError on any problem). `timer`, for profiling, is entered around
    the steps by name ("simulate", "analyse").
    """
    from sim.engine import simulate
    from sim.results import analyse

    timer = timer or (lambda _name: contextlib.nullcontext())
    warnings: list[Problem] = []
    if not isinstance(scenario, Scenario):
        scenario, warnings = load(scenario)
    if overrides:
        scenario, warnings = _overridden(scenario, overrides)
    with timer("simulate"):
        record = simulate(scenario, seed)
    with timer("analyse"):
        results = analyse(record)
    return RunResult(scenario, results, warnings)


def _overridden(scenario: Scenario, overrides: Mapping[str, object]) -> tuple[Scenario, list[Problem]]:
    """The scenario with the fields at the given paths set, validated again."""
    from sim.sweep import apply_value

    data = scenario.resolved()
    for path, value in overrides.items():
        data = apply_value(data, path, str(value))
    return validate(data, f"{scenario.name} with {', '.join(f'{k}={v}' for k, v in overrides.items())}")
