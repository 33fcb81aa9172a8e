"""Command-line abuse, table-driven: each case is refused with exit 2 and a message before any work, and
leaves the working folder exactly as it was (no output folder, no parent folders, nothing outside -o)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import report
from sim.cli import main
from tests.conftest import TINY_SCENARIO

UNCERTAIN = "extends: tiny.yaml\nname: tiny with delays\nuncertainty:\n  delays:\n    - {delay: {fixed_h: 1}}\n"

# (case id, argv, a piece of the message on standard error)
CASES = [
    ("empty -o (run)", ["run", "tiny.yaml", "-o", ""], "-o needs a folder name"),
    ("blank -o (sweep)", ["sweep", "tiny.yaml", "--vary", "planning.taxi_h=0.5", "-o", "  "],
     "-o needs a folder name"),
    ("-o . (montecarlo)", ["montecarlo", "tiny.yaml", "-n", "2", "-o", "."], "empty or '.'"),
    ("-o is a file", ["run", "tiny.yaml", "-o", "tiny.yaml"], "is, holds or lies in the input"),
    ("-o holds the scenario", ["run", "sub/s.yaml", "-o", "sub"], "is, holds or lies in the input"),
    ("-o is a run folder compare reads", ["compare", "runA", "tiny.yaml", "-o", "runA"],
     "is, holds or lies in the input"),
    ("-o inside a run folder compare reads", ["compare", "runA", "tiny.yaml", "-o", "runA/cmp"],
     "is, holds or lies in the input"),
    ("-o a folder sim did not write", ["sweep", "tiny.yaml", "--vary", "planning.taxi_h=0.5", "-o", "mine"],
     "was not written by sim"),
    ("-o below a file", ["size-fleet", "tiny.yaml", "--type", "il-76md", "-o", "tiny.yaml/out"],
     "is not a folder"),
    ("type that climbs out of -o", ["size-fleet", "tiny.yaml", "--type", "../../x/y"], "cannot name a folder"),
    ("type with a slash", ["size-fleet", "tiny.yaml", "--type", "a/b", "-o", "deep/out"], "cannot name a folder"),
    ("hidden type name", ["size-fleet", "tiny.yaml", "--type", ".il-76md"], "cannot name a folder"),
    ("unknown type", ["size-fleet", "tiny.yaml", "--type", "c-17", "-o", "deep/out"], "no fleet of type 'c-17'"),
    ("invalid --vary path", ["sweep", "tiny.yaml", "--vary", "fleet[x].count=1,2", "-o", "deep/a/b"],
     "no item with id 'x'"),
    ("--vary without values", ["sweep", "tiny.yaml", "--vary", "planning.taxi_h", "-o", "deep/a/b"],
     "write PATH=VALUES"),
    ("grid of 10^8 points", ["sweep", "tiny.yaml", "--vary", "planning.taxi_h=1:10000:1",
                             "--vary", "fleet[il-76md@a].count=1:10000:1", "-o", "deep/out"],
     "the grid has 100,000,000 points; at most 5,000"),
    ("--workers far too many", ["montecarlo", "mc.yaml", "-n", "2", "--workers", "100000", "-o", "deep/out"],
     "worker processes here"),
    ("--workers 0", ["compare", "tiny.yaml", "mc.yaml", "--workers", "0"], "must be at least 1"),
]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder (the current one) with tiny.yaml, mc.yaml, sub/s.yaml, a run folder runA (marker only)
    and a folder `mine` that sim did not write."""
    text = TINY_SCENARIO.read_text(encoding="utf-8")
    (tmp_path / "tiny.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "mc.yaml").write_text(UNCERTAIN, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "s.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "runA").mkdir()
    (tmp_path / "runA" / report.MARKER).write_text("written by sim\n", encoding="utf-8")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tree(folder: Path) -> list[str]:
    """Every path below `folder`, relative, sorted (hidden ones too)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_refused_before_any_work(work: Path, argv: list[str], message: str,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 2, the message on standard error, and nothing created or changed."""
    before = tree(work)
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert tree(work) == before
    assert not (work.parent / "x").exists()


@pytest.mark.parametrize("argv", [
    ["montecarlo", "mc.yaml", "-n", "2"],
    ["sweep", "tiny.yaml", "--vary", "planning.taxi_h=0.5,1"],
    ["size-fleet", "mc.yaml", "--type", "il-76md", "--replications", "2", "--confidence", "0.5"],
    ["plan", "latest", "tiny.yaml"],
], ids=["montecarlo", "sweep", "size-fleet", "plan-latest"])
def test_unreachable_dask_scheduler_is_a_usage_error(work: Path, capsys: pytest.CaptureFixture[str],
                                                     argv: list[str]) -> None:
    """--dask at an address where nothing listens: exit 2 with a message (short connect timeout), not exit 1,
    for every command that runs on the batch runner."""
    pytest.importorskip("distributed")
    before = tree(work)
    assert main([*argv, "--dask", "tcp://127.0.0.1:9", "-o", "out"]) == 2
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert tree(work) == before


@pytest.mark.parametrize(("name", "safe"), [
    ("il-76md", True), ("an-124@a", True), ("c_17.v2", True), ("a+b=c", True),
    ("../../x/y", False), ("a/b", False), ("..", False), ("a..b", False), (".hidden", False),
    ("-o", False), ("", False), ("a b", False), ("x" * 100, True), ("x" * 101, False), ("é", False),
])
def test_safe_names(name: str, safe: bool) -> None:
    """Only short names of letters, digits and _.@+=- that are no path, no hidden file and no option may
    become part of a folder name."""
    assert report.is_safe_name(name) is safe


@pytest.mark.parametrize(("signum", "code"), [(15, 143), (2, 130)])
def test_an_error_caused_by_a_signal_reads_as_the_interrupt(work: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch, signum: int,
                                                             code: int) -> None:
    """A signal that lands inside numpy's import makes numpy raise ImportError ("numpy._core.umath failed
    to import"), seen once in CI under load: that is an interrupt (130 or 143), not an internal error."""
    from sim import cli, parallel

    def interrupted_import(_args: object) -> int:
        parallel._SIGNALLED["last"] = signum  # what the handler records when the signal arrives
        raise ImportError("numpy._core.umath failed to import")

    monkeypatch.setattr(cli, "cmd_validate", interrupted_import)
    assert main(["validate", str(TINY_SCENARIO)]) == code
    err = capsys.readouterr().err
    assert "interrupted" in err and "internal error" not in err
    monkeypatch.undo()
    assert main(["validate", str(TINY_SCENARIO)]) == 0  # the next run forgets the signal


def test_another_error_after_a_signal_is_still_an_internal_error(work: Path, capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Only an ImportError reads as the interrupt: a bug met after a Ctrl-C was handled (Monte Carlo goes
    on to write what finished) is reported as the internal error it is."""
    from sim import cli, parallel

    def bug_after_ctrl_c(_args: object) -> int:
        parallel._SIGNALLED["last"] = 2
        raise RuntimeError("a real bug in the writer")

    monkeypatch.setattr(cli, "cmd_validate", bug_after_ctrl_c)
    assert main(["validate", str(TINY_SCENARIO)]) == 1
    assert "internal error: RuntimeError: a real bug in the writer" in capsys.readouterr().err
