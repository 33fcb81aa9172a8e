"""`sim plan latest`: the latest ready time that still meets the deadline (`sim.latest_ready`).

A target is one line, a contingent's lines shifted together, or a phase's lines shifted together.
Everything else stays as the scenario has it. A target *meets* when every one of its lines closes
by its own deadline; other lines that an answer makes late are reported (`others_late`) but do not
stop the search. Every trial is one deterministic run with the scenario's seed (or `seed`).

Completion need not be monotone in the ready time (a later release can meet where an earlier one
missed, through dispatch), so the search is guarded: a coarse scan every `step_h` hours from the
current ready to the deadline, bisection to the minute between the latest meeting scan point and
the next, then checks 1, 10 and 60 minutes below the answer. When any trial misses below a later
trial that meets, the target is reported `non_monotone` with those pairs of points. A target that
already misses at its current ready is searched earlier, down to the scenario start.

The scenario is validated once and sent to each worker process once (TrialBase, sim.parallel's
`shared`); a trial moves the lines' times on that validated model rather than validating the shifted
scenario again (sim.plan.ready.with_ready), except for a shift that validation could refuse
(`may_be_refused` there), which is validated as before so that it fails with the same error. The
unshifted run is made once for every target.
"""

from __future__ import annotations

import argparse
import difflib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ScenarioError
from sim.plan import output_options, prepare, scenario_argument, write_answer
from sim.plan.ready import ReadyBase, with_ready
from sim.vocabulary import CHART_DPI, PHASES

if TYPE_CHECKING:
    from sim.scenario import Scenario

NAME = "latest"
HELP = "the latest ready time of lines, contingents or a phase that still meets the deadlines"
DESCRIPTION = ("For each line (--line), each contingent's lines shifted together (--contingent, optionally only "
               "those of --phase) or a whole phase's lines shifted together (--phase alone), search the latest "
               "ready time that still meets the deadline(s), to the minute, with everything else unchanged. "
               "Default: every line, one at a time. Deterministic: one run per trial with the scenario's seed. "
               "Writes latest.csv, latest.json (with the search trace) and latest.png to DIR.")
EXAMPLES = (
    "sim plan latest scenarios/csto_kazakhstan_2022.yaml --phase withdraw -o outputs/latest-withdraw",
    "sim plan latest scenarios/csto_kazakhstan_2022.yaml --line ru-withdraw-chkalovsky-19 -o outputs/latest-line",
)
VERIFY_BELOW_MIN = (1, 10, 60)  # minutes below the answer checked after the bisection
Progress = Callable[[str, int], None]  # (target being searched, trials of it so far)


@dataclass(frozen=True)
class Trial:
    """One shift of a target's ready time tried: its ready, its closure (latest of its lines) and whether it met."""

    shift_min: int  # minutes after the current ready
    ready_h: float  # the target's (earliest) ready time, model hours
    closed_h: float  # the latest closure over the target's lines (inf: one did not close)
    met: bool
    others_late: tuple[str, ...] = ()  # lines outside the target that met at the current ready and miss here
    error: str = ""  # the shifted scenario was invalid (counts as a miss)


@dataclass
class LatestRow:
    """The answer for one target: current and latest ready, hours gained, and the search trace."""

    target: str
    kind: str  # line, contingent or phase
    lines: list[str]
    current_ready_h: float
    deadline_h: float  # the earliest deadline of its lines
    latest_ready_h: float = math.nan  # nan: no ready time down to the scenario start meets
    already_late: bool = False
    non_monotone: bool = False
    non_monotone_points: list[tuple[float, float]] = field(default_factory=list)  # (missed ready, later met ready)
    others_late: list[str] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    note: str = ""

    @property
    def slack_gained_h(self) -> float:
        """Hours the ready time can move later (negative: earlier, for a target already late)."""
        return self.latest_ready_h - self.current_ready_h


