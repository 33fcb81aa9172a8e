"""The discrete-event engine (SimPy). Takes a Scenario, returns a Run. No I/O, printing or plots.

Processes:
- one per movement line: at its ready time (a withdrawal line also waits until the deploy lines
  of its contingent have closed) it puts its troops, vehicles and cargo up for lift; road lines
  drive a convoy instead;
- one per aircraft tail: wait for work; when given a line, cut a load for its own type, plan the
  flight to the line's origin (if elsewhere) and the loaded flight (sim.mission: crews,
  utilisation, availability, hours, working spots at both ends), commit the plan, and live it;
  with nothing to do away from base, plan the flight home and leave when the plan says, unless
  work comes first.
Dispatch (planning.dispatch; sim.dispatch): by default the best pending line (priority, deadline,
ready, line order) that an idle tail may fly and can carry something of goes to the tail that can
start soonest counting the empty flying it adds (to the line's origin, and home from its
destination); ties: fleet order, tail number. Earliest-deadline-first orders lines by deadline
first; first-come-first-served orders them by release and takes the first idle tail in fleet
order. A user's Dispatcher, when given, makes the choice instead.
Times are hours since scenario start.
"""

from __future__ import annotations

import bisect
import gc
import heapq
import math
import operator
import sys
from collections.abc import Generator
from typing import Any, TypeVar

import simpy

from sim import geo
from sim.dispatch import Dispatcher, DispatchError, DispatchView, IdleTail, PendingLoad, load_id
from sim.fleet import FleetBuilder, Job, Tail
from sim.flow import FlowMixin
from sim.journey import RouteBook, nodes_of
from sim.legs import AirLegRun, JourneyRun
from sim.loadplan import Load
from sim.mission import Plan, Planner, TailState
from sim.records import (
    Blocked,
    Breakdown,
    Downtime,
    GroundStay,
    Run,
    Sortie,
)
from sim.scenario import AircraftType, Scenario
from sim.slots import DepartureBook, SlotBook

Proc = Generator[simpy.Event, Any, None]  # a SimPy process: yields events, is sent their values
_Record = TypeVar("_Record")
_KEY = operator.attrgetter("key")


_FREE, _BOUNDED, _PLANNED = 0, 1, 2  # a dispatch candidate's stage: its flying alone, bounded, planned
# Dispatch compares deliveries in whole seconds (rounded down): within one they are a tie, which fleet order
# and tail number decide. Plans of one slot edge or opening reached by different sums differ by rounding
# steps; this makes them the tie they are, and lets dispatch skip planning tied tails, whose bounds sit
# up to mission.BOUND_SLACK_H (2e-6 h, 7 ms) below them.
TICKS_PER_H = 3600.0


def ticks(h: float) -> int:
    """Hours as whole seconds, dispatch's ticks (rounded down, so a lower bound stays one)."""
    return math.floor(h * TICKS_PER_H) if h != math.inf else sys.maxsize


