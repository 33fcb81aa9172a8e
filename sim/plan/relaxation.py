"""The relaxation behind `sim plan bound`: a MILP that any schedule of the simulator satisfies.

For a phase and a candidate closure time T, `Relaxation.solve(T)` asks HiGHS whether sortie counts
exist that carry every air leg of the phase's lines and fit the aircraft time, the daily flying
budget and the working spots available by T. If not, no dispatcher can close the phase by T, so the
smallest feasible T (found by bisection in sim.plan.bound) is a lower bound on the phase's closure.

What is kept, each as a necessary condition of the engine's rules (docs/model.md, "A lower bound on
closure"):
- loads: a sortie of a type carries at most the type's full seats, payload and floor (the load
  planner never exceeds them) and only the vehicles that fit its hold; sortie counts are integers;
- a sortie of line i by a tail of fleet f starts loading no earlier than the line's ready time nor
  than the fleet's availability plus the empty flight from its base to the origin; it is on blocks
  at the destination by T (a line closes at or after its last on-blocks);
- aircraft time: from that start, a tail's sorties follow one another, each taking its loading,
  block time and unloading and at least the shortest empty flight to an origin the fleet serves,
  except the last one, which need only be on blocks by T; counted per fleet over every suffix of
  start times (`threshold`), with the number of tails used as a variable;
- flying budget (rule `utilisation`): a tail flies at most one day's budget plus the refill, plus
  the overshoot one leg longer than the budget may take;
- crew duty (rule `crews`), for a fleet without spare crews, where each tail keeps its one crew: the
  busiest tail's chain of sorties fits duty periods and rests (`chain_sorties`);
- working spots (rule `parking`): at each airfield, the spot-hours of the loading and unloading
  windows of the sorties that start after a threshold fit its MOG over the span they can occupy;
  unloading windows may run past T by at most the longest unloading time.
Dropped (each only ever delays a schedule, so dropping it keeps the bound valid): crews of fleets
with spare crews, opening hours and weather, departure slots beyond the spot count, refuelling
stops' spots, surface legs and nodes (counted as instant), waits for other lines (`after`,
withdrawals after deployment), inflow, staging room, `earliest`, maintenance, breakdowns and delays;
sorties of other phases (they only take aircraft away). A dispatcher may send a tail toward a line's
origin before the line is ready (the engine's does not): the bound allows it.
"""

from __future__ import annotations

import functools
import importlib
import itertools
import math
import os
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from sim import geo
from sim.extras import MissingDependency, install_hint
from sim.loadplan import capacity, leg_fleets, vehicle_fits_hold
from sim.scenario import AircraftType, Fleet, Leg, Movement, Scenario
from sim.slots import OVERLAP_TOL_H

EXTRA = "plan"
INSTALL_HINT = "pip install -c .ci/constraints.txt -e '.[plan]' in the clone (or pip install highspy)"
EPS_M = 1e-9
UTE_TOL_H = 1e-6
CREW_TOL_H = 1e-6  # sim.crews compares times to 1e-7 h
MAX_CHAIN = 400  # longest chain of sorties the crew bound follows (beyond it, no crew row)


_BANNER_DONE: list[bool] = []


def highs() -> ModuleType:
    """The HiGHS solver's Python module, or MissingDependency naming the `plan` extra."""
    try:
        hs = importlib.import_module("highspy")
    except ImportError as exc:
        raise MissingDependency(f"sim plan and sim run --bound need highspy (the HiGHS solver): {install_hint('plan')}",
                                name="highspy") from exc
    if not _BANNER_DONE:
        _quiet_first(hs)
    return hs