@dataclass(repr=False)
class LatestResult:
    """Every target's latest ready time and its search trace; `write(folder)` writes latest.csv, .json, .png."""

    scenario: Scenario
    seed: int
    step_h: float
    rows: list[LatestRow]
    elapsed_s: float = 0.0

    def __repr__(self) -> str:
        return f"<LatestResult {len(self.rows)} targets, {sum(len(r.trials) for r in self.rows)} trials>"

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """latest.csv's header and rows (times as local ISO)."""
        s = self.scenario
        header = ["target", "kind", "lines", "current_ready", "latest_ready", "slack_gained_h", "deadline",
                  "closed", "already_late", "non_monotone", "others_late", "trials", "note"]
        rows = [[r.target, r.kind, " ".join(r.lines), s.iso(r.current_ready_h), s.iso(r.latest_ready_h),
                 "" if math.isnan(r.latest_ready_h) else f"{r.slack_gained_h:.2f}", s.iso(r.deadline_h),
                 s.iso(_answer_closed(r)), _yes(r.already_late), _yes(r.non_monotone), " ".join(r.others_late),
                 len(r.trials), r.note] for r in self.rows]
        return header, rows

    def to_json(self) -> dict[str, Any]:
        """latest.json's content: the question, every row and its trace (times as local ISO and model hours)."""
        s = self.scenario
        return {"scenario": s.name, "seed": self.seed, "deterministic": True, "step_h": self.step_h,
                "rows": [_row_json(s, r) for r in self.rows]}

    def write(self, folder: str | Path, dpi: int = CHART_DPI) -> Path:
        """latest.csv, latest.json and latest.png (at `dpi` dots per inch), written to the folder at once; its path."""
        from sim.charts import latest_figure

        return write_answer(folder, "latest", self.table(), self.to_json(),
                            lambda: latest_figure(self.scenario, self.rows), dpi)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _answer_closed(r: LatestRow) -> float:
    """The target's closure at its latest ready (nan without an answer)."""
    hit = [t for t in r.trials if t.ready_h == r.latest_ready_h]
    return hit[0].closed_h if hit and math.isfinite(hit[0].closed_h) else math.nan


def _row_json(s: Scenario, r: LatestRow) -> dict[str, Any]:
    """One row of latest.json: the answer, and every trial sorted by ready time."""
    out = {k: v for k, v in asdict(r).items() if k not in ("trials", "non_monotone_points")}
    out = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in out.items()}
    out.update(current_ready=s.iso(r.current_ready_h), latest_ready=s.iso(r.latest_ready_h) or None,
               deadline=s.iso(r.deadline_h), slack_gained_h=None if math.isnan(r.latest_ready_h) else r.slack_gained_h,
               non_monotone_points=[{"missed": s.iso(a), "met": s.iso(b)} for a, b in r.non_monotone_points],
               trials=[{"ready": s.iso(t.ready_h), "shift_min": t.shift_min, "closed": s.iso(t.closed_h) or None,
                        "met": t.met, "others_late": list(t.others_late), "error": t.error}
                       for t in sorted(r.trials, key=lambda t: t.shift_min)])
    return out


# ------------------------------------------------------------------ the API


def latest_ready(scenario: Scenario | str | Path, *, lines: Sequence[str] | None = None,
                 contingents: Sequence[str] | None = None, phase: str | None = None, seed: int | None = None,
                 step_h: float = 1.0, workers: int | None = None, on_progress: Progress | None = None,
                 dask: Any = None) -> LatestResult:
    """Search the latest ready time of each target that still meets its deadline(s), to the minute.

    Targets: each of `lines`; else each of `contingents` (their lines shifted together, only those
    of `phase` when given); else the lines of `phase` shifted together; else every line on its own.
    `scenario` may be a scenario file. The coarse scan runs every `step_h` hours, in `workers`
    processes (default: in this process; a run takes tens of milliseconds), or on the Dask cluster at
    `dask` (an address or a Client; sim.parallel.DaskUnavailable when none answers). sim.grid.PathError for
    an unknown line, contingent or phase; ValueError for lines given with contingents or a phase.
    """
    from sim.loading import load
    from sim.parallel import dask_client
    from sim.scenario import Scenario

    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load(scenario)[0]
    targets = resolve_targets(scenario, lines, contingents, phase)
    check_step(step_h)
    with dask_client(dask) as client:  # one connection for every scan of the search
        runner = _Runner(scenario, scenario.seed if seed is None else seed, workers, client)
        rows = [_search(runner, name, kind, ids, round(step_h * 60), on_progress) for name, kind, ids in targets]
    return LatestResult(scenario, runner.seed, step_h, rows, time.perf_counter() - started)


def _check_options(s: Scenario, args: argparse.Namespace) -> None:
    """The targets and the step, checked before the output folder is touched."""
    resolve_targets(s, args.line, args.contingent, args.phase)
    check_step(args.step)


