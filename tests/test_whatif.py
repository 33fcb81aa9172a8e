"""Why late, sweeps and fleet sizing on cases whose answers are known by hand."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from sim import geo
from sim.cli import main
from sim.engine import simulate
from sim.results import analyse
from tests.helpers import BASE, scenario

LEG_H = geo.great_circle_km(55.0, 40.0, 50.0, 50.0) / 800 + 0.5  # BASE's leg, taxi 0


def test_mog_bound_line_is_reported_as_bound_by_mog():
    """Many aircraft, one parking slot at the destination: the line waits for MOG there."""
    airfields = [dict(BASE["airfields"][0]), dict(BASE["airfields"][1], mog=1)]
    s = scenario(airfields=airfields, fleet=[{"type": "lifter", "count": 10, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 2000, "home": "home"}],
                 movements=[{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                             "ready": "+0h", "deadline": "+12h"}])
    row = analyse(simulate(s)).lines[0]
    assert row.status == "LATE"
    assert row.bound_by.startswith("MOG at pod"), row.bound_by


def test_aircraft_bound_line_is_reported_as_bound_by_aircraft():
    s = scenario(fleet=[{"type": "lifter", "count": 1, "base": "home"}],
                 contingents=[{"id": "x", "nation": "Xland", "troops": 1000, "home": "home"}],
                 movements=[{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                             "ready": "+0h", "deadline": "+24h"}])
    row = analyse(simulate(s)).lines[0]
    assert row.status == "LATE" and row.bound_by.startswith("aircraft"), row.bound_by


def test_line_ready_too_late_is_bound_by_its_own_ready_time():
    s = scenario(movements=[{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                             "troops": 100, "ready": "+10h", "deadline": "+11h"}])
    row = analyse(simulate(s)).lines[0]
    assert row.status == "LATE" and row.bound_by.startswith("own ready time")


def _write(tmp_path: Path, **overrides) -> Path:
    import json

    data = dict(BASE)
    data.update(overrides)
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(data))
    return path


def test_sweep_over_fleet_size_follows_the_shuttle_formula(tmp_path):
    """S sorties, N aircraft, no MOG limit: closure after ceil(S/N) round trips less the last return."""
    sorties = 12
    path = _write(tmp_path, contingents=[{"id": "x", "nation": "Xland", "troops": 100 * sorties, "home": "home"}],
                  fleet=[{"id": "f", "type": "lifter", "count": 3, "base": "home"}])
    out = tmp_path / "sweep"
    assert main(["sweep", str(path), "--vary", "fleet[f].count=1,2,3,4,6", "-o", str(out), "--workers", "1"]) == 0
    rows = list(csv.DictReader((out / "sweep.csv").open()))
    from datetime import datetime

    start = datetime.fromisoformat(BASE["start"])
    for row in rows:
        n = int(row["fleet[f].count"])
        k = math.ceil(sorties / n)
        expected = (k - 1) * (2.0 + LEG_H + 1.0 + LEG_H) + 2.0 + LEG_H
        got = (datetime.fromisoformat(row["deploy_closed"]) - start).total_seconds() / 3600
        assert got == pytest.approx(expected, abs=1 / 60 + 1e-9), f"{n} aircraft"
        assert int(row["sorties"]) >= sorties
    assert (out / "sweep.png").exists()


def test_sweep_path_errors_name_the_nearest_valid_path(tmp_path, capsys):
    path = _write(tmp_path)
    assert main(["sweep", str(path), "--vary", "airfields[pdo].mog=1,2"]) == 2
    assert "did you mean 'pod'" in capsys.readouterr().err
    assert main(["sweep", str(path), "--vary", "airfields[pod].mgo=1,2"]) == 2
    assert "did you mean 'mog'" in capsys.readouterr().err


def test_sweep_refuses_an_invalid_value_before_running(tmp_path, capsys):
    path = _write(tmp_path)
    out = tmp_path / "never"
    assert main(["sweep", str(path), "--vary", "airfields[pod].mog=0,2", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "airfields[pod].mog=0" in err and "airfields[1].mog" in err
    assert not out.exists()


def test_sweep_shifts_a_time_field(tmp_path):
    from sim import grid

    resolved = scenario().resolved()
    data = grid.apply_value(resolved, "movements[x-in].ready", "+24h")
    assert data["movements"][0]["ready"] == "2022-01-07T00:00+06:00"


def test_size_fleet_finds_the_minimum_computed_by_hand(tmp_path, capsys):
    """12 sorties, deadline allowing 3 round trips (not 4): the smallest fleet is ceil(12/3) = 4."""
    trip = 2.0 + LEG_H + 1.0 + LEG_H
    deadline = 2 * trip + 2.0 + LEG_H + 0.5 * trip  # 3 trips fit; a 4th would land after it
    path = _write(tmp_path, contingents=[{"id": "x", "nation": "Xland", "troops": 1200, "home": "home"}],
                  fleet=[{"id": "f", "type": "lifter", "count": 3, "base": "home"}],
                  movements=[{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home", "to": "pod",
                              "ready": "+0h", "deadline": f"+{deadline:.4f}h"}])
    out = tmp_path / "size"
    assert main(["size-fleet", str(path), "--type", "lifter", "--phase", "deploy", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert "answer: 4 lifter" in text
    rows = {int(r["tails"]): r["meets"] for r in csv.DictReader((out / "size_fleet.csv").open())}
    assert rows[4] == "yes" and rows[3] == "no"


def test_size_fleet_names_the_binding_constraint_when_no_fleet_suffices(tmp_path, capsys):
    """A deadline shorter than one sortie: no fleet helps; the answer says so and why."""
    path = _write(tmp_path, movements=[{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "home",
                                        "to": "pod", "troops": 100, "ready": "+0h", "deadline": "+1h"}])
    assert main(["size-fleet", str(path), "--type", "lifter", "--phase", "deploy", "--max", "8",
                 "-o", str(tmp_path / "s")]) == 0
    text = capsys.readouterr().out
    assert "no fleet up to 8 lifter" in text and "own ready time" in text
