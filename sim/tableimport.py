"""`sim import`: write a table's movement lines (and contingents) into a scenario file as YAML.

The table is read as `movements_file:` reads it (sim.movetable); the scenario with the table's
rows in place of its `movements:` list (and `contingents:`, when a contingents table is given) is
validated first, so that a problem is reported at its cell and nothing is written. Then the file's
`movements:` block is replaced, one flow mapping a row; every other top-level key, and the
comments outside the replaced blocks, stay as they were. A `movements_file:` key is dropped (the
lines are now in the file). The file is written through a temporary file beside it, loaded back
and compared before it replaces the original.

The command line wires this module in with `configure_parser` and `cmd_import`.
"""

from __future__ import annotations

import argparse
import copy
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import Problem, ScenarioError

if TYPE_CHECKING:  # the parser is built for every command: the model and YAML are imported when the command runs
    from sim.scenario import Scenario
    from sim.yamlsrc import LocDict

HELP = "write a table's movement lines (and contingents) into a scenario file"
DESCRIPTION = ("Read movement lines from a table (a .csv file, or an .xlsx workbook's Movements sheet; the header row "
               "names the fields, as for movements_file) and write them into SCENARIO as YAML, replacing its "
               "movements list and keeping its other keys and comments. The result is validated first: a problem "
               "is reported at its cell (table.csv!D7) and nothing is written. Contingents are replaced too when "
               "--contingents names a table, or when the workbook has a Contingents sheet.")
EXAMPLES: tuple[str, ...] = (
    "sim import scenarios/tables/csto_2022_movements.csv --into my_scenario.yaml",
    "sim import plan.xlsx --into my_scenario.yaml --sheet Moves",
)
"""Shown at the end of `sim import --help` (cli.EXAMPLES["import"])."""


def configure_parser(p: argparse.ArgumentParser) -> None:
    """Add the arguments of `sim import` to its (sub)parser."""
    p.add_argument("table", metavar="TABLE", help="the movements table: a .csv file or an .xlsx workbook")
    p.add_argument("--into", required=True, metavar="SCENARIO",
                   help="the scenario YAML file to write them into (it must exist; it is rewritten in place)")
    p.add_argument("--sheet", metavar="NAME", help="the workbook's movements sheet (default: Movements)")
    p.add_argument("--contingents", metavar="TABLE",
                   help="also replace the contingents, from this table (.csv, or a workbook's Contingents sheet); "
                        "without it, a workbook TABLE's Contingents sheet is used when there is one")
    p.add_argument("--contingents-sheet", metavar="NAME",
                   help="the workbook's contingents sheet (default: Contingents)")


def cmd_import(args: argparse.Namespace) -> int:
    """`sim import`: validate the scenario with the table's rows, rewrite its lists, print one line; exit code."""
    from sim.yamlsrc import load_located, read_text

    into = Path(args.into)
    if not into.is_file():
        raise ScenarioError([Problem(str(into), 0, 0, "", "no such scenario file; sim import writes into an existing "
                                                          "scenario (copy one and import into the copy)")])
    patch = "extends" in load_located(into)
    tables = _read_tables(args, patch)
    scenario, warnings = _validated(into, tables)
    text = read_text(into)
    rows = {section: _plain_rows(items, scenario) for section, items in tables.items()}
    new_text = splice(text, {s: yaml_block(s, r, _source_name(args, s)) for s, r in rows.items()},
                      [f"{s}_file" for s in rows])
    write_checked(into, new_text, scenario)
    counts = ", ".join(f"{len(r)} {'movement lines' if s == 'movements' else 'contingents'}" for s, r in rows.items())
    note = f" ({len(warnings)} warnings: see sim validate {into})" if warnings else ""
    print(f"{into}: wrote {counts} from {args.table}{note}")
    return 0


def _source_name(args: argparse.Namespace, section: str) -> str:
    return str(args.contingents or args.table) if section == "contingents" else str(args.table)


# ------------------------------------------------------------------ reading and validating


def _read_tables(args: argparse.Namespace, patch: bool) -> dict[str, list[LocDict]]:
    """The located rows of the movements table and, if any, of the contingents table; every problem of both
    raised together."""
    from sim.movetable import KINDS, read_table

    table = Path(args.table)
    wanted: dict[str, tuple[Path, str | None]] = {"movements": (table, args.sheet)}
    if args.contingents:
        wanted["contingents"] = (Path(args.contingents), args.contingents_sheet)
    elif args.contingents_sheet or (table.suffix.lower() == ".xlsx" and _has_sheet(table, "Contingents")):
        wanted["contingents"] = (table, args.contingents_sheet)
    found: dict[str, list[LocDict]] = {}
    problems: list[Problem] = []
    for section, (path, sheet) in wanted.items():
        try:
            found[section] = read_table(path, KINDS[section], sheet, patch)
        except ScenarioError as exc:
            problems += exc.problems
    if problems:
        raise ScenarioError(problems)
    return found


