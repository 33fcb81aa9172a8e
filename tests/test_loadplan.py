"""sim.loadplan against loads worked out by hand: capacity, vehicles first with their crews, then
troops, then cargo; load factors; the hold; surface loads; and which types may fly a line.

Every scenario here is small enough to pack on paper. Unless a test says otherwise: one type
"lifter" (100 seats, 40 t = 40 000 kg payload, 20 m floor), a soldier weighs 0.1 t = 100 kg, cargo
takes 1 m of floor per tonne (0.001 m/kg), an APC is 15 t, 7.5 m long with a crew of 3 and a jeep
2.5 t, 4.5 m long with a crew of 1.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from sim.loadplan import LineStock, Load, capacity, line_types, plan_line, vehicle_fits_hold
from sim.scenario import AircraftType, Equipment, Scenario

LIFTER = {"id": "lifter", "seats": 100, "payload_t": 40, "floor_m": 20, "cruise_kmh": 800, "range_km": 5000,
          "load_h": 2, "unload_h": 1}
APC = {"id": "apc", "mass_t": 15.0, "length_m": 7.5, "crew": 3}
JEEP = {"id": "jeep", "mass_t": 2.5, "length_m": 4.5, "crew": 1}
BASE: dict[str, Any] = {
    "name": "loadplan", "start": "2022-01-06T00:00+06:00",
    "planning": {"troop_mass_t": 0.1, "cargo_floor_m_per_t": 1.0},
    "airfields": [{"id": "a", "lat": 0.0, "lon": 0.0, "mog": 10}, {"id": "b", "lat": 0.0, "lon": 10.0, "mog": 10}],
    "aircraft": [LIFTER],
    "fleet": [{"id": "lifters", "type": "lifter", "count": 2, "base": "a"}],
    "equipment": [APC, JEEP],
    "contingents": [{"id": "x", "nation": "X", "troops": 0, "home": "a"}],
    "movements": [{"id": "x-in", "contingent": "x", "phase": "deploy", "from": "a", "to": "b",
                   "ready": "+0h", "deadline": "+10d"}],
}


def make(contingent: dict[str, Any] | None = None, movement: dict[str, Any] | None = None,
         planning: dict[str, Any] | None = None, **top: Any) -> Scenario:
    """BASE with the contingent, the movement line and planning updated and top-level keys replaced."""
    data = copy.deepcopy(BASE)
    data["contingents"][0].update(contingent or {})
    data["movements"][0].update(movement or {})
    data["planning"].update(planning or {})
    data.update(copy.deepcopy(top))
    return Scenario.model_validate(data)


def packed(s: Scenario) -> list[tuple[int, dict[str, int], int]]:
    """(troops, vehicles, cargo kg) of each load of the scenario's one line."""
    return [(ld.troops, ld.vehicles, ld.cargo_kg) for ld in plan_line(s, s.movements[0])]


# ----------------------------------------------------------------- capacity


def test_capacity_is_the_planning_load_times_the_load_factor() -> None:
    """Load factor 0.8: seats floor(100 x 0.8) = 80, payload 40 000 x 0.8 = 32 000 kg, floor
    20 x 0.8 = 16 m; the full limits stay 100 seats, 40 000 kg, 20 m."""
    t = make().aircraft_type("lifter")
    c = capacity(t, 0.8, planning_loads=True)
    assert (c.seats, c.kg, c.floor_m) == (80, 32000, pytest.approx(16.0))
    assert (c.full_seats, c.full_kg, c.full_floor_m) == (100, 40000, 20.0)


def test_capacity_without_planning_loads_is_the_maximum_and_ignores_the_load_factor() -> None:
    """Maxima 120 seats and 48 t: with planning loads off a load takes all of them, load factor 1."""
    t = make(aircraft=[dict(LIFTER, max_seats=120, max_payload_t=48)]).aircraft_type("lifter")
    c = capacity(t, 0.5, planning_loads=False)
    assert (c.seats, c.kg, c.floor_m) == (120, 48000, 20.0)
    assert (c.full_seats, c.full_kg) == (120, 48000)


