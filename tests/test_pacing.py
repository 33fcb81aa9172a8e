"""The pacing rules one by one, on small scenarios whose outcome is worked by hand (docs/model.md):
loads cut per type, load factors and planning loads, hold width and height, mission-capable counts
and daily availability, scheduled maintenance, staged crews."""

from __future__ import annotations

import math

from sim.engine import simulate
from tests.helpers import BASE, scenario

RULES_OFF = {"crews": False, "utilisation": False, "availability": False}
EARTH_KM = 6371.0


def pair(km: float = 2800.0) -> list[dict]:
    return [{"id": "home", "lat": 0.0, "lon": 0.0, "mog": 1000},
            {"id": "pod", "lat": 0.0, "lon": math.degrees(km / EARTH_KM), "mog": 1000}]


def lifter(**kw) -> dict:
    return dict(BASE["aircraft"][0], **kw)


def loaded(run):
    return [r for r in run.sorties if r.phase != "reposition"]


def test_each_type_flies_loads_of_its_own_size():
    """Seats 100 and 250 on one troops-only line: every load fits the type that flew it, and the big
    type's loads are bigger than the small type could take."""
    s = scenario(
        airfields=pair(), aircraft=[lifter(), lifter(id="big", seats=250, payload_t=90)],
        fleet=[{"type": "lifter", "count": 2, "base": "home"}, {"type": "big", "count": 2, "base": "home"}],
        contingents=[{"id": "x", "nation": "X", "troops": 2000, "home": "home"}],
    )
    run = simulate(s)
    by_type = {t: [r.troops for r in loaded(run) if r.type == t] for t in ("lifter", "big")}
    assert by_type["lifter"] and by_type["big"], "both types flew the line"
    assert max(by_type["lifter"]) <= 100 and max(by_type["big"]) <= 250
    assert max(by_type["big"]) == 250, "the big type fills its own 250 seats, not a load planned for 100"
    assert sum(by_type["lifter"]) + sum(by_type["big"]) == 2000


def test_load_factor_caps_every_load():
    """load_factor 0.5 on 100 planning seats: loads of at most 50; 300 troops need exactly 6 sorties."""
    s = scenario(airfields=pair(), contingents=[{"id": "x", "nation": "X", "troops": 300, "home": "home"}],
                 movements=[dict(BASE["movements"][0], load_factor=0.5)])
    troops = [r.troops for r in loaded(simulate(s))]
    assert troops == [50] * 6


def test_planning_loads_off_packs_to_the_maxima():
    """Planning 100 seats, maximum 140: with planning loads off, 420 troops fly in 3 loads, not 5."""
    aircraft = [lifter(max_seats=140)]
    on = scenario(airfields=pair(), aircraft=aircraft,
                  contingents=[{"id": "x", "nation": "X", "troops": 420, "home": "home"}])
    off = scenario(airfields=pair(), aircraft=aircraft,
                   planning=dict(BASE["planning"], rules={**RULES_OFF, "planning_loads": False}),
                   contingents=[{"id": "x", "nation": "X", "troops": 420, "home": "home"}])
    assert [r.troops for r in loaded(simulate(on))] == [100, 100, 100, 100, 20]
    assert [r.troops for r in loaded(simulate(off))] == [140, 140, 140]


def test_a_vehicle_too_tall_for_one_hold_flies_in_the_other_type():
    """A 4.0 m high vehicle does not fit a 3.4 m hold: only the type with a 4.4 m hold carries it."""
    s = scenario(
        airfields=pair(),
        aircraft=[lifter(hold_height_m=3.4), lifter(id="tall", hold_height_m=4.4, payload_t=60)],
        fleet=[{"type": "lifter", "count": 2, "base": "home"}, {"type": "tall", "count": 1, "base": "home"}],
        equipment=[{"id": "mast", "mass_t": 20, "length_m": 9, "height_m": 4.0},
                   {"id": "jeep", "mass_t": 2, "length_m": 4, "height_m": 2.0}],
        contingents=[{"id": "x", "nation": "X", "troops": 100, "equipment": {"mast": 3, "jeep": 4},
                      "home": "home"}],
    )
    run = simulate(s)
    masts = {r.type for r in loaded(run) if "mast" in r.vehicles}
    assert masts == {"tall"}
    assert sum(r.vehicles.get("mast", 0) for r in loaded(run)) == 3


