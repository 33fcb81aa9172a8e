"""Code-quality figures for sim/: the longest functions, type-annotation and docstring coverage.

    python .ci/quality.py            # the figures
    python .ci/quality.py --limit 60 # also list every function longer than 60 lines; exit 1 if any

The same ceiling is enforced by tests/test_code_quality.py; radon grades come from `radon cc -s sim`
and complexity in CI from ruff's C901 (see pyproject.toml).
"""

from __future__ import annotations

import argparse
import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Function:
    """One function or method in the package."""

    where: str
    name: str
    lines: int
    annotated: bool
    public: bool
    documented: bool


def _annotated(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    args = [*fn.args.posonlyargs, *fn.args.args, *fn.args.kwonlyargs]
    if args and args[0].arg in ("self", "cls"):
        args = args[1:]
    extras = [a for a in (fn.args.vararg, fn.args.kwarg) if a is not None]
    return fn.returns is not None and all(a.annotation is not None for a in [*args, *extras])


def functions(package: Path) -> list[Function]:
    """Every function and method under `package`, with its length and coverage flags."""
    found: list[Function] = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
                where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                found.append(Function(
                    where=f"{where}:{node.lineno}", name=node.name,
                    lines=(node.end_lineno or node.lineno) - first + 1, annotated=_annotated(node),
                    public=not node.name.startswith("_"), documented=ast.get_docstring(node) is not None))
    return found


def public_definitions(package: Path) -> tuple[int, int]:
    """(public module-level and class-level definitions, how many of them have a docstring)."""
    total = documented = 0
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        scopes = [tree.body] + [n.body for n in tree.body if isinstance(n, ast.ClassDef)]
        for body in scopes:
            for node in body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                        and not node.name.startswith("_"):
                    total += 1
                    documented += ast.get_docstring(node) is not None
    return total, documented


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="list functions longer than this")
    args = parser.parse_args(argv)
    fns = functions(ROOT / "sim")
    longest = max(fns, key=lambda f: f.lines)
    total, documented = public_definitions(ROOT / "sim")
    print(f"functions: {len(fns)}; longest: {longest.name} ({longest.lines} lines, {longest.where})")
    print(f"fully annotated: {sum(f.annotated for f in fns) / len(fns):.0%}")
    print(f"public definitions with a docstring: {documented}/{total} ({documented / total:.0%})")
    if args.limit is None:
        return 0
    over = sorted((f for f in fns if f.lines > args.limit), key=lambda f: -f.lines)
    for f in over:
        print(f"  {f.lines:4d}  {f.name}  {f.where}")
    print(f"over {args.limit} lines: {len(over)}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
