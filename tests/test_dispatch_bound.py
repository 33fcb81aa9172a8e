"""Dispatch's lower bound (Planner.delivery_bound) never above the plan it bounds, at the planner's own
tolerances: the two cases a review found when the bound's slack was 1e-8 h, built by hand.

The expected values come from the planner's rules, worked by hand in each test's docstring; the test
asserts only that the bound stays at or below the plan, and that the plan is the hand-worked one.
"""

from __future__ import annotations

from types import SimpleNamespace

from sim import geo
from sim.crews import Crew, CrewRules, UteBudget
from sim.mission import Plan, Planner, TailState
from sim.slots import SlotBook

TAXI_H, LEG_KM, CRUISE_KMH = 0.25, 800.0, 800.0  # every hop: 0.25 taxi + 1.0 flight + 0.25 taxi = 1.5 h


def _planner(n: int, books: list[SlotBook]) -> Planner:
    dist = [[0.0 if i == j else LEG_KM for j in range(n)] for i in range(n)]
    always = [geo.OpeningTimes(None, 0.0) for _ in range(n)]
    return Planner(dist=dist, routes=lambda _t, a, b: [a, b], books=books, open_sched=always, open_actual=always,
                   pools={}, taxi_h=TAXI_H, allow_h=0.0, refuel_h=1.0)


def _loaded(p: Planner, tail: TailState, now: float, origin: int, dest: int) -> tuple[Plan, float]:
    """The loaded flight as dispatch plans it (after a ferry when the tail is elsewhere), and the bound."""
    ferry, state, ready = None, tail, now
    if tail.at != origin:
        ferry = p.plan(tail, origin, now)
        state, ready = p.after(tail, ferry), ferry.on_blocks
    flight = p.plan(state, dest, ready, tail.type.load_h, tail.type.unload_h, after=ferry)
    return flight, p.delivery_bound(tail, now, origin, dest, tail.type.load_h, tail.type.unload_h)


def test_bound_below_plan_when_the_slot_book_ignores_a_short_overlap() -> None:
    """At 20 h, a tail at field 0 loads for 2 h, but it is down all of day 0: the plan's off-blocks moves
    from 22 h to 24 h, it loads from 22 h to 24 h and is on blocks at 25.5 h. The spot at 0 is booked until
    22 h + 5e-7 h, which the loading window overlaps by less than the books' 1e-6 h: ignored. The bound
    leaves down days out and loads from 20 h, where the booking pushes it to its end: on blocks at
    22.0000005 + 2 + 1.5 = 25.5000005 h, above the plan unless lowered by more than 5e-7 h."""
    atype = SimpleNamespace(id="t", cruise_kmh=CRUISE_KMH, load_h=2.0, unload_h=0.0)
    books = [SlotBook(1), SlotBook(1)]
    books[0].book(0.0, 22.0 + 5e-7, 1.0)
    tail = TailState("a#1", 0, atype, "a", 0, 0, 0, 1.0, Crew("c"), UteBudget(10.0, False),
                     CrewRules(False, 14.0, 12.0, 1.0), frozenset({0}))
    flight, bound = _loaded(_planner(2, books), tail, 20.0, 0, 1)
    assert flight.on_blocks == 25.5
    assert bound <= flight.on_blocks


def test_bound_below_plan_when_a_crew_counts_as_rested_early() -> None:
    """At 100 h a crew 10 h into its 14 h duty ferries 2 -> 0 (on blocks 101.5 h) and cannot fly the loaded
    leg in the same duty. Loading takes rest + report less 5e-8 h (13 h - 5e-8), so the plan's crew counts
    as rested (Crew.duty_start_for allows 1e-7 h) and leaves at 114.49999995 h, on blocks 115.99999995 h.
    The bound makes it rest the full 13 h: it must still not exceed the plan."""
    rules = CrewRules(True, 14.0, 12.0, 1.0)
    atype = SimpleNamespace(id="t", cruise_kmh=CRUISE_KMH, load_h=rules.rest_h + rules.report_h - 5e-8,
                            unload_h=0.0)
    crew = Crew("c", duty_start=90.0, last_on_blocks=100.0)
    tail = TailState("b#1", 0, atype, "b", 0, 2, 2, 1.0, crew, UteBudget(10.0, False), rules)
    flight, bound = _loaded(_planner(3, [SlotBook(1) for _ in range(3)]), tail, 100.0, 0, 1)
    assert abs(flight.on_blocks - (101.5 + atype.load_h + 1.5)) < 1e-9
    assert bound <= flight.on_blocks
