"""Troop deployment timeline simulator: scenario -> SimPy engine -> results -> charts/report.

The Python API (sim.api) is reached from here: `sim.load(path)`, `sim.run(scenario_or_path)`,
`sim.RunResult`. It is imported on first use, so `import sim` stays light (no pydantic, SimPy or
matplotlib until a function is called).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["RunResult", "__version__", "load", "run"]

if TYPE_CHECKING:
    from sim.api import RunResult, load, run


def __getattr__(name: str) -> Any:
    """The API's names, imported when first asked for."""
    if name in ("RunResult", "load", "run"):
        from sim import api

        return getattr(api, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
