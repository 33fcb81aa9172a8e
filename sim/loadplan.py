"""Packing a movement line into sortie loads, one load at a time, for the aircraft that flies it.

A line's troops, vehicles and cargo wait in a `LineStock`. When dispatch gives the line to a
tail, the stock cuts a load planned for that tail's own type (`carve`), so an An-124 and an Il-76
on one line each fly loads of their own size. The rule (documented in docs/model.md):
1. Capacity: the type's planning seats, payload and floor times the line's load factor (with
   planning loads off: the maximum seats and payload, load factor 1). A single vehicle that
   needs more than that share still flies alone if it fits the full capacity.
2. Vehicles first, longest (then heaviest) first, while floor, payload, width and height allow;
   each vehicle's crew rides with it when seats and payload allow, else with the other troops.
3. Then troops fill the spare seats and payload, then cargo the spare payload and floor.
Cargo is counted in whole kilograms so that nothing is lost to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.scenario import AircraftType, Equipment, Leg, Movement, Scenario

EPS_M = 1e-9


@dataclass(slots=True)
class Load:
    """What one sortie carries for one movement line."""

    line: str
    troops: int = 0
    vehicles: dict[str, int] = field(default_factory=dict)
    cargo_kg: int = 0
    mass_kg: int = 0
    floor_m: float = 0.0
    planned_type: str = ""
    vehicle_crew: int = 0  # troops riding as crews of the vehicles (part of troops)

    @property
    def cargo_t(self) -> float:
        """The cargo carried, tonnes."""
        return self.cargo_kg / 1000.0

    @property
    def vehicle_count(self) -> int:
        """Vehicles carried, all kinds together."""
        return sum(self.vehicles.values())


@dataclass(slots=True, frozen=True)
class Capacity:
    """What one load of one type may take: seats, payload (kg) and floor (m), and the full limits."""

    seats: int
    kg: int
    floor_m: float
    full_seats: int
    full_kg: int
    full_floor_m: float


def capacity(t: AircraftType, load_factor: float, planning_loads: bool) -> Capacity:
    """The capacity a load of type t is planned to (see the module docstring)."""
    if planning_loads:
        seats, payload_t = t.seats, t.payload_t
    else:
        seats, payload_t, load_factor = t.max_seats or t.seats, t.max_payload_t or t.payload_t, 1.0
    full_kg = math.floor(payload_t * 1000 + 1e-9)
    return Capacity(
        seats=math.floor(seats * load_factor + 1e-9), kg=math.floor(full_kg * load_factor + 1e-9),
        floor_m=t.floor_m * load_factor, full_seats=seats, full_kg=full_kg, full_floor_m=t.floor_m,
    )


def vehicle_fits_hold(e: Equipment, t: AircraftType) -> bool:
    """Length, width and height against the hold (unknown dimensions are not checked)."""
    if e.length_m > t.floor_m + EPS_M:
        return False
    if e.width_m is not None and t.hold_width_m is not None and e.width_m > t.hold_width_m + EPS_M:
        return False
    return not (e.height_m is not None and t.hold_height_m is not None and e.height_m > t.hold_height_m + EPS_M)


def leg_fleets(m: Movement, leg: Leg | None = None) -> list[str] | None:
    """Fleets allowed on an air leg: the leg's own, else the line's (None: any)."""
    return leg.fleets if leg is not None and leg.fleets is not None else m.fleets


def line_types(scenario: Scenario, m: Movement, leg: Leg | None = None) -> list[AircraftType]:
    """Aircraft types that may fly a line (or one air leg of it), the one with the most tails first."""
    known = {t.id for t in scenario.aircraft}
    allowed = leg_fleets(m, leg)
    tails: dict[str, int] = {}
    for f in scenario.fleet:
        if (allowed is None or f.id in allowed) and f.type in known:
            tails[f.type] = tails.get(f.type, 0) + f.count
    types = [scenario.aircraft_type(t) for t in tails]
    types.sort(key=lambda t: (-tails[t.id], -t.payload_t, t.id))
    return types


class LineStock:
    """What is left of one line to fly, cut into loads as tails take it."""

    __slots__ = (
        "_caps",
        "cargo_kg",
        "counts",
        "floor_per_kg",
        "kinds",
        "line",
        "load_factor",
        "planning_loads",
        "troop_kg",
        "troops",
    )

    def __init__(self, scenario: Scenario, m: Movement, leg: Leg | None = None, empty: bool = False) -> None:
        """The stock of line m (of one of its legs: its load factor; `empty`: nothing has arrived yet)."""
        troops, equipment, cargo_t = scenario.line_parts(m)
        self.line = m.id
        self.troops = 0 if empty else troops
        self.cargo_kg = 0 if empty else round(cargo_t * 1000)
        # vehicle kinds, longest (then heaviest) first
        self.kinds: list[Equipment] = sorted(
            (scenario.equipment_item(e) for e in equipment), key=lambda e: (-e.length_m, -e.mass_t, e.id)
        )
        self.counts = [0 if empty else equipment[e.id] for e in self.kinds]
        self.troop_kg = round(scenario.planning.troop_mass_t * 1000)
        self.floor_per_kg = scenario.planning.cargo_floor_m_per_t / 1000.0
        lf = next((x for x in (leg.load_factor if leg else None, m.load_factor) if x is not None),
                  scenario.planning.load_factor)
        self.load_factor = lf
        self.planning_loads = scenario.planning.rules.planning_loads
        self._caps: dict[str, Capacity] = {}

    def add(self, troops: int, vehicles: dict[str, int], cargo_kg: int) -> None:
        """Put elements into the stock (arrived from the previous leg, or a load put back)."""
        self.troops += troops
        self.cargo_kg += cargo_kg
        for k, e in enumerate(self.kinds):
            self.counts[k] += vehicles.get(e.id, 0)

    def put_back(self, load: Load) -> None:
        """Return a load that does not move now to the stock."""
        self.add(load.troops, load.vehicles, load.cargo_kg)

    def vehicle_count(self) -> int:
        """Vehicles left in the stock, all kinds together."""
        return sum(self.counts)

    def fills(self, t: AircraftType) -> bool:
        """Whether what is here fills at least one planned load of type t (troops, payload or floor)."""
        c = self.cap(t)
        mass = self.troops * self.troop_kg + self.cargo_kg + sum(
            round(e.mass_t * 1000) * n for e, n in zip(self.kinds, self.counts))
        floor = self.cargo_kg * self.floor_per_kg + sum(e.length_m * n for e, n in zip(self.kinds, self.counts))
        return self.troops >= c.seats or mass >= c.kg or floor >= c.floor_m - EPS_M

    def take(self, troops: int, vehicles: int, cargo_kg: int) -> Load:
        """A surface load: up to `vehicles` vehicles (longest first) with their crews, then up to `troops`
        troops and `cargo_kg` of cargo; when the vehicles are the limit, the other troops and the cargo
        go in proportion to the vehicles taken, so they are all gone with the last vehicle."""
        load = Load(line=self.line)
        have = self.vehicle_count()
        left = vehicles
        for k, e in enumerate(self.kinds):
            n = min(self.counts[k], left)
            if n:
                self.counts[k] -= n
                left -= n
                load.vehicles[e.id] = n
                crew = min(self.troops, e.crew * n)
                load.troops += crew
                load.vehicle_crew += crew
                self.troops -= crew
        share = 1.0 if not have or have == load.vehicle_count else load.vehicle_count / have
        n_troops = min(troops - load.troops, math.ceil(self.troops * share - 1e-9)) if troops > load.troops else 0
        kg = min(cargo_kg, math.ceil(self.cargo_kg * share - 1e-9))
        load.troops += max(0, n_troops)
        self.troops -= max(0, n_troops)
        load.cargo_kg, self.cargo_kg = kg, self.cargo_kg - kg
        load.mass_kg = load.troops * self.troop_kg + kg + sum(
            round(e.mass_t * 1000) * load.vehicles.get(e.id, 0) for e in self.kinds)
        return load

    def cap(self, t: AircraftType) -> Capacity:
        """The capacity of one load of type t on this line (computed once per type)."""
        c = self._caps.get(t.id)
        if c is None:
            c = self._caps[t.id] = capacity(t, self.load_factor, self.planning_loads)
        return c

    def empty(self) -> bool:
        """Whether nothing is left: no troops, cargo or vehicles."""
        return not self.troops and not self.cargo_kg and not any(self.counts)

    def can_carry(self, t: AircraftType) -> bool:
        """Whether a tail of type t can take anything that is left."""
        c = self.cap(t)
        if self.troops and c.full_seats > 0 and c.full_kg >= self.troop_kg:
            return True
        if self.cargo_kg and c.full_kg > 0 and (self.floor_per_kg == 0 or c.full_floor_m > 0):
            return True
        return any(n and self._vehicle_alone(e, t, c) for e, n in zip(self.kinds, self.counts))

    def _vehicle_alone(self, e: Equipment, t: AircraftType, c: Capacity) -> bool:
        return vehicle_fits_hold(e, t) and round(e.mass_t * 1000) <= c.full_kg

    def carve(self, t: AircraftType) -> Load:
        """Cut the next load for a tail of type t (the caller checked can_carry)."""
        c = self.cap(t)
        load = Load(line=self.line, planned_type=t.id)
        self._take_vehicles(load, t, c)
        self._take_troops(load, c)
        self._take_cargo(load, c)
        return load

    def _take_vehicles(self, load: Load, t: AircraftType, c: Capacity) -> None:
        for k, e in enumerate(self.kinds):
            if not self.counts[k] or not vehicle_fits_hold(e, t):
                continue
            mass = round(e.mass_t * 1000)
            while self.counts[k]:
                crew = min(e.crew, self.troops)
                first = not load.vehicles
                seats, kg, floor_m = (c.full_seats, c.full_kg, c.full_floor_m) if first else (c.seats, c.kg, c.floor_m)
                if load.floor_m + e.length_m > floor_m + EPS_M or load.mass_kg + mass > kg:
                    break
                if load.troops + crew > seats or load.mass_kg + mass + crew * self.troop_kg > kg:
                    crew = 0  # no room beside it: its crew flies with the other troops
                self.counts[k] -= 1
                load.vehicles[e.id] = load.vehicles.get(e.id, 0) + 1
                load.floor_m += e.length_m
                load.mass_kg += mass + crew * self.troop_kg
                load.troops += crew
                load.vehicle_crew += crew
                self.troops -= crew

    def _take_troops(self, load: Load, c: Capacity) -> None:
        if not self.troops:
            return
        by_mass = (c.kg - load.mass_kg) // self.troop_kg if self.troop_kg else self.troops
        n = max(0, min(self.troops, c.seats - load.troops, by_mass))
        if n == 0 and not load.vehicles and not load.troops:
            n = 1  # a load factor that rounds below one seat still moves one soldier a sortie
        load.troops += n
        load.mass_kg += n * self.troop_kg
        self.troops -= n

    def _take_cargo(self, load: Load, c: Capacity) -> None:
        if not self.cargo_kg:
            return
        room_m = c.floor_m - load.floor_m
        by_floor = int(room_m / self.floor_per_kg) if self.floor_per_kg > 0 else self.cargo_kg
        kg = max(0, min(self.cargo_kg, c.kg - load.mass_kg, by_floor))
        if kg == 0 and load.mass_kg == 0:
            kg = min(self.cargo_kg, c.full_kg)  # never fly an empty load: use the full capacity
        load.cargo_kg += kg
        load.mass_kg += kg
        load.floor_m += kg * self.floor_per_kg
        self.cargo_kg -= kg


def plan_line(scenario: Scenario, m: Movement) -> list[Load]:
    """Every load of a line if its planning type flew all of it (an estimate for checks and benchmarks)."""
    types = line_types(scenario, m)
    stock = LineStock(scenario, m)
    loads: list[Load] = []
    while not stock.empty():
        t = next((x for x in types if stock.can_carry(x)), None)
        if t is None:  # nothing left fits any allowed type (validation refuses this)
            break
        loads.append(stock.carve(t))
    return loads
