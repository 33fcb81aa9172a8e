"""The discrete-event engine (SimPy). Takes a Scenario, returns a Run. No I/O, printing or plots.

Processes:
- one per aircraft tail: wait for an assignment; reposition empty if the load is elsewhere;
  hold a parking slot (MOG) at the origin; load; take off inside both airfields' operating
  hours; fly the great-circle leg(s) (refuelling stops when a leg exceeds range); hold for a
  slot at the destination (airborne); unload; then take the next load, or fly home to base and
  park there (parked aircraft at their own base do not use the working MOG).
- one per movement line: release its loads at the ready time (a withdrawal line also waits
  until the deploy lines of its contingent have closed); road lines run a convoy instead.
Dispatch: a free tail's next load is the pending load with the best (priority, deadline, ready,
line order, load order) that its type can carry; when several tails are free, the load goes to
the one that adds the least empty flying: to the load's origin, plus home from its destination
(ties: fleet order, tail number).
Times are hours since scenario start.
"""

from __future__ import annotations

import gc
import heapq
import math
import operator
from dataclasses import dataclass, field

import simpy

from sim import geo
from sim.loadplan import Load, line_types, plan_line
from sim.scenario import Movement, Scenario
from sim.randomness import stream
from sim.timeparse import parse_hours

PHASES = ("deploy", "withdraw")


@dataclass(slots=True)
class Sortie:
    """One flight of one tail from origin to destination (with refuelling stops if any)."""

    tail: str
    type: str
    fleet: str
    phase: str  # deploy, withdraw or reposition
    line: str  # the line served (for repositioning: the line it flies empty to serve, or '' to base)
    contingent: str
    origin: str
    destination: str
    stops: tuple[str, ...]
    troops: int
    vehicles: dict[str, int]
    cargo_kg: int
    mass_kg: int
    distance_km: float
    released: float  # load available to be flown
    assigned: float  # tail given this flight
    ground_start: float  # on the ground and ready at origin (slot held): loading starts
    off_blocks: float
    takeoff: float
    landing: float
    on_blocks: float
    done: float  # unloaded (equal to on_blocks for empty legs)
    flying_h: float
    wait_mog_h: float
    wait_hours_h: float
    mog_at: str  # airfield of the longest MOG wait ('' if none)
    wait_delay_h: float = 0.0  # random departure delay (uncertainty)
    wait_weather_h: float = 0.0  # waiting out a random weather closure (uncertainty)


@dataclass(slots=True)
class GroundStay:
    """A tail holding a working parking slot (counted against MOG)."""

    airfield: str
    tail: str
    start: float
    end: float


@dataclass(slots=True)
class Convoy:
    line: str
    contingent: str
    origin: str
    destination: str
    troops: int
    vehicles: dict[str, int]
    cargo_kg: int
    road_km: float
    depart: float
    arrive: float
    driving_h: float


@dataclass(slots=True)
class Breakdown:
    """An aircraft found unserviceable before loading (uncertainty); its load went back to the queue."""

    tail: str
    airfield: str
    line: str
    at: float
    repair_h: float


@dataclass(slots=True)
class Closure:
    """A random weather closure of an airfield (uncertainty)."""

    airfield: str
    start: float
    end: float


@dataclass(slots=True)
class LineResult:
    id: str
    released: float = math.nan  # loads available (ready, and predecessors closed)
    closed: float = math.nan  # last load on blocks at destination (nan: not closed)
    loads: int = 0
    delivered: int = 0
    troops_left: int = 0
    vehicles_left: int = 0
    cargo_kg_left: int = 0


@dataclass
class Run:
    """Everything the engine did: the single source of truth for results and charts."""

    scenario: Scenario
    seed: int
    end_h: float
    sorties: list[Sortie] = field(default_factory=list)
    ground: list[GroundStay] = field(default_factory=list)
    convoys: list[Convoy] = field(default_factory=list)
    lines: dict[str, LineResult] = field(default_factory=dict)
    tails: list[tuple[str, str, str, str]] = field(default_factory=list)  # tail, type, fleet, base
    initial_in_theatre: dict[str, int] = field(default_factory=dict)  # contingent -> troops there at start
    horizon_reached: bool = False
    breakdowns: list[Breakdown] = field(default_factory=list)
    weather: list[Closure] = field(default_factory=list)
    blocked: dict[str, tuple[str, float]] = field(default_factory=dict)  # open line -> (hours|weather, until)


