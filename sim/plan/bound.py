"""`sim plan bound`: a lower bound on each phase's closure, and the gap to the simulated closure (`sim.closure_bound`).

The bound comes from a relaxation of the model (sim.plan.relaxation): sortie counts per line and
fleet, solved as a small MILP with HiGHS (the optional `plan` extra, highspy), that any schedule the
simulator could produce satisfies. The smallest closure time T at which the relaxation is feasible
is found by bisection to `TOL_H`; every T below the reported bound is infeasible, so no dispatcher,
however clever, closes the phase earlier under the scenario's rules. The gap (simulated closure
minus bound) is what a better dispatcher could at most gain, plus what the relaxation leaves out.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.plan import output_options, prepare, scenario_argument, write_answer
from sim.vocabulary import CHART_DPI, PHASES

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.plan.relaxation import Relaxation
    from sim.results import PhaseGap, Results
    from sim.scenario import Scenario

NAME = "bound"
HELP = "a lower bound on each phase's closure from a relaxation of the model (LP/MILP), and the gap to the run"
DESCRIPTION = ("Solve a relaxation of the model (sortie counts per line and fleet against aircraft time, the daily "
               "flying budget, crew duty and working spots) with the HiGHS MILP solver, and bisect the smallest "
               "closure time it allows: a lower bound on each phase's closure that no dispatch can beat. Also runs "
               "the scenario once and reports the gap. Needs the plan extra (highspy). Writes bound.csv, bound.json "
               "and bound.png to DIR.")
EXAMPLES = (
    "sim plan bound scenarios/csto_kazakhstan_2022.yaml -o outputs/bound",
    "sim plan bound scenarios/csto_kazakhstan_2022.yaml --phase withdraw -o outputs/bound-withdraw",
)
TOL_H = 1e-3  # bisection stops when the bracket is this narrow (3.6 s)
MAX_SPAN_H = 366 * 24.0  # the search gives up this long after the phase's last ready time

KEPT = ("loads: full seats, payload, floor and hold fit per sortie; whole sorties",
        "each sortie starts loading after its line's ready time and its fleet's availability plus the empty "
        "flight from base; on blocks by the closure",
        "aircraft time per fleet: loading, block time, unloading and the shortest empty flight to a next origin "
        "between sorties",
        "daily flying budget (when the utilisation rule is on)",
        "crew duty and rest of fleets without spare crews, one crew per tail (when the crews rule is on)",
        "working spots (MOG) for loading and unloading windows (when the parking rule is on)")
DROPPED = ("crew duty and rest of fleets with spare crews", "opening hours and weather", "daily departure caps",
           "departure slots beyond the spot count", "refuelling stops' spots", "surface legs and nodes (instant)",
           "waits for other lines and inflow", "staging room", "earliest arrival",
           "maintenance, breakdowns and delays", "sorties of other phases (they only take aircraft away)",
           "the engine's dispatch, which sends a tail to a line's origin only once the line is ready")


@dataclass(frozen=True)
class PhaseBound:
    """One phase: the simulated closure, the bound, the gap and what binds at the bound. Hours since start."""

    phase: str
    lines: int
    deadline_h: float
    simulated_h: float  # nan: not simulated, or some line never closed
    bound_h: float  # no schedule closes the phase before this
    gap_h: float  # simulated - bound (nan without a simulated closure)
    binding: str  # what is tight in the relaxation at the bound
    transit_h: float  # the simple bound: the latest over lines of ready plus one sortie (no capacity)
    sorties: dict[str, int] = field(default_factory=dict)  # by fleet, in the relaxation's solution at the bound
    solves: int = 0
    solve_s: float = 0.0


@dataclass(repr=False)
class BoundResult:
    """Per phase, the bound on closure and the simulated closure, with the relaxation's terms."""

    scenario: Scenario
    phases: dict[str, PhaseBound]
    relaxation: dict[str, Any]

    def __repr__(self) -> str:
        parts = ", ".join(f"{p}: bound {self.scenario.short(b.bound_h)}, gap {b.gap_h:.1f} h"
                          for p, b in self.phases.items())
        return f"<BoundResult {self.scenario.name}: {parts}>"

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """bound.csv's header and rows (times ISO 8601; the solve times are in bound.json only, so the CSV
        is the same on every run)."""
        s = self.scenario
        header = ["phase", "lines", "deadline", "simulated_closed", "bound", "gap_h", "transit_bound", "binding",
                  "sorties", "solves"]
        rows = [[b.phase, b.lines, s.iso(b.deadline_h), s.iso(b.simulated_h), s.iso(b.bound_h), _num(b.gap_h),
                 s.iso(b.transit_h), b.binding, " ".join(f"{k}:{v}" for k, v in b.sorties.items()), b.solves]
                for b in self.phases.values()]
        return header, rows

    def to_json(self) -> dict[str, Any]:
        """bound.json: the relaxation's terms and each phase (times as ISO 8601 and as hours)."""
        s = self.scenario
        phases = []
        for b in self.phases.values():
            row = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(b).items()
                   if k != "solve_s"}  # wall-clock time: printed, not written (the same question, the same bytes)
            row.update(deadline=s.iso(b.deadline_h), simulated_closed=s.iso(b.simulated_h) or None,
                       bound=s.iso(b.bound_h), transit_bound=s.iso(b.transit_h) or None)
            phases.append(row)
        return {"scenario": s.name, "relaxation": self.relaxation, "phases": phases}

    def write(self, folder: str | Path, dpi: int = CHART_DPI) -> Path:
        """bound.csv, bound.json and bound.png (at `dpi` dots per inch), written to the folder at once; its path."""
        return write_answer(folder, "bound", self.table(), self.to_json(), lambda: bound_figure(self), dpi)