def test_mission_capable_count_flies_and_the_rest_stay_down():
    """4 tails at mc_rate 0.75: floor(3 + 0.5) = 3 fly; the fourth is down for the whole run."""
    s = scenario(airfields=pair(), aircraft=[lifter(mc_rate=0.75)],
                 planning=dict(BASE["planning"], rules={**RULES_OFF, "availability": True}),
                 fleet=[{"type": "lifter", "count": 4, "base": "home"}],
                 contingents=[{"id": "x", "nation": "X", "troops": 1200, "home": "home"}])
    run = simulate(s)
    assert {r.tail for r in run.sorties} == {"lifter@home#1", "lifter@home#2", "lifter@home#3"}
    down = [d for d in run.downtime if d.kind == "availability"]
    assert [d.tail for d in down] == ["lifter@home#4"]


def test_no_take_off_on_a_day_a_tail_is_down():
    """Daily availability drawn at random (mc 0.5): no flight leaves the blocks inside a down day."""
    s = scenario(airfields=pair(), aircraft=[lifter(mc_rate=0.5)],
                 planning=dict(BASE["planning"], rules={**RULES_OFF, "availability": True}),
                 fleet=[{"type": "lifter", "count": 3, "base": "home"}],
                 contingents=[{"id": "x", "nation": "X", "troops": 3000, "home": "home"}],
                 uncertainty={"availability": [{}]}, seed=7)
    run = simulate(s)
    down = [d for d in run.downtime if d.kind == "availability"]
    assert down, "with mc 0.5 over the run some days are down"
    for r in run.sorties:
        for d in down:
            assert not (d.tail == r.tail and d.start <= r.off_blocks < d.end), f"{r.tail} left on a down day"
    assert run.lines["x-in"].closed == run.lines["x-in"].closed, "the line still closes"


def test_scheduled_maintenance_grounds_the_tail_at_base():
    """Maintenance every 10 flying hours for 6 h: after each round trip of 2 x 4 h = 8 h and the
    next outbound leg (12 h flown), the tail goes home and stays down 6 h before flying again."""
    s = scenario(airfields=pair(), aircraft=[lifter(maintenance_every_h=10, maintenance_h=6)],
                 planning=dict(BASE["planning"], rules={**RULES_OFF, "availability": True}),
                 fleet=[{"type": "lifter", "count": 1, "base": "home", "mc_rate": 1.0}],
                 contingents=[{"id": "x", "nation": "X", "troops": 400, "home": "home"}])
    run = simulate(s)
    maint = [d for d in run.downtime if d.kind == "maintenance"]
    assert maint and all(d.airfield == "home" and abs(d.end - d.start - 6.0) < 1e-9 for d in maint)
    for d in maint:
        after = [r.off_blocks for r in run.sorties if r.off_blocks >= d.start]
        assert not after or min(after) >= d.end - 1e-9, "no flight during maintenance"


def test_a_crew_staged_at_the_destination_keeps_the_tail_moving():
    """One tail, two crews, 16 h duty: with the spare staged at pod, the tired crew stays there and the
    rested one flies on, so the line closes sooner than with the spare at home."""
    def run(stage: bool):
        fleet = {"type": "lifter", "count": 1, "base": "home", "crew_ratio": 2.0}
        if stage:
            fleet["crew_stage"] = [{"airfield": "pod", "crews": 1}]
        return simulate(scenario(airfields=pair(5600.0), aircraft=[lifter(range_km=8000)],
                                 planning=dict(BASE["planning"], rules={**RULES_OFF, "crews": True}),
                                 fleet=[fleet], contingents=[{"id": "x", "nation": "X", "troops": 300,
                                                               "home": "home"}]))
    staged, at_home = run(True), run(False)
    assert any(r.crew.endswith("spare1") and r.origin == "pod" for r in staged.sorties)
    assert staged.lines["x-in"].closed < at_home.lines["x-in"].closed


def test_sweep_sets_a_factor_the_scenario_leaves_unset():
    """A fleet or line factor left to its default (null in the resolved scenario) can be swept: the
    text is read as YAML reads it (a number stays a number)."""
    from sim.grid import apply_value

    resolved = {"fleet": [{"id": "f", "crew_ratio": None, "ute_h_per_day": None}],
                "movements": [{"id": "m", "load_factor": None}]}
    out = apply_value(resolved, "fleet[f].crew_ratio", "2")
    out = apply_value(out, "fleet[f].ute_h_per_day", "6")
    out = apply_value(out, "movements[m].load_factor", "0.7")
    assert out["fleet"][0] == {"id": "f", "crew_ratio": 2, "ute_h_per_day": 6}
    assert out["movements"][0]["load_factor"] == 0.7
    assert resolved["fleet"][0]["crew_ratio"] is None, "the resolved scenario itself is not changed"
