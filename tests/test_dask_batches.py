"""Every search on the batch runner gives the same answers on a Dask cluster as in local processes: sweeps,
replicated fleet sizing and the latest-ready search (Monte Carlo's own check is in tests/test_uncertainty.py).
One in-process LocalCluster of two workers serves the module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sim import grid, sizing
from sim.loading import load
from sim.plan.latest import latest_ready
from sim.scenario import Scenario
from tests.conftest import TINY_SCENARIO

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load(TINY_SCENARIO)[0]


def test_sweep_on_dask_equals_local(client: Any, tiny: Scenario) -> None:
    vary = ["fleet[il-76md@a].count=1,2,3"]
    local = grid.sweep(tiny, vary, workers=1)
    remote = grid.sweep(tiny, vary, dask=client)
    assert remote.table() == local.table()
    assert [m for _, m in remote.rows] == [m for _, m in local.rows]


def test_replicated_sweep_on_dask_equals_local(client: Any, tiny: Scenario) -> None:
    vary = ["planning.taxi_h=0.25,0.5"]
    local = grid.sweep(tiny, vary, replications=3, seed=5, workers=1)
    remote = grid.sweep(tiny, vary, replications=3, seed=5, dask=client)
    assert remote.table() == local.table()


def test_replicated_size_fleet_on_dask_equals_local(client: Any, tiny: Scenario) -> None:
    q = sizing.Question("il-76md", phase="all", replications=3, confidence=0.5, max_tails=6, seed=2, workers=1)
    local = sizing.size_fleet(tiny, q)
    remote = sizing.size_fleet(tiny, sizing.Question(**{**q.__dict__, "workers": None, "dask": client}))
    assert (remote.answer, sorted(remote.trials)) == (local.answer, sorted(local.trials))
    assert [remote.trials[n] for n in sorted(remote.trials)] == [local.trials[n] for n in sorted(local.trials)]
    assert remote.question.dask is client  # the result keeps the question as asked


def test_latest_ready_on_dask_equals_local(client: Any, tiny: Scenario) -> None:
    local = latest_ready(tiny, workers=1)
    remote = latest_ready(tiny, dask=client)
    assert remote.table() == local.table()
    assert [r.trials for r in remote.rows] == [r.trials for r in local.rows]