def check_step(step_h: float) -> None:
    """ValueError unless the coarse scan's step is between a minute and a week."""
    if not 1 / 60 <= step_h <= 24 * 7:
        raise ValueError("step_h (--step) must be between one minute and a week, in hours, e.g. 1")


def resolve_targets(scenario: Scenario, lines: Sequence[str] | None, contingents: Sequence[str] | None,
                    phase: str | None) -> list[tuple[str, str, list[str]]]:
    """(name, kind, line ids) of each target; PathError naming an unknown id (with the nearest one)."""
    from sim.grid import PathError

    all_ids = [m.id for m in scenario.movements]
    if lines and (contingents or phase):
        raise ValueError("give lines (--line), or contingents (--contingent) and/or a phase (--phase), not both")
    if phase is not None and phase not in PHASES:
        raise PathError(f"unknown phase {phase!r}; give one of {', '.join(PHASES)}")
    if lines:
        return [(lid, "line", [lid]) for lid in _known(lines, all_ids, "line")]
    if contingents:
        return [_contingent_target(scenario, cid, phase)
                for cid in _known(contingents, [c.id for c in scenario.contingents], "contingent")]
    if phase is not None:
        ids = [m.id for m in scenario.movements if m.phase == phase]
        if not ids:
            raise PathError(f"the scenario has no {phase} line")
        return [(phase, "phase", ids)]
    return [(lid, "line", [lid]) for lid in all_ids]


def _contingent_target(scenario: Scenario, cid: str, phase: str | None) -> tuple[str, str, list[str]]:
    """A contingent's lines (of `phase`, when given) as one target; PathError when it has none."""
    from sim.grid import PathError

    ids = [m.id for m in scenario.movements if m.contingent == cid and phase in (None, m.phase)]
    if not ids:
        raise PathError(f"contingent {cid!r} has no {phase} line")
    return (cid if phase is None else f"{cid} {phase}", "contingent", ids)


def _known(wanted: Sequence[str], known: list[str], what: str) -> list[str]:
    """`wanted` in order without repeats; PathError for the first unknown id, with the nearest known one."""
    from sim.grid import PathError

    for w in wanted:
        if w not in known:
            match = difflib.get_close_matches(w, known, n=1, cutoff=0.4)
            hint = f"; did you mean {match[0]!r}?" if match else f"; the scenario has: {', '.join(known)}"
            raise PathError(f"unknown {what} {w!r}{hint}")
    return list(dict.fromkeys(wanted))


# ------------------------------------------------------------------ running trials


@dataclass(frozen=True)
class TrialBase:
    """What every trial of a search shares, sent to each worker process once (sim.parallel's `shared`):
    the validated scenario with what tells a retiming validation could refuse (sim.plan.ready.ReadyBase),
    and the seed."""

    ready: ReadyBase
    seed: int

    @property
    def scenario(self) -> Scenario:
        """The validated scenario."""
        return self.ready.scenario

    @classmethod
    def of(cls, scenario: Scenario, seed: int) -> TrialBase:
        """The shared part of the trials of this (validated) scenario."""
        return cls(ReadyBase.of(scenario), seed)


def shifted_ready(s: Scenario, ids: Sequence[str], shift_min: int) -> dict[str, float]:
    """The lines' ready times `shift_min` minutes later, each to the minute (model hours)."""
    wanted = set(ids)
    return {m.id: round(s.hours_of(m.ready) * 60 + shift_min) / 60 for m in s.movements if m.id in wanted}


def run_shifted(base: TrialBase, item: tuple[tuple[str, ...], int]) -> dict[str, float]:
    """Worker: the scenario with the lines `item[0]` ready (and their inflow starting) `item[1]` minutes
    later, run once; closure (model hours, inf if open) of every line.

    The lines are moved by sim.plan.ready.with_ready: on the validated model, unless validation could
    refuse the shift, which is then validated from the resolved data, as every trial once was, so a refused
    trial fails with the same ScenarioError."""
    from sim.engine import simulate

    ids, shift_min = item
    s = base.scenario
    if shift_min:
        s = with_ready(base.ready, shifted_ready(s, ids, shift_min), inflow_min=shift_min,
                       label=f"{s.name} with {', '.join(ids)} shifted {shift_min:+d} min")
    run = simulate(s, base.seed)
    return {lid: (r.closed if not math.isnan(r.closed) else math.inf) for lid, r in run.lines.items()}


