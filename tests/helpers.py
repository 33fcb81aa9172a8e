"""Shared builders for test scenarios (plain dicts validated through the real model)."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

from sim.loading import validate
from sim.scenario import Scenario

BASE = {
    "name": "test",
    "start": "2022-01-06T00:00+06:00",
    "horizon": "20d",
    # the pacing rules are off here so that the closed forms of a bare shuttle hold; tests of a rule turn it on
    "planning": {"troop_mass_t": 0.1, "flight_allowance_h": 0.5, "taxi_h": 0.0, "refuel_h": 1.0,
                 "rules": {"crews": False, "utilisation": False, "availability": False}},
    "airfields": [
        {"id": "home", "lat": 55.0, "lon": 40.0, "mog": 1000},
        {"id": "pod", "lat": 50.0, "lon": 50.0, "mog": 1000},
    ],
    "aircraft": [
        {"id": "lifter", "seats": 100, "payload_t": 40, "floor_m": 20, "cruise_kmh": 800, "range_km": 5000,
         "load_h": 2, "unload_h": 1},
    ],
    "fleet": [{"type": "lifter", "count": 3, "base": "home"}],
    "equipment": [],
    "contingents": [{"id": "x", "nation": "Xland", "troops": 1000, "home": "home"}],
    "movements": [{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                   "ready": "+0h", "deadline": "+10d"}],
}


def scenario(**overrides) -> Scenario:
    """BASE with top-level keys replaced, validated and cross-checked (errors raise)."""
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(overrides))
    return build(data)


def build(data: dict) -> Scenario:
    """Validate and cross-check plain scenario data like a file (ScenarioError on any error)."""
    return validate(data, "<test>")[0]


def run_sim(args: list[str], cwd: Path) -> tuple[int, str]:
    """`python -m sim ARGS` in a subprocess with this checkout first on the path: (exit code, stdout + stderr).
    A 120 s timeout guards against a hang (a FIFO opened for reading blocks)."""
    from tests.conftest import ROOT

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    proc = subprocess.run([sys.executable, "-m", "sim", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout + proc.stderr
