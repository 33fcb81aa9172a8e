"""Planning one flight of one tail: every wait before each take-off, and the spots it books.

A flight goes from where the tail is to a destination, through refuelling stops if the leg is
beyond range. For each hop the planner finds the earliest off-blocks at which every rule holds
at once: a crew in duty for the whole hop (or a rested one), utilisation budget, mission
capability, both airfields open at take-off and landing, a working spot for the loading window
before it (if it loads) and a working spot for the window after it lands (unloading or
refuelling). Each rule can only move the time later, so the search climbs to the first time that
satisfies all of them; each push is credited to the rule that made it, which is how "why late"
splits every wait exactly.

The planner computes on copies of the tail's crew and budget; `commit` then books the spots and
hands the tail its new crew and budget, so a plan can also be made only to see when it would go.
No SimPy here: plans are pure arithmetic on the books, the crew pools and the opening times.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from sim import geo
from sim.crews import TOL_H, Crew, CrewPool, CrewRules, UteBudget
from sim.slots import DepartureBook, SlotBook

if TYPE_CHECKING:
    from collections.abc import Callable

    from sim.scenario import AircraftType

MAX_PUSHES = 10_000  # the climb always ends (see docs/model.md); this only guards against a bug
PUSH_TOL_H = 1e-9  # pushes this small are float rounding, not waits
# A dispatch bound that found a wait sums it differently from `plan`, and may sit above the plan by rounding
# (seen: 6e-14 h), by a push plan ignores (PUSH_TOL_H), by an overlap the slot books ignore (a window
# found from an earlier start can end up to sim.slots.OVERLAP_TOL_H = 1e-6 h later) or by a crew that
# counts as rested TOL_H early: it is lowered by this.
BOUND_SLACK_H = 2e-6
WAIT_KINDS = ("crew", "ute", "availability", "hours", "cap", "weather", "mog", "delay")
_NO_WAITS = dict.fromkeys(WAIT_KINDS, 0.0)  # copied for every plan (a copy is cheaper than fromkeys)
_NO_CREWS: frozenset[str] = frozenset()

class RouteHop(NamedTuple):
    """One hop of a type's route, before any flight is planned: two airfields (by index), time, distance."""

    origin: int
    dest: int
    airborne_h: float  # flying time plus the planning allowance
    km: float


@dataclass(slots=True)
class TailState:
    """What planning needs to know of a tail; the engine's tail object carries one."""

    name: str
    idx: int
    type: AircraftType
    fleet: str
    fleet_order: int
    base: int
    at: int
    spots: float
    crew: Crew
    ute: UteBudget
    rules: CrewRules
    down_days: frozenset[int] = frozenset()  # days (24 h from start) it is not mission capable
    flown_h: float = 0.0  # airborne hours since its last scheduled maintenance


@dataclass(slots=True)
class Hop:
    """One hop of a planned flight: its airfields, times and distance."""

    x: int
    y: int
    off_blocks: float
    takeoff: float
    landing: float
    on_blocks: float
    airborne_h: float
    km: float


@dataclass(slots=True)
class Window:
    """A working spot booked at an airfield for a ground task."""

    airfield: int
    start: float
    end: float
    task: str  # load, unload or refuel


