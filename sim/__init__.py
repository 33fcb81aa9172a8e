"""Troop deployment timeline simulator: scenario -> SimPy engine -> results -> charts/report.

The Python API (docs/how-to/python-api.md, docs/api.md):

    sim.load(path)                    -> (Scenario, warnings)
    sim.run(scenario_or_path)         -> RunResult          (sim.api)
    sim.montecarlo(scenario, n)       -> MonteCarloResult   (sim.replications)
    sim.compare([a, b, ...])          -> ComparisonResult   (sim.comparison)
    sim.sweep(scenario, vary)         -> SweepResult        (sim.grid)
    sim.size_fleet(scenario, Question(...)) -> SizingResult (sim.sizing)
    sim.latest_ready(scenario, phase=...) -> LatestResult   (sim.plan.latest)
    sim.closure_bound(scenario)       -> BoundResult        (sim.plan.bound)
    sim.optimise_releases(scenario, objective=...) -> OptimiseResult (sim.plan.optimise)
    sim.open(folder)                  -> the result object that wrote the folder

Errors: sim.ScenarioError (a scenario that cannot be used; `.problems` lists each with file, line and
field), sim.PathError (a ValueError: a --vary or override path or value that does not fit the scenario),
sim.MissingDependency (an ImportError: an optional extra a feature needs is not installed).

Each result has `.write(folder)` (the folder the command line writes) and, in Jupyter, an HTML view.
Everything is imported on first use, so `import sim` stays light (no pydantic, SimPy, matplotlib
or pandas until a function is called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
_API = {
    "load": "sim.api", "run": "sim.api", "open": "sim.api", "RunResult": "sim.api",
    "montecarlo": "sim.replications", "MonteCarloResult": "sim.replications",
    "compare": "sim.comparison", "ComparisonResult": "sim.comparison",
    "sweep": "sim.grid", "SweepResult": "sim.grid",
    "size_fleet": "sim.sizing", "Question": "sim.sizing", "SizingResult": "sim.sizing",
    "closure_bound": "sim.plan.bound", "BoundResult": "sim.plan.bound",
    "latest_ready": "sim.plan.latest", "LatestResult": "sim.plan.latest",
    "optimise_releases": "sim.plan.optimise", "OptimiseResult": "sim.plan.optimise",
    "ScenarioError": "sim.errors", "PathError": "sim.grid", "MissingDependency": "sim.extras",
}
__all__ = [
    "BoundResult", "ComparisonResult", "LatestResult", "MissingDependency", "MonteCarloResult", "OptimiseResult",
    "PathError", "Question", "RunResult", "ScenarioError", "SizingResult", "SweepResult", "__version__",
    "closure_bound", "compare", "latest_ready", "load", "montecarlo", "open", "optimise_releases", "run", "size_fleet",
    "sweep",
]

if TYPE_CHECKING:
    from sim.api import RunResult, load, open, run
    from sim.comparison import ComparisonResult, compare
    from sim.errors import ScenarioError
    from sim.extras import MissingDependency
    from sim.grid import PathError, SweepResult, sweep
    from sim.plan.bound import BoundResult, closure_bound
    from sim.plan.latest import LatestResult, latest_ready
    from sim.plan.optimise import OptimiseResult, optimise_releases
    from sim.replications import MonteCarloResult, montecarlo
    from sim.sizing import Question, SizingResult, size_fleet


def __getattr__(name: str) -> Any:
    """The API's names, imported when first asked for."""
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])
