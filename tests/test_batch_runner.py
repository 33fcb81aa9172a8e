"""The Monte Carlo batch runner (issue 19): the shared part of a batch sent once, chunks, and results that do
not depend on the number of workers or on how replications are grouped. No timing here (benchmarks/)."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from sim import parallel, replications
from sim.randomness import replication_seed
from sim.replications import BatchStatic, Replica
from tests.helpers import BASE, build

UNC = {
    "delays": [{"delay": {"lognormal": {"median_h": 0.5, "p90_h": 3.0}}}],
    "breakdowns": [{"probability": 0.2, "repair": {"triangular": {"min_h": 1, "mode_h": 5, "max_h": 20}}}],
    "weather": [{"airfield": "pod", "rate_per_day": 1.0, "duration": {"fixed_h": 4}}],
}


def _scenario() -> Any:
    data = copy.deepcopy(BASE)
    data["uncertainty"] = copy.deepcopy(UNC)
    return build(data)


def _key(r: Replica) -> tuple[Any, ...]:
    """Everything a replication holds, comparable (repr keeps nan == nan and the order of keys)."""
    return (r.index, r.seed, repr(r.lines), repr(r.phases), repr(r.contingents), r.sorties, r.breakdowns,
            r.weather_closures, repr(r.waits_h), repr(r.late_bound), r.in_theatre.dtype, r.in_theatre.tolist(),
            r.error)


def test_one_and_two_workers_give_the_same_replications_and_summary() -> None:
    s = _scenario()
    one = replications.run_batch(s, 10, seed=21, workers=1).replicas
    two = replications.run_batch(s, 10, seed=21, workers=2).replicas
    assert [_key(r) for r in one] == [_key(r) for r in two]
    assert [r.index for r in two] == list(range(10))
    assert repr(replications.summarise(s, one)) == repr(replications.summarise(s, two))


def test_the_batch_columns_give_back_each_replica_as_it_ran() -> None:
    """A batch keeps columns, not Replica objects: each Replica read from them is the one the worker made."""
    s = _scenario()
    batch = replications.run_batch(s, 9, seed=8, workers=1)
    direct = replications.replicate((s, [(i, replication_seed(8, i)) for i in range(9)]))
    assert [_key(r) for r in batch.replicas] == [_key(r) for r in direct]
    assert [_key(r) for r in batch.view] == [_key(r) for r in direct]
    assert batch.table.curve.dtype == np.uint16 and batch.table.curve.shape == (9, len(replications.grid_hours(s)))
    assert repr(replications.summarise(s, batch.view)) == repr(replications.summarise(s, direct))


def test_the_shared_part_gives_what_the_scenario_gives() -> None:
    """replicate((scenario, chunk)), as sweeps call it, equals a run against the batch's shared part."""
    s = _scenario()
    chunk = [(i, replication_seed(5, i)) for i in range(3)]
    by_scenario = replications.replicate((s, chunk))
    by_static = replications.replicate((BatchStatic.of(s), chunk))
    assert [_key(r) for r in by_scenario] == [_key(r) for r in by_static]
    assert np.array_equal(BatchStatic.of(s).grid, replications.grid_hours(s))


def test_chunks_cover_every_replication_in_order_and_stay_small() -> None:
    for n, workers in ((1, 1), (7, 2), (40, 2), (1000, 2), (5000, 8)):
        tasks = replications.chunks(3, n, workers)
        flat = [pair for task in tasks for pair in task]
        assert flat == [(i, replication_seed(3, i)) for i in range(n)]
        assert max(len(t) for t in tasks) <= replications.MAX_CHUNK
        assert len(tasks) >= min(n, workers * 8)  # enough tasks that no worker waits on a long last one


def _add(shared: dict[str, int], item: int) -> int:
    """A run_many worker function with a shared value."""
    return shared["base"] + item


def test_run_many_sends_the_shared_value_to_every_item() -> None:
    for workers in (1, 2):
        out = parallel.run_many(_add, range(6), workers=workers, shared={"base": 100})
        assert [o.value for o in out] == [100, 101, 102, 103, 104, 105]
        assert all(o.ok for o in out)


def test_fan_by_blocks_equals_one_pass() -> None:
    rng = np.random.default_rng(0)
    grid = replications.FAN_BLOCK * 2 + 5
    reps = [Replica(i, i, {}, {}, {}, 0, 0, 0, {}, {}, rng.integers(0, 9000, grid).astype(np.int32))
            for i in range(37)]
    reps.append(Replica.failed(37, 37, "ValueError: x"))
    got = replications.fan(reps)
    stack = np.vstack([r.in_theatre for r in reps[:-1]])
    for q in (5, 25, 50, 75, 95):
        assert np.array_equal(got[f"p{q}"], np.percentile(stack, q, axis=0))
    assert replications.fan([Replica.failed(0, 0, "x")]) == {}