def _num(x: float) -> str:
    return "" if not math.isfinite(x) else f"{x:.3f}"


def closure_bound(scenario: Scenario | str | Path, phase: str | None = None, simulate: bool = True) -> BoundResult:
    """A lower bound on each phase's closure (or one `phase`'s) and, with `simulate`, the gap to one run.

    `scenario` may be a scenario file. Needs highspy (the `plan` extra): MissingDependency otherwise.
    ValueError for a phase the scenario has no line of.
    """
    from sim.loading import load
    from sim.plan.relaxation import EXTRA, highs
    from sim.scenario import Scenario

    if not isinstance(scenario, Scenario):
        scenario = load(scenario)[0]
    highs()  # fail early, before the run, when the solver is missing
    check_phase(scenario, phase)
    phases = scenario.phases() if phase is None else [phase]
    closed = _simulated(scenario) if simulate else {}
    out = {p: _phase_bound(scenario, p, closed.get(p, math.nan)) for p in phases}
    rules = scenario.planning.rules
    relaxation = {"solver": "HiGHS (highspy)", "extra": EXTRA, "tolerance_h": TOL_H, "kept": list(KEPT),
                  "dropped": list(DROPPED), "crews": rules.crews, "utilisation": rules.utilisation,
                  "parking": rules.parking, "availability": rules.availability,
                  "planning_loads": rules.planning_loads}
    return BoundResult(scenario, out, relaxation)


def check_phase(s: Scenario, phase: str | None) -> None:
    """ValueError for a phase the scenario has no line of (None: every phase, fine)."""
    if phase is not None and phase not in s.phases():
        raise ValueError(f"phase {phase!r}: the scenario has lines of {', '.join(s.phases())}")


def phase_gaps(res: Results) -> dict[str, PhaseGap]:
    """Per phase of a run: its simulated closure, the bound and the gap (`sim run --bound`)."""
    from sim.results import PhaseGap

    found = closure_bound(res.run.scenario, simulate=False)
    return {p: PhaseGap(p, res.phases[p].closed_h, b.bound_h, res.phases[p].closed_h - b.bound_h, b.binding)
            for p, b in found.phases.items() if p in res.phases}


def _simulated(s: Scenario) -> dict[str, float]:
    """Each phase's closure in one run with the scenario's seed."""
    from sim.api import run

    return {p: v.closed_h for p, v in run(s).phases.items()}


def _phase_bound(s: Scenario, phase: str, simulated: float) -> PhaseBound:
    """Bisect the smallest closure time at which the phase's relaxation is feasible."""
    from sim.plan.relaxation import Relaxation

    clock = time.perf_counter()
    rel = Relaxation(s, phase)
    lines = [m for m in s.movements if m.phase == phase]
    deadline = max(s.hours_of(m.deadline) for m in lines)
    transit = rel.transit_floor_h()
    floor = max(rel.ready_floor_h(), transit)
    search = _Search(rel)
    if math.isinf(floor) or not search.feasible(floor):
        bound, hi = _bisect(search, floor, _first_feasible(search, floor, simulated))
    else:
        bound = hi = floor
    at = rel.solve(hi) if math.isfinite(hi) else None
    binding = _binding(rel, bound, transit)
    return PhaseBound(phase, len(lines), deadline, simulated, bound, simulated - bound, binding, transit,
                      at.sorties if at else {}, search.solves, time.perf_counter() - clock)


class _Search:
    """Feasibility at a closure time, counted."""

    def __init__(self, rel: Relaxation) -> None:
        self.rel = rel
        self.solves = 0

    def feasible(self, T: float) -> bool:
        """Whether the relaxation allows closure by T."""
        self.solves += 1
        return self.rel.solve(T).feasible


def _first_feasible(search: _Search, lo: float, simulated: float) -> float:
    """A closure time at which the relaxation is feasible: the simulated one, else doubling steps (inf: none)."""
    if math.isfinite(simulated) and simulated > lo and search.feasible(simulated):
        return simulated
    step = 24.0
    t = lo + step
    while t - lo <= MAX_SPAN_H:
        if search.feasible(t):
            return t
        step *= 2
        t = lo + step
    return math.inf


