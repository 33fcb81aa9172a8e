"""The one way in: a scenario file or plain data -> a validated, cross-checked Scenario.

Two steps, always together: the pydantic model (types, ranges, one field at a time; sim.scenario)
and the cross-checks that need the whole scenario (references, sums, reach, dates; sim.checks).
Every problem of both is located (file, line, column, field; or table cell) and raised together as
one ScenarioError; warnings are returned beside the scenario. Tables named by `movements_file` and
`contingents_file` (sim.movetable) are read as each file loads, before validation. `sim run`,
`sim validate`, sweeps, the tests and the benchmarks all come through here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.checks import cross_check
from sim.errors import Problem, ScenarioError
from sim.movetable import localise_times, read_file_tables, read_tables
from sim.scenario import Scenario, fill_default_ids, from_located
from sim.yamlsrc import LocDict, load_with_extends


def validate(data: Any, file: str) -> tuple[Scenario, list[Problem]]:
    """Validate and cross-check located (or plain) scenario data; raise ScenarioError on any error.

    Tables that plain data names (`movements_file`) are read relative to the folder of `file`."""
    data = read_tables(data, file)
    localise_times(data)
    scenario = from_located(data, file)
    errors, warnings = cross_check(scenario, data, file)
    if errors:
        raise ScenarioError(errors)
    return scenario, warnings


def load(path: str | Path) -> tuple[Scenario, list[Problem]]:
    """Read a scenario file (safe YAML, `extends` merged), validate it; return it with its warnings."""
    path = Path(path)
    return validate(load_with_extends(path, prepare=prepare_file), str(path))


def prepare_file(data: LocDict) -> None:
    """What each file of a scenario gets before `extends` merges it: its tables read, default ids given."""
    read_file_tables(data)
    fill_default_ids(data)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raise ScenarioError listing every problem."""
    return load(path)[0]
