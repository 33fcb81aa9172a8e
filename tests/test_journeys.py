"""Whole journeys worked by hand: rail-bound, node-throughput-bound and serial-bound chains, inflow
profiles, dependencies, staging room, milestones, hubs and counting in theatre. Every expected time
below is computed in the docstring or comment beside it from the rules in docs/model.md."""

import math

import pytest

from sim.engine import simulate
from sim.results import analyse, in_theatre
from tests.helpers import BASE, scenario

EARTH_KM = 6371.0
RAIL = {"train_troops": 400, "train_vehicles": 10, "train_cargo_t": 500, "load_h": 6, "unload_h": 4,
        "block_kmh": 20, "circuity": 1.3}


def lon_at(km: float) -> float:
    """Longitude of a point on the equator `km` east of 0/0 (great circle = R x angle)."""
    return math.degrees(km / EARTH_KM)


def line(legs: list[dict], **extra) -> dict:
    return {"id": "x-in", "contingent": "x", "phase": "deploy", "ready": "+0h", "deadline": "+20d", "legs": legs,
            **extra}


def rail_case(troops: int = 2000, **line_extra) -> dict:
    return {
        "places": [{"id": "garrison", "lat": 0.0, "lon": 0.0, "railhead": {"trains_per_day": 2}},
                {"id": "depot", "lat": 0.0, "lon": 5.0, "railhead": {"trains_per_day": 2}}],
        "planning": dict(BASE["planning"], rail=RAIL),
        "contingents": [{"id": "x", "nation": "Xland", "troops": troops, "home": "home"}],
        "movements": [line([{"mode": "rail", "from": "garrison", "to": "depot", "km": 600}], **line_extra)],
    }


def test_rail_bound_chain_closes_when_the_last_train_is_unloaded():
    """2,000 troops, 400 a train: 5 trains. The railhead loads 2 a day, so trains start 12 h apart
    (0, 12, 24, 36, 48 h); each takes 6 h to load + 600 km / 20 km/h = 30 h + 4 h to unload = 40 h.
    The last is unloaded at 48 + 40 = 88 h."""
    run = simulate(scenario(**rail_case()))
    trains = sorted(t.depart for t in run.trips)
    assert trains == [0.0, 12.0, 24.0, 36.0, 48.0]
    assert all(t.arrive - t.depart == pytest.approx(40.0) for t in run.trips)
    assert run.lines["x-in"].closed == pytest.approx(88.0)


def test_inflow_fills_trains_as_the_force_arrives():
    """1,000 troops arrive 300 a day (300, 600, 900, 1000 by 0, 24, 48, 72 h). A train leaves only full
    (400) while more is to come: at 24 h (600 there), 48 h (200 + 300 = 500 there) and, once the last
    100 arrive at 72 h, one with the remaining 200. Last train: 72 + 40 = 112 h."""
    run = simulate(scenario(**rail_case(1000, inflow={"from": "+0h", "troops_per_day": 300})))
    assert [(t.depart, t.troops) for t in run.trips] == [(24.0, 400), (48.0, 400), (72.0, 200)]
    assert run.lines["x-in"].closed == pytest.approx(112.0)


def throughput_case(**pod) -> dict:
    airfields = [{"id": "home", "lat": 0.0, "lon": 0.0, "mog": 1000},
                 {"id": "pod", "lat": 0.0, "lon": lon_at(2800.0), "mog": 1000, "transfer_h": 3, **pod}]
    return {"airfields": airfields, "places": [{"id": "camp", "lat": 0.0, "lon": lon_at(2850.0)}],
                "movements": [line([{"mode": "air", "from": "home", "to": "pod"},
                                 {"mode": "road", "from": "pod", "to": "camp", "km": 80}])]}


def test_node_throughput_bound_chain():
    """3 lifters of 100 seats fly 1,000 troops 2,800 km (block 2,800/800 + 0.5 = 4 h; load 2, unload 1):
    waves of 300 land at 6, 17, 28 h and the last 100 at 39 h. The port receives 240 a day (10 an hour),
    so reception runs without a break from 6 h for 1,000 / 10 = 100 h, to 106 h; 3 h transfer; then
    the troops (no vehicles: one serial) drive 80 km at 40 km/h = 2 h: closed at 111 h."""
    res = analyse(simulate(scenario(**throughput_case(throughput={"troops_per_day": 240}))))
    row = res.lines[0]
    assert [g.closed_h for g in row.legs] == pytest.approx([39.0, 111.0])
    assert row.legs[0].received_h == pytest.approx(109.0)
    assert row.closed_h == pytest.approx(111.0)
    b = row.breakdown_h
    assert sum(b.values()) == pytest.approx(111.0)  # the parts add up to ready -> closed
    assert b["node"] == pytest.approx(109.0 - 39.0 - 3.0) and b["transfer"] == pytest.approx(3.0)
    assert b["road"] == pytest.approx(2.0)
    assert res.nodes["pod"].busiest_day_troops <= 240.0 + 1e-6


