"""The command line as a user meets it: exit codes, outputs present, refusals that write nothing."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from tests.conftest import ROOT, TINY_SCENARIO

TINY = TINY_SCENARIO
RUN_FILES = {"sorties.csv", "movements.csv", "summary.json", "scenario.resolved.yaml", "report.html", "in_theatre.csv",
             "in_theatre.png", "closure.png", "gantt.png", "airfields.png", "network.png", "sorties_per_day.png",
             "why_late.png", "in_theatre.svg", "closure.svg", "gantt.svg", "airfields.svg", "network.svg",
             "sorties_per_day.svg", "why_late.svg"}


def test_run_writes_every_output(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["run", str(TINY), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "ru-deploy-1" in printed and "MET" in printed and "sorties" in printed
    assert {p.name for p in out.iterdir()} >= RUN_FILES
    summary = json.loads((out / "summary.json").read_text())
    assert [line["id"] for line in summary["lines"]] == ["ru-deploy-1", "ru-withdraw-1"]
    assert all(p.stat().st_size > 0 for p in out.iterdir())


def test_same_seed_gives_byte_identical_outputs(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main(["run", str(TINY), "-o", str(a), "--seed", "7"]) == 0
    assert main(["run", str(TINY), "-o", str(b), "--seed", "7"]) == 0
    for name in ("sorties.csv", "movements.csv", "summary.json", "scenario.resolved.yaml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between identical runs"


def test_bad_scenario_exits_2_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("to: b, ready: +2h", "to: bb, ready: +2h"))
    out = tmp_path / "never"
    assert main(["run", str(bad), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.yaml:" in err and "movements[0].to: unknown airfield 'bb'" in err and "did you mean 'b'" in err
    assert "Traceback" not in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.yaml"], "no temporary folder left behind"


def test_failed_write_leaves_previous_folder_intact(tmp_path, monkeypatch):
    out = tmp_path / "run"
    assert main(["run", str(TINY), "-o", str(out)]) == 0
    before = (out / "summary.json").read_bytes()
    from sim import htmlreport

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(htmlreport, "run_report", boom)
    assert main(["run", str(TINY), "-o", str(out), "--seed", "3"]) == 1
    assert (out / "summary.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_usage_errors_exit_2(capsys):
    assert main(["run"]) == 2
    assert main(["frobnicate"]) == 2
    assert main([]) == 2
    assert main(["run", "/no/such/file.yaml"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_console_entry_point_runs_as_module(tmp_path):
    out = tmp_path / "m"
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(TINY), "-o", str(out)],
                          capture_output=True, text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert (out / "gantt.png").exists()


def test_validate_reports_ok_and_problems(tmp_path, capsys):
    assert main(["validate", str(TINY)]) == 0
    assert "ok: 1 contingents, 500 troops" in capsys.readouterr().out
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstart: 2022-01-06T00:00\n")
    assert main(["validate", str(TINY), str(bad)]) == 2
    out = capsys.readouterr().out
    assert "bad.yaml:2:8: start: time '2022-01-06T00:00' has no UTC offset" in out


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["validate", "--help"]])
def test_help_exits_0(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 0
    assert "usage: sim" in capsys.readouterr().out


def test_view_prints_path_without_a_browser(tmp_path, capsys, monkeypatch):
    out = tmp_path / "run"
    assert main(["run", str(TINY), "-o", str(out)]) == 0
    capsys.readouterr()
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert main(["view", str(out)]) == 0
    text = capsys.readouterr().out
    assert str((out / "report.html").resolve()) in text and "--serve" in text


def test_view_refuses_a_folder_without_report(tmp_path, capsys):
    assert main(["view", str(tmp_path)]) == 2
    assert "report.html not found" in capsys.readouterr().err


def test_view_of_a_chart_folder_names_its_charts_and_the_commands_that_write_reports(tmp_path, capsys):
    (tmp_path / "sweep.png").write_bytes(b"")
    assert main(["view", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "its charts: sweep.png" in err and "'sim montecarlo'" in err
    assert main(["view", str(tmp_path / "nowhere")]) == 2
    assert "is not a folder" in capsys.readouterr().err


def test_view_serves_on_localhost_only(tmp_path):
    import threading
    import urllib.request

    from sim.cli import make_server

    (tmp_path / "report.html").write_text("<h1>ok</h1>")
    server = make_server(tmp_path, 0)
    assert server.server_address[0] == "127.0.0.1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_address[1]}/report.html", timeout=5) as resp:
            assert resp.read() == b"<h1>ok</h1>"
    finally:
        server.shutdown()
        server.server_close()


def test_newest_report_dir(tmp_path):
    import os
    import time

    from sim.cli import newest_report_dir

    for i, name in enumerate(["a", "b"]):
        (tmp_path / name).mkdir()
        (tmp_path / name / "report.html").write_text("x")
        os.utime(tmp_path / name / "report.html", (time.time() + i, time.time() + i))
    assert newest_report_dir(tmp_path).name == "b"
    assert newest_report_dir(tmp_path / "a") is None


def test_a_run_where_nothing_can_fly_still_writes_every_output(tmp_path, capsys):
    """The destination is closed past the horizon: no sortie at all, every line open, and the
    table says why instead of a chart crashing."""
    scen = tmp_path / "never.yaml"
    scen.write_text(f"extends: {TINY}\nhorizon: 5d\nairfields:\n  - {{id: b, closed: [{{from: +0h, to: +30d}}]}}\n")
    out = tmp_path / "run"
    assert main(["run", str(scen), "-o", str(out), "--no-svg"]) == 0
    text = capsys.readouterr().out
    assert "ru-deploy-1" in text and "OPEN" in text
    assert "operating hours/closures: no take-off and landing possible until" in text
    assert "deploy   not closed" in text and "0 late, 1 not closed" in text
    assert {"gantt.png", "sorties_per_day.png", "airfields.png", "report.html"} <= {p.name for p in out.iterdir()}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["horizon_reached"] is True
    assert summary["phases"]["deploy"]["lines_late"] == 0 and summary["phases"]["deploy"]["lines_open"] == 1


@pytest.mark.parametrize("make", ["file", "foreign-folder"])
def test_never_replaces_what_sim_did_not_write(tmp_path, capsys, make):
    """-o pointing at a file (say /dev/null) or at a folder of someone else's must be refused."""
    target = tmp_path / "target"
    if make == "file":
        target.write_text("precious")
    else:
        target.mkdir()
        (target / "thesis.tex").write_text("precious")
    assert main(["run", str(TINY), "-o", str(target), "--no-svg"]) == 2
    assert "will not be replaced" in capsys.readouterr().err or target.is_file()
    assert (target.read_text() if make == "file" else (target / "thesis.tex").read_text()) == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"], "no temporary folder left behind"