def _quiet_first(hs: ModuleType) -> None:
    """Make the process's first Highs with standard output sent to /dev/null: HiGHS prints its banner
    there, once per process, before any option can turn output off."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            hs.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_DONE.append(True)


@dataclass(frozen=True)
class FleetInfo:
    """What the relaxation uses of one fleet."""

    id: str
    type: AircraftType
    tails: int  # mission-capable tails
    base: int
    available_h: float
    ute_h: float | None  # daily flying budget (None: the rule is off)
    spots: float
    crew: tuple[float, float] | None  # one crew per tail for good: (longest first off-blocks to last
    # on-blocks of a duty, shortest last on-blocks to next first off-blocks between duties); else None


@dataclass(frozen=True)
class Need:
    """One covering row of a task: `amount` of something, and how much one sortie of each fleet carries."""

    label: str
    amount: float
    per_sortie: dict[int, float]


@dataclass(frozen=True)
class Task:
    """One air leg of one line of the phase."""

    line: str
    origin: int
    dest: int
    ready_h: float
    needs: tuple[Need, ...]


@dataclass(frozen=True)
class Pair:
    """A task flown by a fleet: the times one sortie takes and the earliest it can start loading."""

    task: int
    fleet: int
    earliest_h: float
    load_h: float
    block_h: float
    unload_h: float
    airborne_h: float
    longest_hop_h: float
    one_hop: bool  # the loaded flight has no refuelling stop

    @property
    def on_blocks_h(self) -> float:
        """The earliest on-blocks at the destination."""
        return self.earliest_h + self.load_h + self.block_h

    def cycle_h(self, back_h: float) -> float:
        """Tail time from the start of loading until it can start loading its next sortie, `back_h` the
        empty flight to that sortie's origin."""
        return self.load_h + self.block_h + self.unload_h + back_h


@dataclass
class Solution:
    """A feasibility solve at one T: whether sortie counts exist (their sum by fleet), and the row groups."""

    feasible: bool
    sorties: dict[str, int] = field(default_factory=dict)  # by fleet
    groups: list[str] = field(default_factory=list)  # every group of rows the model had, in order