def test_road_serials_bound_by_route_limit():
    """100 vehicles in serials of 20: 5 serials. The route takes 2 serials a day, 0.5 h apart: starts at
    0, 0.5, 24, 24.5 and 48 h. 400 km at 40 km/h is 10 h, one march day of 10 h: last arrives at 58 h."""
    s = scenario(
        places=[{"id": "a", "lat": 0.0, "lon": 0.0}, {"id": "b", "lat": 0.0, "lon": 3.0}],
        equipment=[{"id": "truck", "mass_t": 10, "length_m": 8, "crew": 2}],
        contingents=[{"id": "x", "nation": "Xland", "troops": 200, "equipment": {"truck": 100}, "home": "home"}],
        movements=[line([{"mode": "road", "from": "a", "to": "b", "km": 400, "serial_vehicles": 20,
                          "serial_gap_h": 0.5, "serials_per_day": 2}])],
    )
    run = simulate(s)
    assert [t.depart for t in run.trips] == [0.0, 0.5, 24.0, 24.5, 48.0]
    assert [sum(t.vehicles.values()) for t in run.trips] == [20] * 5
    assert sum(t.troops for t in run.trips) == 200
    assert run.lines["x-in"].closed == pytest.approx(58.0)


def test_after_waits_for_named_lines_and_lag():
    """Line b waits for line a (closed at 88 h, the rail case) plus a 6 h lag: it is released at 94 h."""
    case = rail_case()
    first = case["movements"][0]
    second = dict(first, id="x-b", troops=0, cargo_t=0, after=["x-in"], after_lag_h=6,
                  legs=[{"mode": "rail", "from": "depot", "to": "garrison", "km": 600}])
    case["movements"] = [dict(first, troops=2000), second]
    run = simulate(scenario(**case))
    assert run.lines["x-b"].released == pytest.approx(94.0)


def test_staging_room_holds_flights_until_there_is_room():
    """With room for 200 at the port (2 loads) and reception of 240 a day, no more than 200 are ever
    held there or on the way; the line still closes."""
    res = analyse(simulate(scenario(**throughput_case(throughput={"troops_per_day": 240},
                                                      staging={"troops": 200}))))
    assert res.nodes["pod"].peak_held_troops <= 200
    assert res.lines[0].status == "MET"


def test_missed_milestone_makes_the_line_late():
    """The air leg closes at 39 h (above); a milestone at the port by 30 h is missed by 9 h."""
    case = throughput_case()
    case["movements"][0]["legs"][0]["deadline"] = "+30h"
    row = analyse(simulate(scenario(**case))).lines[0]
    assert row.legs[0].status == "LATE"
    assert row.status == "LATE" and row.slack_h == pytest.approx(-9.0)
    assert row.bound_by.startswith("milestone at pod missed")


@pytest.mark.parametrize("milestone", ["destination", "debarkation"])
def test_every_person_counted_once_in_theatre(milestone):
    """Whatever the legs, the count in theatre ends at the troops moved, never above; with
    `debarkation` each person counts on landing at the port, with `destination` on reaching the camp."""
    case = throughput_case(throughput={"troops_per_day": 240})
    case["planning"] = dict(BASE["planning"], in_theatre=milestone)
    run = simulate(scenario(**case))
    times, _nations, counts = in_theatre(run)
    assert counts.max() == 1000 and counts[:, -1].sum() == 1000
    reached = times[list(counts[0]).index(1000)]
    assert reached == pytest.approx(39.0 if milestone == "debarkation" else 111.0)


def test_hub_hands_over_to_a_smaller_type():
    """A strategic lifter flies to the hub, a smaller type the last leg: each leg only by its own fleet."""
    airfields = [{"id": "home", "lat": 0.0, "lon": 0.0, "mog": 1000},
                 {"id": "hub", "lat": 0.0, "lon": lon_at(2800.0), "mog": 1000},
                 {"id": "pod", "lat": 0.0, "lon": lon_at(3200.0), "mog": 1000}]
    aircraft = [BASE["aircraft"][0], dict(BASE["aircraft"][0], id="small", seats=50, payload_t=10)]
    fleet = [{"type": "lifter", "count": 2, "base": "home"}, {"type": "small", "count": 2, "base": "hub"}]
    s = scenario(airfields=airfields, aircraft=aircraft, fleet=fleet, movements=[line([
        {"mode": "air", "from": "home", "to": "hub", "fleets": ["lifter@home"]},
        {"mode": "air", "from": "hub", "to": "pod", "fleets": ["small@hub"]}])])
    run = simulate(s)
    loaded = [r for r in run.sorties if r.phase == "deploy"]
    assert {(r.leg, r.type) for r in loaded} == {(0, "lifter"), (1, "small")}
    assert sum(r.troops for r in loaded if r.leg == 1) == 1000
    assert max(r.troops for r in loaded if r.leg == 1) <= 50


def test_resolved_journey_validates_and_runs_the_same():
    """scenario.resolved.yaml of a journey (mode and ends filled in) is itself a valid scenario."""
    from tests.helpers import build

    s = scenario(**throughput_case(throughput={"troops_per_day": 240}))
    again = build(s.resolved())
    assert simulate(again).lines["x-in"].closed == simulate(s).lines["x-in"].closed