class _Tail:
    __slots__ = ("name", "idx", "type", "fleet", "fleet_order", "base", "at", "slot", "slot_since", "wake", "available",
                 "rng_delay", "rng_breakdown", "delay_rules", "breakdown_rules", "job")

    def __init__(self, name, idx, atype, fleet, fleet_order, base, available):
        self.name, self.idx, self.type, self.fleet = name, idx, atype, fleet
        self.fleet_order, self.base, self.at, self.available = fleet_order, base, base, available
        self.slot = None  # (airfield index, simpy request) while holding a working slot
        self.slot_since = 0.0
        self.wake = None  # an event only while the tail waits at base for work
        self.job = None  # the assignment dispatch gave it
        self.rng_delay = self.rng_breakdown = None  # named random streams, only under uncertainty
        self.delay_rules: list = []
        self.breakdown_rules: list = []


class _Line:
    __slots__ = ("m", "order", "origin", "dest", "loads", "left", "closed_event", "result", "key", "fleets", "contingent")


class Engine:
    def __init__(self, scenario: Scenario, seed: int | None = None):
        self.s = scenario
        self.seed = scenario.seed if seed is None else seed
        self.env = simpy.Environment()
        p = scenario.planning
        self.taxi_h, self.allow_h, self.refuel_h = p.taxi_h, p.flight_allowance_h, p.refuel_h
        self.af_ids = [a.id for a in scenario.airfields]
        self.af_index = {a: i for i, a in enumerate(self.af_ids)}
        self.dist = geo.distance_matrix([(a.lat, a.lon) for a in scenario.airfields])
        start_utc_h = scenario.start.utcoffset().total_seconds() / 3600.0
        unc = scenario.uncertainty
        self.unc = unc if unc is not None and unc.active() else None
        self.run = Run(scenario=scenario, seed=self.seed, end_h=0.0)
        # opening times: scheduled (hours and stated closures) and actual (plus random weather)
        self.open_sched: list[geo.OpeningTimes] = []
        self.open: list[geo.OpeningTimes] = []
        for a in scenario.airfields:
            phase = (scenario.start.hour + scenario.start.minute / 60.0 - start_utc_h + scenario.utc_offset(a)) % 24.0
            closures = [(scenario.h(c.start), scenario.h(c.end)) for c in a.closed]
            sched = geo.OpeningTimes(parse_hours(a.hours), phase, closures)
            weather = self._draw_weather(a.id)
            self.open_sched.append(sched)
            self.open.append(geo.OpeningTimes(sched.window, phase, closures + weather) if weather else sched)
        self.mog = [simpy.Resource(self.env, capacity=a.mog) for a in scenario.airfields]
        # airfields open round the clock with no closures (stated or random): no opening-time arithmetic
        self.always = [o.always_open() and o is sc for o, sc in zip(self.open, self.open_sched)]
        self.types = {t.id: t for t in scenario.aircraft}
        self._routes: dict[tuple[str, int, int], list[int] | None] = {}
        self._blocks: dict[tuple[str, int, int], tuple[float, list[int] | None]] = {}
        self._leg_cache: dict[tuple[str, int, int], tuple] = {}
        self.tails: list[_Tail] = []
        for fo, f in enumerate(scenario.fleet):
            avail = max(0.0, scenario.h(f.available))
            width = len(str(f.count))
            for k in range(f.count):
                name = f"{f.id}#{k + 1:0{width}d}"
                t = _Tail(name, len(self.tails), self.types[f.type], f.id, fo, self.af_index[f.base], avail)
                if self.unc is not None:
                    t.delay_rules = [r for r in self.unc.delays if r.aircraft in (None, f.type)]
                    t.breakdown_rules = [r for r in self.unc.breakdowns if r.aircraft in (None, f.type)]
                    t.rng_delay = stream(self.seed, f"delay:{name}") if t.delay_rules else None
                    t.rng_breakdown = stream(self.seed, f"breakdown:{name}") if t.breakdown_rules else None
                self.tails.append(t)
                self.run.tails.append((name, f.type, f.id, f.base))
        self.idle: dict[int, _Tail] = {}  # idle tails by index (insertion-ordered; ties go by key anyway)
        self.n_pending = 0  # loads waiting in self.pending
        # pending loads: one heap per (line) class of compatible types and fleets
        self.pending: dict[tuple, list] = {}
        self.class_tails: dict[tuple, frozenset[int]] = {}
        self.lines: dict[str, _Line] = {}
        self.open_lines = 0
        self.all_closed = self.env.event()
        self._seq = 0

    # ------------------------------------------------------------ set-up

    def _draw_weather(self, airfield: str) -> list[tuple[float, float]]:
        """Random closures of one airfield up to the horizon, from that airfield's own stream."""
        if self.unc is None:
            return []
        out = []
        for j, rule in enumerate(r for r in self.unc.weather if r.airfield == airfield):
            rng = stream(self.seed, f"weather:{airfield}:{j}")
            t = 0.0
            while True:
                t += float(rng.exponential(24.0 / rule.rate_per_day))
                if t >= self.s.horizon:
                    break
                d = rule.duration.sample(rng)
                out.append((t, t + d))
                self.run.weather.append(Closure(airfield, t, t + d))
        return out

    def _route(self, atype, a: int, b: int) -> list[int] | None:
        key = (atype.id, a, b)
        if key not in self._routes:
            self._routes[key] = geo.shortest_route(self.dist, a, b, atype.range_km)
        return self._routes[key]

    def _build_lines(self) -> None:
        s = self.s
        deploy_events: dict[str, list] = {}
        for order, m in enumerate(s.movements):
            ln = _Line()
            ln.m, ln.order, ln.contingent = m, order, m.contingent
            ln.origin, ln.dest = self.af_index[m.origin], self.af_index[m.destination]
            ln.closed_event = self.env.event()
            ln.result = LineResult(m.id)
            ln.key = (m.priority, s.h(m.deadline), s.h(m.ready), order)
            ln.loads = plan_line(s, m) if m.mode == "air" else []
            ln.left = len(ln.loads)
            troops, equipment, cargo = s.line_parts(m)
            ln.result.loads = len(ln.loads)
            ln.result.troops_left, ln.result.vehicles_left = troops, sum(equipment.values())
            ln.result.cargo_kg_left = round(cargo * 1000)
            allowed = {f.id for f in s.fleet if m.fleets is None or f.id in m.fleets}
            ln.fleets = allowed
            self.lines[m.id] = ln
            self.run.lines[m.id] = ln.result
            if m.phase == "deploy":
                deploy_events.setdefault(m.contingent, []).append(ln.closed_event)
        self.open_lines = len(self.lines)
        for c in s.contingents:
            if c.id not in deploy_events:
                self.run.initial_in_theatre[c.id] = c.troops
        for ln in self.lines.values():
            preds = deploy_events.get(ln.contingent, []) if ln.m.phase == "withdraw" else []
            self.env.process(self._line_proc(ln, preds))

    # ------------------------------------------------------------ line processes

    def _line_proc(self, ln: _Line, preds: list):
        env, s, m = self.env, self.s, ln.m
        ready = max(0.0, s.h(m.ready))
        if ready > env.now:
            yield env.timeout(ready - env.now)
        if preds:
            yield env.all_of(preds)
        if m.mode == "road":
            yield from self._convoy(ln)
            return
        earliest = s.h(m.earliest) if m.earliest is not None else None
        if earliest is not None:
            # hold the loads back so that the fastest possible sortie lands no earlier than allowed
            fastest = min(
                (t.load_h + self._block_time(t, ln.origin, ln.dest)[0] for t in line_types(s, m)), default=0.0
            )
            hold = earliest - fastest - env.now
            if hold > 0:
                yield env.timeout(hold)
        ln.result.released = env.now
        if not ln.loads:
            self._close(ln)
            return
        types = line_types(s, m)
        fleets = frozenset(ln.fleets)
        fits: dict[tuple, frozenset] = {}  # load.fits depends on troops, mass and floor only
        for k, load in enumerate(ln.loads):
            sig = (load.troops, load.mass_kg, load.floor_m)
            fit = fits.get(sig)
            if fit is None:
                fit = fits[sig] = frozenset(t.id for t in types if load.fits(t))
            cls = (fit, fleets)
            if cls not in self.class_tails:
                self.class_tails[cls] = frozenset(
                    t.idx for t in self.tails if t.type.id in fit and t.fleet in ln.fleets
                )
            heapq.heappush(self.pending.setdefault(cls, []), (*ln.key, k, env.now, load))
            self.n_pending += 1
        self._dispatch()

    def _convoy(self, ln: _Line):
        env, m = self.env, ln.m
        speed = m.convoy_kmh or 40.0  # assumption: military convoy average, documented in docs/model.md
        if self.unc is not None:
            for j, rule in enumerate(self.unc.road):
                if rule.line in (None, m.id) and rule.speed_cv > 0:
                    sigma = math.sqrt(math.log(1 + rule.speed_cv**2))
                    speed *= float(stream(self.seed, f"road:{m.id}:{j}").lognormal(-sigma * sigma / 2, sigma))
        march = m.march_h_per_day or 10.0  # assumption: daily march hours
        driving = m.road_km / speed
        days, rem = divmod(driving, march)
        if rem == 0 and days > 0:
            days, rem = days - 1, march
        total = days * 24.0 + rem
        ln.result.released = env.now
        depart = env.now
        yield env.timeout(total)
        troops, equipment, cargo = self.s.line_parts(m)
        self.run.convoys.append(
            Convoy(m.id, m.contingent, m.origin, m.destination, troops, equipment, round(cargo * 1000),
                   m.road_km, depart, env.now, driving)
        )
        ln.result.troops_left = ln.result.vehicles_left = ln.result.cargo_kg_left = 0
        self._close(ln)

    def _close(self, ln: _Line) -> None:
        ln.result.closed = self.env.now
        ln.closed_event.succeed()
        self.open_lines -= 1
        if self.open_lines == 0:
            self.all_closed.succeed()

    # ------------------------------------------------------------ dispatch

    def _dispatch(self) -> None:
        """Give pending loads to idle tails, best load first, to the tail that reaches it soonest."""
        idle, pending, class_tails = self.idle, self.pending, self.class_tails
        while idle and self.n_pending:
            idle_idx = idle.keys()
            best = None
            for cls, heap in pending.items():
                if (best is None or heap[0] < best[1][0]) and not idle_idx.isdisjoint(class_tails[cls]):
                    best = (cls, heap)
            if best is None:
                return
            cls, heap = best
            entry = heapq.heappop(heap)
            self.n_pending -= 1
            if not heap:
                del pending[cls]
            load: Load = entry[-1]
            ln = self.lines[load.line]
            allowed = class_tails[cls]
            tail = min(
                (t for i, t in idle.items() if i in allowed),
                key=lambda t: (self._empty_h(t, ln.origin, ln.dest), t.fleet_order, t.idx),
            )
            del idle[tail.idx]
            tail.job = (load, entry[-2], cls, entry)
            if tail.wake is not None:  # the tail is waiting for work: wake it
                tail.wake.succeed()

    def _empty_h(self, tail: _Tail, origin: int, dest: int) -> float:
        """Empty flying an assignment implies: to the load's origin, and home from its destination."""
        to_origin = 0.0 if tail.at == origin else self._block_time(tail.type, tail.at, origin)[0]
        home = 0.0 if tail.base == dest else self._block_time(tail.type, dest, tail.base)[0]
        return to_origin + home

    def _block_time(self, atype, a: int, b: int) -> tuple[float, list[int] | None]:
        key = (atype.id, a, b)
        got = self._blocks.get(key)
        if got is None:
            got = self._blocks[key] = self._block_time_uncached(atype, a, b)
        return got

    def _block_time_uncached(self, atype, a: int, b: int) -> tuple[float, list[int] | None]:
        route = self._route(atype, a, b)
        if route is None:
            return math.inf, None
        t = 0.0
        for x, y in zip(route, route[1:]):
            t += 2 * self.taxi_h + self.dist[x][y] / atype.cruise_kmh + self.allow_h
        return t + self.refuel_h * (len(route) - 2), route

    # ------------------------------------------------------------ tails

    def _tail_proc(self, tail: _Tail):
        env = self.env
        if tail.available > 0:
            yield env.timeout(tail.available)
        while True:
            tail.job = None
            self.idle[tail.idx] = tail
            self._dispatch()
            if tail.job is None:
                if tail.at != tail.base:
                    # nothing to do here: go home and park (leave the working slot)
                    del self.idle[tail.idx]
                    yield from self._fly(tail, tail.base, "reposition", "", None, env.now, env.now)
                    continue
                self._release_slot(tail)
                tail.wake = env.event()
                yield tail.wake
                tail.wake = None
            yield from self._sortie(tail, *tail.job)

    def _acquire_slot(self, tail: _Tail, af: int):
        req = self.mog[af].request()
        yield req
        tail.slot, tail.slot_since = (af, req), self.env.now

    def _release_slot(self, tail: _Tail) -> None:
        if tail.slot is not None:
            af, req = tail.slot
            self.mog[af].release(req)
            self.run.ground.append(GroundStay(self.af_ids[af], tail.name, tail.slot_since, self.env.now))
            tail.slot = None

    def _sortie(self, tail: _Tail, load: Load, released: float, cls: tuple, entry: tuple):
        env = self.env
        ln = self.lines[load.line]
        assigned = env.now
        wait_mog = 0.0
        if tail.at != ln.origin:
            yield from self._fly(tail, ln.origin, "reposition", load.line, None, assigned, assigned)
        if tail.slot is None:
            t0 = env.now
            yield from self._acquire_slot(tail, ln.origin)
            wait_mog = env.now - t0
        if tail.breakdown_rules:
            repair = self._breakdown(tail)
            if repair is not None:  # unserviceable: the load goes back to the queue, the tail to the workshop
                self.run.breakdowns.append(Breakdown(tail.name, self.af_ids[tail.at], load.line, env.now, repair))
                heapq.heappush(self.pending.setdefault(cls, []), entry)
                self.n_pending += 1
                self._release_slot(tail)
                self._dispatch()
                yield env.timeout(repair)
                return
        mog_at = (wait_mog, ln.origin) if wait_mog > 0 else (0.0, -1)
        ground_start = env.now
        yield env.timeout(tail.type.load_h)
        rec = yield from self._fly(tail, ln.dest, ln.m.phase, load.line, load, released, assigned, ground_start, wait_mog, mog_at)
        # arrival: on blocks at destination
        ln.left -= 1
        res = ln.result
        res.delivered += 1
        res.troops_left -= load.troops
        res.vehicles_left -= load.vehicle_count
        res.cargo_kg_left -= load.cargo_kg
        if ln.left == 0:
            self._close(ln)
        yield env.timeout(tail.type.unload_h)
        rec.done = env.now

    def _breakdown(self, tail: _Tail) -> float | None:
        """Repair time if the tail is found unserviceable now, else None (draws from the tail's stream)."""
        rng = tail.rng_breakdown
        repair = None
        for rule in tail.breakdown_rules:
            if rng.random() < rule.probability:
                repair = max(repair or 0.0, rule.repair.sample(rng))
        return repair

    def _delay(self, tail: _Tail, origin: int) -> float:
        if tail.rng_delay is None:
            return 0.0
        af = self.af_ids[origin]
        return sum(r.delay.sample(tail.rng_delay) for r in tail.delay_rules if r.airfield in (None, af))

    def _legs(self, atype, a: int, b: int):
        """Per (type, from, to): the hops (x, y, airborne h, km) and the stops, or None (cached)."""
        key = (atype.id, a, b)
        got = self._leg_cache.get(key)
        if got is None:
            route = self._route(atype, a, b)
            if route is None:
                got = (None, (), "", "")
            else:
                hops = tuple((x, y, self.dist[x][y] / atype.cruise_kmh + self.allow_h, self.dist[x][y])
                             for x, y in zip(route, route[1:]))
                got = (hops, tuple(self.af_ids[i] for i in route[1:-1]), self.af_ids[route[0]], self.af_ids[route[-1]])
            self._leg_cache[key] = got
        return got

    def _fly(self, tail: _Tail, dest: int, phase: str, line: str, load: Load | None,
             released: float, assigned: float, ground_start: float | None = None, wait_mog: float = 0.0,
             mog_at: tuple[float, int] = (0.0, -1)):
        """Fly from where the tail is to dest, through refuelling stops; land holding a slot at dest."""
        env, atype = self.env, tail.type
        hops, stops, origin_id, dest_id = self._legs(atype, tail.at, dest)
        if ground_start is None:
            ground_start = env.now
        if hops is None:  # refused by validation; never loop
            yield env.event()  # waits forever; the run ends at the horizon
            return None
        taxi, always = self.taxi_h, self.always
        wait_hours = wait_weather = wait_delay = flying = 0.0
        distance = 0.0
        off_blocks = takeoff = landing = math.nan
        first = True
        for x, y, airborne, km in hops:
            if first:
                wait_delay = self._delay(tail, x) if tail.rng_delay is not None else 0.0
                earliest_off = env.now + wait_delay + taxi
            else:
                yield env.timeout(self.refuel_h)
                earliest_off = env.now + taxi
            if always[x] and always[y]:
                t_sched = t_off = earliest_off
            else:
                limit = earliest_off + 24.0 * 400
                t_sched = geo.joint_departure(earliest_off, self.open_sched[x], self.open_sched[y], airborne, limit)
                t_off = t_sched
                if self.open[x] is not self.open_sched[x] or self.open[y] is not self.open_sched[y]:
                    t_off = geo.joint_departure(t_sched, self.open[x], self.open[y], airborne, limit)
                if t_off == math.inf:  # never open together: wait out the run
                    yield env.event()
                wait_hours += t_sched - earliest_off
                wait_weather += t_off - t_sched
            now = env.now
            if t_off - taxi > now:
                yield env.timeout(t_off - taxi - now)
            if first:
                off_blocks = env.now
            if taxi:
                yield env.timeout(taxi)
            if first:
                takeoff = env.now
                first = False
            self._release_slot(tail)
            yield env.timeout(airborne)
            flying += airborne
            distance += km
            t_hold = env.now
            req = self.mog[y].request()
            yield req
            now = env.now
            tail.slot, tail.slot_since = (y, req), now
            waited = now - t_hold
            wait_mog += waited
            if waited > mog_at[0]:
                mog_at = (waited, y)
            # a slot freed outside the destination's hours (or in bad weather): keep holding until it opens
            if not always[y]:
                t_open = self.open[y].next_open(now)
                if t_open > now:
                    t_sched_open = self.open_sched[y].next_open(now)
                    wait_hours += t_sched_open - now
                    wait_weather += t_open - t_sched_open
                    yield env.timeout(t_open - now)
            tail.at = y
            landing = env.now
            if taxi:
                yield env.timeout(taxi)
        on_blocks = env.now
        if load is not None:
            ln = self.lines.get(line)
            contingent = ln.contingent if ln is not None else ""
            troops, vehicles, cargo_kg, mass_kg = load.troops, dict(load.vehicles), load.cargo_kg, load.mass_kg
        else:
            contingent, troops, vehicles, cargo_kg, mass_kg = "", 0, {}, 0, 0
        rec = Sortie(
            tail.name, atype.id, tail.fleet, phase, line, contingent, origin_id, dest_id, stops,
            troops, vehicles, cargo_kg, mass_kg, distance, released, assigned, ground_start,
            off_blocks, takeoff, landing, on_blocks, on_blocks, flying, wait_mog, wait_hours,
            self.af_ids[mog_at[1]] if mog_at[1] >= 0 else "", wait_delay, wait_weather,
        )
        self.run.sorties.append(rec)
        return rec

    # ------------------------------------------------------------ run

    def _record_blocked(self, now: float) -> None:
        """For air lines still open at the end: is no flight between their airfields possible soon?"""
        for ln in self.lines.values():
            if ln.m.mode != "air" or not ln.loads or ln.left == 0 or ln.result.closed == ln.result.closed:
                continue
            atype = self.types.get(ln.loads[0].planned_type)
            route = self._route(atype, ln.origin, ln.dest) if atype else None
            if route is None:
                continue
            x, y = route[0], route[1]
            airborne = self.dist[x][y] / atype.cruise_kmh + self.allow_h
            limit = now + 24.0 * 400
            t_sched = geo.joint_departure(now, self.open_sched[x], self.open_sched[y], airborne, limit)
            t_full = geo.joint_departure(t_sched, self.open[x], self.open[y], airborne, limit) if t_sched != math.inf else math.inf
            if t_full - now > 1.0:
                self.run.blocked[ln.m.id] = ("hours" if t_sched - now > 1.0 else "weather", t_full)

    def simulate(self) -> Run:
        self._build_lines()
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
        for t in self.tails:  # close open ground stays at the end of the run
            if t.slot is not None:
                self.run.ground.append(GroundStay(self.af_ids[t.slot[0]], t.name, t.slot_since, now))
        self.run.sorties.sort(key=operator.attrgetter("takeoff", "tail"))
        self.run.ground.sort(key=operator.attrgetter("start", "airfield", "tail"))
        return self.run


def simulate(scenario: Scenario, seed: int | None = None) -> Run:
    """Run a scenario to closure or to its horizon and return the Run."""
    return Engine(scenario, seed).simulate()