class Relaxation:
    """The relaxation of one phase (see the module docstring); `solve(T)` for a closure time T."""

    def __init__(self, scenario: Scenario, phase: str) -> None:
        self.s = scenario
        self.rules = scenario.planning.rules
        self.dist = geo.distance_matrix([(a.lat, a.lon) for a in scenario.airfields])
        self.af = {a.id: k for k, a in enumerate(scenario.airfields)}
        self.fleets = [_fleet_info(scenario, f, self.af[f.base]) for f in scenario.fleet]
        self.lines = [m for m in scenario.movements if m.phase == phase]
        self.tasks: list[Task] = []
        self.pairs: list[Pair] = []
        self._blocks: dict[tuple[str, int, int], tuple[float, float, float, int]] = {}
        self.origins = self._origins()
        for m in self.lines:
            for leg in m.journey():
                if leg.mode == "air":
                    self._add_task(m, leg)

    def ready_floor_h(self) -> float:
        """The latest ready time of the phase's lines: no line closes before it is ready."""
        return max((self.s.hours_of(m.ready) for m in self.lines), default=0.0)

    def transit_floor_h(self) -> float:
        """The latest over tasks of the earliest on-blocks of any single sortie (inf: a task no fleet can fly)."""
        best: dict[int, float] = {}
        for p in self.pairs:
            best[p.task] = min(best.get(p.task, math.inf), p.on_blocks_h)
        return max((best.get(k, math.inf) for k in range(len(self.tasks))), default=-math.inf)

    # ------------------------------------------------------------------ building

    def block(self, t: AircraftType, a: int, b: int) -> tuple[float, float, float, int]:
        """(block hours, airborne hours, longest hop airborne, hops) from a to b as the engine flies it (inf: no
        route)."""
        key = (t.id, a, b)
        if key not in self._blocks:
            if a == b:
                self._blocks[key] = (0.0, 0.0, 0.0, 0)
            else:
                self._blocks[key] = _route_times(self.s, self.dist, t, a, b)
        return self._blocks[key]

    def _origins(self) -> dict[int, set[tuple[float, int]]]:
        """Per fleet, the ready time and origin of every air leg (of any phase) it may fly."""
        out: dict[int, set[tuple[float, int]]] = {k: set() for k in range(len(self.fleets))}
        for m in self.s.movements:
            for leg in m.journey():
                if leg.mode == "air":
                    for k in self._allowed(m, leg):
                        out[k].add((self.s.hours_of(m.ready), self.af[leg.origin]))
        return out

    def _allowed(self, m: Movement, leg: Leg) -> list[int]:
        allowed = leg_fleets(m, leg)
        return [k for k, f in enumerate(self.s.fleet) if allowed is None or f.id in allowed]

    def _add_task(self, m: Movement, leg: Leg) -> None:
        """The task of one air leg and its pairs with every fleet that may fly it."""
        fleets = self._allowed(m, leg)
        needs = _needs(self.s, m, leg, {k: self.fleets[k].type for k in fleets})
        task = Task(m.id, self.af[leg.origin], self.af[leg.destination], self.s.hours_of(m.ready), needs)
        if all(n.amount <= 0 for n in needs):
            return
        self.tasks.append(task)
        for k in fleets:
            pair = self._pair(len(self.tasks) - 1, task, k)
            if pair is not None:
                self.pairs.append(pair)

    def _pair(self, index: int, task: Task, k: int) -> Pair | None:
        f = self.fleets[k]
        t = f.type
        block, airborne, longest, hops = self.block(t, task.origin, task.dest)
        if math.isinf(block):
            return None
        position = self.empty_h(t, f.base, task.origin)
        return Pair(index, k, max(task.ready_h, f.available_h + position), float(t.load_h), block,
                    float(t.unload_h), airborne, longest, hops == 1)

    def empty_h(self, t: AircraftType, a: int, b: int) -> float:
        """A lower bound on any empty flight from a to b, by any chain of hops: the great circle flown as one
        hop (taxi, allowance), since every chain flies at least that far and has at least one hop; 0 if a is b."""
        if a == b:
            return 0.0
        p = self.s.planning
        return self.dist[a][b] / t.cruise_kmh + p.flight_allowance_h + 2 * p.taxi_h

    # ------------------------------------------------------------------ solving

    def solve(self, T: float, skip: frozenset[str] = frozenset()) -> Solution:
        """Whether the relaxation allows closure by T, without the row groups in `skip`."""
        model = _Model(highs(), skip)
        pairs = [p for p in self.pairs if p.on_blocks_h <= T + 1e-9]
        cols = {id(p): model.var(0, math.inf, integer=True, cost=1.0) for p in pairs}
        if not self._cover(model, pairs, cols):
            return Solution(False, groups=model.groups)
        self._aircraft_time(model, pairs, cols, T)
        if self.rules.parking:
            self._apron(model, pairs, cols, T)
        x = model.run()
        if x is None:
            return Solution(False, groups=model.groups)
        sorties: dict[str, int] = {}
        for p in pairs:
            fid = self.fleets[p.fleet].id
            sorties[fid] = sorties.get(fid, 0) + round(x[cols[id(p)]])
        return Solution(True, {k: v for k, v in sorties.items() if v}, model.groups)

    def binding(self, T: float) -> list[str]:
        """The row groups each of which alone, left out, makes closure by T feasible (T infeasible)."""
        groups = self.solve(T).groups
        return [g for g in groups if self.solve(T, frozenset({g})).feasible]

    def _cover(self, model: _Model, pairs: list[Pair], cols: dict[int, int]) -> bool:
        """Each task's needs covered by its sorties; False when some need has no pair left to carry it."""
        by_task: dict[int, list[Pair]] = {}
        for p in pairs:
            by_task.setdefault(p.task, []).append(p)
        for k, task in enumerate(self.tasks):
            mine = by_task.get(k, [])
            for need in task.needs:
                terms = [(cols[id(p)], need.per_sortie.get(p.fleet, 0.0)) for p in mine]
                terms = [(c, v) for c, v in terms if v > 0]
                if need.amount > 0 and not terms:
                    return False
                if need.amount > 0:
                    model.row(terms, lower=need.amount, group=f"loads of {task.line}")
        return True

    def _aircraft_time(self, model: _Model, pairs: list[Pair], cols: dict[int, int], T: float) -> None:
        """Per fleet and start threshold: tail time (and flying budget) of the sorties starting after it."""
        for k, f in enumerate(self.fleets):
            mine = [p for p in pairs if p.fleet == k]
            backs = {id(p): self.back_h(p, T) for p in mine}
            for theta in sorted({p.earliest_h for p in mine}):
                group = [p for p in mine if p.earliest_h >= theta]
                _fleet_rows(model, f, [(cols[id(p)], p, backs[id(p)]) for p in group], T)

    def back_h(self, p: Pair, T: float) -> float:
        """The shortest empty flight from the pair's destination to the origin of an air leg the fleet may fly
        and that is ready before T (a sortie that starts before T is one of those); 0 when there is none."""
        t = self.fleets[p.fleet].type
        dest = self.tasks[p.task].dest
        return min((self.empty_h(t, dest, o) for ready, o in self.origins[p.fleet] if ready <= T), default=0.0)

    def _apron(self, model: _Model, pairs: list[Pair], cols: dict[int, int], T: float) -> None:
        """Per airfield and threshold: spot-hours of the loading and unloading windows that fit its MOG."""
        for a, field_ in enumerate(self.s.airfields):
            touching = [p for p in pairs if a in (self.tasks[p.task].origin, self.tasks[p.task].dest)]
            for theta in sorted({p.earliest_h for p in touching}):
                group = [p for p in touching if p.earliest_h >= theta]
                loads = [p for p in group if self.tasks[p.task].origin == a and p.load_h > 0]
                unloads = [p for p in group if self.tasks[p.task].dest == a and p.unload_h > 0]
                _apron_rows(model, cols, field_.id, float(field_.mog), self.fleets, loads, unloads, T)


