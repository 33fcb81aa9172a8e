"""A corpus of deliberately broken scenarios: each must be refused the way a user needs it.

Every file tests/bad/NN-name.yaml is broken in one way and starts with

    # expect: LINE: FRAGMENT

LINE is where the problem must be reported (0: the problem has no line, the file is named alone),
FRAGMENT a piece of the message. Cases that are not plain committed files (empty, oversize, binary,
non-UTF-8, a directory, a missing file) are made in tmp_path by GENERATED below. tests/bad/parents/
holds helper parents for the `extends` cases and is not a case itself.

tests/bad/warnings/ holds scenarios that are valid but suspicious: each starts with

    # expect warning: LINE: FRAGMENT

and `sim validate` must accept it (exit 0) and print the warning at file:LINE.

Cases 85 and on (the pacing rules' inputs) give as FRAGMENT the whole located message, field path
included, so that the test pins the exact text; the rule-guarded ones must pass again with their
rule turned off (RULE_OFF).

For each case, `sim validate` and `sim run -o DIR` must exit 2 without a traceback, report the
fragment at file:LINE, and write nothing (no DIR, no hidden .DIR.tmp-* folder, no stray files).
The commands run in-process (sim.cli.main) for speed; a few cases and one batch of every committed
case also go through `python -m sim` in a subprocess.

Where the code falls short of what a user needs, the case is listed in XFAIL (strict) with what
the code does; the expectation stays as it should be. Remove the entry when the code is fixed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import ROOT, TINY_SCENARIO
from tests.helpers import run_sim

BAD = ROOT / "tests" / "bad"
TINY = TINY_SCENARIO

EXPECT_RE = re.compile(r"^# expect: (\d+): (.+?)\s*$")
MIN_CASES = 45


@dataclass(frozen=True)
class Case:
    name: str
    line: int
    fragment: str
    file: Path | None = None  # committed case
    make: Callable[[Path], Path] | None = None  # generated case: builds the input under a folder, returns its path

    def path(self, folder: Path) -> Path:
        return self.file if self.file is not None else self.make(folder)


# ------------------------------------------------------------------ generated cases


def _tiny_text() -> str:
    return TINY.read_text(encoding="utf-8")


def _zero_bytes(d: Path) -> Path:
    p = d / "empty.yaml"
    p.write_bytes(b"")
    return p


def _oversize(d: Path) -> Path:
    p = d / "huge.yaml"
    filler = ("# " + "x" * 98 + "\n") * (5 * 1024 * 1024 // 100 + 1000)  # comments only: just over 5 MB
    p.write_text(_tiny_text() + filler, encoding="utf-8")
    return p


def _binary(d: Path) -> Path:
    p = d / "binary.yaml"
    p.write_bytes(b"name: tiny\x00\x01\x02\xff\xfe\n" + bytes(range(256)))
    return p


def _latin1(d: Path) -> Path:
    p = d / "latin1.yaml"  # the bad byte (\xe9, 'e' acute in Latin-1) is on line 2
    body = _tiny_text().split("\n", 1)[1].encode()
    p.write_bytes(b"# saved as Latin-1 by an old editor\nname: caf\xe9 shuttle\n" + body)
    return p


def _utf16(d: Path) -> Path:
    p = d / "utf16.yaml"  # Windows Notepad's "Unicode"
    p.write_bytes(_tiny_text().encode("utf-16"))
    return p


def _directory(d: Path) -> Path:
    p = d / "scenario.yaml"
    p.mkdir()
    return p


def _missing(d: Path) -> Path:
    return d / "no-such-scenario.yaml"


GENERATED = [
    Case("gen-zero-bytes", 0, "file is empty", make=_zero_bytes),
    Case("gen-oversize", 0, "capped at 5 MB", make=_oversize),
    Case("gen-binary", 0, "binary", make=_binary),
    Case("gen-latin1", 2, "UTF-8", make=_latin1),
    Case("gen-utf16", 0, "UTF-8", make=_utf16),
    Case("gen-directory", 0, "is a directory", make=_directory),
    Case("gen-missing-file", 0, "file not found", make=_missing),
]


def _cases_in(folder: Path, header: re.Pattern) -> list[Case]:
    """One case per YAML file of a folder, its expected line and message read from its first line."""
    cases = []
    for p in sorted(folder.glob("*.yaml")):
        first = p.read_text(encoding="utf-8").split("\n", 1)[0]
        m = header.match(first)
        expect = m.group(2) if m else f"<bad header: {first!r}>"
        cases.append(Case(p.stem, int(m.group(1)) if m else -1, expect, file=p))
    return cases


COMMITTED = _cases_in(BAD, EXPECT_RE)
CASES = COMMITTED + GENERATED

# ------------------------------------------------------------------ known shortfalls of the code

XFAIL = {
}


def _params(cases: list[Case]) -> list:
    return [
        pytest.param(c, id=c.name,
                     marks=[pytest.mark.xfail(strict=True, reason=XFAIL[c.name])] if c.name in XFAIL else [])
        for c in cases
    ]


# ------------------------------------------------------------------ checks


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def _check_refusal(case: Case, path: Path, command: str, code: int, text: str) -> None:
    assert "Traceback" not in text, f"{command}: traceback\n{text}"
    assert "internal error" not in text, f"{command}: crashed\n{text}"
    assert code == 2, f"{command}: exit {code}, expected 2\n{text}"
    prefix = f"{path}:{case.line}:" if case.line else f"{path}: "
    at_line = [line for line in text.splitlines() if line.startswith(prefix)]
    assert at_line, f"{command}: nothing reported at {prefix!r}\n{text}"
    assert any(case.fragment in line[len(prefix):] for line in at_line), (
        f"{command}: {case.fragment!r} not in the problems reported at {prefix!r}\n{text}")


def _check_nothing_written(tmp_path: Path, before: set[str], out: Path) -> None:
    assert not out.exists(), f"run wrote {out}"
    assert not list(out.parent.glob(f".{out.name}.tmp-*")), "run left a hidden temporary folder"
    assert _tree(tmp_path) == before, f"run changed files: {_tree(tmp_path) ^ before}"


def _setup(case: Case, tmp_path: Path) -> tuple[Path, Path, Path]:
    made, cwd = tmp_path / "in", tmp_path / "cwd"
    made.mkdir()
    cwd.mkdir()
    return case.path(made), cwd, cwd / "out"


# ------------------------------------------------------------------ tests


def test_corpus_is_complete():
    assert len(CASES) >= MIN_CASES
    bad_headers = [c.name for c in COMMITTED if c.line < 0]
    assert not bad_headers, f"files without a '# expect: LINE: FRAGMENT' first line: {bad_headers}"
    numbers = [c.name.split("-", 1)[0] for c in COMMITTED]
    assert len(numbers) == len(set(numbers)), "two committed cases share a number"
    assert not set(XFAIL) - {c.name for c in CASES}, "XFAIL names a case that does not exist"


@pytest.mark.parametrize("case", _params(CASES))
def test_bad_scenario_is_refused(case: Case, tmp_path, capsys, monkeypatch):
    path, cwd, out = _setup(case, tmp_path)
    monkeypatch.chdir(cwd)
    before = _tree(tmp_path)

    code = main(["validate", str(path)])
    printed = capsys.readouterr()
    _check_refusal(case, path, "validate", code, printed.out + printed.err)

    code = main(["run", str(path), "-o", str(out)])
    printed = capsys.readouterr()
    _check_refusal(case, path, "run", code, printed.out + printed.err)
    _check_nothing_written(tmp_path, before, out)


# The real entry point, in a subprocess, for a few kinds of case (the rest run in-process above).
SUBPROCESS = {"01-yaml-syntax-error", "08-python-object-tag", "14-alias-bomb", "35-unknown-airfield",
              "36-unknown-aircraft-type", "81-extends-bad-value-in-child", "gen-directory", "gen-missing-file",
              "gen-latin1"}




@pytest.mark.parametrize("case", _params([c for c in CASES if c.name in SUBPROCESS]))
def test_bad_scenario_is_refused_by_the_command(case: Case, tmp_path):
    path, cwd, out = _setup(case, tmp_path)
    before = _tree(tmp_path)
    code, text = run_sim(["validate", str(path)], cwd)
    _check_refusal(case, path, "validate", code, text)
    code, text = run_sim(["run", str(path), "-o", str(out)], cwd)
    _check_refusal(case, path, "run", code, text)
    _check_nothing_written(tmp_path, before, out)


def test_validate_reports_every_file_of_a_batch(tmp_path):
    """One `sim validate` over every committed case that the code handles: each file is reported, exit 2."""
    cases = [c for c in COMMITTED if c.name not in XFAIL]
    code, text = run_sim(["validate", *(str(c.file) for c in cases)], tmp_path)
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == 2
    silent = [c.name for c in cases if f"{c.file}:" not in text]
    assert not silent, f"no problem printed for {silent}"
    assert _tree(tmp_path) == set()


# ------------------------------------------------------------------ errors that a pacing rule turned off lifts

# case -> the planning.rules switch that makes it valid (the check refuses only what that rule needs)
RULE_OFF = {
    "85-crew-duty-shorter-than-hop": "crews",
    "86-augmented-duty-shorter-than-hop": "crews",
    "89-spots-above-mog": "parking",
    "98-spots-above-mog-at-refuelling-stop": "parking",
}


def _with_rule_off(path: Path, rule: str, folder: Path) -> Path:
    """The case with `planning: {rules: {RULE: false}}` added (none of these cases has a planning section)."""
    text = path.read_text(encoding="utf-8")
    assert "\nplanning:" not in text
    out = folder / path.name
    rules = f"\nplanning: {{rules: {{{rule}: false}}}}\nairfields:"
    out.write_text(text.replace("\nairfields:", rules, 1), encoding="utf-8")
    return out


@pytest.mark.parametrize("name", sorted(RULE_OFF))
def test_rule_off_accepts_the_case(name: str, tmp_path, capsys):
    assert name in {c.name for c in COMMITTED}
    path = _with_rule_off(BAD / f"{name}.yaml", RULE_OFF[name], tmp_path)
    code = main(["validate", str(path)])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err


# ------------------------------------------------------------------ valid but suspicious: warnings

WARNINGS = BAD / "warnings"
WARN_RE = re.compile(r"^# expect warning: (\d+): (.+?)\s*$")


WARNING_CASES = _cases_in(WARNINGS, WARN_RE)


def test_warning_corpus_is_complete():
    assert WARNING_CASES, "no case in tests/bad/warnings"
    assert not [c.name for c in WARNING_CASES if c.line < 0], "files without a '# expect warning: LINE: FRAGMENT' line"


@pytest.mark.parametrize("case", WARNING_CASES, ids=[c.name for c in WARNING_CASES])
def test_suspicious_scenario_is_warned(case: Case, capsys):
    code = main(["validate", str(case.file)])
    printed = capsys.readouterr()
    text = printed.out + printed.err
    assert "Traceback" not in text and "internal error" not in text, text
    assert code == 0, f"validate refused a scenario that should only warn\n{text}"
    prefix = f"{case.file}:{case.line}:"
    at_line = [line for line in text.splitlines() if line.startswith(prefix)]
    assert any(case.fragment in line[len(prefix):] for line in at_line), (
        f"{case.fragment!r} not in the problems reported at {prefix!r}\n{text}")


@pytest.mark.parametrize("addition", [
    "planning: {rules: {availability: false}}\n",  # no mission-capable rate at all: every tail flies
    "uncertainty: {availability: [{aircraft: an-124}]}\n",  # each tail's status is drawn day by day instead
], ids=["availability-off", "random-availability"])
def test_no_mission_capable_warning_when_the_count_is_not_rounded(addition: str, tmp_path, capsys):
    case = next(c for c in WARNING_CASES if c.name == "01-no-mission-capable-tail")
    path = tmp_path / "scenario.yaml"
    path.write_text(case.file.read_text(encoding="utf-8") + addition, encoding="utf-8")
    code = main(["validate", str(path)])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    assert "mission-capable" not in printed.out + printed.err
