"""Fault injection: signals at several points of run, compare, montecarlo and sweep, SIGKILL, a killed
worker, a full disk, a read-only target, a closed stdout, and the leftovers of killed runs.

Each case asserts what docs/fault-model.md promises: the documented exit code, no partial output (the
-o folder is complete with its marker file, or absent; no .NAME.tmp-* or .NAME.old-* beside it),
nothing written outside -o, and no worker process left behind.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim import report
from sim.cli import main
from tests.conftest import REFERENCE_SCENARIO, ROOT, TINY_SCENARIO

psutil = pytest.importorskip("psutil")

pytestmark = pytest.mark.faults

UNCERTAIN = """extends: tiny.yaml
name: tiny shuttle with delays
uncertainty:
  delays:
    - {delay: {lognormal: {median_h: 0.33, p90_h: 2.0}}}
"""


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A working folder holding tiny.yaml and mc.yaml (tiny with delays); commands write `out` in it."""
    (tmp_path / "tiny.yaml").write_text(TINY_SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "mc.yaml").write_text(UNCERTAIN, encoding="utf-8")
    return tmp_path


def start(args: list[str], cwd: Path, stdout: Any = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    """`python -m sim ARGS` in `cwd`, in its own process group (so that a signal reaches it alone)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=cwd, stdout=stdout,
                            stderr=subprocess.PIPE, env=env, start_new_session=True)


def wait_until(cond: Callable[[], bool], limit_s: float = 30.0) -> bool:
    """Poll `cond` every 20 ms until it holds (True) or `limit_s` passed (False)."""
    end = time.monotonic() + limit_s
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def descendants(pid: int) -> list[Any]:
    """The live processes below `pid` (psutil.Process objects)."""
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def no_survivors(procs: list[Any]) -> bool:
    """Whether every process in `procs` is gone (zombies count as gone) within a few seconds."""
    _gone, alive = psutil.wait_procs(procs, timeout=3)
    return all(p.status() == psutil.STATUS_ZOMBIE for p in alive if p.is_running())


def assert_clean(cwd: Path, inputs: set[str], out: str = "out") -> bool:
    """No leftover and nothing outside `out`; the output folder is complete (marker) or absent. Whether it exists."""
    names = {p.name for p in cwd.iterdir()}
    assert names <= inputs | {out}, f"written outside -o or left over: {sorted(names - inputs - {out})}"
    folder = cwd / out
    if folder.exists():
        assert (folder / report.MARKER).is_file()
        assert not any(p.name.startswith(".") and p.name != report.MARKER for p in folder.iterdir())
    return folder.exists()


# ------------------------------------------------------------------ signals

SLOW = {  # commands that run long enough to be interrupted at several points
    "run": [str(REFERENCE_SCENARIO), "-o", "out", "--no-svg"],
    "compare": ["tiny.yaml", "mc.yaml", "--replications", "3000", "--workers", "2", "-o", "out", "--no-svg"],
    "montecarlo": ["mc.yaml", "-n", "20000", "--workers", "2", "-o", "out", "--no-svg"],
    "sweep": ["tiny.yaml", "--vary", "planning.taxi_h=0.1:2:0.1", "--replications", "300", "--workers", "2",
              "-o", "out"],
}


FAST = {  # the same commands with less work, so that the writing point comes soon
    "run": ["tiny.yaml", "-o", "out", "--no-svg"],
    "compare": ["tiny.yaml", "mc.yaml", "--workers", "2", "-o", "out", "--no-svg"],
    "montecarlo": ["mc.yaml", "-n", "200", "--workers", "2", "-o", "out", "--no-svg"],
    "sweep": ["tiny.yaml", "--vary", "planning.taxi_h=0.1:2:0.1", "--workers", "2", "-o", "out"],
}


def _early(_proc: subprocess.Popen[bytes], _cwd: Path) -> bool:
    """Signal while the command starts (imports, loading)."""
    time.sleep(0.3)
    return True


def _working(proc: subprocess.Popen[bytes], _cwd: Path) -> bool:
    """Signal once the command has started its worker processes."""
    return wait_until(lambda: proc.poll() is not None or len(descendants(proc.pid)) >= 2)


def _writing(proc: subprocess.Popen[bytes], cwd: Path) -> bool:
    """Signal once the output's temporary folder exists (the probe's or the writing's)."""
    return wait_until(lambda: proc.poll() is not None or any(p.name.startswith(".out.tmp-") for p in cwd.iterdir()))


@pytest.mark.parametrize("point", [_early, _working, _writing], ids=["early", "working", "writing"])
@pytest.mark.parametrize("command", sorted(SLOW))
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["INT", "TERM"])
def test_signal(work: Path, command: str, point: Callable[[subprocess.Popen[bytes], Path], bool],
                sig: int, code: int) -> None:
    """SIGINT exits 130 and SIGTERM 143 (or 0 when the command finished first): a complete folder or none;
    Monte Carlo keeps the finished replications; no worker survives."""
    if command != "montecarlo" and point is _writing and sig == signal.SIGINT:
        pytest.skip("one signal at the writing point per command is enough")
    proc = start([command, *(FAST if point is _writing else SLOW)[command]], work)
    assert point(proc, work)
    kids = descendants(proc.pid)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    # killed by the signal itself (-sig, which a shell reports as 128 + sig too) while Python still starts
    assert proc.returncode in (code, 0, -sig), err.decode()
    exists = assert_clean(work, {"tiny.yaml", "mc.yaml"})
    if proc.returncode == 0 or (command == "montecarlo" and exists):
        assert exists
        if proc.returncode > 0:
            assert json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))["batch"]["interrupted"]
    else:
        assert not exists, "an interrupted command wrote its folder"
    assert no_survivors(kids)


