"""One executor layer for many runs (compare, Monte Carlo, sweeps): local processes or in-process.

`run_many(fn, items)` returns one Outcome per item, in item order, whatever order they finish in.
An exception in one item is recorded in its Outcome and does not stop the others. A worker process
that dies (killed, out of memory) breaks its pool: what had not started is resubmitted to a fresh
pool, and each item that was running is tried once more alone; an item that kills its worker again
is recorded as failed. Worker processes die with their parent (sim.parallel.die_with_parent).

Signals: `install_signal_handlers()` turns SIGTERM into `Terminated`, a KeyboardInterrupt, so every
path that keeps what finished on Ctrl-C does the same on SIGTERM; `interrupt_code()` is then 143
(SIGTERM) or 130 (SIGINT).
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import multiprocessing as mp
import os
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dask.distributed import Client

MAX_WORKERS_LIMIT = 256  # local worker processes, whatever the cores
MAX_POOL_RESTARTS = 8  # fresh pools after worker deaths before the remaining items are given up
DASK_CONNECT_TIMEOUT = "3s"  # a scheduler that does not answer within this is reported, not waited for
EXIT_SIGINT, EXIT_SIGTERM = 130, 143
WORKER_DIED = "worker process died while running it (killed by a signal or out of memory), twice"


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


def usable_cores() -> int:
    """How many CPU cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def max_workers() -> int:
    """The most local worker processes sim starts: 4 per core, at most MAX_WORKERS_LIMIT."""
    return max(1, min(MAX_WORKERS_LIMIT, 4 * (os.cpu_count() or 1)))


def default_workers(n_items: int) -> int:
    """How many local worker processes to use for n_items (at least 1, at most one per core)."""
    return max(1, min(n_items, usable_cores()))


# ------------------------------------------------------------------ signals


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that the same code keeps what finished; the exit code is 143."""


_SIGNALLED: dict[str, int] = {}  # "last": the signal number that interrupted this process


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    """The SIGTERM handler: remember it and raise Terminated in the main thread."""
    _SIGNALLED["last"] = signum
    raise Terminated()


def _on_sigint(signum: int, _frame: FrameType | None) -> None:
    """The SIGINT handler: remember it and raise KeyboardInterrupt, as Python's own handler does."""
    _SIGNALLED["last"] = signum
    raise KeyboardInterrupt()


def install_signal_handlers() -> None:
    """SIGTERM raises Terminated (a KeyboardInterrupt) from now on, SIGINT KeyboardInterrupt as before, and
    each is remembered (`signalled`); forgets an earlier signal. Main thread only."""
    forget_signals()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_sigint)


def signalled() -> bool:
    """Whether SIGINT or SIGTERM arrived since the handlers were installed (or `forget_signals`). An
    ImportError raised then is the interrupt's doing: numpy turns one that lands inside its import
    into "numpy._core.umath failed to import"."""
    return "last" in _SIGNALLED


def forget_signals() -> None:
    """Forget the signals seen so far (install_signal_handlers does it too)."""
    _SIGNALLED.clear()


def interrupt_code(exc: BaseException | None = None) -> int:
    """The exit code of an interrupted command: 143 after SIGTERM, else 130 (SIGINT, Ctrl-C)."""
    if isinstance(exc, Terminated) or _SIGNALLED.get("last") == signal.SIGTERM:
        return EXIT_SIGTERM
    return EXIT_SIGINT


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (blocked) inside the block, for steps that must not be cut in two."""
    blockable = hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread()
    held = {signal.SIGINT, signal.SIGTERM}
    if blockable:
        signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        if blockable:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


# ------------------------------------------------------------------ worker processes


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Make this (worker) process die when `parent_pid` does: prctl(PR_SET_PDEATHSIG, SIGKILL) on Linux,
    else a watchdog thread that polls os.getppid()."""
    if not _pdeathsig():
        threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True, name="sim-watchdog").start()
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)


def _pdeathsig() -> bool:
    """Ask the Linux kernel to SIGKILL this process when its parent dies; False where that is not possible."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, every_s: float = 0.5) -> None:
    """The watchdog: exit this process at once when its parent is gone."""
    while os.getppid() == parent_pid:
        time.sleep(every_s)
    os._exit(1)


def worker_setup(parent_pid: int) -> None:
    """What every sim worker process does first: die with its parent, leave SIGINT to the parent (which
    stops the workers itself) and take SIGTERM's default action (a handler inherited by fork would let it
    survive)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):  # forked inside signals_held: take signals again
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    die_with_parent(parent_pid)


_WORKER: dict[str, Any] = {}  # in a worker: "started", the shared flags of the items that started (see _run_pool)


def _init_worker(parent_pid: int, started: Any, shared: Any = None) -> None:
    """The pool initializer: worker_setup, where to flag the items this worker starts, and the batch's
    shared value (received once per worker process, not once per item)."""
    worker_setup(parent_pid)
    _WORKER["started"] = started
    _WORKER["shared"] = shared