def test_a_previous_output_folder_and_an_empty_folder_are_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert main(["run", str(TINY), "-o", str(out), "--no-svg"]) == 0
    assert (out / ".sim-output").is_file()
    assert main(["run", str(TINY), "-o", str(out), "--no-svg"]) == 0


def test_every_command_shows_examples_that_parse() -> None:
    """Each subcommand's --help ends with examples; each parses and names shipped scenario files."""
    import glob
    import shlex

    from sim import plan
    from sim.cli import all_examples, build_parser

    parser = build_parser()
    questions = {f"plan {m.NAME}": m.EXAMPLES for m in plan.modules()}
    for name, examples in {**all_examples(), **questions}.items():
        assert examples, name
        for example in examples:
            words = shlex.split(example.split(" > ")[0])
            assert words[:1 + len(name.split())] == ["sim", *name.split()], example
            parser.parse_args(words[1:])  # a usage error would raise UsageError
            for w in words:
                if w.startswith("scenarios/"):
                    assert glob.glob(str(ROOT / w)), f"{example}: {w} does not exist"


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_late_and_open_lines_are_red_on_a_terminal_unless_no_color() -> None:
    from sim.cli import colour_wanted, highlight_late

    table = "line  status\nx-in  MET\ny-in  LATE\nz-in  OPEN"
    assert highlight_late(table, True).split("\n") == [
        "line  status", "x-in  MET", "y-in  \033[1;31mLATE\033[0m", "z-in  \033[1;31mOPEN\033[0m"]
    assert highlight_late(table, False) == table
    assert colour_wanted(_Stream(True), {"TERM": "xterm"})
    assert not colour_wanted(_Stream(True), {"TERM": "xterm", "NO_COLOR": "1"})
    assert not colour_wanted(_Stream(True), {"TERM": "dumb"})
    assert not colour_wanted(_Stream(False), {"TERM": "xterm"})


def test_run_json_prints_the_summary_file_and_quiet_prints_nothing(tmp_path: Path) -> None:
    """--json: standard output is exactly summary.json (for jq and scripts); -q: standard output is empty."""
    run = [sys.executable, "-m", "sim", "run", str(TINY), "--no-svg", "-o"]
    proc = subprocess.run([*run, str(tmp_path / "a"), "--json"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (tmp_path / "a" / "summary.json").read_text(encoding="utf-8")
    quiet = subprocess.run([*run, str(tmp_path / "b"), "-q"], capture_output=True, text=True, cwd=ROOT)
    assert quiet.returncode == 0 and quiet.stdout == ""
    assert (tmp_path / "b" / "summary.json").exists()


def _complete(script: str, words: list[str]) -> list[str]:
    """What bash offers after `words` (the last one being completed), with the script loaded."""
    words_text = " ".join(f"'{w}'" for w in words)
    program = f"{script}\nCOMP_WORDS=({words_text}); COMP_CWORD={len(words) - 1}; _sim_complete; " \
              'printf "%s\\n" "${COMPREPLY[@]}"'
    out = subprocess.run(["bash", "-c", program], capture_output=True, text=True, cwd=ROOT, check=True)
    return out.stdout.split()


def test_bash_completion_offers_commands_options_and_files() -> None:
    from sim.cli import build_parser
    from sim.completion import script

    text = script(build_parser(), "bash")
    assert _complete(text, ["sim", "si"]) == ["size-fleet"]
    assert _complete(text, ["sim", "run", "--ti"]) == ["--timings"]
    assert _complete(text, ["sim", "sweep", "--va"]) == ["--vary"]
    assert "scenarios/csto_kazakhstan_2022.yaml" in _complete(text, ["sim", "run", "scenarios/csto_kazakhstan_2022"])
    assert script(build_parser(), "zsh").startswith("# sim shell completion for zsh")
