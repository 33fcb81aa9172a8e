"""Generate docs/scenario-reference.md and docs/scenario.schema.json from the scenario model.

    python -m sim.docgen          # rewrite both files
    python -m sim.docgen --check  # exit 1 if the committed files differ from the model
    python -m sim.docgen --images # re-make the charts shown in README and docs/ (docs/images/)

A test runs the check, so the reference can never drift from the code.
"""

from __future__ import annotations

import json
import sys
import types
import typing
from collections.abc import Callable
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim import scenario

DOCS = Path(__file__).resolve().parents[1] / "docs"
SECTIONS: list[tuple[str, type[BaseModel], str]] = [
    ("Top level", scenario.Scenario, ""),
    ("planning", scenario.Planning, "planning:"),
    ("planning.rules", scenario.Rules, "rules:"),
    ("planning.road", scenario.RoadFactors, "road:"),
    ("planning.rail", scenario.RailFactors, "rail:"),
    ("airfields[]", scenario.Airfield, "airfields:"),
    ("airfields[].closed[]", scenario.Closure, "closed:"),
    ("places[]", scenario.Place, "places:"),
    ("throughput (of an airfield or place)", scenario.Throughput, "throughput:"),
    ("staging (of an airfield or place)", scenario.Staging, "staging:"),
    ("railhead (of an airfield or place)", scenario.Railhead, "railhead:"),
    ("aircraft[]", scenario.AircraftType, "aircraft:"),
    ("fleet[]", scenario.Fleet, "fleet:"),
    ("fleet[].crew_stage[]", scenario.CrewStage, "crew_stage:"),
    ("equipment[]", scenario.Equipment, "equipment:"),
    ("contingents[]", scenario.Contingent, "contingents:"),
    ("movements_file, contingents_file (as a mapping)", scenario.TableFile, "movements_file:"),
    ("movements[]", scenario.Movement, "movements:"),
    ("movements[].legs[]", scenario.Leg, "legs:"),
    ("movements[].inflow", scenario.Inflow, "inflow:"),
    ("uncertainty", scenario.Uncertainty, "uncertainty:"),
    ("uncertainty.delays[]", scenario.DelayRule, "delays:"),
    ("uncertainty.breakdowns[]", scenario.BreakdownRule, "breakdowns:"),
    ("uncertainty.weather[]", scenario.WeatherRule, "weather:"),
    ("uncertainty.road[]", scenario.RoadRule, "road:"),
    ("uncertainty.availability[]", scenario.AvailabilityRule, "availability:"),
    ("report", scenario.ReportOptions, "report:"),
    ("distribution (delay, repair, duration)", scenario.Dist, ""),
    ("lognormal", scenario.Lognormal, ""),
    ("triangular", scenario.Triangular, ""),
]


_PLAIN_TYPES: dict[object, str] = {int: "integer", float: "number", str: "text", bool: "boolean"}


def _type_name(field: FieldInfo) -> str:
    """Readable type; pydantic moves Annotated metadata (our Time and Hours parsers) to field.metadata."""
    return _parsed_kind(str(field.metadata)) or _ann(field.annotation)


def _parsed_kind(rendered: str) -> str:
    """The name of one of our parsed field types from its rendered metadata ('' if none)."""
    if "_absolute_time" in rendered:
        return "absolute time"
    if "parse_time" in rendered:
        return "time"
    if "parse_duration_h" in rendered:
        return "duration (hours)"
    return ""


def _ann(ann: object) -> str:
    """Readable name of a type annotation (a class, a generic alias, a Union, a Literal, Annotated)."""
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Annotated:
        inner = _ann(args[0])
        rendered = str(args[1:])
        if _parsed_kind(rendered):
            return _parsed_kind(rendered)
        if "pattern" in rendered:
            return "id"
        return inner
    if origin in (typing.Union, types.UnionType):
        parts = [_ann(a) for a in args if a is not type(None)]
        return " or ".join(parts) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_ann(args[0])}"
    if origin is dict:
        return f"map {_ann(args[0])} -> {_ann(args[1])}"
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ann.__name__
    return _PLAIN_TYPES.get(ann, str(ann))


def _bounds(field: FieldInfo) -> str:
    """The field's numeric and length constraints, e.g. '>= 0, <= 1'."""
    out = []
    for m in field.metadata:
        for attr, sym in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"), ("min_length", "min length")):
            v = getattr(m, attr, None)
            if v is not None:
                out.append(f"{sym} {v}")
    return ", ".join(out)


def _default(field: FieldInfo) -> str:
    """The field's default as shown in the reference ('**required**', '-', 'see below' or the value)."""
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = typing.cast("Callable[[], object]", field.default_factory)()  # ours take no validated data
        if isinstance(value, BaseModel):
            return "see below"
        return f"`{json.dumps(value)}`"
    if field.default is PydanticUndefined or field.default is None:
        return "-"
    if field.default == "":
        return "`\"\"`"
    return f"`{field.default}`"


