"""The one way in: a scenario file or plain data -> a validated, cross-checked Scenario.

Two steps, always together: the pydantic model (types, ranges, one field at a time; sim.scenario)
and the cross-checks that need the whole scenario (references, sums, reach, dates; sim.checks).
Every problem of both is located (file, line, column, field) and raised together as one
ScenarioError; warnings are returned beside the scenario. `sim run`, `sim validate`, sweeps, the
tests and the benchmarks all come through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.checks import cross_check
from sim.errors import Problem, ScenarioError
from sim.scenario import Scenario, fill_default_ids, from_located
from sim.yamlsrc import load_with_extends


def validate(data: Any, file: str) -> tuple[Scenario, list[Problem]]:
    """Validate and cross-check located (or plain) scenario data; raise ScenarioError on any error."""
    scenario = from_located(data, file)
    errors, warnings = cross_check(scenario, data, file)
    if errors:
        raise ScenarioError(errors)
    return scenario, warnings


def load(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """Read a scenario file (safe YAML, `extends` merged), validate it; return it with its warnings."""
    path = Path(path)
    return validate(load_with_extends(path, prepare=fill_default_ids), str(path))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise ScenarioError listing every problem."""
    return load(path)[0]