class _Runner:
    """Trials of the scenario with lines shifted, in-process or through sim.parallel.run_many, the
    scenario (validated once, from its resolved data, as each trial's was) sent to each worker once."""

    def __init__(self, scenario: Scenario, seed: int, workers: int | None, dask: Any = None) -> None:
        from sim.loading import validate

        self.scenario, self.seed, self.workers, self.dask = scenario, seed, workers, dask
        self.base = TrialBase.of(validate(scenario.resolved(), scenario.name)[0], seed)
        self.deadline = {m.id: scenario.hours_of(m.deadline) for m in scenario.movements}
        self.ready = {m.id: scenario.hours_of(m.ready) for m in scenario.movements}
        self.at_start = run_shifted(self.base, ((), 0))  # every target's trial of shift 0: run once
        self.met_at_start = {lid for lid, c in self.at_start.items() if c <= self.deadline[lid] + 1e-9}

    def many(self, ids: list[str], shifts: list[int]) -> list[Trial]:
        """The trials of the lines shifted by each of `shifts` minutes (in order); shift 0 is the run
        without a shift, made once for every target."""
        from sim.parallel import Outcome, run_many

        moved = [d for d in shifts if d]
        outcomes = iter(run_many(run_shifted, [(tuple(ids), d) for d in moved], workers=self.workers or 1,
                                 dask_address=self.dask, shared=self.base))
        done = [next(outcomes) if d else Outcome(-1, self.at_start) for d in shifts]
        return [self._trial(ids, d, o.value, o.error or "") for d, o in zip(shifts, done)]

    def _trial(self, ids: list[str], shift: int, closed: dict[str, float] | None, error: str) -> Trial:
        ready = min(self.ready[i] for i in ids) + shift / 60
        if closed is None:
            return Trial(shift, ready, math.inf, False, error=error.splitlines()[0] if error else "failed")
        met = all(closed[i] <= self.deadline[i] + 1e-9 for i in ids)
        others = tuple(i for i in self.met_at_start - set(ids) if closed[i] > self.deadline[i] + 1e-9)
        return Trial(shift, ready, max(closed[i] for i in ids), met, tuple(sorted(others)))


# ------------------------------------------------------------------ the search


class _Target:
    """The trials of one target, each shift once."""

    def __init__(self, runner: _Runner, name: str, ids: list[str], on_progress: Progress | None) -> None:
        self.runner, self.name, self.ids, self.on_progress = runner, name, ids, on_progress
        self.tried: dict[int, Trial] = {}

    def get(self, shifts: list[int]) -> list[Trial]:
        """The trials of these shifts (running those not tried yet, together)."""
        new = [d for d in dict.fromkeys(shifts) if d not in self.tried]
        if new:
            for t in self.runner.many(self.ids, new):
                self.tried[t.shift_min] = t
            if self.on_progress is not None:
                self.on_progress(self.name, len(self.tried))
        return [self.tried[d] for d in shifts]

    def met(self, shift: int) -> bool:
        """Whether the target meets with this shift."""
        return self.get([shift])[0].met


def _search(runner: _Runner, name: str, kind: str, ids: list[str], step: int,
            on_progress: Progress | None) -> LatestRow:
    """Scan, bisect to the minute, verify below; the row with the whole trace."""
    target = _Target(runner, name, ids, on_progress)
    ready = min(runner.ready[i] for i in ids)
    lowest = -math.floor(ready * 60 + 1e-9)  # the earliest line ready at the scenario start
    highest = math.floor(min(runner.deadline[i] - runner.ready[i] for i in ids) * 60 + 1e-9)
    row = LatestRow(name, kind, ids, ready, min(runner.deadline[i] for i in ids))
    lo: int | None
    hi: int | None
    if target.met(0):
        scan = [*range(0, max(highest, 0), step), max(highest, 0)]
        met = [t.shift_min for t in target.get(scan) if t.met]
        lo = max(met)
        hi = min((d for d in scan if d > lo), default=None)
    else:
        row.already_late = True
        lo, hi = _scan_down(target, lowest, step)
    if lo is not None:
        if hi is not None:
            lo = _bisect(target, lo, hi)
        target.get([lo - k for k in VERIFY_BELOW_MIN if lo - k >= lowest])
        row.latest_ready_h = ready + lo / 60
        row.others_late = list(target.tried[lo].others_late)
    _finish(row, target, lo, hi)
    return row


