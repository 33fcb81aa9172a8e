"""The `sim plan` questions on the reference scenario, each a fresh `python -m sim plan ...` subprocess,
wall time (issue 17's target: each under 60 s on a 2-core machine), and the CPU time of the subprocess
and its workers (user + system: the comparable figure on a machine shared with other work); for
`plan latest`, also its number of trials and CPU milliseconds per trial (start-up and writing included).
Needs the plan extra (highspy); without it the section reports that and measures nothing.

Quick mode (CI) times the questions that take seconds; full mode times every question with its
defaults, including `plan latest` over every line and `plan optimise --objective longest-stay`.
"""

from __future__ import annotations

import importlib.util
import shutil
import tempfile
from pathlib import Path

from cli_bench import REFERENCE, timed

QUICK = [
    ("bound", ["bound"]),
    ("latest --phase withdraw", ["latest", "--phase", "withdraw"]),
    ("optimise fewest-aircraft", ["optimise", "--objective", "fewest-aircraft"]),
]
FULL = [
    ("latest (every line)", ["latest"]),
    *QUICK,
    ("optimise longest-stay", ["optimise", "--objective", "longest-stay"]),
    ("optimise earliest", ["optimise", "--objective", "earliest"]),
]


def bench_plan(quick: bool) -> dict:
    """Wall and CPU seconds of each question, trials and CPU ms per trial of `plan latest`, the slowest
    wall time, and the machine's core count."""
    import os
    import sys

    if importlib.util.find_spec("highspy") is None:
        return {"available": False, "expected": "highspy (pip install -e '.[plan]')"}
    out: dict = {"available": True, "scenario": REFERENCE.name, "cores": os.cpu_count(), "questions": {},
                 "cpu_s": {}, "trials": {}, "cpu_ms_per_trial": {}}
    work = Path(tempfile.mkdtemp(prefix="sim-plan-bench-"))
    try:
        for k, (label, args) in enumerate(QUICK if quick else FULL):
            cpu_before = sum(os.times()[2:4])
            wall, proc = timed([sys.executable, "-m", "sim", "plan", args[0], str(REFERENCE), *args[1:],
                                "-o", str(work / f"q{k}")])
            out["questions"][label] = wall
            out["cpu_s"][label] = proc.cpu_s - cpu_before
            trials = _trials(proc.stdout)
            if trials:
                out["trials"][label] = trials
                out["cpu_ms_per_trial"][label] = 1000 * out["cpu_s"][label] / trials
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["slowest_s"] = max(out["questions"].values())
    return out


def _trials(stdout: str) -> int | None:
    """The number of trials `sim plan latest` printed ("N trials in T s"), None for other questions."""
    import re

    found = re.search(r"^(\d+) trials in ", stdout, re.MULTILINE)
    return int(found.group(1)) if found else None