def _call_shared(fn: Callable[[Any, Any], Any], index: int, item: Any) -> Outcome:
    """In a pool worker: fn(shared, item) as an Outcome, `shared` being what the initializer received."""
    return _call(functools.partial(fn, _WORKER.get("shared")), index, item)


def _call_with(fn: Callable[[Any, Any], Any], shared: Any, index: int, item: Any) -> Outcome:
    """fn(shared, item) as an Outcome (in this process, or on Dask where `shared` was scattered once)."""
    return _call(functools.partial(fn, shared), index, item)


def _call(fn: Callable[[Any], Any], index: int, item: Any) -> Outcome:
    """fn(item) as an Outcome; an exception is recorded, never raised (it must not kill the batch)."""
    started = _WORKER.get("started")
    if started is not None:
        started[index] = 1
    try:
        return Outcome(index, fn(item))
    except Exception as exc:  # recorded per item, never kills the batch
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return Outcome(index, error=detail)


class Interrupted(Exception):
    """Ctrl-C (or SIGTERM) during a batch: `outcomes` holds what finished (None for the rest)."""

    def __init__(self, outcomes: list[Outcome | None], code: int = EXIT_SIGINT) -> None:
        super().__init__("interrupted")
        self.outcomes = outcomes
        self.code = code  # the exit code it calls for: 130 or 143


class DaskUnavailable(Exception):
    """--dask was given but dask.distributed is not installed, or its scheduler cannot be reached."""


def _record(outcomes: list[Outcome | None], out: Outcome, on_done: Callable[[Outcome], None] | None) -> None:
    """Keep one outcome and report it."""
    outcomes[out.index] = out
    if on_done:
        on_done(out)


def run_many(fn: Callable[..., Any], items: Iterable[Any], workers: int | None = None,
             on_done: Callable[[Outcome], None] | None = None, dask_address: str | None = None,
             shared: Any = None) -> list[Outcome]:
    """Apply fn to every item: in-process when workers == 1, in local processes by default, or on an
    existing Dask cluster when dask_address is given (or a dask.distributed Client object).

    fn must be a module-level function (picklable). `on_done` is called as each item finishes
    (for progress bars). Results come back in item order. Ctrl-C (or SIGTERM once
    install_signal_handlers ran) raises Interrupted carrying the outcomes that finished; the worker
    processes are killed. Local workers are capped at max_workers().

    `shared`, when not None, is what every item needs (a scenario, its static tables): fn is then called
    as fn(shared, item), and `shared` goes to each worker process once (the pool's initializer; on Dask,
    scattered once) rather than with every item.
    """
    items = list(items)
    outcomes: list[Outcome | None] = [None] * len(items)
    if dask_address is not None:
        return _run_dask(fn, items, dask_address, outcomes, on_done, shared)
    workers = default_workers(len(items)) if workers is None else max(1, min(workers, len(items), max_workers()))
    try:
        if workers == 1 or len(items) <= 1:
            one = fn if shared is None else functools.partial(fn, shared)
            for i, item in enumerate(items):
                _record(outcomes, _call(one, i, item), on_done)
        else:
            _run_local(fn, items, workers, outcomes, on_done, shared)
    except KeyboardInterrupt as exc:
        raise Interrupted(outcomes, interrupt_code(exc)) from None
    return outcomes  # type: ignore[return-value]


def _run_local(fn: Callable[..., Any], items: list[Any], workers: int, outcomes: list[Outcome | None],
               on_done: Callable[[Outcome], None] | None, shared: Any = None) -> None:
    """Every item in pools of worker processes; after a worker died, a fresh pool for the rest and each item
    that was running tried once more alone (recorded as failed when it kills its worker again)."""
    pending = list(range(len(items)))
    for _restart in range(MAX_POOL_RESTARTS + 1):
        suspects = _run_pool(fn, items, pending, workers, outcomes, on_done, shared)
        if suspects is None:
            return
        for i in suspects:
            if _run_pool(fn, items, [i], 1, outcomes, on_done, shared) is not None:
                _record(outcomes, Outcome(i, error=WORKER_DIED), on_done)
        pending = [i for i in pending if outcomes[i] is None]
        if not pending:
            return
    for i in pending:
        _record(outcomes, Outcome(i, error=f"worker processes kept dying ({MAX_POOL_RESTARTS} fresh pools)"),
                on_done)


def _run_pool(fn: Callable[..., Any], items: list[Any], indices: list[int], workers: int,
              outcomes: list[Outcome | None], on_done: Callable[[Outcome], None] | None,
              shared: Any = None) -> list[int] | None:
    """The items at `indices` in one pool of worker processes (`shared` given to each once, by the
    initializer). None when the pool finished; when a worker died (the pool broke), the indices that had
    started and not finished. Any interrupt kills the workers."""
    started = mp.Array("b", len(items), lock=False)  # set by a worker as it starts an item
    pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(indices))), initializer=_init_worker,
                               initargs=(os.getpid(), started, shared))
    call = _call if shared is None else _call_shared
    try:
        with signals_held():  # the workers start (fork) with SIGINT and SIGTERM held, see worker_setup
            futures: list[Future[Outcome]] = [pool.submit(call, fn, i, items[i]) for i in indices]
        with _signals_as_flags() as flags:
            _collect(futures, outcomes, on_done, flags)
    except BrokenProcessPool:
        _stop_pool(pool)
        return [i for i in indices if started[i] and outcomes[i] is None]
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown()
    return None