@dataclass(slots=True)
class Plan:
    """One flight, planned: its hops, waits by kind, windows to book, crew changes and rests."""

    dest: int
    ready: float  # when the tail could have started (its ground work or its departure)
    crew: Crew  # the crew aboard after the flight (a copy until committed)
    ute: UteBudget  # the budget after the flight (a copy until committed)
    hops: list[Hop] = field(default_factory=list)
    waits: dict[str, float] = field(default_factory=lambda: dict.fromkeys(WAIT_KINDS, 0.0))
    mog_by_af: dict[int, float] = field(default_factory=dict)
    windows: list[Window] = field(default_factory=list)
    swaps: list[tuple[int, Crew, str]] = field(default_factory=list)  # (airfield, tired crew left there, crew taken)
    taken: frozenset[str] = frozenset()  # spare crews already promised to the flights planned before this one
    rests: list[tuple[str, int, float, float]] = field(default_factory=list)  # (kind, airfield, start, end)

    @property
    def off_blocks(self) -> float:
        """Off-blocks of the first hop (inf when the flight has no hops)."""
        return self.hops[0].off_blocks if self.hops else math.inf

    @property
    def on_blocks(self) -> float:
        """On-blocks of the last hop (inf when the flight has no hops)."""
        return self.hops[-1].on_blocks if self.hops else math.inf

    @property
    def airborne_h(self) -> float:
        """Airborne hours over all hops."""
        hops = self.hops
        if len(hops) == 1:  # the common case; the same float as the sum (0 + x is x)
            return hops[0].airborne_h
        return sum(h.airborne_h for h in hops)

    def mog_at(self) -> int:
        """The airfield where the flight waited longest for a spot (-1 when it never did)."""
        return max(self.mog_by_af, key=lambda a: (self.mog_by_af[a], -a)) if self.mog_by_af else -1