def _bisect(search: _Search, lo: float, hi: float) -> tuple[float, float]:
    """Narrow [lo infeasible, hi feasible] to TOL_H."""
    if not math.isfinite(hi):
        return hi, hi
    while hi - lo > TOL_H:
        mid = (lo + hi) / 2
        if search.feasible(mid):
            hi = mid
        else:
            lo = mid
    return lo, hi


def _binding(rel: Relaxation, bound: float, transit: float) -> str:
    """What holds the bound up: the ready or transit time of the last line, else the row groups each of which,
    left out, would let the phase close just below the bound."""
    if math.isinf(bound):
        return "no fleet can fly some line"
    if bound <= rel.ready_floor_h() + 2 * TOL_H:
        return "ready time of the last line"
    if abs(bound - transit) <= 2 * TOL_H:
        return "transit: ready time plus one sortie of the last line"
    groups = rel.binding(bound)
    lines = [g.removeprefix("loads of ") for g in groups if g.startswith("loads of ")]
    limits = "; ".join(g for g in groups if not g.startswith("loads of ")) or "several constraints together"
    return f"{limits} (lines {', '.join(lines)})" if lines else limits


def bound_figure(result: BoundResult) -> Figure:
    """Per phase, bars from the first ready time to the bound and to the simulated closure, against the deadline."""
    from sim import charts

    return charts._styled(_draw)(result)


def _draw(result: BoundResult) -> Figure:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    from sim import charts

    s = result.scenario
    phases = list(result.phases.values())
    fig, ax = charts._subplots(figsize=(9, 1.6 + 1.1 * len(phases)))
    bars = (("simulated", "#0072B2", "", -0.18), ("lower bound (relaxation)", "#BBBBBB", "///", 0.18))
    for y, b in enumerate(phases):
        first = min(s.hours_of(m.ready) for m in s.movements if m.phase == b.phase)
        x0 = charts._datenum(s.to_datetime(first))
        for (_, colour, hatch, dy), end in zip(bars, (b.simulated_h, b.bound_h)):
            if math.isfinite(end):
                ax.barh(y + dy, charts._datenum(s.to_datetime(end)) - x0, left=x0, height=0.32, color=colour,
                        hatch=hatch, edgecolor="#555555", lw=0.5)
        deadline = charts._datenum(s.to_datetime(b.deadline_h))
        ax.plot([deadline], [y], marker="|", ms=26, mew=2.5, color=charts.DEADLINE_COLOUR, ls="none", zorder=5)
        if math.isfinite(b.gap_h):
            right = max(deadline, charts._datenum(s.to_datetime(b.simulated_h)))
            ax.annotate(f"gap {b.gap_h:.1f} h", (right, y), xytext=(8, 0), textcoords="offset points",
                        va="center", fontsize=8)
    ax.set_yticks(range(len(phases)), [b.phase for b in phases])
    ax.invert_yaxis()
    ax.xaxis_date(s.start.tzinfo)
    ax.margins(x=0.08)
    lo, hi = ax.get_xlim()
    charts._time_axis(ax, s.start.tzinfo, (hi - lo) * 24)  # local dates, as every other chart
    ax.set_title(f"{s.name}\nsimulated closure against the lower bound, per phase")
    handles: list[Any] = [Patch(facecolor=c, hatch=h, edgecolor="#555555", label=lab) for lab, c, h, _ in bars]
    handles.append(Line2D([], [], marker="|", ms=12, mew=2.5, ls="", color=charts.DEADLINE_COLOUR, label="deadline"))
    fig.legend(handles=handles, loc="outside lower center", ncol=3, frameon=False)
    return fig


# ------------------------------------------------------------------ command line


def configure_parser(p: argparse.ArgumentParser) -> None:
    """`sim plan bound SCENARIO [--phase P] -o DIR`."""
    scenario_argument(p)
    p.add_argument("--phase", choices=PHASES, help="only this phase (default: every phase)")
    output_options(p, seed=False)


def cmd(args: argparse.Namespace) -> int:
    """Parse, bound, print the table and write the folder; 2 (nothing written) without highspy (MissingDependency)."""
    from sim.cli import EXIT_OK, UsageError
    from sim.tables import render

    scenario, out_dir = prepare(args, lambda s: check_phase(s, args.phase))
    try:
        result = closure_bound(scenario, phase=args.phase)
    except ValueError as exc:
        raise UsageError(f"sim plan bound: {exc}") from None
    s = scenario
    print(f"{s.name}: lower bound on closure (HiGHS, relaxation of the model) against one run")
    rows = [[b.phase, s.short(b.simulated_h), s.short(b.bound_h), _num(b.gap_h), s.short(b.deadline_h), b.binding]
            for b in result.phases.values()]
    print(render(["phase", "simulated", "bound", "gap h", "deadline", "binding"], rows, "lllrll"))
    print(f"{sum(b.solves for b in result.phases.values())} solves in "
          f"{sum(b.solve_s for b in result.phases.values()):.1f} s")
    result.write(out_dir, dpi=args.dpi)
    print(f"wrote {out_dir}/ (bound.csv, bound.json, bound.png)")
    return EXIT_OK