def _collect(futures: list[Future[Outcome]], outcomes: list[Outcome | None],
             on_done: Callable[[Outcome], None] | None, flags: dict[str, int]) -> None:
    """Record each future's outcome as it finishes; a signal noted in `flags` is raised here, between waits
    (raised inside concurrent.futures it could leave a future's lock held and hang the exit)."""
    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
        for fut in done:
            _record(outcomes, fut.result(), on_done)
        if "signal" in flags:
            raise Terminated() if flags["signal"] == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def _signals_as_flags() -> Iterator[dict[str, int]]:
    """Inside, SIGINT and SIGTERM only note themselves in the yielded dict ("signal"); the handlers before
    are restored after. Outside the main thread nothing changes."""
    flags: dict[str, int] = {}
    if threading.current_thread() is not threading.main_thread():
        yield flags
        return

    def note(signum: int, _frame: FrameType | None) -> None:
        """Remember the signal; _collect raises it."""
        flags["signal"] = _SIGNALLED["last"] = signum

    before = {sig: signal.signal(sig, note) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flags
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """Kill a pool's worker processes now (their work is abandoned) and let the pool go."""
    processes = getattr(pool, "_processes", None) or {}
    for proc in list(processes.values()):
        with contextlib.suppress(Exception):
            proc.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in list(processes.values()):
        with contextlib.suppress(Exception):
            proc.join(2)


def _run_dask(fn: Callable[..., Any], items: list[Any], address: str | Client, outcomes: list[Outcome | None],
              on_done: Callable[[Outcome], None] | None, shared: Any = None) -> list[Outcome]:
    """Every item on a Dask cluster (an address or a Client), `shared` scattered to the workers once;
    Ctrl-C cancels what did not finish."""
    client_class = _client_class()
    client = _connect(client_class, address) if isinstance(address, str) else address
    try:
        if shared is None:
            futures = client.map(_call, [fn] * len(items), list(range(len(items))), items, pure=False)
        else:
            # a key of its own (hash=False): a later call scattering the same data must not share a key that
            # this call releases when it ends ("lost dependencies")
            held = client.scatter(shared, broadcast=True, hash=False)
            futures = client.map(_call_with, [fn] * len(items), [held] * len(items), list(range(len(items))),
                                 items, pure=False)
        _collect_dask(client, futures, outcomes, on_done)
    finally:
        if client is not address:
            client.close()
    return outcomes  # type: ignore[return-value]


def _collect_dask(client: Client, futures: list[Any], outcomes: list[Outcome | None],
                  on_done: Callable[[Outcome], None] | None) -> None:
    """Record each future's outcome as it finishes and release it at once, so that the cluster drops a
    task's result as soon as it is here (not all of a batch's results until its end); Ctrl-C cancels the
    futures still running and raises Interrupted with the outcomes that finished."""
    from dask.distributed import as_completed as dask_completed

    running = {fut.key: fut for fut in futures}
    finished = dask_completed(futures)
    futures.clear()  # the futures are held by `running` and the iterator only, until each is released
    try:
        for fut in finished:
            _record(outcomes, fut.result(), on_done)
            running.pop(fut.key, None)
            fut.release()
    except KeyboardInterrupt as exc:
        client.cancel(list(running.values()))
        raise Interrupted(outcomes, interrupt_code(exc)) from None


@contextlib.contextmanager
def dask_client(dask: str | Client | None) -> Iterator[str | Client | None]:
    """One connection for a search that calls run_many many times: a Client of the scheduler at the address
    `dask` (closed at the end), the Client itself when given one, or None (local processes) for None.
    DaskUnavailable without the dask extra or when no scheduler answers."""
    if dask is None or not isinstance(dask, str):
        yield dask
        return
    client = _connect(_client_class(), dask)
    try:
        yield client
    finally:
        client.close()


def cluster_threads(client: Client, unknown: int = 32) -> int:
    """The threads of a Dask cluster's workers, to cut a batch for it (`unknown` while it has none yet)."""
    return sum(client.nthreads().values()) or unknown


def _client_class() -> Any:
    """dask.distributed.Client; DaskUnavailable without the dask extra."""
    try:
        from dask.distributed import Client
    except ImportError:
        raise DaskUnavailable("--dask needs the dask extra: run pip install '.[dask]' in the clone "
                              "(or pip install 'dask[distributed]')") from None
    return Client


def _connect(client_class: Any, address: str) -> Any:
    """A Dask Client of the scheduler at `address`; DaskUnavailable when none answers within DASK_CONNECT_TIMEOUT."""
    try:
        return client_class(address, timeout=DASK_CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DaskUnavailable(f"no Dask scheduler answered at {address} within {DASK_CONNECT_TIMEOUT} "
                              f"({type(exc).__name__}: {exc}); start one (dask scheduler) or check the address"
                              ) from None
