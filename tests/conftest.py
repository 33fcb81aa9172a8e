"""Shared test settings: the paths several test files use, and the reading of a line's parts from
scenario data that the invariant tests compare the engine against."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository checkout."""
TESTS_DIR = ROOT / "tests"
TEST_DATA_DIR = TESTS_DIR / "data"
TINY_SCENARIO = TEST_DATA_DIR / "tiny.yaml"
SCENARIOS_DIR = ROOT / "scenarios"
REFERENCE_SCENARIO = SCENARIOS_DIR / "csto_kazakhstan_2022.yaml"
DOCS_DIR = ROOT / "docs"


def stated_parts(data: dict, line_id: str) -> tuple[int, dict[str, int], int]:
    """(troops, vehicles by id, cargo kg) a movement line moves, read straight from scenario data.

    The rule of the scenario reference, written out here so that invariant tests do not take their
    expectation from the code they check: a line that states none of `troops`, `equipment` and
    `cargo_t` moves its whole contingent; a line that states any of them moves only what it states.
    Vehicle kinds with a count of zero are left out.
    """
    line = next(m for m in data["movements"] if m["id"] == line_id)
    if not any(k in line for k in ("troops", "equipment", "cargo_t")):
        line = next(c for c in data["contingents"] if c["id"] == line["contingent"])
    vehicles = {k: n for k, n in (line.get("equipment") or {}).items() if n}
    return line.get("troops") or 0, vehicles, round((line.get("cargo_t") or 0) * 1000)