def reference_markdown() -> str:
    """docs/scenario-reference.md: one table of fields per section of the scenario model."""
    lines = [
        "# Scenario reference",
        "",
        "<!-- Generated by `python -m sim.docgen` from sim/scenario.py; do not edit by hand. -->",
        "",
        "A scenario is one YAML file. Times are ISO 8601 with a UTC offset (`2022-01-06T12:00+06:00`) or",
        "offsets from `start` (`+36h`, `+1d12h`); durations are `1h30m`, `30d`, `45m` or a number of hours.",
        "Units are in the field names: `_t` tonnes, `_m` metres, `_km` kilometres, `_kmh` km/h, `_h` hours.",
        "A file may begin with `extends: parent.yaml` and state only what differs (see the how-to guide).",
        "Editors: `sim schema` prints the JSON Schema; the shipped scenarios point at docs/scenario.schema.json, and",
        "files that `extends` another at docs/scenario-variant.schema.json (`sim schema --variant`), where nothing is",
        "required and list items may carry `remove: true`.",
        "Movement lines and contingents may also come from a CSV or XLSX table, one a row (`movements_file`,",
        "`contingents_file`; see [the how-to guide](how-to/spreadsheets.md)).",
        "",
    ]
    for title, model, _ in SECTIONS:
        lines += [f"## {title}", ""]
        doc = (model.__doc__ or "").strip().splitlines()
        if doc and model is not scenario.Scenario:
            lines += [doc[0], ""]
        lines += ["| field | type | default | allowed | meaning |", "| --- | --- | --- | --- | --- |"]
        for name, field in model.model_fields.items():
            key = field.alias or name
            desc = (field.description or "").replace("|", "\\|")
            lines.append(f"| `{key}` | {_type_name(field)} | {_default(field)} | {_bounds(field)} | {desc} |")
        lines.append("")
    return "\n".join(lines)


def schema_json(variant: bool = False) -> str:
    """The JSON Schema of a scenario file (of a variant that `extends` another with variant=True), as text."""
    return json.dumps(scenario.json_schema(variant), indent=2) + "\n"


def cli_markdown() -> str:
    """docs/cli.md: the help of every command, from the parser itself."""
    import argparse
    import os

    from sim.cli import build_parser

    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps to the terminal; fix it for a stable file
    try:
        parser = build_parser()
        lines = ["# Command-line reference", "",
                 "<!-- Generated by `python -m sim.docgen` from sim/cli.py; do not edit by hand. -->", "",
                 "Every command prints its own help with `--help`; this page is the same text.", "",
                 "## Exit codes", "",
                 "| code | meaning |", "| --- | --- |",
                 "| 0 | ran (late lines are results, not errors) |",
                 "| 1 | internal error: a bug; `--debug` shows the traceback |",
                 "| 2 | invalid input or usage: one line per problem as `file:line:column: path: message`; "
                 "nothing written |",
                 "| 3 | `sim montecarlo`: the batch ran but some replications failed "
                 "(their seeds and errors are in summary.json) |",
                 "| 130 | interrupted with Ctrl-C (a Monte Carlo batch keeps the replications that finished) |", "",
                 "## sim", "", "<!-- not run: reference text -->", "```text", parser.format_help().rstrip(), "```", ""]
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        for name, p in _commands(sub):
            lines += [f"## sim {name}", "", "<!-- not run: reference text -->", "```text", p.format_help().rstrip(),
                      "```", ""]
        return "\n".join(lines)
    finally:
        if old is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = old


def _commands(sub: typing.Any) -> list[tuple[str, typing.Any]]:
    """Every command and, for one with questions of its own (`sim plan`), each of them after it."""
    import argparse

    out = []
    for name, p in sub.choices.items():
        out.append((name, p))
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                out += [(f"{name} {q}", qp) for q, qp in action.choices.items()]
    return out


def outputs() -> dict[Path, str]:
    """Every generated reference file and the text it should hold."""
    from sim.apidoc import api_markdown
    from sim.notebookgen import notebook_json

    tutorial = DOCS / "tutorials" / "notebook.md"
    return {DOCS / "scenario-reference.md": reference_markdown(), DOCS / "scenario.schema.json": schema_json(),
            DOCS / "scenario-variant.schema.json": schema_json(variant=True), DOCS / "cli.md": cli_markdown(),
            DOCS / "api.md": api_markdown(),
            tutorial.with_suffix(".ipynb"): notebook_json(tutorial.read_text(encoding="utf-8"))}


IMAGE_RUN = ["run", "scenarios/csto_kazakhstan_2022.yaml"]
IMAGE_COMPARE = ["compare", "scenarios/csto_kazakhstan_2022.yaml", "scenarios/csto_all_released_13jan.yaml",
                 "scenarios/csto_russia_first.yaml", "scenarios/csto_30_il76_no_an124.yaml",
                 "scenarios/csto_almaty_mog4_zhetygen_closed.yaml", "--phase", "withdraw"]


def make_images() -> None:
    """Run the documented commands and copy their charts into docs/images/."""
    import contextlib
    import io
    import os
    import shutil
    import tempfile

    from sim.cli import main as cli

    root = DOCS.parent
    images = DOCS / "images"
    images.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(root)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                assert cli([*IMAGE_RUN, "-o", f"{tmp}/run"]) == 0
                assert cli([*IMAGE_COMPARE, "-o", f"{tmp}/cmp"]) == 0
        finally:
            os.chdir(cwd)
        for name in ("in_theatre.png", "closure.png", "gantt.png", "airfields.png", "network.png",
                     "sorties_per_day.png", "why_late.png"):
            shutil.copy(f"{tmp}/run/{name}", images / name)
        for name in ("compare_in_theatre.png", "compare_completion.png", "compare_departures.png"):
            shutil.copy(f"{tmp}/cmp/{name}", images / name)
    print(f"wrote charts to {images}")


def main(argv: list[str]) -> int:
    """Rewrite the generated docs (or check them with --check, or re-make the images with --images); exit code."""
    if "--images" in argv:
        make_images()
        return 0
    stale = [p for p, text in outputs().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for p in stale:
            print(f"{p} is out of date; run: python -m sim.docgen")
        return 1 if stale else 0
    for p, text in outputs().items():
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