def test_sigkill_montecarlo_leaves_no_worker(work: Path) -> None:
    """SIGKILL of `sim montecarlo`: its worker processes die with it."""
    proc = start(["montecarlo", *SLOW["montecarlo"]], work)
    assert wait_until(lambda: len(descendants(proc.pid)) >= 2)
    kids = descendants(proc.pid)
    proc.kill()
    proc.communicate(timeout=10)
    assert no_survivors(kids)


# ------------------------------------------------------------------ a killed worker, a closed stdout

KILL_ONE = """
import os, signal, sys
import sim.replications as r
real = r.replicate
def killer(args):
    if any(i == 3 for i, _seed in args[1]):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(args)
killer.__module__ = "__main__"
r.replicate = killer
from sim.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_killed_worker_is_recorded_and_the_batch_goes_on(work: Path) -> None:
    """A worker that dies running replication 3 (each time): replication 3 is recorded as failed with a
    reason, the 39 others run (those that shared its chunk of two are run again alone), and the command exits 3."""
    (work / "killer.py").write_text(KILL_ONE, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "killer.py", "montecarlo", "mc.yaml", "-n", "40", "--workers", "2",
                           "-o", "out", "--no-svg"], cwd=work, capture_output=True, env=env, timeout=120)
    assert done.returncode == 3, done.stderr.decode()
    summary = json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["batch"]["ok"] == 39
    assert [f["replication"] for f in summary["failures"]] == [3]
    assert "worker process died" in summary["failures"][0]["error"]
    assert_clean(work, {"tiny.yaml", "mc.yaml", "killer.py"})


def test_closed_stdout_still_writes_the_folder(work: Path) -> None:
    """`sim run ... | true`: the reader is gone before the table is printed; the folder is written, exit 0."""
    proc = start(["run", "tiny.yaml", "-o", "out", "--no-svg"], work, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert assert_clean(work, {"tiny.yaml", "mc.yaml"})
    assert (work / "out" / "summary.json").is_file()


# ------------------------------------------------------------------ disks: full, read-only


def run_in_process(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """sim.cli.main in this process, in `cwd`."""
    monkeypatch.chdir(cwd)
    return main(args)


def test_full_disk_while_writing(work: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    """ENOSPC while writing summary.json: exit 2 with a message naming the cause, no folder, no leftover."""
    real = Path.write_text

    def full(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name == "summary.json":
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    assert run_in_process(["run", "tiny.yaml", "-o", "out", "--no-svg", "-q"], work, monkeypatch) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert not assert_clean(work, {"tiny.yaml", "mc.yaml"})


def test_full_disk_found_before_the_work(work: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """ENOSPC on creating the output's temporary folder: refused before the simulation (exit 2)."""

    def full(*_args: Any, **_kwargs: Any) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the simulation ran although the disk was full")

    monkeypatch.setattr(report.tempfile, "mkdtemp", full)
    monkeypatch.setattr("sim.engine.simulate", never)
    assert run_in_process(["montecarlo", "mc.yaml", "-n", "2", "--workers", "1", "-o", "out"], work, monkeypatch) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert not assert_clean(work, {"tiny.yaml", "mc.yaml"})