def _scan_down(target: _Target, lowest: int, step: int) -> tuple[int | None, int | None]:
    """From the current ready (which misses) downwards every `step` minutes to the scenario start:
    (the first shift that meets, the scan point above it) or (None, None)."""
    above = 0
    for d in [*range(-step, lowest, -step), lowest]:
        if d >= above:
            continue
        if target.met(d):
            return d, above
        above = d
    return None, None


def _bisect(target: _Target, lo: int, hi: int) -> int:
    """The shift to the minute between lo (meets) and hi (misses): it meets and the minute after misses."""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if target.met(mid):
            lo = mid
        else:
            hi = mid
    return lo


def _finish(row: LatestRow, target: _Target, lo: int | None, hi: int | None) -> None:
    """The trace in order, the misses below later meets (non-monotone) and the note."""
    row.trials = sorted(target.tried.values(), key=lambda t: t.shift_min)
    pairs = []
    for i, t in enumerate(row.trials):
        later = [u for u in row.trials[i + 1:] if u.met]
        if not t.met and later:
            pairs.append((t.ready_h, later[-1].ready_h))
    row.non_monotone, row.non_monotone_points = bool(pairs), pairs[:10]
    s = target.runner.scenario
    if lo is None:
        row.note = "misses even with every line ready at the scenario start"
        return
    notes = ["already late at its current ready"] if row.already_late else []
    if hi is None:
        notes.append("meets even when ready as late as its deadline allows")
    if pairs:
        notes.append(f"non-monotone: {len(pairs)} trial(s) miss below a later ready that meets "
                     f"(e.g. {s.short(pairs[0][0])} misses, {s.short(pairs[0][1])} meets); earlier ready "
                     "times are not all shown to meet")
    if row.others_late:
        notes.append(f"makes {', '.join(row.others_late)} late")
    row.note = "; ".join(notes)


# ------------------------------------------------------------------ the command


def configure_parser(p: argparse.ArgumentParser) -> None:
    """`sim plan latest SCENARIO [--line ID ... | --contingent ID ... | --phase P] -o DIR`."""
    scenario_argument(p)
    p.add_argument("--line", action="append", metavar="ID", help="a movement line's id (repeatable): each on its own")
    p.add_argument("--contingent", action="append", metavar="ID",
                   help="a contingent's id (repeatable): its lines (of --phase, when given) shifted together")
    p.add_argument("--phase", choices=PHASES, help="alone: the phase's lines shifted together")
    p.add_argument("--step", type=float, default=1.0, metavar="H",
                   help="hours between the coarse scan's trials before bisecting to the minute (default 1)")
    from sim.cli import _workers, dask_option

    p.add_argument("--workers", type=_workers, metavar="N",
                   help="processes for the coarse scan (default: one per core; the answers do not depend on it)")
    dask_option(p, "coarse scan's trials")
    output_options(p)


def cmd(args: argparse.Namespace) -> int:
    """Parse, search, print the table and write the folder; 2 (nothing written) for an unknown id."""
    from sim.cli import EXIT_OK, UsageError
    from sim.grid import PathError
    from sim.parallel import DaskUnavailable, usable_cores
    from sim.tables import render

    scenario, out_dir = prepare(args, lambda s: _check_options(s, args))
    try:
        result = latest_ready(scenario, lines=args.line, contingents=args.contingent, phase=args.phase,
                              seed=args.seed, step_h=args.step, workers=args.workers or usable_cores(), dask=args.dask)
    except (ValueError, PathError, ScenarioError) as exc:
        raise UsageError(f"sim plan latest: {exc}") from None
    except DaskUnavailable as exc:
        raise UsageError(f"sim: {exc}") from None
    s = scenario
    print(f"{s.name}: latest ready times that still meet the deadlines (deterministic, seed {result.seed})")
    rows = [[r.target, s.short(r.current_ready_h), s.short(r.latest_ready_h),
             "-" if math.isnan(r.latest_ready_h) else f"{r.slack_gained_h:+.2f}", s.short(r.deadline_h),
             _yes(r.non_monotone), r.note] for r in result.rows]
    print(render(["target", "ready now", "latest ready", "gained h", "deadline", "non-monotone", "note"], rows,
                 "lllrlll"))
    print(f"{sum(len(r.trials) for r in result.rows)} trials in {result.elapsed_s:.1f} s")
    result.write(out_dir, dpi=args.dpi)
    print(f"wrote {out_dir}/ (latest.csv, latest.json, latest.png)")
    return EXIT_OK