def _fleet_rows(model: _Model, f: FleetInfo, group: list[tuple[int, Pair, float]], T: float) -> None:
    """The rows of one fleet's sorties that start loading at or after a threshold (column, pair, empty flight
    back), the earliest of them starting there:

    - total tail time: every sortie but each tail's last takes its whole cycle, the last until on-blocks;
    - the busiest tail: some tail flies at least N / tails of them, one after another;
    - with the utilisation rule, the same two for airborne hours against the budget and its refill;
    - with the crews rule and one crew per tail, the busiest tail's chain within duty limits.
    """
    start = min(p.earliest_h for _, p, _ in group)
    span = max(0.0, T - start)
    z = model.var(0, f.tails, cost=-1e-3)  # tails used: as many as the sorties allow
    model.row([(z, 1.0), *((c, -1.0) for c, _, _ in group)], upper=0.0)
    save = max(p.unload_h + back for _, p, back in group)
    model.row([*((c, p.cycle_h(back)) for c, p, back in group), (z, -(save + span))],
              upper=0.0, group=f"aircraft time of {f.id}")
    cycle = min(p.cycle_h(back) for _, p, back in group)
    first = min(p.load_h + p.block_h for _, p, _ in group)
    if cycle > 0:
        per_tail = 0 if span < first else math.floor((span - first) / cycle + 1e-9) + 1
        model.row([(c, 1.0) for c, _, _ in group], upper=f.tails * per_tail, group=f"sorties per tail of {f.id}")
    if f.ute_h is not None:
        over = max(0.0, max(p.longest_hop_h for _, p, _ in group) - f.ute_h)
        budget = f.ute_h * (1 + span / 24.0) + over + UTE_TOL_H
        model.row([*((c, p.airborne_h) for c, p, _ in group), (z, -budget)], upper=0.0,
                  group=f"flying hours of {f.id}")
        least = min(p.airborne_h for _, p, _ in group)
        if least > 0:
            model.row([(c, 1.0) for c, _, _ in group], upper=f.tails * math.floor(budget / least + 1e-9),
                      group=f"flying hours per tail of {f.id}")
    _crew_row(model, f, group, span)


def _crew_row(model: _Model, f: FleetInfo, group: list[tuple[int, Pair, float]], span: float) -> None:
    """One crew per tail for good: the busiest tail flies at least N / tails of the group's sorties, and its
    one crew flies them within duty limits (chain_sorties); only for loaded flights without stops, where
    a crew cannot rest in the middle of one."""
    if f.crew is None or not all(p.one_hop for _, p, _ in group):
        return
    m = chain_sorties(span, min(p.load_h for _, p, _ in group), min(p.block_h for _, p, _ in group),
                      min(p.unload_h for _, p, _ in group), min(back for _, _, back in group), *f.crew)
    if m is not None:
        model.row([(c, 1.0) for c, _, _ in group], upper=f.tails * m, group=f"crew duty of {f.id}")


@functools.lru_cache(maxsize=4096)
def chain_sorties(window: float, load: float, block: float, unload: float, back: float, span: float,
                  rest: float) -> int | None:
    """The most sorties one tail with one crew can fly within `window` hours of starting to load the first:
    loading, flight, unloading and the empty flight back (if any) in turn, every flight inside a duty
    whose first off-blocks to last on-blocks is at most `span`, duties at least `rest` apart. Dynamic
    programming over where the duties break: end[k], the earliest on-blocks of flight k when a duty
    ends with it. None past MAX_CHAIN sorties (no row then)."""
    flights: list[float] = []
    gaps: list[float] = []  # least ground time before each flight
    end: list[float] = []
    for m in range(1, MAX_CHAIN + 1):
        if m == 1:
            flights.append(block)
            gaps.append(load)
        elif back > 0:
            flights += [back, block]
            gaps += [unload, load]
        else:
            flights.append(block)
            gaps.append(unload + load)
        for k in range(len(end), len(flights)):
            end.append(_duty_end(k, flights, gaps, end, span, rest))
        if end[-1] > window:
            return m - 1
    return None


