"""Uncertainty and Monte Carlo: named streams (common random numbers), seeds independent of workers,
per-replication error capture, interruption, Dask, validation of distributions."""

from __future__ import annotations

import copy
import csv
import json

import numpy as np
import pytest

from sim import replications
from sim.cli import main
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.loading import load_scenario
from sim.randomness import replication_seed, stream
from tests.conftest import ROOT
from tests.helpers import BASE, build

UNCERTAIN = ROOT / "scenarios" / "csto_kazakhstan_2022_uncertain.yaml"

UNC = {
    "delays": [{"delay": {"lognormal": {"median_h": 0.5, "p90_h": 3.0}}}],
    "breakdowns": [{"probability": 0.2, "repair": {"triangular": {"min_h": 1, "mode_h": 5, "max_h": 20}}}],
    "weather": [{"airfield": "pod", "rate_per_day": 1.0, "duration": {"fixed_h": 4}}],
}


def small(**extra):
    data = copy.deepcopy(BASE)
    data["uncertainty"] = copy.deepcopy(UNC)
    data.update(extra)
    return data


def test_streams_depend_on_seed_and_name_only():
    a = stream(7, "weather:almaty:0").random(5)
    assert np.array_equal(a, stream(7, "weather:almaty:0").random(5))
    assert not np.array_equal(a, stream(7, "weather:zhetygen:0").random(5))
    assert not np.array_equal(a, stream(8, "weather:almaty:0").random(5))
    assert replication_seed(1, 3) == replication_seed(1, 3) != replication_seed(1, 4)


def test_uncertainty_changes_the_run_and_seed_reproduces_it():
    s = build(small())
    r1, r2, r3 = simulate(s, 1), simulate(s, 1), simulate(s, 2)
    assert [x.takeoff for x in r1.sorties] == [x.takeoff for x in r2.sorties]
    assert [x.takeoff for x in r1.sorties] != [x.takeoff for x in r3.sorties]
    assert r1.weather and any(x.wait_delay_h > 0 for x in r1.sorties)


def test_common_random_numbers_an_unused_airfield_changes_nothing():
    """Adding an airfield no line uses must not change any draw: same weather, same sorties."""
    s1 = build(small())
    data = small()
    data["airfields"].append({"id": "far", "lat": -40.0, "lon": -70.0, "mog": 2})
    data["uncertainty"]["weather"].append({"airfield": "far", "rate_per_day": 3.0, "duration": {"fixed_h": 5}})
    s2 = build(data)
    r1, r2 = simulate(s1, 11), simulate(s2, 11)
    assert [w for w in r2.weather if w.airfield == "pod"] == r1.weather
    assert [(x.tail, x.takeoff, x.landing) for x in r1.sorties] == [(x.tail, x.takeoff, x.landing) for x in r2.sorties]


def test_common_random_numbers_same_aircraft_same_breakdowns():
    """A variant with an extra fleet keeps the original tails' breakdown draws."""
    base = build(small())
    data = small()
    data["fleet"].append({"id": "extra", "type": "lifter", "count": 2, "base": "home", "available": "+100d"})
    data["horizon"] = "20d"
    variant = build(data)
    b1 = [(b.tail, b.at, b.repair_h) for b in simulate(base, 5).breakdowns]
    b2 = [(b.tail, b.at, b.repair_h) for b in simulate(variant, 5).breakdowns]
    assert b1 and b1 == b2


def test_replications_do_not_depend_on_workers(tmp_path):
    s = build(small())
    one = replications.run_batch(s, 12, seed=99, workers=1, dask=None).replicas
    two = replications.run_batch(s, 12, seed=99, workers=2, dask=None).replicas
    key = [(r.index, r.seed, r.lines, r.sorties) for r in sorted(one, key=lambda r: r.index)]
    assert key == [(r.index, r.seed, r.lines, r.sorties) for r in sorted(two, key=lambda r: r.index)]
    assert [r.seed for r in sorted(one, key=lambda r: r.index)] == [replication_seed(99, i) for i in range(12)]


def test_dask_local_cluster_gives_the_local_results():
    distributed = pytest.importorskip("dask.distributed")
    s = build(small())
    local = replications.run_batch(s, 8, seed=3, workers=1, dask=None).replicas
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        remote = replications.run_batch(s, 8, seed=3, workers=None, dask=client).replicas
    assert [(r.index, r.lines) for r in local] == [(r.index, r.lines) for r in sorted(remote, key=lambda r: r.index)]


def _columns(batch):
    """Every column of a batch's table, comparable (nan == nan through tolist's repr; texts, not codes)."""
    t = batch.table
    texts = ["", *t.texts]
    return (t.index.tolist(), t.seed.tolist(), [texts[k] for k in t.error.tolist()], repr(t.closed.tolist()),
            repr(t.waits.tolist()), t.counts.tolist(), [[texts[k] for k in row] for row in t.bound.tolist()],
            t.curve.dtype, t.curve.tolist())


