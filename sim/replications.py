"""Monte Carlo replications of one scenario under its `uncertainty` section.

Replication i runs with seed `replication_seed(base, i)`, whatever the number of workers or the
order in which replications finish. Each replication returns a compact Replica (closure times,
waits, a personnel curve on an hourly grid), never its full sortie log, so memory stays flat in
the number of replications. `summarise` turns replicas into percentiles and probabilities.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
    curve (slots: no per-object dict, since a batch keeps one for every replication)."""

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


@dataclass
class Batch:
    """The replications of one batch in index order; `interrupted` when Ctrl-C stopped it early."""

    replicas: list[Replica]
    interrupted: bool = False


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
    """
    from sim.parallel import Outcome, default_workers

    if n < 1:
        raise ValueError("the number of replications must be at least 1")
    # tasks of a few replications each: with Dask the cluster's size is not known here, so cut finer
    tasks = chunks(seed, n, workers or (32 if dask is not None else default_workers(n)),
                   per_worker=8 if dask is not None else TASKS_PER_WORKER)

    def done(outcome: Outcome) -> None:
        if on_progress is not None and outcome.ok:
            on_progress(len(outcome.value))

    static = BatchStatic.of(scenario)
    import sim.engine
    import sim.results  # noqa: F401  (imported before the worker processes fork: they inherit it, not redo it)

    outcomes, interrupted = _run_tasks(static, tasks, workers, dask, done)
    if not interrupted:
        tasks, outcomes, interrupted = _split_dead_chunks(static, tasks, outcomes, (workers, dask, done))
    replicas: list[Replica] = []
    for chunk, out in zip(tasks, outcomes):
        if out is None:
            continue
        if out.error is None:
            replicas += out.value
        else:  # the whole task failed (e.g. a worker died): record each of its replications
            replicas += [Replica.failed(i, s, out.error) for i, s in chunk]
    return Batch(sorted(replicas, key=lambda r: r.index), interrupted)


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


def describe(values: list[float], deadline: float) -> Stats:
    """Percentiles of closure times (not closed counts as +inf), P(met) of the deadline and its CI."""
    arr = np.array([np.inf if (v is None or math.isnan(v)) else v for v in values], dtype=float)
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


def summarise(scenario: Scenario, replicas: list[Replica]) -> Summary:
    """Percentiles and P(met) of every line, phase and contingent over the replications that ran, what
    drove lateness, and the probability that every line met its deadline."""
    ok = [r for r in replicas if r.error is None]
    failed = [(r.index, r.seed, r.error) for r in replicas if r.error is not None]
    sm = Summary(n=len(ok), failed=failed)
    deadlines = {m.id: scenario.hours_of(m.deadline) for m in scenario.movements}
    for m in scenario.movements:
        sm.lines[m.id] = describe([r.lines[m.id] for r in ok], deadlines[m.id])
    sm.phases = _phase_stats(scenario, ok, deadlines)
    sm.contingents = {c.id: _contingent_stats(scenario, ok, deadlines, c.id) for c in scenario.contingents}
    sm.drivers = _drivers(ok)
    sm.all_met = _all_met(scenario, ok, deadlines)
    return sm


def _phase_stats(scenario: Scenario, ok: list[Replica], deadlines: dict[str, float]) -> dict[str, Stats]:
    """describe() of each phase that has lines, against the latest deadline of its lines."""
    out: dict[str, Stats] = {}
    for phase in PHASES:
        mine = [m for m in scenario.movements if m.phase == phase]
        if mine:
            out[phase] = describe([r.phases.get(phase, math.nan) for r in ok], max(deadlines[m.id] for m in mine))
    return out


def _contingent_stats(scenario: Scenario, ok: list[Replica], deadlines: dict[str, float],
                      cid: str) -> dict[str, Stats]:
    """describe() of each phase of one contingent that has lines, against the latest deadline of its lines."""
    entry: dict[str, Stats] = {}
    for phase in PHASES:
        mine = [m for m in scenario.movements if m.phase == phase and m.contingent == cid]
        if mine:
            entry[phase] = describe([r.contingents.get(cid, {}).get(phase, math.nan) for r in ok],
                                    max(deadlines[m.id] for m in mine))
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


def _drivers(ok: list[Replica]) -> Drivers:
    """What drives lateness: the largest wait of each late (or open) line, counted over replications,
    and the mean waits, breakdowns and weather closures of a replication."""
    counts: Counter[str] = Counter()
    for r in ok:
        counts.update(r.late_bound.values())
    late_total = sum(counts.values())
    return Drivers(
        late_line_replications=late_total,
        bound_by=[Driver(k, v, v / late_total) for k, v in counts.most_common()],
        mean_waits_h={k: _mean([r.waits_h[k] for r in ok]) for k in WAIT_KINDS},
        mean_breakdowns=_mean([r.breakdowns for r in ok]),
        mean_weather_closures=_mean([r.weather_closures for r in ok]),
    )


def _all_met(scenario: Scenario, ok: list[Replica], deadlines: dict[str, float]) -> Proportion:
    """The share of replications in which every line met its deadline, with its 95% interval."""
    k = sum(1 for r in ok if all(r.lines[m.id] <= deadlines[m.id] + 1e-9 for m in scenario.movements))
    return Proportion(k / len(ok) if ok else math.nan, wilson(k, len(ok)))


def _mean(values: list[float] | list[int]) -> float:
    """The mean of per-replication values (nan when there is none)."""
    return float(np.mean(values)) if values else math.nan


FAN_BLOCK = 64  # grid hours a pass of fan(): its working copies stay small whatever the number of replications


def fan(replicas: list[Replica]) -> dict[str, np.ndarray]:
    """Personnel-in-theatre quantiles on the grid (5, 25, 50, 75, 95), a block of grid hours at a time
    (each hour's quantiles depend on that hour's column only, so the values are those of one pass)."""
    ok = [r.in_theatre for r in replicas if r.error is None and len(r.in_theatre)]
    if not ok:
        return {}
    stack = np.vstack(ok)
    del ok
    qs = (5, 25, 50, 75, 95)
    out = {f"p{q}": np.empty(stack.shape[1]) for q in qs}
    for lo in range(0, stack.shape[1], FAN_BLOCK):
        block = stack[:, lo:lo + FAN_BLOCK]
        for q in qs:
            out[f"p{q}"][lo:lo + FAN_BLOCK] = np.percentile(block, q, axis=0)
    return out


# ------------------------------------------------------------------ the API: one batch as a result object


@dataclass(repr=False)
class MonteCarloResult:
    """A Monte Carlo batch: the scenario, every replication (failed ones with their seed and error),
    their statistics, and how the batch was run; `write` gives the folder `sim montecarlo` writes."""

    scenario: Scenario
    replicas: list[Replica]
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
    return MonteCarloResult(scenario, batch.replicas, summarise(scenario, batch.replicas), base, n,
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