def _has_sheet(path: Path, sheet: str) -> bool:
    """Whether a workbook has a sheet of that name (any case); False when it cannot be read as one (read_table
    then says why)."""
    from sim.movetable import file_problem, xlsx_cells

    if file_problem(path):  # missing, a folder, a FIFO, ...: read_table says why, without opening it
        return False
    try:
        xlsx_cells(path, str(path), sheet)
    except ScenarioError:
        return False
    return True


def _validated(into: Path, tables: dict[str, list[LocDict]]) -> tuple[Scenario, list[Problem]]:
    """The scenario `into` would be with the tables' rows as its lists (problems located in the tables' cells)."""
    from sim.loading import prepare_file, validate
    from sim.yamlsrc import LocList, load_with_extends

    target = str(into)

    def _prepare(data: LocDict) -> None:
        """The tables' rows in place of the lists of the file `into` (not of its parents), then as loading does."""
        if data.loc.file == target:
            for section, rows in tables.items():
                data.pop(f"{section}_file", None)
                at = data.key_locs.get(section, rows[0].loc)
                items = LocList(copy.deepcopy(rows))
                items.loc, items.item_locs = at, [r.loc for r in rows]
                data[section] = items
                data.key_locs[section] = at
        prepare_file(data)

    return validate(load_with_extends(into, prepare=_prepare), target)


def _plain_rows(rows: list[LocDict], scenario: Scenario) -> list[dict[str, Any]]:
    """Rows as plain data for YAML, date cells as ISO text at the scenario start's UTC offset."""
    from sim.movetable import localise
    from sim.yamlsrc import to_plain

    zone = scenario.start.tzinfo
    assert zone is not None, "start is validated to carry a UTC offset"
    plain = [to_plain(r) for r in rows]
    for item in plain:
        localise(item, zone)
    return plain


# ------------------------------------------------------------------ writing


def yaml_block(section: str, rows: list[dict[str, Any]], source: str) -> str:
    """`section:` and one flow mapping per row, as YAML text."""
    items = "".join(f"  - {_flow(r)}\n" for r in rows)
    return f"{section}:  # from {source} (sim import)\n{items}"


def _flow(item: dict[str, Any]) -> str:
    """One mapping as a one-line YAML flow mapping."""
    import yaml

    return yaml.safe_dump(item, default_flow_style=True, width=2**30, sort_keys=False, allow_unicode=True).strip()


def _top_level_spans(text: str, name: str) -> dict[str, tuple[int, int]]:
    """Each top-level key's lines [first, last + 1): from its key to the line before the next key, less the
    blank and comment lines that lead into the next key."""
    import yaml

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(root, yaml.MappingNode) or root.flow_style:
        raise ScenarioError([Problem(name, 0, 0, "", "sim import edits scenarios written as block YAML (one "
                                                     "'key:' a line at the top level)")])
    lines = text.splitlines()
    starts = [k.start_mark.line for k, _ in root.value] + [len(lines)]
    spans = {}
    for i, (key, _) in enumerate(root.value):
        end = starts[i + 1]
        while end > starts[i] + 1 and (not lines[end - 1].strip() or lines[end - 1].startswith("#")):
            end -= 1
        spans[str(key.value)] = (starts[i], end)
    return spans


def splice(text: str, blocks: dict[str, str], drop: list[str], name: str = "<scenario>") -> str:
    """The YAML text with each top-level key of `blocks` replaced by its text (put where a key of `drop` was,
    or at the end, when the key is absent) and the keys of `drop` removed; every other line is kept."""
    spans = _top_level_spans(text, name)
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    edits: list[tuple[int, int, str]] = []
    at_end = []
    for key, block in blocks.items():
        block = block.replace("\n", newline)
        spot = spans.get(key) or (spans.get(f"{key}_file") if f"{key}_file" in drop else None)
        if spot is None:
            at_end.append(block)
        else:
            edits.append((*spot, block))
    used = {(a, b) for a, b, _ in edits}
    edits += [(*spans[d], "") for d in drop if d in spans and spans[d] not in used]
    for first, end, block in sorted(edits, reverse=True):
        lines[first:end] = [block] if block else []
    out = "".join(lines)
    if at_end:
        out = (out if out.endswith(("\n", "\r")) or not out else out + newline) + newline + "".join(at_end)
    return out


def write_checked(path: Path, text: str, expected: Scenario) -> None:
    """Replace `path` by `text` atomically, once the text, loaded beside it, gives the `expected` scenario."""
    from sim.loading import load

    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        shutil.copymode(path, tmp)
        try:
            written = load(tmp)[0]
        except ScenarioError as exc:
            raise RuntimeError(f"the YAML written for {path} does not load back ({exc}); nothing written") from None
        if written.resolved() != expected.resolved():
            raise RuntimeError(f"the YAML written for {path} does not give the validated scenario; nothing written")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