def test_capacity_rounds_seats_and_kilograms_down() -> None:
    """Payload 40.0005 t is 40 000.5 kg: 40 000 kg. Load factor 1/3: seats floor(33.33) = 33, payload
    floor(40 000 / 3) = 13 333 kg."""
    t = make(aircraft=[dict(LIFTER, payload_t=40.0005)]).aircraft_type("lifter")
    c = capacity(t, 1 / 3, planning_loads=True)
    assert (c.seats, c.kg, c.full_kg) == (33, 13333, 40000)


# ----------------------------------------------------------------- troops and cargo


def test_troops_fill_the_seats() -> None:
    """250 troops, 100 seats, 100 x 100 kg = 10 t of 40 t: seats bind. 100 + 100 + 50."""
    assert packed(make({"troops": 250})) == [(100, {}, 0), (100, {}, 0), (50, {}, 0)]


def test_heavy_troops_fill_the_payload() -> None:
    """Soldiers of 0.5 t: 40 000 / 500 = 80 a load before the 100 seats. 200 = 80 + 80 + 40."""
    s = make({"troops": 200}, planning={"troop_mass_t": 0.5})
    assert packed(s) == [(80, {}, 0), (80, {}, 0), (40, {}, 0)]


def test_cargo_fills_the_floor() -> None:
    """50 t of cargo at 1 m a tonne: 20 m of floor takes 20 t (payload would take 40 t).
    50 t = 20 000 + 20 000 + 10 000 kg."""
    assert packed(make({"cargo_t": 50.0})) == [(0, {}, 20000), (0, {}, 20000), (0, {}, 10000)]


def test_troops_first_then_cargo_in_what_is_left() -> None:
    """150 troops and 30 t. Load 1: 100 troops (10 000 kg), then cargo up to min(floor 20 m = 20 000 kg,
    payload 40 000 - 10 000 = 30 000 kg) = 20 000 kg. Load 2: 50 troops and the last 10 000 kg."""
    assert packed(make({"troops": 150, "cargo_t": 30.0})) == [(100, {}, 20000), (50, {}, 10000)]


def test_a_line_moving_part_of_a_contingent_packs_only_that_part() -> None:
    """The contingent has 1000 troops; the line states 150 of them: 100 + 50."""
    s = make({"troops": 1000}, movement={"troops": 150})
    assert packed(s) == [(100, {}, 0), (50, {}, 0)]


# ----------------------------------------------------------------- vehicles


def test_vehicles_go_first_longest_first_with_their_crews() -> None:
    """4 APCs, 2 jeeps, 200 troops. Load 1: APC (7.5 m, 15 000 + 3 x 100 kg), APC (15 m, 30 600 kg),
    a third APC would need 22.5 m > 20 m, so a jeep (19.5 m, 30 600 + 2 500 + 100 = 33 200 kg); then
    troops up to the payload: (40 000 - 33 200) / 100 = 68, so 7 crew + 68 = 75 troops. Load 2 is the
    same. Load 3: the 200 - 150 = 50 troops left."""
    s = make({"troops": 200, "equipment": {"apc": 4, "jeep": 2}})
    apcs_and_jeep = {"apc": 2, "jeep": 1}
    assert packed(s) == [(75, apcs_and_jeep, 0), (75, apcs_and_jeep, 0), (50, {}, 0)]
    first = plan_line(s, s.movements[0])[0]
    assert (first.vehicle_crew, first.mass_kg, first.floor_m) == (7, 40000, pytest.approx(19.5))


def test_a_vehicle_above_the_load_factor_share_flies_alone_at_full_capacity() -> None:
    """Load factor 0.5 (20 000 kg, 10 m a load). A 30 t, 8 m vehicle exceeds that share but fits the
    full 40 t and 20 m, so it flies, one a load, with its crew of 2 (30 200 kg); no second vehicle
    and no other troops join it (both would be measured against the 20 000 kg share)."""
    tank = {"id": "tank", "mass_t": 30.0, "length_m": 8.0, "crew": 2}
    s = make({"troops": 4, "equipment": {"tank": 2}}, planning={"load_factor": 0.5}, equipment=[tank])
    assert packed(s) == [(2, {"tank": 1}, 0), (2, {"tank": 1}, 0)]