class Engine(FlowMixin):
    """One simulation of a scenario: build it, then `simulate()` once."""

    def __init__(self, scenario: Scenario, seed: int | None = None, dispatcher: Dispatcher | None = None) -> None:
        self.s = scenario
        self.seed = scenario.seed if seed is None else seed
        self.env = simpy.Environment()
        p = scenario.planning
        self.rules = p.rules
        unc = scenario.uncertainty
        self.unc = unc if unc is not None and unc.active() else None
        self.run = Run(scenario=scenario, seed=self.seed, end_h=0.0)
        self.af_ids = [a.id for a in scenario.airfields]
        self.af_index = {a: i for i, a in enumerate(self.af_ids)}
        self.dist = geo.distance_matrix([(a.lat, a.lon) for a in scenario.airfields])
        self.types = {t.id: t for t in scenario.aircraft}
        self._routes: dict[tuple[str, int, int], list[int] | None] = {}
        builder = FleetBuilder(scenario, self.seed, self.unc, self.af_index, self.run)
        open_sched, open_actual = builder.opening_times()
        self.open_sched, self.open = open_sched, open_actual
        books = [SlotBook(a.mog, unlimited=not p.rules.parking) for a in scenario.airfields]
        self.pools = builder.pools
        self.planner = Planner(dist=self.dist, routes=self._route, books=books, open_sched=open_sched,
                               open_actual=open_actual, pools=self.pools, taxi_h=p.taxi_h,
                               allow_h=p.flight_allowance_h, refuel_h=p.refuel_h,
                               caps=[DepartureBook(a.departures_per_day, o.phase_h) if a.departures_per_day else None
                                     for a, o in zip(scenario.airfields, open_sched)])
        self.tails = builder.tails()
        self.idle: dict[str, dict[int, Tail]] = {}  # idle tails by fleet (fleets with none are absent)
        self.fleet_type = {f.id: f.type for f in scenario.fleet}
        self.active: list[AirLegRun] = []  # air legs with something to fly now, best key first
        self.lines: dict[str, JourneyRun] = {}
        self.nodes = nodes_of(scenario)
        self._dispatching = False
        self.routes: dict[tuple[str, str, str], RouteBook] = {}
        self.open_lines = 0
        self.all_closed = self.env.event()
        self.dispatcher = dispatcher
        rule = p.dispatch
        self._by_release = rule == "first-come-first-served"  # lines ranked by release, not by key
        self._by_deadline = rule == "earliest-deadline-first"
        self._choose = self._first_tail if self._by_release else self._best_tail

    # ------------------------------------------------------------ set-up

    def _route(self, atype: AircraftType, a: int, b: int) -> list[int] | None:
        key = (atype.id, a, b)
        if key not in self._routes:
            self._routes[key] = geo.shortest_route(self.dist, a, b, atype.range_km)
        return self._routes[key]

    def _activate(self, ln: AirLegRun) -> None:
        if self._by_release:  # first come, first served: the leg's release time (fixed once set), line order
            released = ln.result.released
            ln.key = (self.env.now if math.isnan(released) else released, ln.order, ln.k)
        self.active.insert(bisect.bisect(self.active, ln.key, key=_KEY), ln)

    # ------------------------------------------------------------ dispatch

    def _dispatch(self) -> None:
        """Give pending lines to idle tails: the best line first (by the rule's key), to the tail the rule
        chooses; or as a user's dispatcher says. The named rules' loop does `_send`'s work inline (the
        shuttle benchmark's hot path)."""
        if self._dispatching:  # called back from inside dispatch (room freed): the loop below sees it
            return
        self._dispatching = True
        try:
            if self.dispatcher is not None:
                self._dispatch_by(self.dispatcher)
                return
            while self.idle and self.active:
                pick = self._pick()
                if pick is None:
                    return
                ln, tail, ferry, flight = pick
                if self._no_room(ln, tail):
                    continue
                self._busy(tail)
                tail.job = self._task(tail, ln, ferry, flight)
                if tail.wake is not None and not tail.wake.triggered:
                    tail.wake.succeed()
        finally:
            self._dispatching = False

    def _dispatch_by(self, dispatcher: Dispatcher) -> None:
        """Let a user's dispatcher choose, while it assigns something and some idle tail can serve a line."""
        while self.idle and self.active:
            seen = self._view()
            if seen is None:
                return
            view, tails, legs = seen
            chosen = dispatcher.assign(view)
            if not chosen:
                return
            for name, pending in chosen.items():
                tail, ln = self._checked(name, pending, tails, legs)
                self._send(ln, tail, *self._plans(tail, ln, self.env.now))

    def _view(self) -> tuple[DispatchView, dict[str, Tail], dict[str, AirLegRun]] | None:
        """What a dispatcher sees now, with the tails and legs by name; None if no idle tail can serve any line."""
        idle = sorted((t for f in self.idle.values() for t in f.values()), key=lambda t: (t.fleet_order, t.idx))
        af, pending, servable = self.af_ids, [], False
        for ln in self.active:
            if ln.carry is None:
                ln.carry = self._carry(ln)
            servable = servable or any(self.fleet_type[f] in ln.carry for f in self.idle if f in ln.fleets)
            st = ln.stock
            pending.append(PendingLoad(
                load_id(ln.line_id, ln.k), ln.line_id, ln.k, ln.phase, af[ln.origin], af[ln.dest], ln.m.priority,
                self.s.hours_of(ln.m.deadline), ln.result.released, ln.order, st.troops, sum(st.counts), st.cargo_kg,
                ln.fleets, ln.carry))
        if not servable:
            return None
        tails = tuple(IdleTail(t.name, t.type.id, t.fleet, t.fleet_order, af[t.at], af[t.base],
                               t.crew.earliest_fresh(t.rules) if t.rules.on else -math.inf) for t in idle)
        spots = {a: self.planner.books[i].free(self.env.now) for i, a in enumerate(af)}
        view = DispatchView(self.env.now, tuple(pending), tails, spots)
        return view, {t.name: t for t in idle}, {p.id: ln for p, ln in zip(pending, self.active)}

    def _checked(self, name: str, pending: str, tails: dict[str, Tail],
                 legs: dict[str, AirLegRun]) -> tuple[Tail, AirLegRun]:
        """The tail and leg of one assignment, or DispatchError saying why it cannot be carried out."""
        tail, ln = tails.get(name), legs.get(pending)
        if tail is None or tail.idx not in self.idle.get(tail.fleet, {}):
            raise DispatchError(f"dispatcher assigned {name!r}, which is not an idle tail (idle: {sorted(tails)})")
        if ln is None or ln not in self.active:
            raise DispatchError(f"dispatcher assigned {name!r} to {pending!r}, which is not a pending load now "
                                f"(pending: {sorted(legs)}; an earlier assignment may have taken what was left)")
        if ln.carry is None:
            ln.carry = self._carry(ln)
        if tail.fleet not in ln.fleets or tail.type.id not in ln.carry:
            raise DispatchError(f"dispatcher assigned {name!r} ({tail.type.id}, fleet {tail.fleet}) to {pending!r}, "
                                f"which it cannot carry anything of now (fleets allowed: {sorted(ln.fleets)}; "
                                f"types that can take a load now: {sorted(ln.carry)})")
        return tail, ln

    def _send(self, ln: AirLegRun, tail: Tail, ferry: Plan | None, flight: Plan) -> None:
        """Task the tail with the line (unless the load finds no room at the destination) and wake it."""
        if self._no_room(ln, tail):
            return
        self._busy(tail)
        tail.job = self._task(tail, ln, ferry, flight)
        if tail.wake is not None and not tail.wake.triggered:
            tail.wake.succeed()

    def _no_room(self, ln: AirLegRun, tail: Tail) -> bool:
        """Whether the load this tail would take finds no staging room at the destination; the leg
        then waits, out of dispatch, until room is freed there."""
        node = ln.dest_node
        if not node.limited():
            return False
        load = ln.stock.carve(tail.type)
        ln.stock.put_back(load)
        if node.has_room(load.troops, load.vehicle_count):
            return False
        self.active.remove(ln)
        if self._room_or_park(ln, load.troops, load.vehicle_count):
            self._activate(ln)  # a deadlock broken: it goes over the room
            return False
        return True

    def _task(self, tail: Tail, ln: AirLegRun, ferry: Plan | None, flight: Plan) -> Job:
        """Task a tail with a line: a breakdown found now, or its load cut and both flights booked."""
        now = self.env.now
        if tail.breakdown_rules:
            repair = self._breakdown(tail)
            if repair is not None:  # unserviceable: repaired where it stands; the line waits for another
                where = self.af_ids[tail.at]
                self.run.breakdowns.append(Breakdown(tail.name, where, ln.m.id, now, repair))
                self.run.downtime.append(Downtime(tail.name, "repair", where, now, now + repair))
                return Job(ln, repair_h=repair)
        load = ln.stock.carve(tail.type)
        ln.carry = None  # what the stock can still give each type has changed
        if ln.stock.empty():
            self.active.remove(ln)
        self._departed(ln, load)
        if tail.rng_delay is not None:  # random departure delays: plan again with this tail's draws
            ferry, flight = self._plans(tail, ln, now, delays=True)
        if ferry is not None:
            self._commit(tail, ferry)
            self._record(tail, ferry, "reposition", ln.m.id, None, now, now, now, ln.k)
        if not flight.hops:  # never open together: the tail waits out the run
            return Job(ln, load)
        self._commit(tail, flight)
        rec = self._record(tail, flight, ln.m.phase, ln.m.id, load, ln.result.released, now,
                           flight.off_blocks - tail.type.load_h, ln.k)
        # unloading ends a known time after on-blocks (its spot is booked for it): recorded now, so that a
        # run that stops at the last closure, while this sortie still unloads, keeps it whole
        rec.done = flight.on_blocks + tail.type.unload_h
        return Job(ln, load, flight, rec)

    def _idle(self, tail: Tail) -> None:
        self.idle.setdefault(tail.fleet, {})[tail.idx] = tail

    def _busy(self, tail: Tail) -> None:
        fleet = self.idle[tail.fleet]
        del fleet[tail.idx]
        if not fleet:
            del self.idle[tail.fleet]

    def _pick(self) -> tuple[AirLegRun, Tail, Plan | None, Plan] | None:
        """The best line that an idle tail can serve, and the tail that serves it."""
        now, idle = self.env.now, self.idle
        idle_fleets = idle.keys()  # a live view: dispatch changes nothing while this scans
        for ln in self.active:
            if ln.fleets.isdisjoint(idle_fleets):
                continue
            carry = ln.carry
            if carry is None:
                carry = ln.carry = self._carry(ln)
            if not carry:  # no type can take anything of it now
                continue
            fleets = [f for f in idle if f in ln.fleets and self.fleet_type[f] in carry]
            if fleets:
                fit = [t for f in fleets for t in idle[f].values()]
                return ln, *self._choose(fit, ln, now)
        return None

    def _carry(self, ln: AirLegRun) -> frozenset[str]:
        """Types that may take a load of the leg now: one that can carry something of the stock,
        and, while more is still coming, only if the stock fills a planned load of that type (or the
        node it waits at is full, so no more can come for now)."""
        stock, types = ln.stock, self.types
        full = ln.origin_node.full()
        return frozenset(tid for tid in ln.type_ids if stock.can_carry(types[tid])
                         and (not ln.upstream_open or full or stock.fills(types[tid])))

    def _best_tail(self, fit: list[Tail], ln: AirLegRun, now: float) -> tuple[Tail, Plan | None, Plan]:
        """The tail that would deliver the line's next load soonest (plus its flight home after), and
        its plans. Best-first branch and bound: every candidate enters a heap at its delivery with no
        wait at all (shared by the tails of a type in one place); the candidate on top is bounded with
        its crew, budget and the airfields' slot books, then planned in full; the first planned
        candidate to reach the top wins. No bound exceeds its plan (Planner.delivery_bound), so the
        winner is the least (delivery and flight home in whole seconds, fleet order, tail number),
        whatever the order candidates are explored in."""
        if len(fit) > 1:
            fit = _distinct(fit, now)
        if len(fit) == 1:  # one candidate: nothing to bound
            ferry, flight = self._plans(fit[0], ln, now)
            return fit[0], ferry, flight
        home: dict[tuple[str, int], float] = {}  # the flight home after, by type and base
        free: dict[tuple[str, int], float] = {}  # the delivery with no wait at all, by type and place
        start: dict[tuple[str, int, int], int] = {}  # both, in ticks, by type, place and base
        heap: list[tuple[int, int, int, int, Any]] = []
        for t in fit:
            where = (t.type.id, t.at, t.base)
            value = start.get(where)
            if value is None:
                value = start[where] = ticks(self._free_h(t, ln, now, free) + self._home_h(t, ln, home))
            heap.append((value, t.fleet_order, t.idx, _FREE, t))
        heapq.heapify(heap)
        while True:
            value, order, idx, stage, got = heap[0]
            if stage == _PLANNED:
                return got
            t = got
            if stage == _FREE:  # bounded again: crew, budget and the slot books
                bound = self._bound_h(t, ln, now, free[(t.type.id, t.at)]) + home[(t.type.id, t.base)]
                entry = (max(value, ticks(bound)), order, idx, _BOUNDED, t)
            else:
                ferry, flight = self._plans(t, ln, now)
                entry = (ticks(flight.on_blocks + home[(t.type.id, t.base)]), order, idx, _PLANNED, (t, ferry, flight))
            heapq.heapreplace(heap, entry)

    def _free_h(self, t: Tail, ln: AirLegRun, now: float, free: dict[tuple[str, int], float]) -> float:
        """The tail's delivery of the line's next load with no wait at all (cached in `free` by type and place)."""
        got = free.get((t.type.id, t.at))
        if got is None:
            got = free[(t.type.id, t.at)] = self.planner.free_delivery(t.type, t.at, now, ln.origin, ln.dest,
                                                                      t.type.load_h)
        return got

    def _home_h(self, t: Tail, ln: AirLegRun, home: dict[tuple[str, int], float]) -> float:
        """The tail's flight home from the line's destination (cached in `home` by type and base)."""
        got = home.get((t.type.id, t.base))
        if got is None:
            got = home[(t.type.id, t.base)] = self.planner.block_h(t.type, ln.dest, t.base) if t.base != ln.dest \
                else 0.0
        return got

    def _first_tail(self, fit: list[Tail], ln: AirLegRun, now: float) -> tuple[Tail, Plan | None, Plan]:
        """The first tail in fleet order and number, and its plans (first come, first served)."""
        tail = min(fit, key=lambda t: (t.fleet_order, t.idx))
        ferry, flight = self._plans(tail, ln, now)
        return tail, ferry, flight

    def _bound_h(self, tail: Tail, ln: AirLegRun, now: float, free: float | None = None) -> float:
        """A lower bound of the on-blocks of the loaded flight if this tail took the line now (`free`: its
        delivery with no wait, when known)."""
        return self.planner.delivery_bound(tail, now, ln.origin, ln.dest, tail.type.load_h, tail.type.unload_h,
                                           free)

    def _plans(self, tail: Tail, ln: AirLegRun, now: float, delays: bool = False) -> tuple[Plan | None, Plan]:
        """The flight to the line's origin (None if there) and the loaded flight, planned now; nothing booked.

        Each flight leaves as early as its rules allow. When that makes the crew run out of duty at the
        origin, a second chain is tried in which the empty flight leaves late enough for one duty to
        cover both (the crew rests before it instead of at the origin); the one that delivers sooner wins.
        """
        ferry_delay = self._delay(tail, tail.at) if delays and tail.at != ln.origin else 0.0
        delay = self._delay(tail, ln.origin) if delays else 0.0
        ferry, flight = self._chain(tail, ln, now, now, ferry_delay, delay)
        rules = tail.rules
        if ferry is None or not flight.hops or flight.waits["crew"] <= 0 or not rules.on:
            return ferry, flight
        leg_h = self.planner.block_h(tail.type, ln.origin, ln.dest)
        report = flight.off_blocks - flight.waits["crew"] + leg_h - rules.duty_h  # one duty to that on-blocks
        if report <= now:
            return ferry, flight
        greedy = {k: ferry.waits[k] + flight.waits[k] for k in flight.waits}  # the waits the hold replaces
        alt = self._chain(tail, ln, now, report + rules.report_h, ferry_delay, delay, greedy)
        return alt if alt[1].hops and alt[1].on_blocks < flight.on_blocks else (ferry, flight)

    def _chain(self, tail: Tail, ln: AirLegRun, now: float, leave: float, ferry_delay: float,
               delay: float, held_for: dict[str, float] | None = None) -> tuple[Plan | None, Plan]:
        """The empty flight to the origin, ready to leave at `leave`, and the loaded flight after it.
        Holding the empty flight back moves waits the greedy chain would have had (before or after the
        ferry) to before it: `held_for` are those waits, and the hold is credited to them."""
        planner, ready = self.planner, now
        state: TailState = tail
        ferry: Plan | None = None
        if tail.at != ln.origin:
            ferry = planner.plan(tail, ln.origin, leave, delay_h=ferry_delay)
            if not ferry.hops:
                return None, Plan(ln.dest, now, tail.crew.copy(), tail.ute.copy())
            if leave > now:
                crew_h = _credit_hold(ferry, leave - now, held_for or {})
                if crew_h > 0:
                    ferry.rests.append(("crew", tail.at, leave - crew_h, leave))
            state, ready = planner.after(tail, ferry), ferry.on_blocks
        return ferry, planner.plan(state, ln.dest, ready, tail.type.load_h, tail.type.unload_h, delay, after=ferry)

    # ------------------------------------------------------------ tails

    def _tail_proc(self, tail: Tail) -> Proc:
        env = self.env
        if tail.available > 0:
            yield env.timeout(tail.available)
        while True:
            yield from self._await_job(tail)
            job, tail.job = tail.job, None
            assert job is not None  # _await_job returns only once dispatch set it
            yield from self._mission(tail, job)
            if tail.maint_every_h > 0 and tail.flown_h >= tail.maint_every_h:
                yield from self._maintenance(tail)

    def _await_job(self, tail: Tail) -> Proc:
        """Idle until dispatch gives the tail a job; away from base, fly home when the plan says, unless work comes."""
        env = self.env
        self._idle(tail)
        self._dispatch()
        while tail.job is None:
            tail.wake = env.event()
            if tail.at == tail.base:
                yield tail.wake
                continue
            plan = self.planner.plan(tail, tail.base, env.now)
            if not plan.hops:  # home cannot be reached (never open together): stay here
                yield tail.wake
                continue
            wait = plan.off_blocks - env.now
            if wait > 0:
                yield env.any_of([tail.wake, env.timeout(wait)])
                if tail.job is not None:
                    break
            self._busy(tail)
            yield from self._fly_empty(tail, tail.base, "", env.now, env.now)
            self._idle(tail)
            self._dispatch()
        tail.wake = None

    def _mission(self, tail: Tail, job: Job) -> Proc:
        """Live a task booked at dispatch: repair, or fly and deliver the load, then unload."""
        env = self.env
        if job.load is None:
            yield env.timeout(job.repair_h)
            return
        flight, record = job.flight, job.record
        if flight is None or record is None:
            yield env.event()  # no flight possible: waits out the run
            return
        yield env.timeout(flight.on_blocks - env.now)
        self._arrive(job.line, job.load)
        yield env.timeout(tail.type.unload_h)  # record.done was set when the flight was booked

    def _fly_empty(self, tail: Tail, dest: int, line: str, released: float, assigned: float) -> Proc:
        """Plan, commit and fly an empty flight (to a load's origin, or home)."""
        env = self.env
        plan = self.planner.plan(tail, dest, env.now, delay_h=self._delay(tail, tail.at))
        if not plan.hops:
            yield env.event()  # refused by validation; never loop
        self._commit(tail, plan)
        self._record(tail, plan, "reposition", line, None, released, assigned, env.now)
        yield env.timeout(plan.on_blocks - env.now)

    def _commit(self, tail: Tail, plan: Plan) -> None:
        self.planner.commit(tail, plan, self.env.now)
        af_ids, name, spots = self.af_ids, tail.name, tail.spots
        ground = self.run.ground
        for w in plan.windows:
            ground.append(GroundStay(af_ids[w.airfield], name, w.start, w.end, spots, w.task))
        if plan.rests:
            downtime = self.run.downtime
            for kind, af, start, end in plan.rests:
                downtime.append(Downtime(name, kind, af_ids[af], start, end))

    def _maintenance(self, tail: Tail) -> Proc:
        if tail.at != tail.base:
            yield from self._fly_empty(tail, tail.base, "", self.env.now, self.env.now)
        start = self.env.now
        yield self.env.timeout(tail.maint_h)
        self.run.downtime.append(Downtime(tail.name, "maintenance", self.af_ids[tail.base], start, self.env.now))
        tail.flown_h = 0.0

    def _breakdown(self, tail: Tail) -> float | None:
        """Repair time if the tail is found unserviceable now, else None (draws from the tail's stream)."""
        rng = tail.rng_breakdown
        if rng is None:
            return None
        repair = None
        for rule in tail.breakdown_rules:
            if rng.random() < rule.probability:
                repair = max(repair or 0.0, rule.repair.sample(rng))
        return repair

    def _delay(self, tail: Tail, origin: int) -> float:
        """Random departure delay of one flight from origin (every matching rule adds its own)."""
        if tail.rng_delay is None:
            return 0.0
        af = self.af_ids[origin]
        return sum(r.delay.sample(tail.rng_delay) for r in tail.delay_rules if r.airfield in (None, af))

    def _record(self, tail: Tail, plan: Plan, phase: str, line: str, load: Load | None, released: float,
                assigned: float, ground_start: float, leg: int = 0) -> Sortie:
        w, af, hops = plan.waits, self.af_ids, plan.hops
        first, last = hops[0], hops[-1]
        stops: tuple[str, ...] = ()
        if len(hops) == 1:
            km, airborne = first.km, first.airborne_h
        else:
            stops, km, airborne = tuple(af[h.x] for h in hops[1:]), sum(h.km for h in hops), plan.airborne_h
        if load is not None:
            contingent = self.lines[line].contingent
            troops, vehicles, cargo_kg, mass_kg = load.troops, load.vehicles, load.cargo_kg, load.mass_kg
        else:
            contingent, troops, vehicles, cargo_kg, mass_kg = "", 0, {}, 0, 0
        mog_at = plan.mog_at() if plan.mog_by_af else -1
        # in field order, not by keyword: with 33 fields, keywords cost 5% of the shuttle benchmark
        rec = Sortie(
            tail.name, tail.type.id, tail.fleet, phase, line, contingent, af[first.x], af[plan.dest], stops, troops,
            vehicles, cargo_kg, mass_kg, km, released, assigned, ground_start, first.off_blocks, first.takeoff,
            last.landing, last.on_blocks, last.on_blocks, airborne, w["mog"], w["hours"],
            af[mog_at] if mog_at >= 0 else "", w["delay"], w["weather"], w["crew"], w["ute"], w["availability"],
            w["cap"], tail.crew.name, leg,
        )
        self.run.sorties.append(rec)
        return rec

    # ------------------------------------------------------------ run

    def _record_blocked(self, now: float) -> None:
        """For air legs with elements waiting at the end: is no flight between their airfields possible soon?"""
        for j in self.lines.values():
            if not math.isnan(j.result.closed):
                continue
            for ln in j.legs:
                if isinstance(ln, AirLegRun) and not ln.closed and not math.isnan(ln.result.released):
                    blocked = self._blocked(ln, now)
                    if blocked is not None:
                        self.run.blocked[j.m.id] = blocked
                        break

    def _blocked(self, ln: AirLegRun, now: float) -> Blocked | None:
        atype = next((self.types[t] for t in sorted(ln.type_ids)), None)
        hops = self.planner.hops(atype, ln.origin, ln.dest) if atype else None
        if not hops:
            return None
        x, y, airborne = hops[0].origin, hops[0].dest, hops[0].airborne_h
        limit = now + 24.0 * 400
        t_sched = geo.joint_departure(now, self.open_sched[x], self.open_sched[y], airborne, limit)
        t_full = geo.joint_departure(t_sched, self.open[x], self.open[y], airborne, limit) \
            if t_sched != math.inf else math.inf
        if t_full - now > 1.0:
            return Blocked("hours" if t_sched - now > 1.0 else "weather", t_full)
        return None

    def simulate(self) -> Run:
        """Run to closure or to the horizon and return the Run (its records sorted)."""
        self._build_lines()
        if self._by_deadline:  # earliest deadline first: (deadline, priority, ready, line order, leg)
            for j in self.lines.values():
                for ln in j.legs:
                    if isinstance(ln, AirLegRun):
                        ln.key = (ln.key[1], ln.key[0], *ln.key[2:])
        for t in self.tails:
            self.env.process(self._tail_proc(t))
        horizon = self.env.timeout(self.s.horizon)
        # The run allocates millions of short-lived, acyclic objects (events, records) while the
        # number of live objects keeps growing: the cyclic collector's full passes over them cost
        # O(n log n) and about a quarter of the run at 10^5 sorties. Nothing here relies on it.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            self.env.run(until=self.env.any_of([self.all_closed, horizon]))
        finally:
            if gc_was_enabled:
                gc.enable()
        now = self.env.now
        self.run.end_h = now
        self.run.horizon_reached = not self.all_closed.triggered
        self._record_blocked(now)
        run = self.run
        run.staging_peak = {n.id: (n.peak_troops, n.peak_vehicles) for n in self.nodes.values() if n.peak_troops
                            or n.peak_vehicles}
        # flights still under way at the end do not count
        run.sorties = [r for r in run.sorties if r.on_blocks <= now + 1e-9]
        run.ground = [g for g in run.ground if g.start < now]
        run.downtime = [d for d in run.downtime if d.start < now]
        run.trips = [t for t in run.trips if t.arrive <= now + 1e-9]
        run.visits = [v for v in run.visits if v.arrive <= now + 1e-9]
        _sort(run.sorties, "takeoff", "tail")
        _sort(run.ground, "start", "airfield", "tail")
        _sort(run.downtime, "start", "tail", "kind")
        _sort(run.trips, "depart", "unit")
        _sort(run.visits, "arrive", "node", "line")
        return run