def _duty_end(k: int, flights: list[float], gaps: list[float], end: list[float], span: float, rest: float) -> float:
    """The earliest on-blocks of flight k when a duty ends with it: over the flight j that starts the duty."""
    best = math.inf
    inner = flights[k]  # from the duty's first off-blocks to flight k's on-blocks, flights j..k back to back
    for j in range(k, -1, -1):
        if j < k:
            inner += flights[j] + gaps[j + 1]
        if inner > span:
            break
        off = gaps[0] if j == 0 else end[j - 1] + max(rest, gaps[j])
        best = min(best, off + inner)
    return best


def _apron_rows(model: _Model, cols: dict[int, int], name: str, mog: float, fleets: list[FleetInfo],
                loads: list[Pair], unloads: list[Pair], T: float) -> None:
    """Loading windows alone, unloading windows alone, and both, each within the span it can occupy."""
    tol = 2 * OVERLAP_TOL_H  # the slot book lets windows overlap that much at either end
    load_terms = [(cols[id(p)], max(0.0, p.load_h - tol) * fleets[p.fleet].spots) for p in loads]
    unload_terms = [(cols[id(p)], max(0.0, p.unload_h - tol) * fleets[p.fleet].spots) for p in unloads]
    spans: list[tuple[float, float]] = []
    if loads:
        spans.append((min(p.earliest_h for p in loads), T - min(p.block_h for p in loads)))
        model.row(load_terms, upper=mog * max(0.0, spans[-1][1] - spans[-1][0]), group=f"spots at {name}")
    if unloads:
        spans.append((min(p.on_blocks_h for p in unloads), T + max(p.unload_h for p in unloads)))
        model.row(unload_terms, upper=mog * max(0.0, spans[-1][1] - spans[-1][0]), group=f"spots at {name}")
    if loads and unloads:
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        model.row([*load_terms, *unload_terms], upper=mog * max(0.0, hi - lo), group=f"spots at {name}")


def _fleet_info(s: Scenario, f: Fleet, base: int) -> FleetInfo:
    """The fleet's mission-capable tails, availability, budget and spots, as sim.fleet builds them."""
    t = s.aircraft_type(f.type)
    rules = s.planning.rules
    mc = next(v for v in (f.mc_rate, t.mc_rate, 1.0) if v is not None) if rules.availability else 1.0
    unc = s.uncertainty
    random_mc = unc is not None and any(r.aircraft in (None, f.type) for r in unc.availability)
    tails = f.count if random_mc else max(1, math.floor(f.count * mc + 0.5))
    ute = next((float(v) for v in (f.ute_h_per_day, t.ute_h_per_day) if v is not None), None)
    return FleetInfo(f.id, t, tails, base, max(0.0, s.hours_of(f.available)),
                     ute if rules.utilisation else None, float(t.spots or 1.0), _own_crews(s, f, t))


def _own_crews(s: Scenario, f: Fleet, t: AircraftType) -> tuple[float, float] | None:
    """(duty span, rest gap) when the crew rule is on and the fleet has no spare crews: then no crew pool
    ever holds a rested crew (a tired crew joins a pool only by handing over to one), so each tail keeps
    its own crew. The span runs from the first off-blocks to the last on-blocks of a duty (the duty
    less report time); between duties the crew rests, and reports again, before its next off-blocks."""
    ratio = next(float(v) for v in (f.crew_ratio, t.crew_ratio, 1.0) if v is not None)
    if not s.planning.rules.crews or round(f.count * ratio) > f.count:
        return None
    if f.crew_augmented is None:
        duty = t.duty_h()
    else:
        duty = float((t.crew_augmented_duty_h if f.crew_augmented else t.crew_duty_h) or 0.0)
    report, rest = float(t.crew_report_h or 0.0), float(t.crew_rest_h or 0.0)
    return duty - report + CREW_TOL_H, rest + report - CREW_TOL_H


def _route_times(s: Scenario, dist: list[list[float]], t: AircraftType, a: int,
                 b: int) -> tuple[float, float, float, int]:
    """Block, airborne and longest-hop airborne hours and hops of the engine's route from a to b
    (sim.mission.block_h)."""
    p = s.planning
    route = geo.shortest_route(dist, a, b, t.range_km)
    if route is None:
        return math.inf, math.inf, math.inf, 0
    hops = [dist[x][y] / t.cruise_kmh + p.flight_allowance_h for x, y in itertools.pairwise(route)]
    return sum(2 * p.taxi_h + h for h in hops) + p.refuel_h * (len(hops) - 1), sum(hops), max(hops), len(hops)


