"""`sim plan optimise`: a phase's release dates, optimised and confirmed by the simulator (`sim.optimise_releases`).

Three objectives: `earliest` (the phase closes as early as possible), `longest-stay` (every line
released as late as possible, the sum of the release times maximised, while every deadline holds) and
`fewest-aircraft` (every deadline met with the fewest tails of one type; sim.plan.fewest).

Method, in three steps:

1. An aggregated model, solved with HiGHS as a MILP. Each line i of the phase gets one release
   bucket among the times of its window, every `step_h` hours (binary x[i,k], one per line). Its
   duration d_i (closure minus ready) and its aircraft-hours A_i (loading to unloaded, of every
   sortie flown for it, empty positioning included) come from one run of the current schedule; while
   open, it uses the share w_i = min(1, A_i / (d_i * T)) of the T tails that flew the phase.
   Constraints: in every bucket the shares of the open lines add up to at most 1 (the fleet);
   r_i + d_i <= deadline_i; an `after:` link between two lines of the phase: r_j >= r_i + d_i + lag.
   Objective: `earliest` minimises C >= r_i + d_i (plus a small weight on the releases, so that
   ties release early); `longest-stay` maximises the sum of the r_i.
2. Verification: the proposed schedule is run: the scenario with the lines ready at its times, as
   sim.api.run's `movements[ID].ready` overrides make it, built on the model validated once
   (sim.plan.ready.with_ready; a schedule validation could refuse is validated from the data).
3. Local search, each move run and kept only when the simulator confirms it. `longest-stay`:
   while a line is late, the late lines move one bucket earlier (repair); then each line in turn
   tries one bucket later, kept when every line that met with the current schedule still meets
   (improve). `earliest`: the line that closes last tries one bucket earlier, kept when the phase
   closes earlier. The answer is the best confirmed schedule; when none is confirmed (or none beats
   the current one, for `earliest`), the current schedule is kept and said so. The simulator is the
   judge: no schedule is reported that a run did not confirm.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.errors import ScenarioError
from sim.plan import output_options, prepare, scenario_argument, write_answer
from sim.vocabulary import CHART_DPI, PHASES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.scenario import Scenario

NAME = "optimise"
HELP = "release dates of a phase's lines that finish earliest or keep the force longest, confirmed by runs"
DESCRIPTION = ("Choose each line's ready time within its window (--window ID=FROM..TO, else the scenario's "
               "release_window of the line or its contingent, else from the phase's earliest current ready to the "
               "line's deadline) so that the phase closes earliest (--objective "
               "earliest) or the lines leave as late as the deadlines allow (--objective longest-stay). An "
               "aggregated MILP over release buckets (HiGHS) proposes; every schedule is then run and repaired "
               "by a local search until the simulator confirms it. Needs the plan extra (highspy). Writes "
               "optimise.csv, optimise.json, optimise.png and <stem>_optimised.yaml (extends the scenario) to DIR.")
EXAMPLES = (
    "sim plan optimise scenarios/csto_kazakhstan_2022.yaml --objective longest-stay -o outputs/optimise",
    "sim plan optimise scenarios/csto_kazakhstan_2022.yaml --objective earliest "
    "--window ru-withdraw-chkalovsky-19=-72h..+0h -o outputs/optimise-earliest",
)
OBJECTIVES = ("earliest", "longest-stay", "fewest-aircraft")
TOL_H = 1e-6
MAX_TRIALS = 600  # simulator runs the local search may use
MILP_TIME_LIMIT_S = 60.0
Schedule = dict[str, float]  # line id -> ready time, model hours


@dataclass
class OptimiseRow:
    """One line: its window, the model's estimates, the current and the proposed release and closure. Hours."""

    line: str
    window_from_h: float
    window_to_h: float
    deadline_h: float
    duration_h: float  # closure minus ready in the run of the current schedule
    share: float  # the fleet share the model gives it while open
    current_ready_h: float
    current_closed_h: float
    milp_ready_h: float = math.nan  # the model's proposal (nan: none)
    ready_h: float = math.nan  # the answer, confirmed by a run
    closed_h: float = math.nan

    @property
    def met(self) -> bool:
        """Whether the line closes by its deadline with the answer."""
        return self.closed_h <= self.deadline_h + TOL_H


@dataclass(frozen=True)
class Verification:
    """One simulator run of a schedule: why it was run, whether it was kept, and what it gave."""

    label: str
    schedule: dict[str, float]
    closed: dict[str, float]  # every line of the phase
    late: tuple[str, ...]  # lines late here that met with the current schedule (or, for the phase, any late)
    phase_closed_h: float
    kept: bool


