"""Packing a movement line into sortie loads.

The rule (documented in docs/model.md):
1. The line's *planning type* is the aircraft type with the most tails among the fleets allowed
   to fly it (ties: larger payload, then id). Vehicles that fit it are packed for it; a vehicle
   that does not fit goes to the smallest type (by payload) that can take it.
2. Vehicles are packed first, first-fit decreasing by length, then mass; each vehicle's crew
   rides with it (seats and mass), unless the vehicle leaves no room for them: then the crew
   travels with the other troops.
3. Remaining troops fill spare seats and payload of the vehicle loads, then cargo fills their
   spare payload and floor; then new loads of the planning type take troops (and cargo in the
   space they leave), then cargo alone.
A load can be flown by any type whose seats, payload and floor are all enough for it.
Cargo is counted in whole kilograms so that nothing is lost to rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim.scenario import AircraftType, Movement, Scenario


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
    max_vehicle_m: float = 0.0

    @property
    def cargo_t(self) -> float:
        return self.cargo_kg / 1000.0

    @property
    def vehicle_count(self) -> int:
        return sum(self.vehicles.values())

    def fits(self, t: AircraftType) -> bool:
        return (
            self.troops <= t.seats
            and self.mass_kg <= cap_kg(t)
            and self.floor_m <= t.floor_m + 1e-9
        )


def cap_kg(t: AircraftType) -> int:
    """Planning payload in whole kilograms, rounded down so a load never exceeds it."""
    return math.floor(t.payload_t * 1000 + 1e-9)


def line_types(scenario: Scenario, m: Movement) -> list[AircraftType]:
    """Aircraft types that may fly a line, ordered with the planning type first."""
    known = {t.id for t in scenario.aircraft}
    fleets = [f for f in scenario.fleet if (m.fleets is None or f.id in m.fleets) and f.type in known]
    tails: dict[str, int] = {}
    for f in fleets:
        tails[f.type] = tails.get(f.type, 0) + f.count
    types = [scenario.aircraft_type(t) for t in tails]
    types.sort(key=lambda t: (-tails[t.id], -t.payload_t, t.id))
    return types


def _vehicle_fits(t: AircraftType, mass_kg: int, length_m: float, crew: int, troop_kg: int) -> bool:
    return length_m <= t.floor_m + 1e-9 and mass_kg + crew * troop_kg <= cap_kg(t) and crew <= t.seats


def plan_line(scenario: Scenario, m: Movement) -> list[Load]:
    """Split one air movement line into loads (see the module docstring for the rule)."""
    troops, equipment, cargo_t = scenario.line_parts(m)
    types = line_types(scenario, m)
    if not types:
        return []
    primary = types[0]
    troop_kg = round(scenario.planning.troop_mass_t * 1000)
    floor_per_kg = scenario.planning.cargo_floor_m_per_t / 1000.0
    loads: list[Load] = []
    caps: list[AircraftType] = []

    # 1-2. vehicles, first-fit decreasing, grouped by the type they are planned for
    items = []
    for eid, n in equipment.items():
        e = scenario.equipment_item(eid)
        items += [(e.length_m, round(e.mass_t * 1000), eid, e.crew)] * n
    items.sort(key=lambda x: (-x[0], -x[1], x[2]))
    troops_left = troops
    by_size = sorted(types, key=lambda t: (t.payload_t, t.floor_m, t.id))
    open_loads: dict[str, list[Load]] = {}
    min_len = min((x[0] for x in items), default=0.0)
    min_mass = min((x[1] for x in items), default=0)
    for length_m, mass_kg, eid, crew in items:
        crew_riding = min(crew, troops_left)
        if _vehicle_fits(primary, mass_kg, length_m, crew_riding, troop_kg):
            t = primary
        else:
            t = next((x for x in by_size if _vehicle_fits(x, mass_kg, length_m, crew_riding, troop_kg)), None)
            if t is None:  # no room for the crew beside it: the crew flies as ordinary troops
                crew_riding = 0
                t = next((x for x in by_size if _vehicle_fits(x, mass_kg, length_m, 0, troop_kg)), None)
            if t is None:  # refused by validation; never reached for a valid scenario
                raise ValueError(f"no aircraft type can carry {eid} on line {m.id}")
        need_mass = mass_kg + crew_riding * troop_kg
        # first fit among the loads planned for t that can still take some vehicle (a load with less
        # floor than the shortest vehicle or less payload than the lightest one never can: dropping
        # it from the scan changes nothing but the cost)
        candidates = open_loads.setdefault(t.id, [])
        found, dead = None, 0
        room_floor, room_kg = t.floor_m + 1e-9, cap_kg(t)
        for load in candidates:
            if load.floor_m + min_len > room_floor or load.mass_kg + min_mass > room_kg:
                dead += 1
                continue
            if (
                load.floor_m + length_m <= room_floor
                and load.mass_kg + need_mass <= room_kg
                and load.troops + crew_riding <= t.seats
            ):
                found = load
                break
        if dead > 8:  # forget loads that are full for good
            candidates[:] = [x for x in candidates if x.floor_m + min_len <= room_floor and x.mass_kg + min_mass <= room_kg]
        if found is not None:
            load, cap = found, t
        else:
            load, cap = Load(line=m.id, planned_type=t.id), t
            loads.append(load)
            caps.append(cap)
            candidates.append(load)
        load.vehicles[eid] = load.vehicles.get(eid, 0) + 1
        load.floor_m += length_m
        load.mass_kg += need_mass
        load.troops += crew_riding
        load.max_vehicle_m = max(load.max_vehicle_m, length_m)
        troops_left -= crew_riding

    cargo_left = round(cargo_t * 1000)

    def top_up(load: Load, cap: AircraftType) -> None:
        nonlocal troops_left, cargo_left
        pay = cap_kg(cap)
        if troops_left:
            n = min(troops_left, cap.seats - load.troops, (pay - load.mass_kg) // troop_kg if troop_kg else troops_left)
            if n > 0:
                load.troops += n
                load.mass_kg += n * troop_kg
                troops_left -= n
        if cargo_left:
            room_floor = cap.floor_m - load.floor_m
            by_floor = int(room_floor / floor_per_kg) if floor_per_kg > 0 else cargo_left
            kg = min(cargo_left, pay - load.mass_kg, max(0, by_floor))
            if kg > 0:
                load.cargo_kg += kg
                load.mass_kg += kg
                load.floor_m += kg * floor_per_kg
                cargo_left -= kg

    # 3. fill vehicle loads, then new loads of the planning type
    for load, cap in zip(loads, caps):
        top_up(load, cap)
    cargo_type = primary if primary.payload_t > 0 else by_size[-1]
    troop_type = primary if primary.seats > 0 else next((t for t in types if t.seats > 0), primary)
    guard = 0
    while troops_left or cargo_left:
        cap = troop_type if troops_left else cargo_type
        load = Load(line=m.id, planned_type=cap.id)
        before = (troops_left, cargo_left)
        top_up(load, cap)
        if (troops_left, cargo_left) == before:
            guard += 1
            if guard > 1:  # nothing fits any type (validation refuses this); stop rather than loop
                break
            continue
        loads.append(load)
        caps.append(cap)
    return loads
