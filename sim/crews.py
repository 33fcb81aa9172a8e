"""Crews, their duty periods and rest, and the daily utilisation (UTE) budget of a tail.

The rules (docs/model.md, "Crews and utilisation"):
- a crew's flight duty period (FDP) starts `report_h` before its first off-blocks and ends at the
  final engine shutdown (on-blocks) of its last leg; a leg may be flown only if it ends within
  the FDP limit;
- a crew rests at least `rest_h` after its duty ends before it can report again; a ground break
  of at least `rest_h` counts as rest;
- a tail whose crew is out of duty takes a rested crew of its fleet waiting at the same airfield
  (spare crews start at the fleet's base, or where the scenario stages them), and the tired crew
  rests there; otherwise the tail waits for its own crew.
- a tail may fly at most `ute_h_per_day` airborne hours a day, as a budget that refills at
  ute/24 per hour up to one day's worth (a token bucket).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import NamedTuple

TOL_H = 1e-7  # times this close count as equal (plan times are sums of floats)


@dataclass(slots=True)
class CrewRules:
    """Duty limits of one fleet's crews (off: no limits)."""

    on: bool
    duty_h: float
    rest_h: float
    report_h: float


@dataclass(slots=True)
class Crew:
    """One crew: when its current duty started (nan: rested, not on duty) and when it last shut down."""

    name: str
    duty_start: float = math.nan
    last_on_blocks: float = -math.inf

    def copy(self) -> Crew:
        """An independent copy of this crew (same name, duty start and last on-blocks)."""
        return Crew(self.name, self.duty_start, self.last_on_blocks)

    def rested_at(self, rules: CrewRules) -> float:
        """When this crew can next start a duty period."""
        return self.last_on_blocks + rules.rest_h

    def duty_start_for(self, off_blocks: float, rules: CrewRules) -> float:
        """The start of the duty period a leg leaving at off_blocks would be flown in."""
        start = self.duty_start
        fresh = off_blocks - rules.report_h
        # start != start: nan, not on duty; the rest is rested_at() inline (this runs for every hop planned)
        if start != start or fresh >= self.last_on_blocks + rules.rest_h - TOL_H:
            return fresh  # a fresh duty period (rest long enough, or first duty)
        return start

    def can_fly(self, off_blocks: float, on_blocks: float, rules: CrewRules) -> bool:
        """Whether a leg from off_blocks to on_blocks fits in this crew's duty period."""
        if not rules.on:
            return True
        return on_blocks - self.duty_start_for(off_blocks, rules) <= rules.duty_h + TOL_H

    def earliest_fresh(self, rules: CrewRules) -> float:
        """The earliest off-blocks that starts a fresh duty period."""
        return self.rested_at(rules) + rules.report_h

    def fly(self, off_blocks: float, on_blocks: float, rules: CrewRules) -> None:
        """Record a leg from off_blocks to on_blocks: a fresh or continued duty period, and the last on-blocks."""
        self.duty_start = self.duty_start_for(off_blocks, rules)
        self.last_on_blocks = on_blocks


class _Waiting(NamedTuple):
    """A crew in a pool, ordered by when it is rested enough to start a duty, then by arrival."""

    fresh: float
    order: int
    crew: Crew


class CrewPool:
    """Spare crews of one fleet waiting at one airfield, earliest rested first."""

    __slots__ = ("heap", "seq")

    def __init__(self) -> None:
        self.heap: list[_Waiting] = []
        self.seq = 0

    def add(self, crew: Crew, rules: CrewRules) -> None:
        """Put a crew here, ordered by its earliest fresh off-blocks (ties: the first added first)."""
        self.seq += 1
        heapq.heappush(self.heap, _Waiting(crew.earliest_fresh(rules), self.seq, crew))

    def earliest(self) -> float:
        """The earliest off-blocks a crew here can start a fresh duty period (inf: no crew here)."""
        return self.heap[0].fresh if self.heap else math.inf

    def best(self, exclude: frozenset[str] | set[str] = frozenset()) -> tuple[float, Crew | None]:
        """The earliest-rested crew here whose name is not excluded: (its earliest off-blocks, crew)."""
        if not exclude:
            return (self.heap[0].fresh, self.heap[0].crew) if self.heap else (math.inf, None)
        free = [e for e in self.heap if e.crew.name not in exclude]
        if not free:
            return math.inf, None
        top = min(free, key=lambda e: (e.fresh, e.order))
        return top.fresh, top.crew

    def take(self, name: str) -> None:
        """Remove the crew of that name (it leaves with a tail)."""
        self.heap = [e for e in self.heap if e.crew.name != name]
        heapq.heapify(self.heap)


@dataclass(slots=True)
class UteBudget:
    """Flying hours a tail may still fly: refills at ute/24 per hour up to one day's worth."""

    ute_h_per_day: float
    on: bool
    balance: float = 0.0
    at: float = 0.0

    def __post_init__(self) -> None:
        self.balance = self.ute_h_per_day

    def copy(self) -> UteBudget:
        """An independent copy of this budget (same rate, switch, balance and time)."""
        twin = UteBudget.__new__(UteBudget)
        twin.ute_h_per_day, twin.on, twin.balance, twin.at = self.ute_h_per_day, self.on, self.balance, self.at
        return twin

    def level(self, t: float) -> float:
        """The flying hours in the budget at time t: the balance refilled since `at`, at most one day's worth."""
        return min(self.ute_h_per_day, self.balance + (t - self.at) * self.ute_h_per_day / 24.0)

    def earliest(self, t: float, airborne_h: float) -> float:
        """The earliest time from t at which `airborne_h` hours are in the budget."""
        if not self.on:
            return t
        ute = self.ute_h_per_day
        need = ute if ute < airborne_h else airborne_h  # min(): a leg longer than a day's budget waits for a full one
        refilled = self.balance + (t - self.at) * ute / 24.0
        have = refilled if refilled < ute else ute  # self.level(t), inline (min() keeps the first of equals)
        if have >= need - TOL_H:
            return t
        return t + (need - have) * 24.0 / self.ute_h_per_day

    def spend(self, t: float, airborne_h: float) -> None:
        """Take `airborne_h` flying hours out of the budget at time t (nothing when the UTE rule is off)."""
        if not self.on:
            return
        ute = self.ute_h_per_day
        refilled = self.balance + (t - self.at) * ute / 24.0
        self.balance = (refilled if refilled < ute else ute) - airborne_h  # self.level(t), inline
        self.at = t
