"""How a line's elements flow along its journey (the engine's side of sim.journey).

A line is released at its ready time once the lines it waits for have closed (and their lag has
passed). Its elements then come into the stock of its first leg, all at once or day by day
(`inflow`). Each leg moves them to its destination: an air leg by the sorties dispatch gives it
(sim.engine), a road leg by serials and a rail leg by trains (`_surface_proc`). At the
destination a batch is received at the node's rate, then waits the transfer time, and then
comes into the stock of the next leg; at the last node the line's counts go down instead. A leg
whose upstream is still open starts a unit only when it can fill it (a full planned load, a
full serial, a full train), so the journey is not a trickle of part-loads.
A leg closes when its upstream is done, its stock is empty and nothing is on the way; the line
closes when its last leg has closed and every batch has been received at the final node.

`FlowMixin` is a part of the Engine: it uses the engine's clock, run record and dispatch.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, NamedTuple

from sim import geo
from sim.journey import NodeState, NodeVisit, RouteBook
from sim.legs import AirLegRun, JourneyRun, LegRun, SurfaceLegRun
from sim.loadplan import LineStock, Load, leg_fleets, line_types
from sim.randomness import stream
from sim.records import Overflow, Trip
from sim.scenario import Leg

if TYPE_CHECKING:
    from collections.abc import Generator

    import simpy

    from sim.mission import Planner
    from sim.records import Run
    from sim.scenario import Scenario, Uncertainty

    Proc = Generator[simpy.Event, Any, None]  # a SimPy process: yields events, is sent their values

BUS_SEATS = 40  # assumption: a road serial of n vehicles carries at most 40 n troops (coach groups of about 40
#               were seen moving the 82nd Airborne from Jasionka in 2022, docs/background/second-deployment-sources.md)


class _Arrived(NamedTuple):
    """What of a line has arrived into its first leg so far (inflow)."""

    troops: int
    equipment: dict[str, int]
    cargo_kg: int


def _troop_share(troops_per_day: float | None, troops: int) -> float:
    """The share of a line that arrives per day at a stated troop rate (validation: one rate is set)."""
    assert troops_per_day is not None, "an inflow states troops_per_day or share_per_day"
    return min(1.0, troops_per_day / troops) if troops else 1.0


class FlowMixin:
    """Building the legs of every line, releasing them, and moving elements from leg to leg."""

    env: simpy.Environment
    s: Scenario
    run: Run
    nodes: dict[str, NodeState]
    routes: dict[tuple[str, str, str], RouteBook]
    lines: dict[str, JourneyRun]
    active: list[AirLegRun]
    open_lines: int
    all_closed: simpy.Event
    af_index: dict[str, int]
    planner: Planner
    unc: Uncertainty | None
    seed: int

    def _activate(self, ln: AirLegRun) -> None:  # the engine's: an air leg has loads to dispatch
        raise NotImplementedError

    def _dispatch(self) -> None:  # the engine's: match pending loads and free aircraft
        raise NotImplementedError

    # ------------------------------------------------------------ set-up

    def _build_lines(self) -> None:

        s = self.s
        for order, m in enumerate(s.movements):
            j = JourneyRun(m, order, (m.priority, s.hours_of(m.deadline), s.hours_of(m.ready), order), self.env.event())
            troops, equipment, cargo = s.line_parts(m)
            j.result.troops_left, j.result.vehicles_left = troops, sum(equipment.values())
            j.result.cargo_kg_left = round(cargo * 1000)
            j.legs = [self._make_leg(j, k, leg) for k, leg in enumerate(j.legs_spec)]
            for leg in j.legs[1:]:
                leg.origin_node.outgoing.append(leg)
            j.result.legs = [x.result for x in j.legs]
            self.lines[m.id] = j
            self.run.lines[m.id] = j.result
        self.open_lines = len(self.lines)
        deploy_events: dict[str, list[simpy.Event]] = {}
        for j in self.lines.values():
            if j.m.phase == "deploy":
                deploy_events.setdefault(j.contingent, []).append(j.closed_event)
        for c in s.contingents:
            if c.id not in deploy_events:
                self.run.initial_in_theatre[c.id] = c.troops
        for j in self.lines.values():
            m = j.m
            if m.after is not None:
                preds = [self.lines[x].closed_event for x in m.after]
            else:
                preds = deploy_events.get(j.contingent, []) if m.phase == "withdraw" else []
            self.env.process(self._journey_proc(j, preds))
            for leg in j.legs:
                if leg.leg.mode != "air":
                    self.env.process(self._surface_proc(leg))  # type: ignore[arg-type]

    def _make_leg(self, j: JourneyRun, k: int, leg: Leg) -> LegRun:

        s, m = self.s, j.m
        stock = LineStock(s, m, leg, empty=True)  # the line's elements come in when it is released
        if leg.mode == "air":
            fleets = leg_fleets(m, leg)
            allowed = frozenset(f.id for f in s.fleet if fleets is None or f.id in fleets)
            types = frozenset(t.id for t in line_types(s, m, leg))
            return AirLegRun(j, k, stock, self.nodes, self.af_index, allowed, types)
        km = surface_km(s, leg)
        if leg.mode == "road":
            r = s.planning.road
            n = leg.serial_vehicles or r.serial_vehicles
            book = self._route_book(("road", leg.origin, leg.destination), _first(leg.serial_gap_h, r.serial_gap_h),
                                    _first(leg.serials_per_day, r.serials_per_day))
            speed = float(leg.convoy_kmh or r.convoy_kmh) * self._road_factor(m.id if k == 0 else f"{m.id}/{k + 1}")
            caps = (n * BUS_SEATS, n, 10**12)  # troops beyond the vehicles' crews ride buses of the serial
            return SurfaceLegRun(j, k, stock, self.nodes, book, caps, km, road_h(s, leg, km, speed), 0.0)
        rail = s.planning.rail
        trains = s.place(leg.origin).railhead
        per_day = trains.trains_per_day if trains is not None else 24.0
        book = self._route_book(("rail", leg.origin, ""), 24.0 / per_day, None)
        caps = (rail.train_troops, rail.train_vehicles, round(rail.train_cargo_t * 1000))
        return SurfaceLegRun(j, k, stock, self.nodes, book, caps, km, km / rail.block_kmh,
                        float(rail.load_h + rail.unload_h))

    def _road_factor(self, name: str) -> float:
        """Speed factor of a road leg from the uncertainty's road rules (1 without them)."""
        factor = 1.0
        for j, rule in enumerate(self.unc.road if self.unc is not None else []):
            if rule.line in (None, name.split("/")[0]) and rule.speed_cv > 0:
                sigma = math.sqrt(math.log(1 + rule.speed_cv**2))
                factor *= float(stream(self.seed, f"road:{name}:{j}").lognormal(-sigma * sigma / 2, sigma))
        return factor

    def _route_book(self, key: tuple[str, str, str], gap_h: float, per_day: int | None) -> RouteBook:
        """One book per road route (origin, destination) or per railhead, shared by every line using it."""
        book = self.routes.get(key)
        if book is None:
            book = self.routes[key] = RouteBook(float(gap_h), per_day)
        return book

    # ------------------------------------------------------------ release

    def _journey_proc(self, j: JourneyRun, preds: list[simpy.Event]) -> Proc:
        env, s, m = self.env, self.s, j.m
        ready = max(0.0, s.hours_of(m.ready))
        if ready > env.now:
            yield env.timeout(ready - env.now)
        if preds:
            yield env.all_of(preds)
            if m.after_lag_h:
                yield env.timeout(m.after_lag_h)
        first = j.legs[0]
        if m.earliest is not None and len(j.legs) == 1 and first.leg.mode == "air":
            # hold the loads back so that the fastest possible sortie lands no earlier than allowed
            ln: AirLegRun = first  # type: ignore[assignment]
            fastest = min((t.load_h + self.planner.block_h(t, ln.origin, ln.dest) for t in line_types(s, m)),
                          default=0.0)
            hold = s.hours_of(m.earliest) - fastest - env.now
            if hold > 0:
                yield env.timeout(hold)
        j.result.released = env.now
        troops, equipment, cargo = s.line_parts(m)
        parts = (troops, equipment, round(cargo * 1000))
        if m.inflow is not None:
            yield from self._inflow(j, first, parts)
        else:
            first.stock.add(*parts)
            first.result.released = env.now
            self._wake(first)
        self._upstream_done(first)

    def _inflow(self, j: JourneyRun, first: LegRun, parts: tuple[int, dict[str, int], int]) -> Proc:
        """The line's elements come into its first leg day by day."""
        env, m, stock = self.env, j.m, first.stock
        troops, equipment, cargo_kg = parts
        inflow = m.inflow
        assert inflow is not None
        share = (inflow.share_per_day if inflow.share_per_day is not None
                 else _troop_share(inflow.troops_per_day, troops))
        days = math.ceil(1.0 / share - 1e-9)
        given = _Arrived(0, dict.fromkeys(equipment, 0), 0)
        for day in range(days):
            if day:
                yield env.timeout(24.0)
            f = min(1.0, (day + 1) * share) if day < days - 1 else 1.0
            now = _Arrived(round(troops * f), {e: round(n * f) for e, n in equipment.items()}, round(cargo_kg * f))
            stock.add(now.troops - given.troops, {e: now.equipment[e] - given.equipment[e] for e in equipment},
                      now.cargo_kg - given.cargo_kg)
            given = now
            if math.isnan(first.result.released):
                first.result.released = env.now
            self._wake(first)

    # ------------------------------------------------------------ flow between legs

    def _wake(self, leg: LegRun) -> None:
        """Something changed for a leg (elements came, upstream done, room freed): let it move."""

        if isinstance(leg, AirLegRun):
            leg.carry = None
            if leg not in self.active and not leg.stock.empty() and not _waits_for_room(leg):
                self._activate(leg)
            self._dispatch()
        else:
            ev = leg.wake  # type: ignore[attr-defined]
            if ev is not None and not ev.triggered:
                ev.succeed()

    def _upstream_done(self, leg: LegRun) -> None:
        leg.upstream_open = False
        leg.result.complete = self.env.now
        if math.isnan(leg.result.released):
            leg.result.released = self.env.now
        self._wake(leg)
        self._leg_maybe_closed(leg)

    def _leg_maybe_closed(self, leg: LegRun) -> None:
        if leg.closed or leg.upstream_open or leg.in_transit or not leg.stock.empty():
            return
        leg.closed = True
        leg.result.closed = self.env.now
        if leg.pending == 0:
            self._leg_received(leg)

    def _departed(self, leg: LegRun, load: Load) -> None:
        """A unit left with a load: it leaves the origin's staging room and holds room at the destination."""
        leg.in_transit += 1
        leg.result.units += 1
        if leg.dest_node.limited():  # room is counted only where there is a limit (the engine's hot path)
            leg.dest_node.hold(load.troops, load.vehicle_count)
        if leg.k > 0 and leg.origin_node.limited():
            self._free(leg.origin_node, load.troops, load.vehicle_count)

    def _room_or_park(self, leg: LegRun, troops: int, vehicles: int) -> bool:
        """Whether a load may start toward the leg's destination now. If not, the leg is parked until
        room is freed there, unless parking would close a cycle of legs each waiting for room the next
        one holds (a deadlock): then the load goes over the room, and the run records it."""
        node = leg.dest_node
        if node.has_room(troops, vehicles):
            return True
        if self._deadlock(leg):
            self.run.overflows.append(Overflow(node.id, self.env.now, leg.line_id))
            return True
        self._park(leg)
        return False

    def _deadlock(self, leg: LegRun) -> bool:
        """Would parking this leg leave nobody able to move? Room at a node is freed only by a leg that
        starts there and has something to take; if each such leg is itself parked, follow it to its
        own destination; coming back to where we began means every one of them waits for another."""
        seen: set[str] = set()
        frontier = [leg.dest_node]
        while frontier:
            node = frontier.pop()
            if node.id in seen:
                continue
            seen.add(node.id)
            drains = [o for o in node.outgoing if o is leg or not o.stock.empty()]  # leg: its load is out
            if not drains or any(o is not leg and o not in o.dest_node.waiting for o in drains):
                return False  # someone can move (or room comes free by reception): no deadlock
            frontier += [o.dest_node for o in drains]
        return True

    def _park(self, leg: LegRun) -> None:
        """Hold a leg until its destination has room, and tell the legs that drain that node: they go
        now with what is there rather than wait to fill a unit that cannot come."""
        node = leg.dest_node
        first = not node.waiting
        if leg not in node.waiting:
            node.waiting.append(leg)
        if first:
            for out in node.outgoing:
                self._wake(out)

    def _free(self, node: NodeState, troops: int, vehicles: int) -> None:
        for waiting in node.free(troops, vehicles):
            self._wake(waiting)

    def _arrive(self, leg: LegRun, load: Load) -> None:
        """A load reached the leg's destination now: queue it for reception there."""
        now, node = self.env.now, leg.dest_node
        leg.in_transit -= 1
        if leg.last and not node.throughput():  # the plain end of a journey: received on arrival
            start = end = ready = now
        else:
            start, end = node.receive(now, load.troops, load.vehicle_count)
            ready = end if leg.last else end + node.transfer_h
            self.run.visits.append(NodeVisit(node.id, leg.line_id, leg.k, load.troops, load.vehicle_count, now,
                                             start, end, ready))
        leg.pending += 1
        self._leg_maybe_closed(leg)
        if ready > now:
            self.env.process(self._receive_later(leg, load, ready - now))
        else:
            self._received(leg, load)

    def _receive_later(self, leg: LegRun, load: Load, wait: float) -> Proc:
        yield self.env.timeout(wait)
        self._received(leg, load)

    def _received(self, leg: LegRun, load: Load) -> None:
        leg.pending -= 1
        j = leg.journey
        if leg.last:
            res = j.result
            res.troops_left -= load.troops
            res.vehicles_left -= load.vehicle_count
            res.cargo_kg_left -= load.cargo_kg
            if leg.dest_node.limited():
                self._free(leg.dest_node, load.troops, load.vehicle_count)
        else:
            nxt = j.legs[leg.k + 1]
            nxt.stock.add(load.troops, load.vehicles, load.cargo_kg)
            if math.isnan(nxt.result.released):
                nxt.result.released = self.env.now
            self._wake(nxt)
        if leg.closed and leg.pending == 0:
            self._leg_received(leg)

    def _leg_received(self, leg: LegRun) -> None:
        leg.result.received = self.env.now
        if leg.last:
            self._close(leg.journey)
        else:
            self._upstream_done(leg.journey.legs[leg.k + 1])

    def _close(self, j: JourneyRun) -> None:
        j.result.closed = self.env.now
        j.closed_event.succeed()
        self.open_lines -= 1
        if self.open_lines == 0:
            self.all_closed.succeed()

    # ------------------------------------------------------------ road serials and trains

    def _surface_proc(self, leg: SurfaceLegRun) -> Proc:
        """Serials or trains leave while the leg has elements: a full unit (or what is left once
        upstream is done), at the route's next slot, when the destination has room."""
        env = self.env
        troops_cap, vehicles_cap, kg_cap = leg.caps
        while True:
            if leg.stock.empty() or (leg.upstream_open and not _fills_unit(leg)):
                if not leg.upstream_open:
                    return
                yield from self._sleep(leg)
                continue
            ready = env.now
            slot = leg.book.next_slot(ready)
            if slot > env.now:
                yield env.timeout(slot - env.now)
            load = leg.stock.take(troops_cap, vehicles_cap, kg_cap)
            if not self._room_or_park(leg, load.troops, load.vehicle_count):
                leg.stock.put_back(load)
                yield from self._sleep(leg)
                continue
            leg.book.book(env.now)
            self._departed(leg, load)
            unit = f"{leg.line_id}/{leg.k + 1}/{'s' if leg.leg.mode == 'road' else 't'}{leg.result.units}"
            self.env.process(self._trip(leg, load, ready, unit))

    def _sleep(self, leg: SurfaceLegRun) -> Proc:
        leg.wake = self.env.event()
        yield leg.wake
        leg.wake = None

    def _trip(self, leg: SurfaceLegRun, load: Load, ready: float, unit: str) -> Proc:

        env, depart = self.env, self.env.now
        yield env.timeout(leg.handling_h + leg.travel_h)
        self.run.trips.append(Trip(
            leg.line_id, leg.contingent, leg.leg.mode, leg.k, unit, leg.leg.origin, leg.leg.destination, load.troops,
            dict(load.vehicles), load.cargo_kg, leg.km, ready, depart, env.now, leg.handling_h))
        self._arrive(leg, load)


