"""docs/api.md, generated from the public API's signatures and docstrings (`python -m sim.docgen`).

The page lists every name `sim.__all__` exports, in a fixed order: the functions, then the result
classes with their public methods and properties. Nothing is written by hand, so the page cannot
drift from the code; tests/test_docs_generated.py checks it is current.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

FUNCTIONS = ["load", "run", "montecarlo", "compare", "sweep", "size_fleet", "latest_ready", "closure_bound",
             "optimise_releases", "open"]
CLASSES = ["RunResult", "MonteCarloResult", "ComparisonResult", "SweepResult", "SizingResult", "Question",
           "LatestResult", "BoundResult", "OptimiseResult"]
ERRORS = ["ScenarioError", "PathError", "MissingDependency"]

INTRO = """# Python API reference

Generated from the code by `python -m sim.docgen`; do not edit. For a walk-through, see
[the Python API how-to](how-to/python-api.md) and [the notebook tutorial](tutorials/notebook.md).

`import sim` is light: each name below is imported on first use. Every result has `write(folder)`,
which writes the folder the matching `sim` command writes, byte for byte in its CSV and JSON files,
and an HTML view in Jupyter. `sim.open(folder)` reads any of those folders back.
"""


def _annotation(ann: Any) -> str:
    """An annotation as the source writes it (they are strings under `from __future__ import annotations`)."""
    return ann if isinstance(ann, str) else inspect.formatannotation(ann)


def _signature(name: str, obj: Callable[..., Any], drop_first: bool = False) -> str:
    """`name(params) -> return` as the source writes it, without `self`/`cls` when `drop_first`."""
    sig = inspect.signature(obj)
    params = list(sig.parameters.values())[1 if drop_first else 0:]
    parts, star_done = [], False
    for p in params:
        if p.kind is p.KEYWORD_ONLY and not star_done:
            parts.append("*")
            star_done = True
        text = p.name if p.annotation is p.empty else f"{p.name}: {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {p.default!r}" if p.annotation is not p.empty else f"={p.default!r}"
        parts.append(text)
    ret = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    return f"{name}({', '.join(parts)}){ret}"


def _code(text: str) -> str:
    """A signature as a Python block that the docs test leaves alone (it is not a program)."""
    return f"<!-- not run: a signature -->\n```python\n{text}\n```\n"


def _doc(obj: object) -> str:
    return inspect.cleandoc(obj.__doc__ or "(no docstring)")


def _members(cls: type) -> list[str]:
    """The public methods and properties a class defines itself, in source order, documented."""
    out = []
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            ret = member.fget.__annotations__.get("return", "") if member.fget else ""
            out.append(f"#### `{cls.__name__}.{name}`\n\n" + _code(f"{name}: {_annotation(ret)}  # property")
                       + f"\n{_doc(member)}\n")
        elif isinstance(member, classmethod):
            out.append(f"#### `{cls.__name__}.{name}`\n\n" + _code(_signature(name, member.__func__, True))
                       + f"\n{_doc(member.__func__)}\n")
        elif inspect.isfunction(member):
            out.append(f"#### `{cls.__name__}.{name}`\n\n" + _code(_signature(name, member, True))
                       + f"\n{_doc(member)}\n")
    return out


def _fields(cls: type) -> str:
    """A dataclass's or NamedTuple's fields as a code block: name and annotation."""
    fields = getattr(cls, "__annotations__", {})
    items = [f"{name}: {_annotation(ann)}" for name, ann in fields.items() if not name.startswith("_")]
    return _code("\n".join(items)) if items else ""


def api_markdown() -> str:
    """The whole of docs/api.md."""
    import sim

    parts = [INTRO, "## Functions\n"]
    for name in FUNCTIONS:
        fn = getattr(sim, name)
        parts.append(f"### `sim.{name}`\n\n" + _code("sim." + _signature(name, fn)) + f"\n{_doc(fn)}\n")
    parts.append("## Results\n")
    for name in CLASSES:
        cls = getattr(sim, name)
        parts.append(f"### `sim.{name}`\n\n{_doc(cls)}\n")
        parts.append(_fields(cls))
        parts += _members(cls)
    parts.append("## Errors\n")
    for name in ERRORS:
        cls = getattr(sim, name)
        parts.append(f"### `sim.{name}`\n\nA subclass of `{cls.__mro__[1].__name__}`. {_doc(cls)}\n")
    return "\n".join(p for p in parts if p).rstrip() + "\n"