@dataclass(repr=False)
class OptimiseResult:
    """The proposed release dates of a phase, the solve and every verification run; `write(folder)`."""

    scenario: Scenario
    objective: str
    phase: str
    step_h: float
    seed: int
    rows: list[OptimiseRow]
    solver: dict[str, Any]
    runs: list[Verification] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    source: Path | None = None  # the scenario file (for the variant's `extends`)
    infeasible: list[str] = field(default_factory=list)  # why the model had no schedule (empty: it had one)
    fleet: dict[str, Any] | None = None  # fewest-aircraft: the type, and the fewest tails per schedule
    verify_s: float = 0.0
    elapsed_s: float = 0.0

    def __repr__(self) -> str:
        return (f"<OptimiseResult {self.objective} {self.phase}: {len(self.changed())} lines moved, "
                f"{len(self.runs)} runs>")

    @property
    def current_closed_h(self) -> float:
        """The phase's closure with the current schedule."""
        return max(r.current_closed_h for r in self.rows)

    @property
    def closed_h(self) -> float:
        """The phase's closure with the answer (confirmed by a run)."""
        return max(r.closed_h for r in self.rows)

    def changed(self) -> dict[str, float]:
        """The lines whose ready time the answer changes, and their new ready times."""
        return {r.line: r.ready_h for r in self.rows if abs(r.ready_h - r.current_ready_h) > TOL_H}

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """optimise.csv's header and rows (times ISO 8601, local)."""
        s = self.scenario
        header = ["line", "window_from", "window_to", "current_ready", "current_closed", "proposed_ready", "closed",
                  "deadline", "met", "moved_h", "milp_ready", "duration_h", "share"]
        rows = [[r.line, s.iso(r.window_from_h), s.iso(r.window_to_h), s.iso(r.current_ready_h),
                 s.iso(r.current_closed_h), s.iso(r.ready_h), s.iso(r.closed_h), s.iso(r.deadline_h),
                 "yes" if r.met else "no", f"{r.ready_h - r.current_ready_h:+.2f}", s.iso(r.milp_ready_h),
                 f"{r.duration_h:.3f}", f"{r.share:.3f}"] for r in self.rows]
        return header, rows

    def to_json(self) -> dict[str, Any]:
        """optimise.json: the question, the solve, each line and every verification run."""
        s = self.scenario
        return {"scenario": s.name, "objective": self.objective, "phase": self.phase, "step_h": self.step_h,
                "seed": self.seed, "deterministic": True, "actions": self.actions, "infeasible": self.infeasible,
                "fleet": self.fleet,
                # wall-clock times are printed, not written: the same question gives the same bytes
                "solver": {k: v for k, v in self.solver.items() if k != "solve_s"},
                "current_closed": s.iso(self.current_closed_h), "closed": s.iso(self.closed_h),
                "lines": [_finite(asdict(r)) | {"met": r.met} for r in self.rows],
                "runs": [{"label": v.label, "kept": v.kept, "late": list(v.late),
                          "phase_closed": s.iso(v.phase_closed_h) or None,
                          "ready": {k: s.iso(h) for k, h in v.schedule.items()},
                          "closed": {k: s.iso(h) or None for k, h in v.closed.items()}} for v in self.runs]}

    def variant(self, folder: Path) -> dict[str, Any]:
        """The variant scenario: `extends` the scenario file (a path relative to `folder`, absolute when there
        is none) with only the changed ready times; without a file, the whole resolved scenario changed."""
        s = self.scenario
        moved = [{"id": lid, "ready": s.iso(h)} for lid, h in self.changed().items()]
        name = f"{s.name} — release dates optimised ({self.objective})"
        if self.source is None:
            data = s.resolved()
            for item in data["movements"]:
                item["ready"] = s.iso(self.changed().get(item["id"], s.hours_of(_by_id(s)[item["id"]].ready)))
            return {**data, "name": name}
        try:
            parent = os.path.relpath(self.source.resolve(), folder.resolve())
        except ValueError:  # another drive (Windows)
            parent = str(self.source.resolve())
        fleet = self.fleet_change()
        return {"extends": Path(parent).as_posix(), "name": name, "movements": moved, **fleet}

    def fleet_change(self) -> dict[str, Any]:
        """fewest-aircraft with a changed schedule: {'fleet': [{id, count}]} at the sized split; else {}."""
        if self.fleet is None or not self.changed() or not self.fleet["proposed_split"]:
            return {}
        return {"fleet": [{"id": fid, "count": n} for fid, n in self.fleet["proposed_split"].items()]}

    def write(self, folder: str | Path, dpi: int = CHART_DPI) -> Path:
        """optimise.csv, .json, .png and <stem>_optimised.yaml, written to the folder at once; its path."""
        import yaml

        stem = self.source.stem if self.source is not None else "scenario"
        text = yaml.safe_dump(self.variant(Path(folder)), sort_keys=False, allow_unicode=True, width=110)
        return write_answer(folder, "optimise", self.table(), self.to_json(), lambda: optimise_figure(self), dpi,
                            extra={f"{stem}_optimised.yaml": f"# written by sim plan optimise\n{text}"})