def _first(*values: Any) -> Any:
    """The first value that is set (a leg's own, then the planning default), or None."""
    return next((v for v in values if v is not None), None)


def _fills_unit(leg: SurfaceLegRun) -> bool:
    """Whether the stock fills one serial (its vehicles) or one train (troops, vehicles or cargo), or
    the node it waits at is full (nothing more can come until something leaves)."""
    troops, vehicles, kg = leg.caps
    st = leg.stock
    return st.vehicle_count() >= vehicles or st.troops >= troops or st.cargo_kg >= kg or leg.origin_node.full()


def _waits_for_room(leg: LegRun) -> bool:
    return leg in leg.dest_node.waiting


def surface_km(s: Scenario, leg: Leg) -> float:
    """The leg's stated distance, or the great circle times the mode's circuity."""
    if leg.km is not None:
        return float(leg.km)
    a, b = s.place(leg.origin), s.place(leg.destination)
    factor = s.planning.road.circuity if leg.mode == "road" else s.planning.rail.circuity
    return geo.great_circle_km(a.lat, a.lon, b.lat, b.lon) * factor


def road_h(s: Scenario, leg: Leg, km: float, speed: float) -> float:
    """Hours from departure to arrival of one serial: driving at `speed`, `march_h_per_day` hours a
    day, halting the rest of each day."""
    r = s.planning.road
    march = float(leg.march_h_per_day or r.march_h_per_day)
    days, rem = divmod(km / speed, march)
    if rem == 0 and days > 0:
        days, rem = days - 1, march
    return days * 24.0 + rem
