"""The `sim plan` questions on the reference scenario, each a fresh `python -m sim plan ...` subprocess,
wall time (issue 17's target: each under 60 s on a 2-core machine). Needs the plan extra (highspy);
without it the section reports that and measures nothing.

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
    """Wall seconds of each question, the slowest, and the machine's core count."""
    import os
    import sys

    if importlib.util.find_spec("highspy") is None:
        return {"available": False, "expected": "highspy (pip install -e '.[plan]')"}
    out: dict = {"available": True, "scenario": REFERENCE.name, "cores": os.cpu_count(), "questions": {}}
    work = Path(tempfile.mkdtemp(prefix="sim-plan-bench-"))
    try:
        for k, (label, args) in enumerate(QUICK if quick else FULL):
            wall, _ = timed([sys.executable, "-m", "sim", "plan", args[0], str(REFERENCE), *args[1:],
                             "-o", str(work / f"q{k}")])
            out["questions"][label] = wall
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["slowest_s"] = max(out["questions"].values())
    return out
