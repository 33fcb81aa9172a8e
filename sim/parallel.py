"""One executor layer for many runs (compare, Monte Carlo, sweeps): local processes or in-process.

`run_many(fn, items)` returns one Outcome per item, in item order, whatever order they finish in.
An exception in one item is recorded in its Outcome and does not stop the others.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dask.distributed import Client


@dataclass
class Outcome:
    """What one item gave: its value, or the error it raised."""

    index: int
    value: Any = None
    error: str | None = None  # "Type: message" when the item raised

    @property
    def ok(self) -> bool:
        """True when the item ran without raising."""
        return self.error is None


def default_workers(n_items: int) -> int:
    """How many local worker processes to use for n_items (at least 1, at most one per core)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(n_items, cores))


def _call(fn: Callable[[Any], Any], index: int, item: Any) -> Outcome:
    try:
        return Outcome(index, fn(item))
    except Exception as exc:  # recorded per item, never kills the batch
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome(index, error=detail)


class Interrupted(Exception):
    """Ctrl-C during a batch: `outcomes` holds what finished (None for the rest)."""

    def __init__(self, outcomes: list[Outcome | None]) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes


class DaskUnavailable(Exception):
    """--dask was given but dask.distributed is not installed."""


def _record(outcomes: list[Outcome | None], out: Outcome, on_done: Callable[[Outcome], None] | None) -> None:
    outcomes[out.index] = out
    if on_done:
        on_done(out)


def run_many(fn: Callable[[Any], Any], items: Iterable[Any], workers: int | None = None,
             on_done: Callable[[Outcome], None] | None = None, dask_address: str | None = None) -> list[Outcome]:
    """Apply fn to every item: in-process when workers == 1, in local processes by default, or on an
    existing Dask cluster when dask_address is given (or a dask.distributed Client object).

    fn must be a module-level function (picklable). `on_done` is called as each item finishes
    (for progress bars). Results come back in item order. Ctrl-C raises Interrupted carrying the
    outcomes that finished.
    """
    items = list(items)
    outcomes: list[Outcome | None] = [None] * len(items)
    if dask_address is not None:
        return _run_dask(fn, items, dask_address, outcomes, on_done)
    workers = default_workers(len(items)) if workers is None else max(1, min(workers, len(items)))
    try:
        if workers == 1 or len(items) <= 1:
            for i, item in enumerate(items):
                _record(outcomes, _call(fn, i, item), on_done)
            return outcomes  # type: ignore[return-value]
        pool = ProcessPoolExecutor(max_workers=workers)
        try:
            futures = [pool.submit(_call, fn, i, item) for i, item in enumerate(items)]
            for fut in as_completed(futures):
                _record(outcomes, fut.result(), on_done)
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()
    except KeyboardInterrupt:
        raise Interrupted(outcomes) from None
    return outcomes  # type: ignore[return-value]


def _run_dask(fn: Callable[[Any], Any], items: list[Any], address: str | Client, outcomes: list[Outcome | None],
              on_done: Callable[[Outcome], None] | None) -> list[Outcome]:
    try:
        from dask.distributed import Client
        from dask.distributed import as_completed as dask_completed
    except ImportError:
        raise DaskUnavailable("--dask needs the dask extra: run pip install '.[dask]' in the clone "
                              "(or pip install 'dask[distributed]')") from None
    client = address if isinstance(address, Client) else Client(address, timeout="20s")
    try:
        futures = client.map(_call, [fn] * len(items), list(range(len(items))), items, pure=False)
        try:
            for fut in dask_completed(futures):
                _record(outcomes, fut.result(), on_done)
        except KeyboardInterrupt:
            client.cancel(futures)
            raise Interrupted(outcomes) from None
    finally:
        if client is not address:
            client.close()
    return outcomes  # type: ignore[return-value]