def test_read_only_parent_refused_before_the_work(work: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """A parent folder that may not be written (os.access says so; root ignores modes): exit 2 up front."""
    monkeypatch.setattr(report.os, "access", lambda *_a, **_k: False)
    assert run_in_process(["sweep", "tiny.yaml", "--vary", "planning.taxi_h=0.25,0.5", "-o", "sub/out"],
                          work, monkeypatch) == 2
    assert "not writable" in capsys.readouterr().err
    assert {p.name for p in work.iterdir()} == {"tiny.yaml", "mc.yaml"}


def test_failed_swap_restores_the_earlier_output(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rename of the new folder into place fails (EROFS): the earlier output is back, nothing left over."""
    assert run_in_process(["run", "tiny.yaml", "-o", "out", "--no-svg", "-q"], work, monkeypatch) == 0
    before = sorted(p.name for p in (work / "out").iterdir())
    real = os.replace

    def refuse(src: Any, dst: Any) -> None:
        if Path(src).name.startswith(".out.tmp-"):
            raise OSError(errno.EROFS, "Read-only file system", str(dst))
        real(src, dst)

    monkeypatch.setattr(report.os, "replace", refuse)
    assert main(["run", "tiny.yaml", "-o", "out", "--no-svg", "-q"]) == 2
    assert sorted(p.name for p in (work / "out").iterdir()) == before
    assert assert_clean(work, {"tiny.yaml", "mc.yaml"})


# ------------------------------------------------------------------ leftovers of killed runs


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def leftover(parent: Path, name: str, marker: bool = True) -> Path:
    """A folder as a killed run leaves it (with the marker file unless told otherwise)."""
    folder = parent / name
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.csv").write_text("x\n", encoding="utf-8")
    if marker:
        (folder / report.MARKER).write_text("written by sim\n", encoding="utf-8")
    return folder


def test_leftovers_of_killed_runs_are_removed_and_nothing_else(tmp_path: Path) -> None:
    """The next run into `out` removes .out.tmp-PID-* and .out.old-PID-* of a gone process that hold the
    marker, even read-only ones; it keeps another target's, an unmarked one, and a live process's."""
    gone, me = dead_pid(), os.getpid()
    removed = [leftover(tmp_path, f".out.tmp-{gone}-abc12345"), leftover(tmp_path, f".out.old-{gone}-xyz")]
    os.chmod(removed[1] / "sub", 0o500)
    kept = [leftover(tmp_path, f".other.tmp-{gone}-abc"), leftover(tmp_path, f".out.tmp-{gone}-nomark", False),
            leftover(tmp_path, f".out.tmp-{me}-live1234"), leftover(tmp_path, ".out.tmp-recent12")]
    with report.atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a.csv").write_text("1\n", encoding="utf-8")
    assert not any(p.exists() for p in removed)
    assert all(p.exists() for p in kept)
    assert (tmp_path / "out" / "a.csv").read_text(encoding="utf-8") == "1\n"


def test_read_only_earlier_output_leaves_no_old_folder(tmp_path: Path) -> None:
    """Replacing an earlier output with a read-only subfolder leaves no .out.old-* behind."""
    with report.atomic_dir(tmp_path / "out") as tmp:
        (tmp / "charts").mkdir()
        (tmp / "charts" / "a.png").write_text("png", encoding="utf-8")
    os.chmod(tmp_path / "out" / "charts", 0o500)
    with report.atomic_dir(tmp_path / "out") as tmp:
        (tmp / "b.csv").write_text("2\n", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [report.MARKER, "b.csv"]


def test_interrupt_while_writing_removes_the_temporary_folder(tmp_path: Path) -> None:
    """KeyboardInterrupt inside atomic_dir: no folder, no leftover; an earlier output stays as it was."""
    with report.atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a.csv").write_text("1\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), report.atomic_dir(tmp_path / "out") as tmp:
        (tmp / "a.csv").write_text("2\n", encoding="utf-8")
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    assert (tmp_path / "out" / "a.csv").read_text(encoding="utf-8") == "1\n"


def test_every_replication_failing_still_writes_the_report_and_exits_3(work: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Every replication raises: the batch is recorded (all failed, each with its reason), the report
    is written without percentiles ('-'), and the command exits 3, not 1."""
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("injected failure")

    monkeypatch.setattr("sim.engine.simulate", broken)
    assert run_in_process(["montecarlo", "mc.yaml", "-n", "4", "--workers", "1", "-o", "out", "--no-svg"],
                          work, monkeypatch) == 3
    summary = json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["batch"]["ok"] == 0 and summary["batch"]["failed"] == 4
    assert all("injected failure" in f["error"] for f in summary["failures"])
    assert "median -" in (work / "out" / "report.html").read_text(encoding="utf-8")