def _credit_hold(plan: Plan, hold_h: float, held_for: dict[str, float]) -> float:
    """Credit a deliberate hold before an empty flight to the waits it stands for: first the waits other
    than crew rest that the flights would have had without it (closures, hours, spots, budget),
    in proportion to them, and the rest to crew duty (returned). The parts still add up exactly."""
    others = {k: v for k, v in held_for.items() if k not in ("crew", "delay") and v > 0}
    share = min(hold_h, sum(others.values()))
    for kind, wait in others.items():
        plan.waits[kind] += share * wait / sum(others.values())
    plan.waits["crew"] += hold_h - share
    return hold_h - share


def _distinct(tails: list[Tail], now: float) -> list[Tail]:
    """One tail (the first by fleet order and number) per group of tails in the same state now: same
    fleet and place, crew duty, budget and down days. Their deliveries are the same, so dispatch need
    bound and plan only one of each (a fleet idle at its base is one candidate, not fifty).

    A crew rested by now flies alike whenever it last flew: every duty it starts from now on is a
    fresh one (Crew.duty_start_for); only whether it hands over to a spare crew on a hop longer than a
    fresh duty may differ, which moves no time. A budget full by now (UteBudget.level, summed as it
    sums it) stays full. Each counts as one state; other crews and budgets are told apart by their
    duty start, last on-blocks, balance and time. (Inline: this runs over every idle tail that can
    serve, at every dispatch with more than one.)"""
    first: dict[tuple[str, int, float, float, float, float, frozenset[int]], Tail] = {}
    inf = math.inf
    for t in tails:
        c, rules, u = t.crew, t.rules, t.ute
        if not rules.on or now - rules.report_h >= c.last_on_blocks + rules.rest_h:
            duty, last = -inf, -inf
        else:
            duty, last = (c.duty_start if c.duty_start == c.duty_start else -inf), c.last_on_blocks
        if not u.on or u.balance + (now - u.at) * u.ute_h_per_day / 24.0 >= u.ute_h_per_day:
            balance, at = inf, inf
        else:
            balance, at = u.balance, u.at
        key = (t.fleet, t.at, duty, last, balance, at, t.down_days)
        held = first.get(key)
        if held is None or (t.fleet_order, t.idx) < (held.fleet_order, held.idx):
            first[key] = t
    return list(first.values())


def _sort(records: list[_Record], *keys: str) -> None:
    """Sort by the keys in order: one stable pass per key, last key first (single-attribute keys
    compare several times faster than tuples: about 0.4 s saved at 10^5 sorties)."""
    for key in reversed(keys):
        records.sort(key=operator.attrgetter(key))


def simulate(scenario: Scenario, seed: int | None = None, dispatcher: Dispatcher | None = None) -> Run:
    """Run a scenario to closure or to its horizon and return the Run; `dispatcher`, when given, chooses
    which idle tail flies which pending load instead of the scenario's rule (see sim.dispatch)."""
    return Engine(scenario, seed, dispatcher).simulate()