def _finite(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


def _by_id(s: Scenario) -> dict[str, Any]:
    return {m.id: m for m in s.movements}


# ------------------------------------------------------------------ windows


def parse_window(s: Scenario, text: str) -> tuple[str, float, float]:
    """`ID=FROM..TO` -> (id, from, to) in model hours. FROM and TO are local ISO times or +/- offsets
    (e.g. -72h) from the line's current ready. ValueError for a malformed text, an unknown id or FROM after TO."""
    from sim.plan.latest import _known
    from sim.timeparse import parse_duration_h

    lid, sep, span = text.partition("=")
    lo_text, sep2, hi_text = span.partition("..")
    if not (sep and sep2 and lid and lo_text and hi_text):
        raise ValueError(f"--window {text!r}: write ID=FROM..TO, e.g. ru-withdraw-chkalovsky-19=-72h..+0h")
    _known([lid], [m.id for m in s.movements], "line")
    ready = s.hours_of(_by_id(s)[lid].ready)

    def when(t: str) -> float:
        if t[:1] in "+-":
            return ready + parse_duration_h(t[1:]) * (-1 if t[0] == "-" else 1)
        moment = datetime.fromisoformat(t)
        return s.hours_of(moment if moment.tzinfo else moment.replace(tzinfo=s.start.tzinfo))

    try:
        lo, hi = when(lo_text), when(hi_text)
    except (ValueError, ScenarioError) as exc:
        raise ValueError(f"--window {text!r}: {exc}") from None
    if lo > hi + TOL_H:
        raise ValueError(f"--window {text!r}: FROM ({s.short(lo)}) is after TO ({s.short(hi)})")
    return lid, lo, hi


# ------------------------------------------------------------------ the model


@dataclass(frozen=True)
class _Line:
    """What the model uses of one line."""

    id: str
    lo: float
    hi: float
    deadline: float
    duration: float
    share: float
    after: tuple[tuple[str, float], ...]  # (line of the phase, lag hours)
    departures: tuple[tuple[str, float], ...] = ()  # (capped airfield, its take-offs per hour while open)

    def times(self, step: float) -> list[float]:
        """The release buckets of its window."""
        n = max(0, math.floor((self.hi - self.lo) / step + 1e-9))
        return [self.lo + k * step for k in range(n + 1)]


GROUPS = ("fleet", "caps", "after")  # the constraint groups of the model, each can be left out to diagnose
Caps = dict[str, tuple[int, float]]  # capped airfield -> (take-offs a local day, local hour at model time 0)


def _solve(lines: list[_Line], objective: str, step: float, caps: Caps | None = None,
           groups: tuple[str, ...] = GROUPS, tails: int = 1, level: int | None = None
           ) -> tuple[Schedule, dict[str, Any]]:
    """The MILP's release of each line (empty when it has none) and the solve's report; `groups`: the
    constraint groups included (fleet shares, departure caps, `after:` order); `fewest-aircraft`: the
    shares of the phase's `tails` kept within `level` aircraft (default all), releases costing nothing."""
    from sim.plan.relaxation import highs

    hs = highs()
    h = hs.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", MILP_TIME_LIMIT_S)
    inf = hs.kHighsInf
    cols = _release_columns(h, hs, lines, objective, step)
    if objective == "fewest-aircraft":
        _capacity_rows(h, lines, cols, step, inf, unit=tails, limit=float(level if level is not None else tails))
    elif "fleet" in groups:
        _capacity_rows(h, lines, cols, step, inf)
    if "caps" in groups:
        _cap_rows(h, lines, cols, caps or {}, inf)
    if "after" in groups:
        _precedence_rows(h, lines, cols, inf)
    if objective == "earliest":
        _closure_rows(h, lines, cols, inf)
    return _solved(h, cols, -1.0 if objective == "longest-stay" else 1.0)


def _release_columns(h: Any, hs: Any, lines: list[_Line], objective: str, step: float
                     ) -> dict[str, list[tuple[int, float]]]:
    """One binary column per line and release bucket that can meet its deadline, one bucket per line; the
    costs: longest-stay, minus the release time; earliest, a small weight on it (ties release early);
    fewest-aircraft, none."""
    weight = {"longest-stay": -1.0, "fewest-aircraft": 0.0}.get(objective, 1e-3 / max(1, len(lines)))
    cols: dict[str, list[tuple[int, float]]] = {}
    for ln in lines:
        times = [t for t in ln.times(step) if t + ln.duration <= ln.deadline + TOL_H]
        first = h.getNumCol()
        cols[ln.id] = [(first + k, t) for k, t in enumerate(times)]
        for j, t in cols[ln.id]:
            h.addCol(weight * t, 0.0, 1.0, 0, [], [])
            h.changeColIntegrality(j, hs.HighsVarType.kInteger)
        h.addRow(1.0, 1.0, len(cols[ln.id]), [j for j, _ in cols[ln.id]], [1.0] * len(cols[ln.id]))
    return cols


def _closure_rows(h: Any, lines: list[_Line], cols: dict[str, list[tuple[int, float]]], inf: float) -> None:
    """earliest: a column C for the closure, and C - sum(t x) >= duration for every line."""
    c = h.getNumCol()
    h.addCol(1.0, -inf, inf, 0, [], [])
    for ln in lines:
        h.addRow(ln.duration, inf, len(cols[ln.id]) + 1, [c, *(j for j, _ in cols[ln.id])],
                 [1.0, *(-t for _, t in cols[ln.id])])


def _solved(h: Any, cols: dict[str, list[tuple[int, float]]], sign: float) -> tuple[Schedule, dict[str, Any]]:
    """Run the model; each line's release (empty without a feasible solution) and the solve's report."""
    started = time.perf_counter()
    h.run()
    report = {"solver": "HiGHS (highspy)", "status": h.modelStatusToString(h.getModelStatus()),
              "solve_s": time.perf_counter() - started, "variables": h.getNumCol(), "rows": h.getNumRow(),
              "objective_value": None}
    values = list(h.getSolution().col_value)
    if not values or h.getInfo().primal_solution_status != 2:  # 2: a feasible solution
        return {}, report
    report["objective_value"] = h.getInfo().objective_function_value * sign
    return {lid: next(t for j, t in cs if values[j] > 0.5) for lid, cs in cols.items()}, report


def _capacity_rows(h: Any, lines: list[_Line], cols: dict[str, list[tuple[int, float]]], step: float,
                   inf: float, unit: float = 1.0, limit: float = 1.0) -> None:
    """Per bucket: the fleet shares of the lines open in it, times `unit`, add up to at most `limit` (the
    whole fleet by default; fewest-aircraft: shares x the phase's tails within a number of aircraft)."""
    starts = sorted({t for cs in cols.values() for _, t in cs})
    if not starts:
        return
    t1 = max(t + ln.duration for ln in lines for _, t in cols[ln.id])
    b = starts[0]
    while b < t1:
        idx, val = [], []
        for ln in lines:
            if ln.share <= 0:
                continue
            for j, t in cols[ln.id]:
                if t <= b + TOL_H and b < t + ln.duration - TOL_H:  # line open during [b, b + step)
                    idx.append(j)
                    val.append(ln.share * unit)
        if sum(val) > limit + TOL_H:
            h.addRow(-inf, limit, len(idx), idx, val)
        b += step


def _cap_rows(h: Any, lines: list[_Line], cols: dict[str, list[tuple[int, float]]], caps: Caps, inf: float) -> None:
    """Per capped airfield and local day: the take-offs of the lines open that day, at each line's
    rate while open, add up to at most the cap."""
    for af, (cap, phase_h) in sorted(caps.items()):
        users = [(ln, rate) for ln in lines for a, rate in ln.departures if a == af and rate > 0]
        spans = [(t, t + ln.duration) for ln, _ in users for _, t in cols[ln.id]]
        if not spans:
            continue
        first = math.floor((min(a for a, _ in spans) + phase_h) / 24.0)
        last = math.ceil((max(b for _, b in spans) + phase_h) / 24.0)
        for day in range(first, last):
            lo, hi = 24.0 * day - phase_h, 24.0 * (day + 1) - phase_h
            idx, val = [], []
            for ln, rate in users:
                for j, t in cols[ln.id]:
                    hours = min(t + ln.duration, hi) - max(t, lo)
                    if hours > TOL_H:
                        idx.append(j)
                        val.append(rate * hours)
            if sum(val) > cap + TOL_H:
                h.addRow(-inf, float(cap), len(idx), idx, val)


def _why_infeasible(s: Scenario, lines: list[_Line], objective: str, step: float, caps: Caps) -> list[str]:
    """Why the model has no schedule: lines whose window cannot meet their deadline, else the constraint
    group without which it has one."""
    reasons = []
    for ln in lines:
        if not any(t + ln.duration <= ln.deadline + TOL_H for t in ln.times(step)):
            reasons.append(f"line {ln.id}: released at the opening of its window ({s.short(ln.lo)}) it would close "
                           f"about {s.short(ln.lo + ln.duration)} (it takes {ln.duration:.1f} h), after its deadline "
                           f"{s.short(ln.deadline)}; open its release_window earlier")
    if reasons:
        return reasons
    names = {"fleet": "the fleet: the lines cannot share the aircraft within their windows and deadlines",
             "caps": "the daily departure caps (" + ", ".join(f"{a} {c}/day" for a, (c, _) in sorted(caps.items()))
                     + ")", "after": "the `after:` order of the lines"}
    for g in GROUPS:
        if _solve(lines, objective, step, caps, tuple(x for x in GROUPS if x != g))[0]:
            reasons.append(f"{names[g]} (without it the model has a schedule)")
    return reasons or ["the constraints together (no single group alone makes it infeasible)"]


def _precedence_rows(h: Any, lines: list[_Line], cols: dict[str, list[tuple[int, float]]], inf: float) -> None:
    """r_j - r_i >= d_i + lag for every `after:` link between two lines of the phase."""
    by_id = {ln.id: ln for ln in lines}
    for ln in lines:
        for before, lag in ln.after:
            if before not in by_id:
                continue
            idx = [j for j, _ in cols[ln.id]] + [j for j, _ in cols[before]]
            val = [t for _, t in cols[ln.id]] + [-t for _, t in cols[before]]
            h.addRow(by_id[before].duration + lag, inf, len(idx), idx, val)


# ------------------------------------------------------------------ verification and local search


class _Judge:
    """Runs schedules of the phase's lines and keeps every run."""

    def __init__(self, s: Scenario, phase: str, seed: int) -> None:
        from sim.loading import validate
        from sim.plan.ready import ReadyBase

        self.s, self.phase, self.seed = s, phase, seed
        self.base = ReadyBase.of(validate(s.resolved(), s.name)[0])  # validated once, as each run's was
        self.ids = [m.id for m in s.movements if m.phase == phase]
        self.deadline = {m.id: s.hours_of(m.deadline) for m in s.movements}
        self.runs: list[Verification] = []
        self.seconds = 0.0
        self.met_now: set[str] = set(self.deadline)

    def run(self, schedule: Schedule, label: str) -> Verification:
        """The verification run of a schedule (not yet kept): the lines ready at its times, only their `ready`
        moved as a `movements[ID].ready` override of sim.api.run moves it (sim.plan.ready.with_ready); a
        schedule validation refuses closes no line."""
        from sim.engine import simulate
        from sim.plan.ready import with_ready

        started = time.perf_counter()
        overrides = ", ".join(f"movements[{lid}].ready={self.s.iso(h)}" for lid, h in schedule.items())
        try:
            s = with_ready(self.base, schedule, inflow_min=None, label=f"{self.s.name} with {overrides}")
            lines = simulate(s, self.seed).lines
            closed = {lid: (r.closed if not math.isnan(r.closed) else math.inf) for lid, r in lines.items()}
        except ScenarioError:
            closed = dict.fromkeys(self.deadline, math.inf)
        self.seconds += time.perf_counter() - started
        late = tuple(i for i in self.met_now if closed[i] > self.deadline[i] + TOL_H)
        v = Verification(label, dict(schedule), {i: closed[i] for i in self.ids}, tuple(sorted(late)),
                         max(closed[i] for i in self.ids), False)
        self.runs.append(v)
        return v

    def keep(self, v: Verification) -> Verification:
        """Mark the last run of this schedule as kept."""
        kept = Verification(v.label, v.schedule, v.closed, v.late, v.phase_closed_h, True)
        self.runs[self.runs.index(v)] = kept
        return kept


def _repair(judge: _Judge, lines: dict[str, _Line], v: Verification, step: float, actions: list[str]) -> Verification:
    """Move the late lines (of the phase) one bucket earlier at a time until none is late (or none can move)."""
    while v.late and len(judge.runs) < MAX_TRIALS:
        movable = [i for i in v.late if i in lines and v.schedule[i] - step >= lines[i].lo - TOL_H]
        if not movable:
            actions.append(f"repair stopped: {', '.join(v.late)} late and cannot move earlier within the window")
            return v
        schedule = {**v.schedule, **{i: v.schedule[i] - step for i in movable}}
        v = judge.run(schedule, f"repair: {', '.join(movable)} one bucket earlier")
        actions.append(v.label)
    return v


def _improve(judge: _Judge, lines: dict[str, _Line], v: Verification, objective: str, step: float,
             actions: list[str]) -> Verification:
    """Hill-climb one bucket at a time, each move kept only when a run confirms it is better."""
    moved = True
    while moved and len(judge.runs) < MAX_TRIALS:
        moved = False
        for lid in _candidates(v, lines, objective):
            delta = step if objective == "longest-stay" else -step
            t = v.schedule[lid] + delta
            if not lines[lid].lo - TOL_H <= t <= lines[lid].hi + TOL_H or len(judge.runs) >= MAX_TRIALS:
                continue
            way = "later" if delta > 0 else "earlier"
            trial = judge.run({**v.schedule, lid: t}, f"improve: {lid} one bucket {way}")
            if not trial.late and (objective == "longest-stay" or trial.phase_closed_h < v.phase_closed_h - TOL_H):
                actions.append(trial.label)
                v, moved = trial, True
                break
    return v


def _candidates(v: Verification, lines: dict[str, _Line], objective: str) -> list[str]:
    """The lines to try moving: longest-stay, every line, latest deadline first; earliest, the lines that close last."""
    if objective == "longest-stay":
        return sorted(lines, key=lambda i: (-lines[i].deadline, i))
    return [i for i in lines if v.closed[i] >= v.phase_closed_h - TOL_H]


def _score(v: Verification, objective: str) -> tuple[float, ...]:
    """Higher is better: no late line first, then the objective."""
    value = sum(v.schedule.values()) if objective == "longest-stay" else -v.phase_closed_h
    return (-len(v.late), value)


# ------------------------------------------------------------------ the API


def optimise_releases(scenario: Scenario | str | Path, *, objective: str = "longest-stay", phase: str = "withdraw",
                      windows: Mapping[str, tuple[float, float]] | Sequence[str] | None = None,
                      step_h: float = 1.0, seed: int | None = None, aircraft_type: str | None = None
                      ) -> OptimiseResult:
    """Release dates of the `phase`'s lines for `objective` ("earliest", "longest-stay" or "fewest-aircraft":
    of `aircraft_type`, default the type that flew most of the phase's sorties), proposed by a
    MILP (HiGHS) and confirmed by the simulator. `windows`: per line id, (from, to) in model hours, or
    texts `ID=FROM..TO` as on the command line; other lines of the phase get the default window, from the
    phase's earliest current ready to the line's deadline. `scenario` may be a scenario file (the variant
    written then extends it). ValueError for an unknown objective, phase, line or a bad window;
    MissingDependency without highspy."""
    from sim.loading import load
    from sim.plan.relaxation import highs
    from sim.scenario import Scenario

    started = time.perf_counter()
    source = None if isinstance(scenario, Scenario) else Path(scenario)
    s = scenario if isinstance(scenario, Scenario) else load(scenario)[0]
    wins = check_question(s, objective, phase, windows, step_h)
    highs()
    judge = _Judge(s, phase, s.seed if seed is None else seed)
    current = {lid: s.hours_of(_by_id(s)[lid].ready) for lid in judge.ids}
    judge.met_now = {i for i, c in _all_closed(s, judge.seed).items() if c <= judge.deadline[i] + TOL_H}
    base = judge.keep(judge.run(current, "current schedule"))
    caps = _caps(s)
    lines, tails = _model_lines(s, phase, wins, base, judge.seed, caps)
    if objective == "fewest-aircraft":
        from sim.plan.fewest import smallest_peak

        proposal, report = smallest_peak(
            lambda level: _solve(list(lines.values()), objective, step_h, caps, tails=tails, level=level), tails)
    else:
        proposal, report = _solve(list(lines.values()), objective, step_h, caps, tails=tails)
    result = OptimiseResult(s, objective, phase, step_h, judge.seed, [], report, source=source)
    if not proposal:
        result.infeasible = _why_infeasible(s, list(lines.values()), objective, step_h, caps)
    best = _search(judge, lines, base, proposal, objective, step_h, result.actions)
    if objective == "fewest-aircraft":
        best = _fewer_aircraft(result, judge, base, best, aircraft_type)
    result.rows = [_row(s, lines[i], base, best, proposal.get(i, math.nan)) for i in judge.ids]
    result.runs, result.verify_s = judge.runs, judge.seconds
    result.elapsed_s = time.perf_counter() - started
    return result


def _search(judge: _Judge, lines: dict[str, _Line], base: Verification, proposal: Schedule, objective: str,
            step: float, actions: list[str]) -> Verification:
    """Verify the proposal, repair and improve it; the best confirmed schedule (the current one when none beats it)."""
    if not proposal:
        actions.append("the model found no schedule; the local search starts from the current schedule")
        start = base
    else:
        start = judge.run({**base.schedule, **proposal}, "model's proposal")
        actions.append(f"model's proposal: {len(start.late)} line(s) late, phase closes "
                       f"{judge.s.short(start.phase_closed_h)}")
        if start.late:
            start = _repair(judge, lines, start, step, actions)
    if objective == "fewest-aircraft":  # judged by fleet sizes, after the search (_fewer_aircraft)
        return start
    best = _improve(judge, lines, start, objective, step, actions)
    if _score(best, objective) <= _score(base, objective) and best is not base:
        actions.append("no confirmed schedule beats the current one; the current schedule is kept")
        best = base
    return judge.keep(best) if best is not base else base


def check_question(s: Scenario, objective: str, phase: str,
                   windows: Mapping[str, tuple[float, float]] | Sequence[str] | None, step_h: float
                   ) -> dict[str, tuple[float, float]]:
    """The objective, phase, step and windows checked (ValueError); each line's window."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective {objective!r}: give one of {', '.join(OBJECTIVES)}")
    if phase not in s.phases():
        raise ValueError(f"phase {phase!r}: the scenario has lines of {', '.join(s.phases())}")
    if not 1 / 60 <= step_h <= 24:
        raise ValueError("step_h (--step) must be between one minute and a day, in hours, e.g. 1")
    return _windows(s, phase, windows)


def _fewer_aircraft(result: OptimiseResult, judge: _Judge, base: Verification, best: Verification,
                    aircraft_type: str | None) -> Verification:
    """Size the fleet of the type for the current and the proposed schedule; the one that needs fewer
    tails (the current one on a tie, or when the proposal leaves a line late)."""
    from sim.api import run
    from sim.plan.fewest import fewest_tails, main_type

    s = judge.s
    type_id = aircraft_type or main_type(s, judge.phase, run(s, seed=judge.seed).run.sorties)
    now = fewest_tails(judge.base, base.schedule, type_id, judge.phase, judge.seed)
    new = now if best is base or best.late else fewest_tails(judge.base, best.schedule, type_id, judge.phase,
                                                             judge.seed)
    better = best is not base and not best.late and new.tails is not None and \
        (now.tails is None or new.tails < now.tails)
    result.fleet = {"type": type_id, "current": now.tails, "current_split": now.split, "proposed": new.tails,
                    "proposed_split": new.split, "sizing_runs": now.runs + (0 if new is now else new.runs)}
    if not better:
        result.actions.append(f"the proposal needs {new.tails} {type_id} against {now.tails} with the current "
                              "schedule; the current schedule is kept")
        return base
    result.actions.append(f"fewest {type_id}: {new.tails} with the proposed schedule, {now.tails} with the current")
    return judge.keep(best)


def _windows(s: Scenario, phase: str, given: Mapping[str, tuple[float, float]] | Sequence[str] | None
             ) -> dict[str, tuple[float, float]]:
    """Each line of the phase's window, the given ones checked; ValueError for a line not of the phase."""
    from sim.plan.latest import _known

    ids = [m.id for m in s.movements if m.phase == phase]
    if given is None:
        pairs: dict[str, tuple[float, float]] = {}
    elif isinstance(given, Mapping):
        _known(list(given), [m.id for m in s.movements], "line")
        pairs = {k: (float(v[0]), float(v[1])) for k, v in given.items()}
    else:
        pairs = {lid: (lo, hi) for lid, lo, hi in (parse_window(s, t) for t in given)}
    for lid, (lo, hi) in pairs.items():
        if lid not in ids:
            raise ValueError(f"window for {lid!r}: not a {phase} line")
        if lo > hi + TOL_H:
            raise ValueError(f"window for {lid!r}: from is after to")
    first = min(s.hours_of(m.ready) for m in s.movements if m.phase == phase)
    return {m.id: pairs.get(m.id) or s.release_window(m) or (first, s.hours_of(m.deadline))
            for m in s.movements if m.phase == phase}


def _all_closed(s: Scenario, seed: int) -> dict[str, float]:
    """Every line's closure with the current schedule (inf: open)."""
    from sim.api import run

    return {lid: (r.closed if not math.isnan(r.closed) else math.inf) for lid, r in run(s, seed=seed).run.lines.items()}


def _caps(s: Scenario) -> Caps:
    """The capped airfields: their daily take-offs and local hour at model time 0 (as sim.fleet's opening times)."""
    start = s.start.hour + s.start.minute / 60.0 - s.start_offset_h()
    return {a.id: (a.departures_per_day, (start + s.utc_offset(a)) % 24.0) for a in s.airfields
            if a.departures_per_day}


def _model_lines(s: Scenario, phase: str, wins: dict[str, tuple[float, float]], base: Verification,
                 seed: int, caps: Caps) -> tuple[dict[str, _Line], int]:
    """Each line's window, duration, fleet share and take-offs at capped airfields, from the run of the
    current schedule."""
    from sim.api import run

    sorties = run(s, seed=seed).run.sorties
    tails = max(1, len({x.tail for x in sorties if x.phase == phase}))
    hours: dict[str, float] = {}
    takeoffs: dict[tuple[str, str], int] = {}
    for x in sorties:
        if x.line:
            hours[x.line] = hours.get(x.line, 0.0) + (x.done - x.ground_start)
            if x.origin in caps:
                takeoffs[(x.line, x.origin)] = takeoffs.get((x.line, x.origin), 0) + 1
    out = {}
    for m in s.movements:
        if m.phase != phase:
            continue
        ready = s.hours_of(m.ready)
        d = max(base.closed[m.id] - ready, 0.0) if math.isfinite(base.closed[m.id]) else 0.0
        share = min(1.0, hours.get(m.id, 0.0) / (d * tails)) if d > 0 else 0.0
        after = tuple((a, m.after_lag_h) for a in (m.after or []))
        deps = tuple((af, n / d) for (lid, af), n in sorted(takeoffs.items()) if lid == m.id and d > 0)
        out[m.id] = _Line(m.id, *wins[m.id], s.hours_of(m.deadline), d, share, after, deps)
    return out, tails


def _row(s: Scenario, ln: _Line, base: Verification, best: Verification, milp: float) -> OptimiseRow:
    return OptimiseRow(ln.id, ln.lo, ln.hi, ln.deadline, ln.duration, ln.share, base.schedule[ln.id],
                       base.closed[ln.id], milp, best.schedule[ln.id], best.closed[ln.id])


# ------------------------------------------------------------------ the chart


def optimise_figure(result: OptimiseResult) -> Figure:
    """Per line, the current and the proposed release-to-closure bars against the deadline."""
    from sim import charts

    return charts._styled(_draw)(result)


def _draw(result: OptimiseResult) -> Figure:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim import charts

    s = result.scenario
    rows = result.rows
    fig, ax = charts._subplots(figsize=(10, 1.6 + 0.5 * len(rows)))
    bars = (("current (historical)", "#BBBBBB", -0.18), ("proposed, simulated", "#0072B2", 0.18))
    for y, r in enumerate(rows):
        for (_, colour, dy), (a, b) in zip(bars, ((r.current_ready_h, r.current_closed_h), (r.ready_h, r.closed_h))):
            if math.isfinite(a) and math.isfinite(b):
                x0 = charts._datenum(s.to_datetime(a))
                ax.barh(y + dy, max(charts._datenum(s.to_datetime(b)) - x0, 1 / 96), left=x0, height=0.32,
                        color=colour, edgecolor="#555555", lw=0.5)
        ax.plot([charts._datenum(s.to_datetime(r.deadline_h))], [y], marker="|", ms=14, mew=2.5,
                color=charts.DEADLINE_COLOUR, ls="none", zorder=5)
    ax.set_yticks(range(len(rows)), [r.line for r in rows])
    ax.invert_yaxis()
    ax.xaxis_date(s.start.tzinfo)
    ax.margins(x=0.04)
    lo, hi = ax.get_xlim()
    charts._time_axis(ax, s.start.tzinfo, (hi - lo) * 24)
    fleet = result.fleet
    sized = (f"\nfewest {fleet['type']} that meet every deadline: {fleet['current']} with the current releases, "
             f"{fleet['proposed']} with the proposed" if fleet is not None else "")
    ax.set_title(f"{s.name}\n{result.phase} release to closure: current against optimised ({result.objective}){sized}")
    handles: list[Any] = [Patch(facecolor=c, edgecolor="#555555", label=lab) for lab, c, _ in bars]
    handles.append(Line2D([], [], marker="|", ms=12, mew=2.5, ls="", color=charts.DEADLINE_COLOUR, label="deadline"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    return fig


# ------------------------------------------------------------------ command line


def configure_parser(p: argparse.ArgumentParser) -> None:
    """`sim plan optimise SCENARIO --objective earliest|longest-stay [--window ID=FROM..TO ...] -o DIR`."""
    scenario_argument(p)
    p.add_argument("--objective", choices=OBJECTIVES, required=True,
                   help="earliest: the phase closes earliest; longest-stay: lines released as late as deadlines "
                        "allow; fewest-aircraft: every deadline met with the fewest tails of --type")
    p.add_argument("--phase", choices=PHASES, default="withdraw", help="the phase whose lines move (default withdraw)")
    p.add_argument("--window", action="append", metavar="ID=FROM..TO",
                   help="a line's release window (repeatable): local ISO times or offsets from its current ready, "
                        "e.g. ru-withdraw-chkalovsky-19=-72h..+0h (default: the scenario's release_window, else the "
                        "phase's earliest ready to the line's deadline)")
    p.add_argument("--step", default="1h", metavar="DURATION", help="release bucket (default 1h)")
    p.add_argument("--type", dest="aircraft_type", metavar="TYPE",
                   help="fewest-aircraft: the aircraft type to size (default: the type that flew most of the phase)")
    output_options(p)


def cmd(args: argparse.Namespace) -> int:
    """Parse, optimise, verify, print and write the folder; 2 (nothing written) for a bad window or no highspy."""
    from sim.cli import EXIT_OK, UsageError
    from sim.grid import PathError
    from sim.tables import render
    from sim.timeparse import parse_duration_h

    step_h = parse_duration_h(args.step)
    _scenario, out_dir = prepare(args, lambda s: check_question(s, args.objective, args.phase, args.window or None,
                                                                step_h))
    try:
        result = optimise_releases(Path(args.scenario), objective=args.objective, phase=args.phase,
                                   windows=args.window or None, step_h=step_h, seed=args.seed,
                                   aircraft_type=args.aircraft_type)
    except (ValueError, PathError, ScenarioError) as exc:
        raise UsageError(f"sim plan optimise: {exc}") from None
    s = result.scenario
    print(f"{s.name}: {args.phase} release dates, objective {args.objective} (HiGHS {result.solver['status']}, "
          f"every schedule confirmed by a run, seed {result.seed})")
    rows = [[r.line, s.short(r.current_ready_h), s.short(r.ready_h), f"{r.ready_h - r.current_ready_h:+.0f}",
             s.short(r.closed_h), s.short(r.deadline_h), "MET" if r.met else "LATE"] for r in result.rows]
    print(render(["line", "ready now", "proposed", "moved h", "closed", "deadline", "status"], rows, "lllrlll"))
    if result.fleet is not None:
        f = result.fleet
        print(f"fewest {f['type']} meeting every {args.phase} deadline: {f['current']} with the current schedule, "
              f"{f['proposed']} with the proposed one ({f['sizing_runs']} sizing runs)")
    for reason in result.infeasible:
        print(f"no schedule in the model meets every deadline; it is infeasible because of {reason}")
    print(f"{args.phase} closes {s.short(result.closed_h)} (now {s.short(result.current_closed_h)}); "
          f"{len(result.runs)} runs")
    result.write(out_dir, dpi=args.dpi)
    stem = Path(args.scenario).stem
    print(f"wrote {out_dir}/ (optimise.csv, optimise.json, optimise.png, {stem}_optimised.yaml)")
    return EXIT_OK