def test_a_crew_without_room_flies_with_the_other_troops() -> None:
    """A type with 2 seats carries a vehicle with a crew of 3: the crew cannot sit beside it
    (3 > 2 seats), so the vehicle flies without them and they follow as troops, 2 then 1."""
    small = dict(LIFTER, seats=2)
    big_crew = {"id": "gun", "mass_t": 5.0, "length_m": 6.0, "crew": 3}
    s = make({"troops": 3, "equipment": {"gun": 1}}, aircraft=[small], equipment=[big_crew])
    loads = plan_line(s, s.movements[0])
    assert [(ld.troops, ld.vehicles, ld.vehicle_crew) for ld in loads] == [(2, {"gun": 1}, 0), (1, {}, 0)]


def test_vehicle_fits_hold_checks_length_width_and_height() -> None:
    """Hold 20 m long, 4 m wide, 4 m high. Unknown vehicle dimensions are not checked."""
    hold = AircraftType.model_validate(dict(LIFTER, hold_width_m=4.0, hold_height_m=4.0))
    assert vehicle_fits_hold(Equipment.model_validate(APC), hold)  # no width or height: only 7.5 m <= 20 m
    assert vehicle_fits_hold(Equipment.model_validate(dict(APC, width_m=4.0, height_m=4.0)), hold)  # exactly
    assert not vehicle_fits_hold(Equipment.model_validate(dict(APC, width_m=4.5)), hold)
    assert not vehicle_fits_hold(Equipment.model_validate(dict(APC, height_m=4.1)), hold)
    assert not vehicle_fits_hold(Equipment.model_validate(dict(APC, length_m=20.5)), hold)


def test_a_vehicle_no_type_can_take_is_left_behind() -> None:
    """A 4.5 m wide vehicle and a 4 m wide hold: nothing can carry it, so no load is planned."""
    wide = dict(APC, width_m=4.5)
    s = make({"equipment": {"apc": 1}}, aircraft=[dict(LIFTER, hold_width_m=4.0)], equipment=[wide])
    stock = LineStock(s, s.movements[0])
    assert not stock.can_carry(s.aircraft_type("lifter"))
    assert plan_line(s, s.movements[0]) == []


# ----------------------------------------------------------------- load factors


def test_line_load_factor_shrinks_each_load() -> None:
    """Load factor 0.5 on the line: 50 seats a load. 120 troops = 50 + 50 + 20."""
    s = make({"troops": 120}, movement={"load_factor": 0.5})
    assert packed(s) == [(50, {}, 0), (50, {}, 0), (20, {}, 0)]


def test_leg_load_factor_beats_the_line_and_the_planning_default() -> None:
    """Planning 0.8, line 0.5, the leg 0.25: the leg's wins, floor(100 x 0.25) = 25 seats."""
    leg = {"mode": "air", "from": "a", "to": "b", "load_factor": 0.25}
    s = make({"troops": 60}, movement={"load_factor": 0.5, "legs": [leg]}, planning={"load_factor": 0.8})
    m = s.movements[0]
    stock = LineStock(s, m, m.journey()[0])
    assert stock.load_factor == 0.25
    assert stock.carve(s.aircraft_type("lifter")).troops == 25


def test_a_load_factor_below_one_seat_still_moves_one_soldier() -> None:
    """Load factor 0.005: floor(100 x 0.005) = 0 seats; each sortie still takes one of the 3 troops."""
    s = make({"troops": 3}, movement={"load_factor": 0.005})
    assert packed(s) == [(1, {}, 0), (1, {}, 0), (1, {}, 0)]


