"""Monte Carlo replications of one scenario under its `uncertainty` section.

Replication i runs with seed `replication_seed(base, i)`, whatever the number of workers or the
order in which replications finish. Each replication returns a compact Replica (closure times,
waits, a personnel curve on an hourly grid), never its full sortie log. The batch writes each one
into a row of its ReplicaTable (numpy columns; texts as codes) as its chunk arrives and keeps no
Replica: a batch's `Replicas` builds each Replica from its row when it is read. `summarise`, `fan`
and replications.csv read the columns; they take a list of Replica too.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from sim.errors import Problem
from sim.randomness import replication_seed
from sim.records import SORTIE_WAITS
from sim.scenario import Scenario
from sim.vocabulary import CHART_DPI, PHASES

WAIT_KINDS = ("force", "aircraft", *SORTIE_WAITS)


@dataclass(slots=True)
class Replica:
    """One replication, compact: closure hours per line, phase and contingent, counts, waits (h), personnel
    curve. What a worker returns; a batch keeps its values as a row of its ReplicaTable, and its
    Replicas build a Replica again from that row when it is read."""

    index: int
    seed: int
    lines: dict[str, float]  # closure hours (nan: not closed)
    phases: dict[str, float]
    contingents: dict[str, dict[str, float]]
    sorties: int
    breakdowns: int
    weather_closures: int
    waits_h: dict[str, float]  # summed over loaded sorties
    late_bound: dict[str, str]  # late or open line -> its largest wait kind ("mog at almaty", ...)
    in_theatre: np.ndarray  # personnel on the grid
    error: str | None = None

    @classmethod
    def failed(cls, index: int, seed: int, error: str) -> Replica:
        """A replication that raised: kept with its seed and error, no results."""
        return cls(index, seed, {}, {}, {}, 0, 0, 0, {}, {}, np.zeros(0, np.int32), error=error)


def grid_hours(scenario: Scenario) -> np.ndarray:
    """Hourly grid for the personnel curve: from start to 3 days past the last deadline (or the horizon)."""
    last = max(scenario.hours_of(m.deadline) for m in scenario.movements)
    end = min(scenario.horizon, last + 72.0)
    return np.arange(0.0, end + 1e-9, 1.0)


@dataclass(frozen=True)
class BatchStatic:
    """What every replication of a batch shares and none recomputes: the (validated) scenario and the
    hourly grid of the personnel curve. Sent to each worker process once (sim.parallel's `shared`)."""

    scenario: Scenario
    grid: np.ndarray

    @classmethod
    def of(cls, scenario: Scenario) -> BatchStatic:
        """The shared part of a batch of this scenario."""
        return cls(scenario, grid_hours(scenario))


def replicate(args: tuple) -> list[Replica]:
    """Worker: run a chunk of replications, args = (scenario or BatchStatic, [(index, seed), ...])
    (module-level so it pickles)."""
    shared, chunk = args
    static = shared if isinstance(shared, BatchStatic) else BatchStatic.of(shared)
    out = []
    for index, seed in chunk:
        try:
            out.append(_one(static, index, seed))
        except Exception as exc:  # recorded with its seed, the batch goes on
            out.append(Replica.failed(index, seed, f"{type(exc).__name__}: {exc}"))
    return out


def _replicate_shared(static: BatchStatic, chunk: list[tuple[int, int]]) -> list[Replica]:
    """run_many's worker function: one chunk against the batch's shared part (through `replicate`, so
    that a replacement of sim.replications.replicate, as the fault tests make, is what runs)."""
    return replicate((static, chunk))


def _one(static: BatchStatic, index: int, seed: int) -> Replica:
    """One replication, reduced to its Replica (only the line, phase and contingent tables are analysed)."""
    from sim.engine import simulate
    from sim.results import contingent_summary, in_theatre, line_rows, phase_summary

    run = simulate(static.scenario, seed)
    rows = line_rows(run)
    times, _nations, counts = in_theatre(run)
    total = counts.sum(axis=0)
    idx = np.clip(np.searchsorted(times, static.grid, side="right") - 1, 0, len(times) - 1)
    waits = dict.fromkeys(WAIT_KINDS, 0.0)
    parts = list(SORTIE_WAITS.items())
    for r in run.sorties:
        if r.phase != "reposition":
            waits["aircraft"] += r.assigned - r.released
        for part, attr in parts:
            waits[part] += getattr(r, attr)
    bound = {}
    for row in rows:
        if row.status != "MET":
            kind = max(WAIT_KINDS, key=lambda k: (row.breakdown_h.get(k, 0.0), k))
            bound[row.id] = row.bound_by.split(" (")[0].split(":")[0] if row.bound_by else kind
    return Replica(
        index=index, seed=seed,
        lines={r.id: r.closed_h for r in rows},
        phases={p: v.closed_h for p, v in phase_summary(run, rows).items()},
        contingents={c: {p: ph.closed_h for p, ph in v.phases.items()}
                     for c, v in contingent_summary(run, rows).items()},
        sorties=len(run.sorties), breakdowns=len(run.breakdowns), weather_closures=len(run.weather),
        waits_h=waits, late_bound=bound, in_theatre=total[idx].astype(np.int32),
    )


# ------------------------------------------------------------------ a batch as columns


@dataclass(frozen=True)
class Layout:
    """The keys every replication of a scenario has, in the order a Replica's dicts hold them: the lines
    (the movements, in scenario order), the phases that have lines and each contingent's phases that have
    lines. The closure hours of a batch are one column per key, in the order lines, phases, contingents."""

    lines: tuple[str, ...]
    phases: tuple[str, ...]
    contingents: tuple[tuple[str, tuple[str, ...]], ...]

    @classmethod
    def of(cls, scenario: Scenario) -> Layout:
        """The layout of a scenario's replications (what sim.results' line, phase and contingent tables give)."""
        moves = scenario.movements
        return cls(tuple(m.id for m in moves), tuple(p for p in PHASES if any(m.phase == p for m in moves)),
                   tuple((c.id, tuple(p for p in PHASES if any(m.phase == p and m.contingent == c.id for m in moves)))
                         for c in scenario.contingents))

    @property
    def keys(self) -> list[tuple[str, str]]:
        """Every closure column's key: ("line", id), ("phase", phase), (contingent id, phase), in column order."""
        return [*(("line", x) for x in self.lines), *(("phase", p) for p in self.phases),
                *((c, p) for c, phases in self.contingents for p in phases)]

    def matches(self, r: Replica) -> bool:
        """Whether a replication that ran has exactly this layout's keys, in this order."""
        return (tuple(r.lines) == self.lines and tuple(r.phases) == self.phases
                and tuple((c, tuple(v)) for c, v in r.contingents.items()) == self.contingents)


COUNTS = ("sorties", "breakdowns", "weather_closures")
CURVE_NARROW = np.uint16  # the personnel curves' dtype while every value fits; int32 from the first that does not


class ReplicaTable:
    """The replications of a batch as columns, one row each (numpy arrays): index, seed, an error code,
    closure hours (one column per Layout key; nan: not closed), waits (WAIT_KINDS), counts (COUNTS), the
    largest wait of each late or open line (a code; 0: on time) and the personnel curve on the hourly
    grid (uint16 while it fits, else int32; no columns when the table keeps no curves). Texts (errors,
    wait kinds) are codes k >= 1 into `texts` (k - 1). A failed row has an error code and zeros elsewhere.
    The arrays are allocated for `capacity` rows at once (zeros, which the system maps lazily); `filled`
    marks the rows written."""

    def __init__(self, layout: Layout, capacity: int, grid: int) -> None:
        self.layout = layout
        self.column = {key: k for k, key in enumerate(layout.keys)}
        self.filled = np.zeros(capacity, bool)
        self.index = np.zeros(capacity, np.int64)
        self.seed = np.zeros(capacity, np.int64)
        self.error = np.zeros(capacity, np.int32)
        self.closed = np.zeros((capacity, len(self.column)), float)
        self.waits = np.zeros((capacity, len(WAIT_KINDS)), float)
        self.counts = np.zeros((capacity, len(COUNTS)), np.int64)
        self.bound = np.zeros((capacity, len(layout.lines)), np.int32)
        self.curve: np.ndarray = np.zeros((capacity, grid), CURVE_NARROW)
        self.texts: list[str] = []
        self._codes: dict[str, int] = {}

    def __len__(self) -> int:
        """The number of rows."""
        return len(self.index)

    @classmethod
    def from_replicas(cls, layout: Layout, replicas: Sequence[Replica]) -> ReplicaTable:
        """Replicas made elsewhere (any order, kept; keys missing from a replica read as nan), without curves."""
        table = cls(layout, len(replicas), 0)
        for row, r in enumerate(replicas):
            table.add(r, row)
        return table

    def code(self, text: str) -> int:
        """The code of a text (a new one for a text not seen before)."""
        k = self._codes.get(text)
        if k is None:
            self.texts.append(text)
            k = self._codes[text] = len(self.texts)
        return k

    def add(self, r: Replica, row: int, strict: bool = False) -> None:
        """Write one replication into `row`. `strict`: a replication that ran must have the layout's keys
        exactly (ValueError otherwise: its Replica could not be given back as it was). The row counts as written
        (`filled`) only once all of it is: an interrupt in between leaves it out, not half a replication in."""
        self.index[row], self.seed[row] = r.index, r.seed
        if r.error is not None:
            self.error[row] = self.code(r.error)
            self.filled[row] = True
            return
        if strict and not self.layout.matches(r):
            raise ValueError(f"replication {r.index} has other lines, phases or contingents than its scenario")
        nan = math.nan
        lay = self.layout
        self.closed[row] = [*(r.lines.get(x, nan) for x in lay.lines), *(r.phases.get(p, nan) for p in lay.phases),
                            *(r.contingents.get(c, {}).get(p, nan) for c, phases in lay.contingents for p in phases)]
        self.waits[row] = [r.waits_h.get(k, nan) for k in WAIT_KINDS]
        self.counts[row] = [r.sorties, r.breakdowns, r.weather_closures]
        self.bound[row] = [self.code(r.late_bound[x]) if x in r.late_bound else 0 for x in lay.lines]
        if self.curve.shape[1]:
            self._add_curve(row, r.in_theatre)
        self.filled[row] = True

    def _add_curve(self, row: int, curve: np.ndarray) -> None:
        """Write one personnel curve, first widening the curves to int32 if its values do not fit uint16."""
        info = np.iinfo(self.curve.dtype)
        if len(curve) and (curve.min() < info.min or curve.max() > info.max):
            self.curve = self.curve.astype(np.int32)
        self.curve[row] = curve

    def take(self, rows: np.ndarray) -> ReplicaTable:
        """A new table of these rows (a boolean mask or row numbers), in that order."""
        out = ReplicaTable.__new__(ReplicaTable)
        out.layout, out.column, out.texts, out._codes = self.layout, self.column, self.texts, self._codes
        for name in ("filled", "index", "seed", "error", "closed", "waits", "counts", "bound", "curve"):
            setattr(out, name, getattr(self, name)[rows])
        return out

    def finished(self) -> ReplicaTable:
        """This table without the rows never written (itself when every row was)."""
        return self if self.filled.all() else self.take(self.filled)

    @property
    def ok(self) -> np.ndarray:
        """The rows of replications that ran (a boolean mask)."""
        return np.asarray(self.error == 0)

    def closures(self, key: tuple[str, str], rows: np.ndarray) -> np.ndarray:
        """The closure hours of one key ("line"/"phase"/contingent id, name) at `rows`, contiguous (nan
        where the layout does not have the key)."""
        k = self.column.get(key)
        if k is None:
            return np.full(int(np.count_nonzero(rows)) if rows.dtype == bool else len(rows), math.nan)
        return np.ascontiguousarray(self.closed[rows, k])

    def replica(self, row: int) -> Replica:
        """Row `row` as a Replica (its dicts built now, its curve as int32)."""
        index, seed, code = int(self.index[row]), int(self.seed[row]), int(self.error[row])
        if code:
            return Replica.failed(index, seed, self.texts[code - 1])
        values = iter(self.closed[row].tolist())
        lay = self.layout
        lines = {x: next(values) for x in lay.lines}
        phases = {p: next(values) for p in lay.phases}
        contingents = {c: {p: next(values) for p in ph} for c, ph in lay.contingents}
        sorties, breakdowns, weather = self.counts[row].tolist()
        bound = {x: self.texts[k - 1] for x, k in zip(lay.lines, self.bound[row].tolist()) if k}
        curve = self.curve[row].astype(np.int32) if self.curve.shape[1] else np.zeros(0, np.int32)
        return Replica(index, seed, lines, phases, contingents, sorties, breakdowns, weather,
                       dict(zip(WAIT_KINDS, self.waits[row].tolist())), bound, curve)


class Replicas(Sequence[Replica]):
    """A batch's replications as a read-only sequence of Replica, each built from its row of the table when
    it is read (nothing is kept per replication but the table's rows)."""

    def __init__(self, table: ReplicaTable) -> None:
        self.table = table

    def __len__(self) -> int:
        """The number of replications."""
        return len(self.table)

    @overload
    def __getitem__(self, k: int) -> Replica: ...

    @overload
    def __getitem__(self, k: slice) -> list[Replica]: ...

    def __getitem__(self, k: int | slice) -> Replica | list[Replica]:
        """The replication at position k (a Replica built now), or a list of them for a slice."""
        if isinstance(k, slice):
            return [self.table.replica(i) for i in range(*k.indices(len(self)))]
        if not -len(self) <= k < len(self):
            raise IndexError("replica index out of range")
        return self.table.replica(k % len(self))

    def __iter__(self) -> Iterator[Replica]:
        """The replications in order, each built as it is reached."""
        return (self.table.replica(i) for i in range(len(self)))

    def __repr__(self) -> str:
        """How many replications, not each of them."""
        return f"<Replicas: {len(self)} replications>"


def table_of(scenario: Scenario, replicas: Sequence[Replica]) -> ReplicaTable:
    """The columns of some replications: a batch's own table (no copy), or one made from a list of Replica."""
    if isinstance(replicas, Replicas):
        return replicas.table
    return ReplicaTable.from_replicas(Layout.of(scenario), replicas)


@dataclass
class Batch:
    """The replications of one batch in index order, as columns (`table`); `interrupted` when Ctrl-C stopped
    it early. `view` reads them as Replica one at a time; `replicas` builds the list of them all."""

    table: ReplicaTable
    interrupted: bool = False

    @property
    def view(self) -> Replicas:
        """The replications as a sequence of Replica built as each is read (memory: the table's only)."""
        return Replicas(self.table)

    @property
    def replicas(self) -> list[Replica]:
        """Every replication as a Replica, built now (a new list each time; for many, prefer `view`)."""
        return list(self.view)


def run_batch(scenario: Scenario, n: int, *, seed: int, workers: int | None = None, dask: Any = None,
              on_progress: Callable[[int], None] | None = None) -> Batch:
    """Run n replications of a scenario (replication i seeded from (seed, i)).

    `workers`: local processes (1: in this process; None: one per core); `dask`: a scheduler address
    or a dask.distributed Client instead. `on_progress(k)` is called as each chunk of k replications
    finishes. A chunk whose worker process died (twice: sim.parallel retries it once) is run again one
    replication at a time, so that only the replication that kills its worker is recorded as failed
    (with the reason); a chunk that fails as a whole otherwise records each of its replications as
    failed. Ctrl-C (or SIGTERM) keeps the finished ones (`interrupted`). ValueError when n < 1;
    sim.parallel.DaskUnavailable without the dask extra or with no scheduler at `dask`.

    Each chunk is written into the batch's table (one row per replication, at its index) as it
    arrives, and its Replica objects let go, so the memory kept per replication is its row only.
    """
    from sim.parallel import dask_client

    if n < 1:
        raise ValueError("the number of replications must be at least 1")
    with dask_client(dask) as client:  # one connection, and the cluster's size known before cutting the batch
        return _run_batch(scenario, n, seed, (workers, client), on_progress)


def _run_batch(scenario: Scenario, n: int, seed: int, where: tuple[int | None, Any],
               on_progress: Callable[[int], None] | None) -> Batch:
    """run_batch's work, `where` = (workers, a Dask Client or None): tasks of a few replications each,
    about TASKS_PER_WORKER per local process, or 8 per thread of the Dask cluster (its size asked of it,
    unless `workers` says how finely to cut)."""
    from sim.parallel import Outcome, cluster_threads, default_workers

    workers, dask = where
    slots = workers or (cluster_threads(dask) if dask is not None else default_workers(n))
    tasks = chunks(seed, n, slots, per_worker=8 if dask is not None else TASKS_PER_WORKER)
    static = BatchStatic.of(scenario)
    table = ReplicaTable(Layout.of(scenario), n, len(static.grid))

    def done(outcome: Outcome) -> None:
        """A finished chunk: its replications into the table (the outcome keeps only their number)."""
        if outcome.ok:
            for r in outcome.value:
                table.add(r, r.index, strict=True)
            outcome.value = len(outcome.value)
            if on_progress is not None:
                on_progress(outcome.value)

    import sim.engine
    import sim.results  # noqa: F401  (imported before the worker processes fork: they inherit it, not redo it)

    outcomes, interrupted = _run_tasks(static, tasks, workers, dask, done)
    if not interrupted:
        tasks, outcomes, interrupted = _split_dead_chunks(static, tasks, outcomes, (workers, dask, done))
    for chunk, out in zip(tasks, outcomes):
        if out is not None and out.error is not None:  # the whole task failed (e.g. a worker died)
            for i, s in chunk:
                table.add(Replica.failed(i, s, out.error), i)
    return Batch(table.finished(), interrupted)


Tasks = list[list[tuple[int, int]]]  # chunks of (replication index, seed)


def _run_tasks(static: BatchStatic, tasks: Tasks, workers: int | None, dask: Any,
               done: Callable[[Any], None]) -> tuple[list[Any], bool]:
    """Every chunk through sim.parallel.run_many, the batch's shared part sent to each worker once: (one
    Outcome per chunk, None where an interrupt came first; whether Ctrl-C or SIGTERM stopped it)."""
    from sim.parallel import Interrupted, run_many

    try:
        return list(run_many(_replicate_shared, tasks, workers=workers, on_done=done, dask_address=dask,
                             shared=static)), False
    except Interrupted as exc:
        return list(exc.outcomes), True


def _split_dead_chunks(static: BatchStatic, tasks: Tasks, outcomes: list[Any],
                       how: tuple[int | None, Any, Callable[[Any], None]]) -> tuple[Tasks, list[Any], bool]:
    """The chunks of several replications whose worker died, run again one replication each; the tasks and
    outcomes with those chunks replaced, and whether an interrupt came. `how`: (workers, dask, done)."""
    from sim.parallel import WORKER_DIED

    dead = {k for k, out in enumerate(outcomes) if out is not None and out.error == WORKER_DIED and len(tasks[k]) > 1}
    if not dead:
        return tasks, outcomes, False
    singles = [[pair] for k in sorted(dead) for pair in tasks[k]]
    more, interrupted = _run_tasks(static, singles, *how)
    keep = [k for k in range(len(tasks)) if k not in dead]
    return [tasks[k] for k in keep] + singles, [outcomes[k] for k in keep] + more, interrupted


TASKS_PER_WORKER = 24  # local processes: enough tasks that the last ones to finish leave no worker idle long
MAX_CHUNK = 8  # replications a task: sending one costs ~1 ms, far below the ~25 ms a replication runs


def chunks(base_seed: int, n: int, workers: int, per_worker: int = TASKS_PER_WORKER) -> list[list[tuple[int, int]]]:
    """Replications grouped so that each task is worth sending to a process (about `per_worker` tasks a
    worker, at most MAX_CHUNK replications each, so that the batch ends with every worker busy)."""
    size = max(1, min(MAX_CHUNK, n // max(1, min(workers, n) * per_worker)))
    pairs = [(i, replication_seed(base_seed, i)) for i in range(n)]
    return [pairs[k:k + size] for k in range(0, n, size)]


# ------------------------------------------------------------------ statistics


def wilson(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """95% Wilson score interval for a binomial proportion k/n."""
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Stats:
    """Closure times of one line, phase or contingent over n replications, against its deadline.

    Percentiles count a replication that never closed as +inf ("higher" method: an observed value);
    the mean is nan unless every replication closed. With n == 0 every statistic is nan.
    """

    n: int
    not_closed: int
    p5_h: float
    p50_h: float
    p95_h: float
    mean_h: float
    deadline_h: float
    p_met: float  # share of replications closed by the deadline
    p_met_ci95: tuple[float, float]  # Wilson score interval

    def as_dict(self) -> dict[str, Any]:
        """As summary.json writes it (no percentiles when nothing ran)."""
        out: dict[str, Any] = {"n": self.n, "not_closed": self.not_closed}
        if self.n:
            out.update({"p5_h": self.p5_h, "p50_h": self.p50_h, "p95_h": self.p95_h, "mean_h": self.mean_h})
        out.update({"deadline_h": self.deadline_h, "p_met": self.p_met, "p_met_ci95": list(self.p_met_ci95)})
        return out


def describe(values: Sequence[float | None] | np.ndarray, deadline: float) -> Stats:
    """Percentiles of closure times (not closed, nan or None, counts as +inf), P(met) of the deadline and its CI."""
    arr = np.array(values, dtype=float)
    arr[np.isnan(arr)] = np.inf
    n = len(arr)
    pct = [float(np.percentile(arr, q, method="higher")) if n else math.nan for q in (5, 50, 95)]
    finite = arr[np.isfinite(arr)]
    k = int((arr <= deadline + 1e-9).sum())
    return Stats(n=n, not_closed=int(np.isinf(arr).sum()), p5_h=pct[0], p50_h=pct[1], p95_h=pct[2],
                 mean_h=float(finite.mean()) if n and len(finite) == n else math.nan, deadline_h=deadline,
                 p_met=k / n if n else math.nan, p_met_ci95=wilson(k, n))


@dataclass
class Summary:
    """Statistics over the n replications that ran: per line, phase and contingent, drivers, P(all met); failures."""

    n: int
    failed: list[tuple[int, int, str]]
    lines: dict[str, Stats] = field(default_factory=dict)
    phases: dict[str, Stats] = field(default_factory=dict)
    contingents: dict[str, dict[str, Stats]] = field(default_factory=dict)
    drivers: Drivers = field(default_factory=lambda: Drivers(0, [], {}, math.nan, math.nan))
    all_met: Proportion = field(default_factory=lambda: Proportion(math.nan, (math.nan, math.nan)))


def summarise(scenario: Scenario, replicas: Sequence[Replica]) -> Summary:
    """Percentiles and P(met) of every line, phase and contingent over the replications that ran, what
    drove lateness, and the probability that every line met its deadline (read from the batch's columns
    when `replicas` is a batch's Replicas, else from columns made of the list)."""
    t = table_of(scenario, replicas)
    ok = t.ok
    failed = [(int(t.index[k]), int(t.seed[k]), t.texts[int(t.error[k]) - 1]) for k in np.flatnonzero(~ok)]
    sm = Summary(n=int(ok.sum()), failed=failed)
    deadlines = {m.id: scenario.hours_of(m.deadline) for m in scenario.movements}
    for m in scenario.movements:
        sm.lines[m.id] = describe(t.closures(("line", m.id), ok), deadlines[m.id])
    sm.phases = _phase_stats(scenario, t, ok, deadlines)
    sm.contingents = {c.id: _contingent_stats(scenario, t, ok, deadlines, c.id) for c in scenario.contingents}
    sm.drivers = _drivers(t, ok)
    sm.all_met = _all_met(scenario, t, ok, deadlines)
    return sm


def _phase_stats(scenario: Scenario, t: ReplicaTable, ok: np.ndarray,
                 deadlines: dict[str, float]) -> dict[str, Stats]:
    """describe() of each phase that has lines, against the latest deadline of its lines."""
    out: dict[str, Stats] = {}
    for phase in PHASES:
        mine = [m for m in scenario.movements if m.phase == phase]
        if mine:
            out[phase] = describe(t.closures(("phase", phase), ok), max(deadlines[m.id] for m in mine))
    return out


def _contingent_stats(scenario: Scenario, t: ReplicaTable, ok: np.ndarray, deadlines: dict[str, float],
                      cid: str) -> dict[str, Stats]:
    """describe() of each phase of one contingent that has lines, against the latest deadline of its lines."""
    entry: dict[str, Stats] = {}
    for phase in PHASES:
        mine = [m for m in scenario.movements if m.phase == phase and m.contingent == cid]
        if mine:
            entry[phase] = describe(t.closures((cid, phase), ok), max(deadlines[m.id] for m in mine))
    return entry


@dataclass(frozen=True)
class Driver:
    """One kind of wait and how often it was the largest wait of a late (or open) line."""

    wait: str
    count: int  # late line-replications it bound
    share: float  # of all late line-replications


@dataclass(frozen=True)
class Drivers:
    """What drives lateness over the replications, and the mean disruption of one replication."""

    late_line_replications: int
    bound_by: list[Driver]  # most frequent first
    mean_waits_h: dict[str, float]
    mean_breakdowns: float
    mean_weather_closures: float


@dataclass(frozen=True)
class Proportion:
    """A share of replications with its 95% Wilson interval."""

    p: float
    ci95: tuple[float, float]


def _drivers(t: ReplicaTable, ok: np.ndarray) -> Drivers:
    """What drives lateness: the largest wait of each late (or open) line, counted over replications,
    and the mean waits, breakdowns and weather closures of a replication. Kinds that bound as many
    line-replications come in the order they were first met (replication by replication, line by line)."""
    codes = t.bound[ok].ravel()
    codes = codes[codes > 0]
    kinds, first, seen = np.unique(codes, return_index=True, return_counts=True)
    counts: Counter[str] = Counter({t.texts[int(kinds[j]) - 1]: int(seen[j]) for j in np.argsort(first)})
    late_total = sum(counts.values())
    return Drivers(
        late_line_replications=late_total,
        bound_by=[Driver(k, v, v / late_total) for k, v in counts.most_common()],
        mean_waits_h={k: _mean(t.waits[ok, j]) for j, k in enumerate(WAIT_KINDS)},
        mean_breakdowns=_mean(t.counts[ok, COUNTS.index("breakdowns")]),
        mean_weather_closures=_mean(t.counts[ok, COUNTS.index("weather_closures")]),
    )


def _all_met(scenario: Scenario, t: ReplicaTable, ok: np.ndarray, deadlines: dict[str, float]) -> Proportion:
    """The share of replications in which every line met its deadline, with its 95% interval."""
    met = np.ones(int(ok.sum()), bool)
    for m in scenario.movements:
        met &= t.closures(("line", m.id), ok) <= deadlines[m.id] + 1e-9
    k, n = int(met.sum()), len(met)
    return Proportion(k / n if n else math.nan, wilson(k, n))


def _mean(values: np.ndarray) -> float:
    """The mean of per-replication values (nan when there is none)."""
    return float(np.mean(np.ascontiguousarray(values))) if len(values) else math.nan


FAN_BLOCK = 64  # grid hours a pass of fan(): its working copies stay small whatever the number of replications


def fan(replicas: Sequence[Replica]) -> dict[str, np.ndarray]:
    """Personnel-in-theatre quantiles on the grid (5, 25, 50, 75, 95), a block of grid hours at a time
    (each hour's quantiles depend on that hour's column only, so the values are those of one pass). A
    batch's Replicas are read from its curve columns (as int32, each block in turn)."""
    if isinstance(replicas, Replicas) and replicas.table.curve.shape[1]:
        curves, rows = replicas.table.curve, replicas.table.ok
        if not rows.any():
            return {}
        return _fan_blocks(lambda lo: curves[rows, lo:lo + FAN_BLOCK].astype(np.int32), curves.shape[1])
    ok = [r.in_theatre for r in replicas if r.error is None and len(r.in_theatre)]
    if not ok:
        return {}
    stack = np.vstack(ok)
    del ok
    return _fan_blocks(lambda lo: stack[:, lo:lo + FAN_BLOCK], stack.shape[1])


def _fan_blocks(block: Callable[[int], np.ndarray], width: int) -> dict[str, np.ndarray]:
    """fan()'s quantiles over `width` grid hours, `block(lo)` giving the curves' hours lo to lo + FAN_BLOCK."""
    qs = (5, 25, 50, 75, 95)
    out = {f"p{q}": np.empty(width) for q in qs}
    for lo in range(0, width, FAN_BLOCK):
        part = block(lo)
        for q in qs:
            out[f"p{q}"][lo:lo + FAN_BLOCK] = np.percentile(part, q, axis=0)
    return out


# ------------------------------------------------------------------ the API: one batch as a result object


@dataclass(repr=False)
class MonteCarloResult:
    """A Monte Carlo batch: the scenario, every replication (failed ones with their seed and error),
    their statistics, and how the batch was run; `write` gives the folder `sim montecarlo` writes."""

    scenario: Scenario
    replicas: Sequence[Replica]  # a batch's Replicas: each built from the batch's columns as it is read
    summary: Summary
    seed: int  # the base seed: replication i ran with replication_seed(seed, i)
    requested: int
    interrupted: bool = False
    executor: str = "1 local worker(s)"  # as summary.json records it
    warnings: list[Problem] = field(default_factory=list)

    def __repr__(self) -> str:
        sm = self.summary
        return (f"<MonteCarloResult {self.scenario.name!r}: {sm.n} replications ({len(sm.failed)} failed"
                f"{', interrupted' if self.interrupted else ''}) from seed {self.seed}; "
                f"P(every line on time) {sm.all_met.p:.1%}>")

    @property
    def replications(self) -> Any:
        """One row per replication (the columns of replications.csv, times time-zone aware): a pandas DataFrame."""
        from sim.frames import replications_frame

        return replications_frame(self.scenario, self.replicas)

    def write(self, folder: str | Path, svg: bool = True, dpi: int = CHART_DPI) -> Path:
        """Write the batch's output folder (replications.csv, summary.json, the resolved scenario,
        charts as PNG at `dpi` dots per inch, report.html) atomically, as `sim montecarlo` does; return its path."""
        from sim.report import write_montecarlo

        return write_montecarlo(self.scenario, self.replicas, self.summary, Path(folder), self.seed,
                                self.requested, self.interrupted, self.executor, svg=svg, dpi=dpi)

    def _repr_html_(self) -> str:
        """The headline of the batch in a notebook: P(every line on time) and each phase's percentiles."""
        from sim.notebook import montecarlo_html

        return montecarlo_html(self)


def montecarlo(scenario: Scenario | str | Path, n: int = 200, *, seed: int | None = None,
               workers: int | None = None, dask: Any = None,
               on_progress: Callable[[int], None] | None = None) -> MonteCarloResult:
    """Run n replications of a scenario (or a scenario file) under its `uncertainty` section.

    `seed` is the base seed (default: the scenario's); `workers` local processes (1: in this
    process; None: one per core) or `dask` a scheduler address or Client; `on_progress(k)` is
    called as each chunk of k replications finishes. Ctrl-C keeps the finished replications
    (`interrupted`). ValueError when n < 1; sim.parallel.DaskUnavailable without the dask extra.
    """
    from sim.loading import load

    warnings: list[Problem] = []
    if not isinstance(scenario, Scenario):
        scenario, warnings = load(scenario)
    base = scenario.seed if seed is None else seed
    batch = run_batch(scenario, n, seed=base, workers=workers, dask=dask, on_progress=on_progress)
    executor = f"dask {dask}" if dask is not None else f"{workers or 'all'} local worker(s)"
    return MonteCarloResult(scenario, batch.view, summarise(scenario, batch.view), base, n,
                            batch.interrupted, executor, warnings)


def open_montecarlo(folder: Path, scenario: Scenario, workers: int | None = None) -> MonteCarloResult:
    """A Monte Carlo folder, read back by running its batch again (each replication's seed is fixed by
    the base seed and its index) and checking the replay against replications.csv byte for byte."""
    from sim.errors import ScenarioError, read_json_file
    from sim.report import replications_csv

    batch = read_json_file(folder / "summary.json")["batch"]
    if batch["interrupted"]:
        raise ScenarioError([Problem(str(folder), 0, 0, "", "an interrupted batch cannot be replayed exactly; "
                                                            "run sim montecarlo again")])
    result = montecarlo(scenario, batch["requested"], seed=batch["base_seed"], workers=workers)
    result.executor = batch["executor"]
    if replications_csv(scenario, result.replicas) != (folder / "replications.csv").read_text(encoding="utf-8"):
        raise ScenarioError([Problem(str(folder), 0, 0, "", "replications.csv differs from a new run of its batch: "
                                                            "the folder was written by another sim or changed")])
    return result
