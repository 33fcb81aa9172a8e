"""`sim plan optimise --objective fewest-aircraft`: the release dates that let the phase meet every
deadline with the fewest aircraft of one type, the sizes confirmed by the simulator.

The aggregated model (sim.plan.optimise) finds the smallest peak number of aircraft the open lines
use at once (line i uses share_i x T aircraft while open, T the tails that flew the phase) by
bisection over whole aircraft, one feasibility MILP per level (deterministic, unlike a time-limited
minimisation); releases that spread the lines out lower that peak. The proposal is run and repaired like the other
objectives; then `sim.size_fleet` (bisection, with the check below the answer) finds the fewest
tails of the type that meet the phase's deadlines, once with the current releases and once with the
proposed ones. The answer is the schedule that needs fewer (the current one on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from sim.plan.ready import ReadyBase
    from sim.scenario import Scenario


@dataclass(frozen=True)
class FleetSize:
    """The fewest tails of a type that meet the phase's deadlines with one release schedule."""

    tails: int | None  # None: even the largest size tried fails
    split: dict[str, int]  # tails per fleet at that size
    runs: int  # simulator runs the search used


def smallest_peak(solve: Callable[[int], tuple[dict[str, float], dict[str, Any]]], tails: int
                  ) -> tuple[dict[str, float], dict[str, Any]]:
    """Bisect the fewest aircraft (1..tails) at which the model has a schedule: `solve(level)` is one
    feasibility MILP. Its schedule and report at that level (empty when even `tails` has none)."""
    best, report = solve(tails)
    if not best:
        return best, report
    lo, hi, solves = 0, tails, 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        got, rep = solve(mid)
        solves += 1
        if got:
            best, report, hi = got, rep, mid
        else:
            lo = mid
    return best, {**report, "peak_aircraft": hi, "solves": solves}


def fewest_tails(base: ReadyBase, schedule: dict[str, float], type_id: str, phase: str, seed: int) -> FleetSize:
    """The fewest tails of `type_id` that meet the phase's deadlines with these ready times, on the validated
    scenario of `base` (the lines' `ready` moved as sim.plan.ready.with_ready moves it)."""
    from sim import grid
    from sim.plan.ready import with_ready
    from sim.sizing import Question, phase_fleets, size_fleet

    s = base.scenario
    fleets = phase_fleets(s, type_id, phase)
    current = sum(f["count"] for f in grid.fleets_of_type(s.resolved(), type_id, fleets))
    values = ", ".join(f"movements[{lid}].ready={s.iso(h)}" for lid, h in sorted(schedule.items()))
    scheduled = with_ready(base, schedule, inflow_min=None, label=f"{s.name} [{values}]")
    # the current fleet is the largest size tried: fewer is the question
    result = size_fleet(scheduled, Question(type_id, phase=phase, seed=seed, max_tails=max(1, current)))
    split = result.trials[result.answer].split if result.answer is not None else {}
    return FleetSize(result.answer, dict(split), len(result.trials))


def main_type(s: Scenario, phase: str, sorties: list[Any]) -> str:
    """The aircraft type that flew most of the phase's loaded sorties (the first type on a tie)."""
    counts: dict[str, int] = {}
    for x in sorties:
        if x.phase == phase:
            counts[x.type] = counts.get(x.type, 0) + 1
    order = [t.id for t in s.aircraft]
    return max(order, key=lambda t: (counts.get(t, 0), -order.index(t)))
