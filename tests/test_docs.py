"""Docs that cannot lie: every shell command and Python block in README.md and docs/ is run.

Conventions in the Markdown (HTML comments, invisible on the rendered page):
- ```sh blocks are run line by line (a trailing backslash continues a line; `#` lines are comments)
  in a scratch copy of the repository, with `sim` meaning this checkout's `python -m sim`.
- `<!-- not run: REASON -->` right before a block skips it (the reason is required).
- `<!-- output -->` right before a ```text block: it must match what the last command of the
  previous ```sh block printed. Lines are compared after masking run times, dates of the run and
  temporary paths; a line `...` stands for any number of lines.
- `<!-- file: PATH -->` right before a block writes the block to PATH in the scratch copy.
- ```python blocks are executed in the scratch copy, each in a fresh namespace; on a page that
  starts with `<!-- notebook` they share one, in order, like the cells of a notebook.

After an intended change in what a command prints, `SIM_DOCS_UPDATE=1 python -m pytest tests/test_docs.py`
rewrites the output blocks that no longer match (blocks with a `...` line are left for a person);
review the diff before committing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import DOCS_DIR, ROOT

DOCS = sorted([ROOT / "README.md", *DOCS_DIR.rglob("*.md")])
RUN_LANGS = ("sh", "bash", "console", "shell")
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.S | re.M)
DIRECTIVE = re.compile(r"<!--\s*(not run|output|file)\s*:?\s*(.*?)\s*-->\s*$")
COUNTS: dict[str, int] = {}


@dataclass
class Block:
    lang: str
    body: str
    line: int
    directive: tuple[str, str] | None


def blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    out = []
    for m in FENCE.finditer(text):
        before = text[: m.start()].rstrip().splitlines()
        directive = None
        if before:
            d = DIRECTIVE.search(before[-1])
            if d:
                directive = (d.group(1), d.group(2))
        out.append(Block(m.group(1).lower(), m.group(2), text[: m.start()].count("\n") + 1, directive))
    return out


def commands(body: str) -> list[str]:
    cmds, current = [], ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        cmds.append(current + line)
        current = ""
    if current:
        cmds.append(current)
    return cmds


def normalise(text: str) -> list[str]:
    text = re.sub(r"\b\d+(\.\d+)? ?s\b", "N s", text)  # run times
    text = re.sub(r"/tmp/[^\s)]+", "/tmp/…", text)
    text = re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "DATE", text)
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def matches(expected: list[str], actual: list[str]) -> bool:
    """Every expected line in order; '...' skips any number of actual lines; otherwise contiguous. An empty
    block matches only an empty output (it used to match anything, so a new block left empty passed)."""
    if not any(line.strip() for line in expected):
        return not any(line.strip() for line in actual)
    i = 0
    pieces: list[list[str]] = [[]]
    for line in expected:
        if line.strip() == "...":
            pieces.append([])
        else:
            pieces[-1].append(line)
    for k, piece in enumerate(pieces):
        if not piece:
            continue
        while i <= len(actual) - len(piece):
            if actual[i : i + len(piece)] == piece:
                break
            if k == 0 and expected and expected[0].strip() != "...":
                return False  # the shown output starts where the real one starts
            i += 1
        else:
            return False
        i += len(piece)
    return True


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    """A bin folder where `sim` runs this checkout."""
    bindir = tmp_path_factory.mktemp("bin")
    sim = bindir / "sim"
    sim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sim "$@"\n')
    sim.chmod(0o755)
    return bindir


def scratch_copy(dest: Path) -> Path:
    for name in ("scenarios", "tests", "docs"):
        shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__", "artifacts"))
    for name in ("README.md", "pyproject.toml"):
        shutil.copy(ROOT / name, dest / name)
    (dest / "outputs").mkdir()
    return dest


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_doc_commands_run_and_print_what_the_doc_shows(doc: Path, tmp_path: Path, shim: Path) -> None:
    work = scratch_copy(tmp_path / "repo")
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "MPLBACKEND": "Agg"}
    env.pop("DISPLAY", None)
    last_output = None
    ran = 0
    where = f"{doc.relative_to(ROOT)}"
    shared: dict | None = {"__name__": "__doc__"} if doc.read_text(encoding="utf-8").startswith("<!-- notebook") \
        else None
    for b in blocks(doc):
        kind = b.directive[0] if b.directive else None
        if kind == "not run":
            assert b.directive[1], f"{where}:{b.line}: 'not run' needs a reason"
            continue
        if kind == "file":
            target = work / b.directive[1]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(b.body, encoding="utf-8")
            continue
        if kind == "output":
            assert last_output is not None, f"{where}:{b.line}: output block without a command before it"
            expected, actual = normalise(b.body), normalise(last_output)
            if not matches(expected, actual) and os.environ.get("SIM_DOCS_UPDATE") and "..." not in b.body \
                    and b.body.strip():  # an empty body cannot be found to be replaced: write a placeholder line
                text = doc.read_text(encoding="utf-8")
                doc.write_text(text.replace(b.body, last_output.strip("\n") + "\n", 1), encoding="utf-8")
                continue
            assert matches(expected, actual), (
                f"{where}:{b.line}: the doc shows output that the command no longer prints.\n--- doc ---\n"
                + "\n".join(expected) + "\n--- actual ---\n" + "\n".join(actual))
            continue
        if b.lang in RUN_LANGS:
            for cmd in commands(b.body):
                proc = subprocess.run(cmd, shell=True, cwd=work, env=env, capture_output=True, text=True,
                                      timeout=600)
                assert proc.returncode == 0, \
                    f"{where}:{b.line}: `{cmd}` exited {proc.returncode}\n{proc.stderr[-3000:]}"
                last_output = proc.stdout
                ran += 1
        elif b.lang == "python":
            code = compile(b.body, f"{where}:{b.line}", "exec")
            cwd = os.getcwd()
            os.chdir(work)
            try:
                exec(code, shared if shared is not None else {"__name__": "__doc__"})
            finally:
                os.chdir(cwd)
            ran += 1
    COUNTS[where] = ran


def runnable(path: Path) -> int:
    """Commands and Python blocks a page asks to run, counted from its Markdown alone."""
    total = 0
    for b in blocks(path):
        if b.directive and b.directive[0] in ("not run", "file", "output"):
            continue
        if b.lang in RUN_LANGS:
            total += len(commands(b.body))
        elif b.lang == "python":
            total += 1
    return total


def test_docs_have_commands_and_every_one_was_run() -> None:
    """The docs show runnable commands, and each page checked above ran all of its own, none
    skipped: the count the runner kept equals the count read from the Markdown. The totals are
    printed in the test log (-rA)."""
    expected = {str(doc.relative_to(ROOT)): runnable(doc) for doc in DOCS}
    assert expected["README.md"] > 0, "README.md shows no command that is run"
    assert sum(expected.values()) > 0
    for where, ran in COUNTS.items():
        assert ran == expected[where], f"{where}: ran {ran} of its {expected[where]} commands"
    print(f"docs commands run: {sum(COUNTS.values())} over {len(COUNTS)} pages: {COUNTS}")
