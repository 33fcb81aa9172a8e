"""`sim plan`: the inverse questions. Not "does this schedule work?" but "which schedule works?".

Each question is a module of this package, found by name in SUBCOMMANDS, with the same small
interface, so the command line wires them in one loop (sim.cli._add_plan):

- NAME, HELP, DESCRIPTION: the subcommand's name and texts;
- EXAMPLES: tuple of example command lines, shown at the end of its --help;
- configure_parser(p): adds its arguments (every subcommand takes -o DIR);
- cmd(args) -> int: parse -> call the module's API function -> print; writes its answer to -o DIR
  as CSV and JSON (and a chart) atomically.

Each module's API function (e.g. sim.plan.latest.latest_ready) returns a result object with
`write(folder)`, like the rest of the Python API.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

SUBCOMMANDS = ("latest", "bound", "optimise")
HELP = "inverse questions: latest start dates, a lower bound on closure, dispatch rules, optimised release dates"


def modules() -> list[ModuleType]:
    """The subcommand modules present, in SUBCOMMANDS order."""
    return [importlib.import_module(f"sim.plan.{name}") for name in SUBCOMMANDS
            if importlib.util.find_spec(f"sim.plan.{name}") is not None]