def test_planning_loads_off_packs_to_the_maxima() -> None:
    """Maximum 120 seats, planning loads off (load factor 0.5 ignored): 250 = 120 + 120 + 10."""
    s = make({"troops": 250}, planning={"load_factor": 0.5, "rules": {"planning_loads": False}},
             aircraft=[dict(LIFTER, max_seats=120)])
    assert packed(s) == [(120, {}, 0), (120, {}, 0), (10, {}, 0)]


# ----------------------------------------------------------------- the stock


def test_fills_when_troops_payload_or_floor_make_one_load() -> None:
    """100 troops fill the 100 seats; 99 do not (9 900 kg, no floor); 20 t of cargo fills 20 m."""
    def fills(contingent: dict[str, Any]) -> bool:
        s = make(contingent)
        return LineStock(s, s.movements[0]).fills(s.aircraft_type("lifter"))

    assert fills({"troops": 100})
    assert not fills({"troops": 99})
    assert fills({"cargo_t": 20.0})


def test_an_empty_stock_takes_what_arrives() -> None:
    """A later leg's stock starts empty and is filled by what the previous leg delivered."""
    s = make({"troops": 200, "equipment": {"apc": 4}})
    stock = LineStock(s, s.movements[0], empty=True)
    assert stock.empty() and stock.vehicle_count() == 0
    stock.add(30, {"apc": 1}, 500)
    assert (stock.troops, stock.vehicle_count(), stock.cargo_kg) == (30, 1, 500)


def test_put_back_returns_a_load_to_the_stock() -> None:
    s = make({"troops": 150})
    stock = LineStock(s, s.movements[0])
    load = stock.carve(s.aircraft_type("lifter"))
    assert (load.troops, stock.troops) == (100, 50)
    stock.put_back(load)
    assert stock.troops == 150


def test_surface_take_shares_troops_and_cargo_with_the_vehicles() -> None:
    """100 troops, 4 APCs, 10 t. Take 2 vehicles: 2 APCs with 6 crew; the other 94 troops and the
    cargo go in proportion, 2 of 4 vehicles = half: ceil(94 / 2) = 47 troops and 5 000 kg.
    Mass 53 x 100 + 5 000 + 2 x 15 000 = 40 300 kg. The second take leaves nothing."""
    s = make({"troops": 100, "equipment": {"apc": 4}, "cargo_t": 10.0})
    stock = LineStock(s, s.movements[0])
    first = stock.take(troops=1000, vehicles=2, cargo_kg=10**9)
    assert (first.troops, first.vehicles, first.cargo_kg, first.mass_kg) == (53, {"apc": 2}, 5000, 40300)
    second = stock.take(troops=1000, vehicles=2, cargo_kg=10**9)
    assert (second.troops, second.vehicles, second.cargo_kg) == (47, {"apc": 2}, 5000)
    assert stock.empty()


def test_load_totals() -> None:
    load = Load(line="x", troops=3, vehicles={"apc": 2, "jeep": 1}, cargo_kg=2500)
    assert (load.vehicle_count, load.cargo_t) == (3, 2.5)


# ----------------------------------------------------------------- types a line may use


def test_line_types_most_tails_first_then_heaviest_payload() -> None:
    """Fleets: 5 'small', 2 'big', 2 'mid': small first (most tails), then big (60 t) before mid (30 t)."""
    aircraft = [dict(LIFTER, id="small", payload_t=20), dict(LIFTER, id="big", payload_t=60),
                dict(LIFTER, id="mid", payload_t=30)]
    fleet = [{"id": "fs", "type": "small", "count": 5, "base": "a"},
             {"id": "fb", "type": "big", "count": 2, "base": "a"},
             {"id": "fm", "type": "mid", "count": 1, "base": "a"},
             {"id": "fm2", "type": "mid", "count": 1, "base": "b"}]
    s = make(aircraft=aircraft, fleet=fleet)
    assert [t.id for t in line_types(s, s.movements[0])] == ["small", "big", "mid"]
    s = make(movement={"fleets": ["fb", "fm"]}, aircraft=aircraft, fleet=fleet)
    assert [t.id for t in line_types(s, s.movements[0])] == ["big", "mid"]
