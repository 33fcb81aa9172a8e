"""The code stays small and typed: no function in sim/ over 60 lines, every function annotated.

The figures come from .ci/quality.py (the same code prints them for a closing note); complexity
(radon grade C, McCabe 20) is checked by ruff's C901 in .ci/run, type errors by mypy there.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import ROOT

MAX_LINES = 60


def _quality() -> ModuleType:
    spec = importlib.util.spec_from_file_location("quality", ROOT / ".ci" / "quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_no_function_is_longer_than_60_lines() -> None:
    over = [f"{f.where} {f.name}: {f.lines} lines" for f in _quality().functions(ROOT / "sim") if f.lines > MAX_LINES]
    assert not over, "split these into named steps:\n" + "\n".join(over)


def test_every_function_is_annotated() -> None:
    bare = [f"{f.where} {f.name}" for f in _quality().functions(ROOT / "sim") if not f.annotated]
    assert not bare, "annotate parameters and return type:\n" + "\n".join(bare)


def test_the_measure_counts_lines_from_the_decorator(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("@property\ndef f(x: int) -> int:\n    y = x\n    return y\n")
    [f] = _quality().functions(tmp_path)
    assert (f.name, f.lines, f.annotated) == ("f", 4, True)
