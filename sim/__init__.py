"""Troop deployment timeline simulator: scenario -> SimPy engine -> results -> charts/report.

The Python API is reached from here: `sim.load(path)`, `sim.run(scenario_or_path)` -> `RunResult`
(sim.api), `sim.size_fleet(scenario, sim.Question(...))` -> `SizingResult` (sim.sizing). Each is
imported on first use, so `import sim` stays light (no pydantic, SimPy or matplotlib until a
function is called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Question", "RunResult", "SizingResult", "__version__", "load", "run", "size_fleet"]
_API = {"RunResult": "sim.api", "load": "sim.api", "run": "sim.api",
        "Question": "sim.sizing", "SizingResult": "sim.sizing", "size_fleet": "sim.sizing"}

if TYPE_CHECKING:
    from sim.api import RunResult, load, run
    from sim.sizing import Question, SizingResult, size_fleet


def __getattr__(name: str) -> Any:
    """The API's names, imported when first asked for."""
    if name in _API:
        import importlib

        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
