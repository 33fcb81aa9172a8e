"""The smallest fleet of a type that meets a phase's deadlines (`sim size-fleet`, `sim.size_fleet`).

The fleets of the type are scaled together, in proportion to their counts (sim.grid.scale_fleet);
each size is run once, deterministically or over replications. The search tries the upper bound,
bisects below it, then checks the three sizes below the answer, because completion need not be
monotone in the fleet size; the smallest size that passed is the answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ScenarioError
from sim.vocabulary import CHART_DPI, PHASES, phases_for

if TYPE_CHECKING:
    from sim.grid import Trial
    from sim.scenario import Scenario

Progress = Callable[[int, int], None]  # (fleet size being tried, replications of it finished so far)


@dataclass(frozen=True)
class Question:
    """What to size: a type, whose deadlines (a phase or 'all'), which fleets, and how sure to be."""

    aircraft_type: str
    phase: str = "withdraw"
    fleets: list[str] | None = None  # None: the fleets of the type that may fly a line of the phase
    replications: int | None = None  # with `confidence`: P(met) over this many replications per size
    confidence: float | None = None
    max_tails: int | None = None  # largest size tried (default: 4x the scenario's, at least 16)
    seed: int | None = None
    workers: int | None = None
    dask: Any = None  # a Dask scheduler address (or Client) for the replications instead of local processes


@dataclass(repr=False)
class SizingResult:
    """Every size tried, the answer (None when even the largest fails) and whether smaller sizes passed too."""

    scenario: Scenario
    question: Question
    current: int  # tails of the scaled fleets in the scenario
    trials: dict[int, Trial] = field(default_factory=dict)
    answer: int | None = None
    top: Trial | None = None  # the largest size tried
    non_monotone: bool = False

    def __repr__(self) -> str:
        q = self.question
        return (f"<SizingResult {q.aircraft_type} for {q.phase}: answer {self.answer} (scenario has {self.current}), "
                f"{len(self.trials)} sizes tried>")

    def write(self, folder: str | Path, dpi: int = CHART_DPI) -> Path:
        """size_fleet.csv and size_fleet.png (at `dpi` dots per inch), written to the folder at once; its path."""
        from sim import charts
        from sim.report import atomic_dir
        from sim.tables import csv_text

        s, q = self.scenario, self.question
        rows = [[n, " ".join(f"{k}:{v}" for k, v in t.split.items()), s.iso(t.closed_h),
                 "" if t.p_met is None else f"{t.p_met:.4f}", "" if t.lines_late is None else t.lines_late,
                 "yes" if t.ok else "no", t.error or t.bound_by] for n, t in sorted(self.trials.items())]
        text = csv_text(["tails", "split", "closed", "p_met", "lines_late", "meets", "binding"], rows)
        with atomic_dir(Path(folder)) as tmp:
            (tmp / "size_fleet.csv").write_text(text, encoding="utf-8")
            with charts.resolution(dpi):
                charts.size_fleet_chart(s, self.trials, q.aircraft_type, q.phase, q.confidence, self.answer, tmp)
        return Path(folder)


def size_fleet(scenario: Scenario | str | Path, question: Question | str,
               on_progress: Progress | None = None) -> SizingResult:
    """Search the smallest fleet of `question.aircraft_type` that meets the phase's deadlines.

    `scenario` may be a scenario file; `question` an aircraft type alone (the withdrawal, one run
    per size). With replications, `question.dask` (an address or a Client) runs them on that Dask cluster
    (sim.parallel.DaskUnavailable when none answers). ValueError for options that do not go together or an
    unknown phase; sim.grid.PathError for an unknown type or fleet.
    """
    from sim import grid
    from sim.loading import load
    from sim.parallel import dask_client
    from sim.scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = load(scenario)[0]
    if isinstance(question, str):
        question = Question(question)
    check_question(scenario, question)
    if question.fleets is None:
        question = replace(question, fleets=phase_fleets(scenario, question.aircraft_type, question.phase))
    resolved = scenario.resolved()
    current = sum(f["count"] for f in grid.fleets_of_type(resolved, question.aircraft_type, question.fleets))
    grid.scale_fleet(resolved, question.aircraft_type, max(current, 1), question.fleets)  # refuses what is unknown
    with dask_client(question.dask if question.replications else None) as client:  # one connection for all sizes
        trial = _Trials(scenario, resolved, replace(question, dask=client), on_progress)
        answer, top, non_monotone = _search(trial, question.max_tails or max(16, 4 * current))
    return SizingResult(scenario, question, current, trial.trials, answer, top, non_monotone)


def check_question(scenario: Scenario, question: Question) -> None:
    """Everything about a question that can be checked before any run: its options (ValueError), a type id
    that may name a folder (ValueError) and the type and fleets in the scenario (sim.grid.PathError)."""
    from sim import grid
    from sim.report import is_safe_name

    _check(question)
    if not is_safe_name(question.aircraft_type):
        raise ValueError(f"type {question.aircraft_type[:60]!r} cannot name a folder: give an aircraft type id "
                         "(letters, digits and _.@+=-, no '..' and no '/')")
    grid.scale_fleet(scenario.resolved(), question.aircraft_type, 1, question.fleets)


def _check(q: Question) -> None:
    """A phase that exists, confidence and replications together, a confidence that is a probability,
    and a largest size of at least one."""
    if q.phase not in ("all", *PHASES):
        raise ValueError(f"phase {q.phase!r}: give one of {', '.join(PHASES)} or all")
    if (q.confidence is None) != (q.replications is None):
        raise ValueError("confidence and replications (--confidence, --replications) go together")
    if q.confidence is not None and not 0 < q.confidence < 1:
        raise ValueError("confidence (--confidence) must be between 0 and 1, e.g. 0.9")
    if q.max_tails is not None and q.max_tails < 1:
        raise ValueError("max_tails (--max) must be at least 1")


def phase_fleets(scenario: Scenario, type_id: str, phase: str) -> list[str] | None:
    """Ids of the fleets of a type that may fly an air leg of a line of the phase (or of any line, for
    'all'); None when there is none."""
    from sim.loadplan import leg_fleets

    allowed = [leg_fleets(m, leg) for m in scenario.movements if phase in (m.phase, "all")
               for leg in m.journey() if leg.mode == "air"]
    return [f.id for f in scenario.fleet if f.type == type_id
            and any(a is None or f.id in a for a in allowed)] or None


def _search(trial: _Trials, hi: int) -> tuple[int | None, Trial, bool]:
    """Try the upper bound; bisect below it; then check the three sizes below the answer.
    (answer or None, the top trial, whether smaller sizes than the bisection's also passed)."""
    top = trial(hi)
    if not top.ok:
        return None, top, False
    lo = 0  # fails by convention (no tails)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if trial(mid).ok:
            hi = mid
        else:
            lo = mid
    below = [n for n in range(max(1, hi - 3), hi) if trial(n).ok]
    return (min(below) if below else hi), top, bool(below)


class _Trials:
    """One fleet size evaluated (deterministically or over replications), each size once."""

    def __init__(self, scenario: Scenario, resolved: dict, question: Question, on_progress: Progress | None) -> None:
        self.scenario, self.resolved, self.q, self.on_progress = scenario, resolved, question, on_progress
        self.base = scenario.seed if question.seed is None else question.seed
        self.phases = phases_for(question.phase)
        self.trials: dict[int, Trial] = {}

    def __call__(self, n: int) -> Trial:
        """The trial of n tails (run once; later calls return it)."""
        from sim import grid

        if n not in self.trials:
            q = self.q
            data, split = grid.scale_fleet(self.resolved, q.aircraft_type, n, q.fleets)
            try:
                s = grid.build_point(grid.Point({"count": str(n)}, data), self.scenario.name)
            except ScenarioError as exc:
                self.trials[n] = grid.Trial(n, split, False, math.nan, None, None, "", error=exc.problems[0].message)
                return self.trials[n]
            self.trials[n] = self._replicated(s, n, split) if q.replications else self._single(s, n, split)
        return self.trials[n]

    def _replicated(self, s: Scenario, n: int, split: dict[str, int]) -> Trial:
        """n tails over the replications: P(met) of the phases, their P50 completion, the top driver."""
        from sim import grid, replications

        q = self.q
        assert q.replications is not None
        done = [0]

        def progress(k: int) -> None:
            done[0] += k
            if self.on_progress is not None:
                self.on_progress(n, done[0])

        batch = replications.run_batch(s, q.replications, seed=self.base, workers=q.workers, dask=q.dask,
                                       on_progress=progress)
        if batch.interrupted:  # Ctrl-C or SIGTERM: the search stops (sim.parallel.interrupt_code says which)
            raise KeyboardInterrupt
        sm = replications.summarise(s, batch.view)
        p = min(sm.phases[ph].p_met for ph in self.phases if ph in sm.phases)
        closed = max(sm.phases[ph].p50_h for ph in self.phases if ph in sm.phases)
        metrics = grid.PointMetrics(sorties=math.nan,
                                     phases={ph: grid.PhaseMetrics(p_met=st.p_met) for ph, st in sm.phases.items()})
        top = sm.drivers.bound_by[0] if sm.drivers.bound_by else None
        binding = f"{top.wait} ({top.share:.0%} of late lines)" if top else ""
        return grid.Trial(n, split, grid.phase_ok(metrics, q.phase, q.confidence), closed, p, None, binding)

    def _single(self, s: Scenario, n: int, split: dict[str, int]) -> Trial:
        """n tails in one deterministic run: the phases' completion, late lines and what binds."""
        from sim import grid

        m = grid.evaluate((s, 0, self.base))
        mine = [m.phases[ph] for ph in self.phases if ph in m.phases]
        closed = max(m.phases[ph].closed_h if ph in m.phases else math.nan for ph in self.phases)
        late = sum(ph.lines_late for ph in mine)
        binding = "; ".join(ph.bound_by for ph in mine if ph.bound_by)
        return grid.Trial(n, split, grid.phase_ok(m, self.q.phase, None), closed, None, late, binding)