def _needs(s: Scenario, m: Movement, leg: Leg, types: dict[int, AircraftType]) -> tuple[Need, ...]:
    """What one air leg must carry, and at most how much of it one sortie of each fleet carries."""
    troops, equipment, cargo_t = s.line_parts(m)
    troop_kg = round(s.planning.troop_mass_t * 1000)
    cargo_kg = round(cargo_t * 1000)
    fpk = s.planning.cargo_floor_m_per_t / 1000.0
    lf = next((x for x in (leg.load_factor, m.load_factor) if x is not None), s.planning.load_factor)
    caps = {k: _sortie_caps(t, lf, s.planning.rules.planning_loads, troop_kg, fpk) for k, t in types.items()}
    kinds = [(s.equipment_item(e), n) for e, n in equipment.items()]
    mass = troops * troop_kg + cargo_kg + sum(round(e.mass_t * 1000) * n for e, n in kinds)
    floor = cargo_kg * fpk + sum(e.length_m * n for e, n in kinds)
    needs = [Need("troops", troops, {k: c[0] for k, c in caps.items()}),
             Need("payload", mass, {k: c[1] for k, c in caps.items()}),
             Need("floor", floor, {k: c[2] for k, c in caps.items()})]
    for e, n in kinds:
        per = {k: _vehicles_per_sortie(e.length_m, round(e.mass_t * 1000), c) if vehicle_fits_hold(e, types[k])
               else 0.0 for k, c in caps.items()}
        needs.append(Need(e.id, n, per))
    return tuple(needs)


def _sortie_caps(t: AircraftType, lf: float, planning_loads: bool, troop_kg: int,
                 fpk: float) -> tuple[float, float, float]:
    """Most troops, kg and floor metres one sortie of type t ever carries (sim.loadplan's exceptions included)."""
    c = capacity(t, lf, planning_loads)
    floor = c.full_floor_m
    if c.kg <= 0 or (fpk > 0 and int(c.floor_m / fpk) <= 0):  # a cargo-only load may then take the full payload
        floor = max(floor, c.full_kg * fpk)
    return float(max(c.full_seats, 1)), float(max(c.full_kg, troop_kg)), floor + EPS_M


def _vehicles_per_sortie(length_m: float, mass_kg: int, caps: tuple[float, float, float]) -> float:
    """Most vehicles of one kind on one sortie: by floor and by payload."""
    by_floor = math.floor((caps[2] + EPS_M) / length_m)
    by_mass = math.floor(caps[1] / mass_kg) if mass_kg > 0 else by_floor
    return float(max(0, min(by_floor, by_mass)))


class _Model:
    """A small HiGHS model built row by row; rows come in named groups, and groups in `skip` are left out."""

    def __init__(self, hs: ModuleType, skip: frozenset[str] = frozenset()) -> None:
        self.hs = hs
        self.h: Any = hs.Highs()
        self.h.setOptionValue("output_flag", False)
        self.skip = skip
        self.n = 0
        self.rows = 0
        self.groups: list[str] = []

    def var(self, lb: float, ub: float, integer: bool = False, cost: float = 0.0) -> int:
        """A new column (integer or continuous) with its cost in the objective (minimised); its index."""
        self.h.addVar(lb, ub)
        if cost:
            self.h.changeColCost(self.n, cost)
        if integer:
            self.h.changeColIntegrality(self.n, self.hs.HighsVarType.kInteger)
        self.n += 1
        return self.n - 1

    def row(self, terms: list[tuple[int, float]], lower: float = -math.inf, upper: float = math.inf,
            group: str = "") -> None:
        """A row lower <= sum(value * column) <= upper, unless its group is skipped."""
        import numpy as np

        if group and group not in self.groups:
            self.groups.append(group)
        if group in self.skip:
            return
        inf = self.h.getInfinity()
        lo, hi = (-inf if math.isinf(lower) else lower), (inf if math.isinf(upper) else upper)
        idx = np.array([c for c, _ in terms], dtype=np.int32)
        val = np.array([v for _, v in terms], dtype=np.float64)
        self.h.addRow(lo, hi, len(terms), idx, val)
        self.rows += 1

    def run(self) -> list[float] | None:
        """Solve: the column values, or None when infeasible."""
        if not self.rows:
            return [0.0] * self.n
        self.h.run()
        if self.h.getModelStatus() != self.hs.HighsModelStatus.kOptimal:
            return None
        return list(self.h.getSolution().col_value)
