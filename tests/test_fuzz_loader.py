"""Fuzzing the way in: random YAML trees, random edits of a valid scenario and random text, each written to a
file and given to `sim validate` (sim.cli.main, in-process). Whatever the input, the command must answer 0
(valid) or 2 (refused, with located problems), never 1: no exception may escape the loader, the model or the
cross-checks. Bounded by max_examples, with no deadline, so that it runs in a few seconds.
"""

from __future__ import annotations

import contextlib
import io
import math
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main
from tests.conftest import TINY_SCENARIO

# keys of the real schema (top level and inside items), so that random values land on real fields
SCHEMA_KEYS = ["name", "start", "horizon", "airfields", "aircraft", "fleet", "equipment", "contingents",
               "movements", "places", "planning", "uncertainty", "extends", "movements_file", "contingents_file",
               "id", "lat", "lon", "mog", "hours", "closed", "from", "to", "type", "count", "base", "seats",
               "payload_t", "floor_m", "cruise_kmh", "range_km", "load_h", "unload_h", "mass_t", "length_m",
               "troops", "nation", "home", "cargo_t", "contingent", "phase", "ready", "deadline", "priority",
               "fleets", "after", "legs", "mode", "remove", "rules", "taxi_h", "note"]

ODD_TEXT = ["", " ", "+36h", "+99999999999999999999h", "0001-01-01T00:00+06:00", "9999-12-31T23:59+00:00",
            "2022-01-06T00:00+06:00", "1h30m", "1:30", "always", "06:00-22:00", "24:00-00:00", "nan", "inf",
            "-1", "1e400", "../../etc/passwd", "/dev/zero", ".", "a\x00b", "=cmd|' /C calc'!A0", "\x1b[31mred",
            "\u202eevil", "x" * 300, "deploy", "withdraw", "air", "road", "rail", "a", "b", "ru", "il-76md"]

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([0, -1, 2**31, 2**63, 10**30, 10**300]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -0.0, 5e-324]),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=20),
)
KEYS = st.one_of(st.sampled_from(SCHEMA_KEYS), st.text(min_size=1, max_size=10))
TREES = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=5)),
    max_leaves=25,
)


def _validate(text: str) -> tuple[int, str]:
    """`sim validate` on a file holding `text`, in a fresh temporary folder: (exit code, what it printed)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            code = main(["validate", str(path)])
    return code, out.getvalue()


def _check(text: str) -> None:
    code, printed = _validate(text)
    assert "internal error" not in printed and "Traceback" not in printed, printed
    assert code in (0, 2), f"exit {code}\n{printed}\n--- input ---\n{text[:2000]}"


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, TREES, max_size=8))
def test_random_trees_are_refused_or_accepted_never_crash(tree: dict[str, Any]) -> None:
    _check(_dump(tree))


def _tiny() -> dict[str, Any]:
    return yaml.safe_load(TINY_SCENARIO.read_text(encoding="utf-8"))


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path (keys and indices) into a plain tree, the root's excepted."""
    found: list[tuple] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else []
    for key, child in items:
        found.append((*prefix, key))
        found += _paths(child, (*prefix, key))
    return found


TINY_PATHS = _paths(_tiny())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TINY_PATHS), TREES), min_size=1, max_size=3))
def test_a_valid_scenario_with_random_values_never_crashes(edits: list[tuple[tuple, Any]]) -> None:
    data = _tiny()
    for path, value in edits:
        node = data
        try:
            for part in path[:-1]:
                node = node[part]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):  # an earlier edit replaced a parent of this path
            continue
    _check(_dump(data))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from([*"[]{}:,-&*!|>'\"#%@` \n\tab01.+", "\x00", "\ufeff", "é"]),
               max_size=200))
def test_random_yaml_text_never_crashes(text: str) -> None:
    _check(text)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=1, max_value=len(TINY_SCENARIO.read_text(encoding="utf-8")) - 1),
       st.text(max_size=10))
def test_a_valid_scenario_with_random_text_spliced_in_never_crashes(at: int, inserted: str) -> None:
    text = TINY_SCENARIO.read_text(encoding="utf-8")
    _check(text[:at] + inserted + text[at:])