def test_dask_local_cluster_of_processes_gives_the_local_processes_results():
    """12 replications of the uncertain reference on a LocalCluster of two single-threaded worker processes
    and on two local processes: the same replications, column by column and Replica by Replica."""
    distributed = pytest.importorskip("dask.distributed")
    s = load_scenario(UNCERTAIN)
    local = replications.run_batch(s, 12, seed=5, workers=2, dask=None)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        remote = replications.run_batch(s, 12, seed=5, dask=client)
    assert not local.interrupted and not remote.interrupted
    assert local.table.error.tolist() == [0] * 12
    assert _columns(remote) == _columns(local)
    assert [repr(r) for r in remote.replicas] == [repr(r) for r in local.replicas]
    assert [r.seed for r in remote.view] == [replication_seed(5, i) for i in range(12)]


def test_a_failing_replication_is_recorded_and_the_batch_goes_on(tmp_path, monkeypatch, capsys):
    import sim.engine

    real = sim.engine.simulate
    bad_seed = replication_seed(2022, 2)

    def flaky(scenario, seed=None):
        if seed == bad_seed:
            raise RuntimeError("injected failure")
        return real(scenario, seed)

    monkeypatch.setattr(sim.engine, "simulate", flaky)
    out = tmp_path / "mc"
    scen = tmp_path / "s.yaml"
    scen.write_text(json.dumps(small(seed=2022)))
    code = main(["montecarlo", str(scen), "-n", "5", "--workers", "1", "-o", str(out)])
    assert code == 3
    summary = json.loads((out / "summary.json").read_text())
    assert summary["batch"]["failed"] == 1 and summary["batch"]["ok"] == 4
    assert summary["failures"][0]["seed"] == bad_seed and "injected failure" in summary["failures"][0]["error"]
    rows = list(csv.DictReader((out / "replications.csv").open()))
    assert [r["status"] for r in rows] == ["ok", "ok", "error", "ok", "ok"]


def test_interrupt_keeps_completed_replications(tmp_path, monkeypatch):
    calls = {"n": 0}
    real = replications.replicate

    def interrupting(args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(args)

    monkeypatch.setattr(replications, "replicate", interrupting)
    scen = tmp_path / "s.yaml"
    scen.write_text(json.dumps(small()))
    out = tmp_path / "mc"
    assert main(["montecarlo", str(scen), "-n", "40", "--workers", "1", "-o", str(out)]) == 130
    summary = json.loads((out / "summary.json").read_text())
    assert summary["batch"]["interrupted"] is True
    assert 0 < summary["batch"]["ok"] < 40


def test_montecarlo_outputs_are_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    scen = tmp_path / "s.yaml"
    scen.write_text(json.dumps(small()))
    assert main(["montecarlo", str(scen), "-n", "6", "--workers", "1", "-o", str(a)]) == 0
    assert main(["montecarlo", str(scen), "-n", "6", "--workers", "2", "-o", str(b)]) == 0
    assert (a / "replications.csv").read_bytes() == (b / "replications.csv").read_bytes()
    sa, sb = json.loads((a / "summary.json").read_text()), json.loads((b / "summary.json").read_text())
    sa["batch"].pop("executor"), sb["batch"].pop("executor")
    assert sa == sb
    assert {"mc_in_theatre_fan.png", "mc_deadlines.png", "report.html"} <= {p.name for p in a.iterdir()}


def test_wilson_interval():
    lo, hi = replications.wilson(90, 100)
    assert 0.82 < lo < 0.83 and 0.94 < hi < 0.95
    assert replications.wilson(0, 10)[0] == 0.0 and replications.wilson(10, 10)[1] == pytest.approx(1.0)


@pytest.mark.parametrize("dist,fragment", [
    ({"lognormal": {"median_h": 4, "p90_h": 2}}, "p90_h (2 h) is below median_h (4 h)"),
    ({"triangular": {"min_h": 5, "mode_h": 2, "max_h": 9}}, "needs min_h <= mode_h <= max_h"),
    ({"fixed_h": 1, "lognormal": {"median_h": 1, "p90_h": 2}}, "give exactly one of"),
])
def test_bad_distributions_are_refused_with_their_line(tmp_path, dist, fragment):
    data = small()
    data["uncertainty"]["delays"][0]["delay"] = dist
    path = tmp_path / "u.yaml"
    path.write_text(json.dumps(data, indent=1))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(path)
    message = str(exc.value)
    assert fragment in message and "u.yaml:" in message and "uncertainty.delays[0].delay" in message


def test_shipped_uncertain_scenario_runs_a_small_batch(tmp_path):
    s = load_scenario(UNCERTAIN)
    reps = replications.run_batch(s, 4, seed=s.seed, workers=1, dask=None).replicas
    sm = replications.summarise(s, reps)
    assert sm.n == 4 and "withdraw" in sm.phases
