"""`sim plan`: the inverse questions. Not "does this schedule work?" but "which schedule works?".

Each question is a module of this package, found by name in SUBCOMMANDS, with the same small
interface, so the command line wires them in one loop (sim.cli._add_plan):

- NAME, HELP, DESCRIPTION: the subcommand's name and texts;
- EXAMPLES: tuple of example command lines, shown at the end of its --help;
- configure_parser(p): adds its arguments (every subcommand takes -o DIR, default outputs/<stem>-<question>/);
- cmd(args) -> int: parse -> call the module's API function -> print; writes its answer to -o DIR
  as CSV and JSON (and a chart) atomically.

Each module's API function (e.g. sim.plan.latest.latest_ready) returns a result object with
`write(folder)`, like the rest of the Python API.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.scenario import Scenario

SUBCOMMANDS = ("latest", "bound", "optimise")
HELP = "inverse questions: latest start dates, a lower bound on closure, optimised release dates"


def modules() -> list[ModuleType]:
    """The subcommand modules present, in SUBCOMMANDS order."""
    return [importlib.import_module(f"sim.plan.{name}") for name in SUBCOMMANDS
            if importlib.util.find_spec(f"sim.plan.{name}") is not None]


def scenario_argument(p: argparse.ArgumentParser) -> None:
    """The SCENARIO every question takes."""
    p.add_argument("scenario", metavar="SCENARIO", help="scenario YAML file")


def output_options(p: argparse.ArgumentParser, seed: bool = True) -> None:
    """--seed (unless `seed` is False), --dpi and -o DIR, as the questions take them (checked as the other
    commands check them)."""
    from sim.cli import _dpi_option, _nonneg_int

    if seed:
        p.add_argument("--seed", type=_nonneg_int, metavar="N", help="random seed (default: the scenario's seed)")
    _dpi_option(p)
    p.add_argument("-o", "--out", metavar="DIR",
                   help="output folder, written atomically (default: outputs/<scenario stem>-<question>/)")


def prepare(args: argparse.Namespace, check: Callable[[Scenario], object] | None = None) -> tuple[Scenario, Path]:
    """The question's scenario, loaded and checked (problems raised like every command's), then its own
    options (`check(scenario)`: ValueError, sim.grid.PathError or ScenarioError become a usage error,
    exit 2), and only then its output folder, probed before any work is done: a refused option leaves
    nothing behind, not even -o's parent folders."""
    from sim.cli import UsageError, check_output_folder, output_dir
    from sim.errors import ScenarioError
    from sim.loading import load

    scenario, _warnings = load(Path(args.scenario))
    out = output_dir(args.out, Path("outputs") / f"{Path(args.scenario).stem}-{args.plan_question}")
    if check is not None:
        try:
            check(scenario)
        except (ValueError, ScenarioError) as exc:  # sim.grid.PathError is a ValueError
            raise UsageError(f"sim plan {args.plan_question}: {exc}") from None
    check_output_folder(out, [args.scenario])
    return scenario, out


def write_answer(folder: str | Path, name: str, table: tuple[list[str], list[list[Any]]], data: dict[str, Any],
                 figure: Callable[[], Figure], dpi: int, extra: dict[str, str] | None = None) -> Path:
    """A question's folder in one rename: <name>.csv (the table), <name>.json (`data`), <name>.png (the
    figure, at `dpi`) and any `extra` files (file name -> text); its path."""
    import json

    from sim import charts
    from sim.report import atomic_dir
    from sim.tables import csv_text

    folder = Path(folder)
    with atomic_dir(folder) as tmp:
        (tmp / f"{name}.csv").write_text(csv_text(*table), encoding="utf-8")
        (tmp / f"{name}.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        for file, text in (extra or {}).items():
            (tmp / file).write_text(text, encoding="utf-8")
        with charts.resolution(dpi):
            charts._save(figure(), tmp, name, False)
    return folder
