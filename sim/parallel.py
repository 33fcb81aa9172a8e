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
from typing import Any


@dataclass
class Outcome:
    index: int
    value: Any = None
    error: str | None = None  # "Type: message" when the item raised

    @property
    def ok(self) -> bool:
        return self.error is None


def default_workers(n_items: int) -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(n_items, cores))


def _call(fn: Callable, index: int, item: Any) -> Outcome:
    try:
        return Outcome(index, fn(item))
    except Exception as exc:  # noqa: BLE001 - recorded per item, never kills the batch
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome(index, error=detail)


def run_many(fn: Callable[[Any], Any], items: Iterable[Any], workers: int | None = None,
             on_done: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Apply fn to every item; in-process when workers == 1, else in a pool of local processes.

    fn must be a module-level function (picklable). `on_done` is called as each item finishes
    (for progress bars). Results come back in item order.
    """
    items = list(items)
    workers = default_workers(len(items)) if workers is None else max(1, workers)
    outcomes: list[Outcome | None] = [None] * len(items)
    if workers == 1 or len(items) <= 1:
        for i, item in enumerate(items):
            outcomes[i] = _call(fn, i, item)
            if on_done:
                on_done(outcomes[i])
        return outcomes  # type: ignore[return-value]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_call, fn, i, item) for i, item in enumerate(items)]
        for fut in as_completed(futures):
            out = fut.result()
            outcomes[out.index] = out
            if on_done:
                on_done(out)
    return outcomes  # type: ignore[return-value]