class Planner:
    """Plans flights against the airfields' books, opening times and crew pools."""

    def __init__(self, *, dist: list[list[float]], routes: Callable[[AircraftType, int, int], list[int] | None],
                 books: list[SlotBook], open_sched: list[geo.OpeningTimes], open_actual: list[geo.OpeningTimes],
                 pools: dict[tuple[str, int], CrewPool], taxi_h: float, allow_h: float, refuel_h: float,
                 caps: list[DepartureBook | None] | None = None) -> None:
        self.dist, self.routes, self.books = dist, routes, books
        self.caps = caps or [None] * len(books)  # daily take-off caps by airfield (None: no cap)
        self.any_cap = any(c is not None for c in self.caps)
        self.open_sched, self.open = open_sched, open_actual
        self.always = [o.always_open() and o is s for o, s in zip(open_actual, open_sched)]
        self.weather = [o is not s for o, s in zip(open_actual, open_sched)]
        self.pools = pools
        self.taxi_h, self.allow_h, self.refuel_h = taxi_h, allow_h, refuel_h
        self._hops: dict[tuple[str, int, int], tuple[RouteHop, ...] | None] = {}
        self._block: dict[tuple[str, int, int], float] = {}
        self._bounds: dict[tuple[str, int, int, int],
                           tuple[tuple[RouteHop, ...] | None, tuple[RouteHop, ...] | None, bool]] = {}

    # ------------------------------------------------------------------ routes

    def hops(self, atype: AircraftType, a: int, b: int) -> tuple[RouteHop, ...] | None:
        """The hops from a to b for a type, or None when no route reaches (cached)."""
        key = (atype.id, a, b)
        try:
            return self._hops[key]
        except KeyError:
            route = self.routes(atype, a, b)
            got = self._hops[key] = None if route is None else tuple(
                RouteHop(x, y, self.dist[x][y] / atype.cruise_kmh + self.allow_h, self.dist[x][y])
                for x, y in itertools.pairwise(route))
            return got

    def block_h(self, atype: AircraftType, a: int, b: int) -> float:
        """Off-blocks to on-blocks with no waits (taxi, flight, refuelling stops); cached."""
        key = (atype.id, a, b)
        got = self._block.get(key)
        if got is None:
            hops = self.hops(atype, a, b)
            got = math.inf if hops is None else \
                sum(2 * self.taxi_h + h.airborne_h for h in hops) + self.refuel_h * (len(hops) - 1)
            self._block[key] = got
        return got

    # ------------------------------------------------------------------ planning

    def plan(self, tail: TailState, dest: int, ready: float, load_h: float = 0.0, unload_h: float = 0.0,
             delay_h: float = 0.0, after: Plan | None = None) -> Plan:
        """Plan a flight from where the tail is to dest, loading load_h first and unloading unload_h after;
        `after`: a flight planned before this one and not yet committed (its spare crews are taken)."""
        if after is None:
            taken = _NO_CREWS
        else:
            taken = after.taken | {name for _, _, name in after.swaps} if after.swaps else after.taken
        # every field in order, positionally: the default factories cost more than the lists themselves
        p = Plan(dest, ready, tail.crew.copy(), tail.ute.copy(), [], _NO_WAITS.copy(), {}, [], [], taken, [])
        hops = self.hops(tail.type, tail.at, dest)
        if hops is None:
            return p
        t = ready + load_h + delay_h
        p.waits["delay"] = delay_h
        last, refuel_h = len(hops) - 1, self.refuel_h
        for k, (x, y, airborne, km) in enumerate(hops):
            work_x = load_h if k == 0 else 0.0
            work_y = unload_h if k == last else refuel_h
            d = self._departure(tail, p, x, y, airborne, t, work_x, work_y)
            if d == math.inf:
                p.hops.clear()
                return p
            t = self._fly_hop(tail, p, x, y, airborne, km, d, work_x, work_y,
                              "unload" if k == last else "refuel") + work_y
        return p

    def _fly_hop(self, tail: TailState, p: Plan, x: int, y: int, airborne: float, km: float, d: float,
                 work_x: float, work_y: float, task_y: str) -> float:
        """Add the hop leaving the blocks at d to the plan, with its ground windows; its on-blocks."""
        taxi = self.taxi_h
        takeoff = d + taxi
        on_blocks = d + taxi + airborne + taxi  # as _on_blocks, inline (the same sum in the same order)
        p.hops.append(Hop(x, y, d, takeoff, takeoff + airborne, on_blocks, airborne, km))
        if work_x > 0:
            p.windows.append(Window(x, d - work_x, d, "load"))
        if work_y > 0:
            p.windows.append(Window(y, on_blocks, on_blocks + work_y, task_y))
        p.crew.fly(d, on_blocks, tail.rules)
        p.ute.spend(takeoff, airborne)
        return on_blocks

    def _departure(self, tail: TailState, p: Plan, x: int, y: int, airborne: float, earliest_off: float,
                   work_x: float, work_y: float) -> float:
        """The earliest off-blocks from earliest_off at which every rule holds; pushes credited in p.waits.

        Rules that are off (or that cannot bind: an always-open pair of airfields, an unlimited apron)
        are skipped rather than evaluated: this loop runs once or twice for every hop flown.
        """
        d, taxi, push, spots, tol = earliest_off, self.taxi_h, self._push, tail.spots, PUSH_TOL_H
        crews, ute, down = tail.rules.on, p.ute.on, tail.down_days
        pool = self.pools.get((tail.fleet, x)) if crews else None
        ute_earliest = p.ute.earliest
        hours = not (self.always[x] and self.always[y])
        cap = self.caps[x]
        rare = bool(down) or hours or cap is not None  # the rules the shuttle benchmarks leave off, in _rare
        book_x = self.books[x] if work_x > 0 and not self.books[x].unlimited else None
        book_y = self.books[y] if work_y > 0 and not self.books[y].unlimited else None
        for _ in range(MAX_PUSHES):
            before = d
            if crews:
                d = push(p, "crew", x, d, self._crew_ok(tail, p, pool, x, d, d + taxi + airborne + taxi))
            # `if not new <= d + tol`: _push's own test, first, so that a rule that holds costs no call
            if ute:
                new = ute_earliest(d + taxi, airborne) - taxi
                if not new <= d + tol:
                    d = push(p, "ute", x, d, new)
            if rare:
                d = self._rare(p, x, y, airborne, d, down, hours, cap)
            if book_x is not None:
                new = book_x.earliest(d - work_x, work_x, spots) + work_x
                if not new <= d + tol:
                    d = push(p, "mog", x, d, new)
            if book_y is not None:
                arrive = d + taxi + airborne + taxi
                new = d + book_y.earliest(arrive, work_y, spots) - arrive
                if not new <= d + tol:
                    d = push(p, "mog", y, d, new)
            if d == before or d == math.inf:
                return d
        raise RuntimeError(f"planning {tail.name} did not settle after {MAX_PUSHES} steps")

    def _rare(self, p: Plan, x: int, y: int, airborne: float, d: float, down: frozenset[int], hours: bool,
              cap: DepartureBook | None) -> float:
        """_departure's middle rules, in order: mission capability, opening hours (and weather), take-off cap."""
        if down:
            d = self._push(p, "availability", x, d, _next_up(down, d))
        if hours:
            d = self._hours(p, x, y, airborne, d)
        if cap is not None:
            d = self._push(p, "cap", x, d, cap.earliest(d + self.taxi_h) - self.taxi_h)
        return d

    def _on_blocks(self, d: float, airborne: float) -> float:
        """On-blocks of a hop that leaves the blocks at d (one formula, so windows meet exactly)."""
        return d + self.taxi_h + airborne + self.taxi_h

    def _hours(self, p: Plan, x: int, y: int, airborne: float, d: float) -> float:
        if self.always[x] and self.always[y]:
            return d
        taxi, limit = self.taxi_h, d + 24.0 * 400
        t = geo.joint_departure(d + taxi, self.open_sched[x], self.open_sched[y], airborne, limit)
        d = self._push(p, "hours", x, d, t - taxi)
        if d != math.inf and (self.weather[x] or self.weather[y]):
            t = geo.joint_departure(d + taxi, self.open[x], self.open[y], airborne, limit)
            d = self._push(p, "weather", x, d, t - taxi)
        return d

    def _push(self, p: Plan, kind: str, af: int, d: float, new: float) -> float:
        if new <= d + PUSH_TOL_H:  # a rounding step, not a wait: the books tolerate it (sim.slots.OVERLAP_TOL_H)
            return d
        if new != math.inf:
            p.waits[kind] += new - d
            if kind == "mog":
                p.mog_by_af[af] = p.mog_by_af.get(af, 0.0) + new - d
            elif kind in ("crew", "ute"):  # days not mission capable are recorded whole by the engine
                p.rests.append((kind, af, d, new))
        return new

    def _crew_ok(self, tail: TailState, p: Plan, pool: CrewPool | None, x: int, d: float, on_blocks: float) -> float:
        """d if the crew aboard can fly the hop; else a rested crew here (in `pool`, the fleet's spare
        crews at x), or the crew's own rest. A crew already on duty hands over to a rested one waiting
        here even when it could fly on (a crew slip, what staged crews are for): it rests here and the
        fresh crew's duty starts. Called only with the crew rules on."""
        rules = tail.rules
        start = p.crew.duty_start_for(d, rules)
        can = on_blocks - start <= rules.duty_h + TOL_H  # Crew.can_fly, its duty start computed once
        if can and (pool is None or start == d - rules.report_h):
            return d  # fit to fly, and either no one to hand over to or a fresh duty anyway
        own = p.crew.earliest_fresh(rules)
        if pool is None:
            return max(d, own)
        spare, crew = pool.best(p.taken | {name for _, _, name in p.swaps})
        if can and (crew is None or spare > d + PUSH_TOL_H):
            return d
        if crew is not None and (can or spare < own) and spare <= d + PUSH_TOL_H:
            p.swaps.append((x, p.crew, crew.name))
            p.crew = crew.copy()
            return d
        return max(d, min(own, spare))

    # ------------------------------------------------------------------ committing

    def commit(self, tail: TailState, p: Plan, now: float) -> None:
        """Book the plan's windows and give the tail its crew and budget after the flight."""
        books, caps, spots = self.books, self.caps, tail.spots
        for w in p.windows:
            book = books[w.airfield]
            book.forget_before(now)  # the present, not the plan's start: that may lie ahead
            book.book(w.start, w.end, spots)
        if self.any_cap:
            for hop in p.hops:
                cap = caps[hop.x]
                if cap is not None:
                    cap.book(hop.takeoff)
        for af, tired, taken in p.swaps:
            pool = self.pools[(tail.fleet, af)]
            pool.take(taken)
            pool.add(tired, tail.rules)
        tail.crew, tail.ute = p.crew, p.ute
        tail.flown_h += p.airborne_h
        if p.hops:
            tail.at = p.dest

    def after(self, tail: TailState, p: Plan) -> TailState:
        """The tail as it would be after the plan (a copy; nothing is booked or changed)."""
        return TailState(tail.name, tail.idx, tail.type, tail.fleet, tail.fleet_order, tail.base, p.dest, tail.spots,
                         p.crew, p.ute, tail.rules, tail.down_days, tail.flown_h + p.airborne_h)

    def delivery_bound(self, tail: TailState, now: float, origin: int, dest: int, load_h: float,
                       unload_h: float, free: float | None = None) -> float:
        """A lower bound of the loaded flight's on-blocks if the tail started now: the earliest start its
        crew and budget allow for the first hop, a rest (or a spare crew) at the origin when even that
        leaves the crew no duty for the loaded leg after the ferry, and the first free loading and
        unloading windows. Opening hours and weather are left out: bounding them cost dispatch more
        than the plans they saved (docs/performance.md, section 12). Never above what `plan` gives (the
        invariant tests check it, to the last bit). A flight with no wait is bounded exactly, with
        `plan`'s own sums in their order, so that dispatch breaks exact ties by fleet order without
        planning them; a bound that found a wait is lowered by BOUND_SLACK_H (rounding, and the slot
        books' and crews' tolerances). `free`: the flight's `free_delivery`, when the caller has it."""
        ferry, legs, direct = self._bound_legs(tail.type, tail.at, origin, dest)
        if not legs or ferry is None:
            return math.inf
        if free is None:
            free = self.free_delivery(tail.type, tail.at, now, origin, dest, load_h)
        if not ferry:
            off = self.ready_estimate(tail, now + load_h, legs[0])
        else:
            off1 = self.ready_estimate(tail, now, ferry[0])
            landed = self._through(off1, ferry)
            off = landed + load_h
            if direct:
                off = self._after_ferry(tail, off1, origin, landed, off, legs[0])
        bound = self._loaded_bound(off, load_h, unload_h, legs, tail.spots)
        # a wait found: its sums differ from plan's, so the bound may sit a rounding step above the plan
        return bound if bound == free else max(free, bound - BOUND_SLACK_H)

    def free_delivery(self, atype: AircraftType, at: int, now: float, origin: int, dest: int, load_h: float) -> float:
        """The loaded flight's on-blocks if a tail of the type at `at` flew to the origin now, loaded and flew
        on with no wait at all, summed as `plan` sums it: the least of delivery_bound's bounds (inf when
        no route reaches)."""
        ferry, legs, _direct = self._bound_legs(atype, at, origin, dest)
        if not legs or ferry is None:
            return math.inf
        return self._through((self._through(now, ferry) if ferry else now) + load_h, legs)

    def _loaded_bound(self, off: float, load_h: float, unload_h: float, legs: tuple[RouteHop, ...],
                      spots: float) -> float:
        """delivery_bound's loaded flight from off-blocks `off` on: its loading window at the origin and its
        unloading window at the destination, each pushed as `plan` pushes them. (Trying them in turn
        until both fit, as plan does, tightened few bounds and cost more than it saved.)"""
        origin, dest = legs[0].origin, legs[-1].dest
        book = self.books[origin]
        if load_h > 0 and not book.unlimited:
            off = _later(off, book.earliest(off - load_h, load_h, spots) + load_h)
        book = self.books[dest]
        if unload_h <= 0 or book.unlimited:
            return self._through(off, legs)
        if len(legs) == 1:  # as plan's unloading push: the departure moves, the on-blocks follow
            arrive = self._on_blocks(off, legs[0].airborne_h)
            off = _later(off, off + book.earliest(arrive, unload_h, spots) - arrive)
            return self._through(off, legs)
        arrive = self._through(off, legs)
        return max(arrive, book.earliest(arrive, unload_h, spots))

    def _through(self, off: float, hops: tuple[RouteHop, ...]) -> float:
        """On-blocks of the last hop of a route flown from off-blocks `off` with no wait: taxi, flight,
        taxi and a refuelling stop between hops, summed as `plan` sums them."""
        refuel, on = self.refuel_h, off
        for k, hop in enumerate(hops):
            if k:
                off = on + refuel
            on = self._on_blocks(off, hop.airborne_h)
        return on

    def _bound_legs(self, atype: AircraftType, at: int, origin: int,
                    dest: int) -> tuple[tuple[RouteHop, ...] | None, tuple[RouteHop, ...] | None, bool]:
        """delivery_bound's routes for a tail at `at` (cached, as dispatch bounds every candidate): the
        ferry's hops (empty at the origin, None when it cannot get there), the loaded flight's, and
        whether both are one hop."""
        key = (atype.id, at, origin, dest)
        got = self._bounds.get(key)
        if got is None:
            legs = self.hops(atype, origin, dest)
            ferry = () if at == origin else self.hops(atype, at, origin)
            got = (ferry, legs, ferry is not None and len(ferry) == 1 and legs is not None and len(legs) == 1)
            self._bounds[key] = got
        return got

    def _after_ferry(self, tail: TailState, off1: float, origin: int, landed: float, off2: float,
                     leg: RouteHop) -> float:
        """The loaded flight's earliest off-blocks after a ferry leaving at off1 and on blocks at `landed`,
        counting crew duty (its sums as `plan`'s)."""
        rules = tail.rules
        if not rules.on:
            return off2
        crew = tail.crew
        # the most favourable duty start: its own duty if it can fly the ferry, else a fresh crew's
        start = crew.duty_start_for(off1, rules) if crew.can_fly(off1, landed, rules) else off1 - rules.report_h
        if self._on_blocks(off2, leg.airborne_h) - start <= rules.duty_h + TOL_H:
            return off2
        # the crew cannot fly both legs in one duty: it rests (or changes) after the ferry, or before it
        after = min(landed + rules.rest_h + rules.report_h, self._spare_at(tail, origin))
        before = min(crew.earliest_fresh(rules), self._spare_at(tail, tail.at)) + (off2 - off1)
        return _later(off2, min(after, before))

    def _spare_at(self, tail: TailState, airfield: int) -> float:
        """The earliest off-blocks a spare crew of the tail's fleet waiting at an airfield allows."""
        pool = self.pools.get((tail.fleet, airfield))
        return pool.earliest() if pool is not None else math.inf

    def ready_estimate(self, tail: TailState, now: float, hop: RouteHop) -> float:
        """The earliest off-blocks from now for the hop, counting only crew and budget (pushed as `plan`
        pushes: a step within PUSH_TOL_H is rounding, not a wait)."""
        rules, taxi = tail.rules, self.taxi_h
        t = now
        if not tail.crew.can_fly(t, self._on_blocks(t, hop.airborne_h), rules):
            pool = self.pools.get((tail.fleet, tail.at))
            t = min(tail.crew.earliest_fresh(rules), pool.earliest() if pool is not None else math.inf)
            t = max(now, t)
        return _later(t, tail.ute.earliest(t + taxi, hop.airborne_h) - taxi)


def _later(d: float, new: float) -> float:
    """`new` if it is later than d by more than a rounding step (PUSH_TOL_H), else d: `Planner._push`'s rule."""
    return d if new <= d + PUSH_TOL_H else new


def _next_up(down_days: frozenset[int], d: float) -> float:
    """The earliest time from d on a day the tail is mission capable."""
    if not down_days or d == math.inf:
        return d
    day = math.floor(d / 24.0)
    if day not in down_days:
        return d
    while day in down_days:
        day += 1
    return day * 24.0
