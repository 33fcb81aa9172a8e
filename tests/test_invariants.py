"""Laws that hold for any valid scenario (Hypothesis): nothing lost, no overload, MOG never
exceeded, one place per aircraft at a time, time never runs backwards, hours respected."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from itertools import pairwise
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sim.engine import Engine, ticks
from sim.errors import ScenarioError
from sim.loading import load_scenario
from sim.results import line_rows
from tests.conftest import SCENARIOS_DIR, stated_parts
from tests.helpers import build

if TYPE_CHECKING:
    from sim.engine import Run
    from sim.scenario import Scenario

EPS = 1e-6
# the operating hours and UTC offsets the strategy draws from, read by hand: (opening, closing) local
# hours, None for always open; offsets in hours
WINDOWS = {"always": None, "06:00-22:00": (6.0, 22.0), "22:00-10:00": (22.0, 10.0), "08:00-20:00": (8.0, 20.0)}
OFFSETS_H = {"+03:00": 3.0, "+06:00": 6.0}
START_UTC_H = 18.0  # the scenarios start 2022-01-06T00:00+06:00, i.e. 18:00 UTC on 5 January
HORIZON_H = 25 * 24.0  # "horizon": "25d"
# planning factors stated in the data (the model's defaults) so that the checks below use known numbers
TROOP_T, CARGO_FLOOR_M_PER_T, TAXI_H = 0.12, 0.5, 0.1


@st.composite
def scenarios(draw: st.DrawFn) -> dict:
    n_af = draw(st.integers(2, 4))
    airfields = []
    for i in range(n_af):
        hours = draw(st.sampled_from(["always", *WINDOWS]))  # "always" twice: 2 airfields in 5 always open
        airfields.append({"id": f"af{i}", "lat": draw(st.floats(40, 58)), "lon": draw(st.floats(25, 80)),
                          "mog": draw(st.integers(1, 4)), "hours": hours,
                          "utc_offset": draw(st.sampled_from(list(OFFSETS_H)))})
        cap = draw(st.sampled_from([None, None, None, 2, 5, 12]))  # a daily departure cap on one airfield in four
        if cap is not None:
            airfields[-1]["departures_per_day"] = cap
    types = [
        {"id": "small", "seats": draw(st.integers(20, 130)), "payload_t": draw(st.floats(15, 45)), "floor_m": 20,
         "cruise_kmh": 750, "range_km": draw(st.sampled_from([1500, 4000])), "load_h": draw(st.floats(0.5, 3)),
         "unload_h": draw(st.floats(0.5, 2))},
        {"id": "big", "seats": 88, "payload_t": 100, "floor_m": 36, "cruise_kmh": 800, "range_km": 5000,
         "load_h": 3, "unload_h": 2},
    ]
    fleet = [{"id": "f-small", "type": "small", "count": draw(st.integers(1, 6)), "base": "af0",
              "available": f"+{draw(st.integers(0, 12))}h"}]
    if draw(st.booleans()):
        # based at the theatre end, or with the small type (two types at one base fly home at different speeds)
        fleet.append({"id": "f-big", "type": "big", "count": draw(st.integers(1, 2)),
                      "base": draw(st.sampled_from([f"af{n_af - 1}", "af0"]))})
    equipment = [{"id": "apc", "mass_t": 15.0, "length_m": 7.5, "crew": 3},
                 {"id": "jeep", "mass_t": 2.5, "length_m": 4.5, "crew": 1}]
    if any(f["type"] == "big" for f in fleet):
        equipment.append({"id": "crane", "mass_t": 60.0, "length_m": 14.0, "crew": 2})
    contingents, movements = [], []
    for c in range(draw(st.integers(1, 3))):
        eq = {"apc": draw(st.integers(0, 6)), "jeep": draw(st.integers(0, 6))}
        if "crane" in {e["id"] for e in equipment} and draw(st.booleans()):
            eq["crane"] = draw(st.integers(1, 2))
        troops = draw(st.integers(0, 600))
        cargo = draw(st.sampled_from([0.0, 12.5, 77.3]))
        home = f"af{draw(st.integers(0, n_af - 2))}"
        contingents.append({"id": f"c{c}", "nation": f"N{c % 2}", "troops": troops, "equipment": eq,
                            "cargo_t": cargo, "home": home})
        ready = draw(st.integers(0, 48))
        movements.append({"id": f"c{c}-in", "contingent": f"c{c}", "phase": "deploy", "from": home,
                          "to": f"af{n_af - 1}", "ready": f"+{ready}h", "deadline": f"+{ready + 72}h",
                          "priority": draw(st.integers(1, 3))})
        if draw(st.booleans()):
            part = draw(st.integers(0, troops))
            movements.append({"id": f"c{c}-out", "contingent": f"c{c}", "phase": "withdraw",
                              "from": f"af{n_af - 1}", "to": home, "troops": part, "equipment": {"jeep": eq["jeep"]},
                              "ready": f"+{ready + 24}h", "deadline": f"+{ready + 200}h"})
    data = {"name": "random", "start": "2022-01-06T00:00+06:00", "horizon": "25d",
            "airfields": airfields, "aircraft": types, "fleet": fleet, "equipment": equipment,
            "contingents": contingents, "movements": movements, "seed": draw(st.integers(0, 2**32))}
    data["planning"] = {"troop_mass_t": TROOP_T, "cargo_floor_m_per_t": CARGO_FLOOR_M_PER_T, "taxi_h": TAXI_H,
                        "rules": {k: draw(st.booleans()) for k in ("crews", "utilisation", "availability",
                                                                     "planning_loads", "parking")},
                        "load_factor": draw(st.sampled_from([1.0, 1.0, 0.8, 0.35]))}
    types[0].update(crew_duty_h=draw(st.sampled_from([12, 16, 24])), crew_rest_h=draw(st.sampled_from([0, 8, 12])),
                    ute_h_per_day=draw(st.sampled_from([6, 8, 24])), mc_rate=draw(st.sampled_from([0.5, 1.0])),
                    maintenance_every_h=draw(st.sampled_from([0, 10])), maintenance_h=6)
    if all(a["mog"] >= 2 for a in airfields) and draw(st.booleans()):
        types[1]["spots"] = 2.0  # a larger aircraft takes two spots (validation refuses one no apron takes)
    fleet[0]["crew_ratio"] = draw(st.sampled_from([1.0, 1.5, 2.0]))
    if fleet[0]["crew_ratio"] > 1 and draw(st.booleans()):
        fleet[0]["crew_stage"] = [{"airfield": f"af{n_af - 1}", "crews": 1}]
    if draw(st.booleans()):  # uncertainty: the same laws must hold with delays, breakdowns and weather
        data["uncertainty"] = {
            "delays": [{"delay": {"lognormal": {"median_h": 0.3, "p90_h": 2.0}}}],
            "breakdowns": [{"aircraft": "small", "probability": draw(st.sampled_from([0.1, 0.5])),
                            "repair": {"triangular": {"min_h": 1, "mode_h": 4, "max_h": 12}}}],
            "weather": [{"airfield": f"af{n_af - 1}", "rate_per_day": 1.0, "duration": {"fixed_h": 3}}],
            "availability": [{"aircraft": "small"}] if draw(st.booleans()) else [],
        }
    return data


class _BoundChecked(Engine):
    """The engine, checking that neither of dispatch's lower bounds (flying alone; with crew, budget
    and slot books) exceeds the plan it bounds, to the last bit: the branch and bound that picks the tail
    is then exact (it never prunes the best tail, and exact ties go by fleet order and tail number)."""

    def _plans(self, tail, ln, now, delays=False):
        load_h = tail.type.load_h
        bounds = {"free": self.planner.free_delivery(tail.type, tail.at, now, ln.origin, ln.dest, load_h),
                  "crew, budget and books": self._bound_h(tail, ln, now)}
        ferry, flight = super()._plans(tail, ln, now, delays)
        if not delays and flight.hops:
            for kind, bound in bounds.items():
                assert flight.on_blocks >= bound, f"{tail.name}: {kind} bound {bound!r} above plan {flight.on_blocks!r}"
        return ferry, flight

    def _best_tail(self, fit, ln, now):
        """Dispatch's choice, checked against planning every candidate: the least (delivery and flight
        home in whole seconds, fleet order, tail number), as sim.engine states."""
        chosen = super()._best_tail(fit, ln, now)
        ranks = []
        for t in fit:  # every idle tail that can serve, not one of each state: the oracle plans them all
            _ferry, flight = super()._plans(t, ln, now)
            home = self.planner.block_h(t.type, ln.dest, t.base) if t.base != ln.dest else 0.0
            ranks.append((ticks(flight.on_blocks + home), t.fleet_order, t.idx, t.name))
        assert min(ranks)[3] == chosen[0].name, f"chose {chosen[0].name}, the least is {min(ranks)}"
        return chosen


def _run(data: dict) -> tuple[Scenario, Run]:
    """Validate and simulate; a scenario that validation refuses (e.g. a leg no type can reach) is not
    an example of the laws, so Hypothesis is told to draw another."""
    try:
        s = build(data)
    except ScenarioError:
        s = None
    assume(s is not None)
    return s, _BoundChecked(s).simulate()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios())
def test_engine_invariants(data: dict) -> None:
    """Every law of the module docstring, on one generated scenario."""
    s, run = _run(data)
    _check_nothing_lost(data, s, run)
    _check_no_overload(s, run)
    _check_mog(s, run)
    _check_departure_caps(s, run)
    _check_unloading_whole(s, run)
    _check_time_and_place(run)
    _check_crews_and_budget(s, run)
    _check_operating_hours(data, run)
    _check_why_late(run)
    # the run always ends, and closure times are after ready (the data writes ready as "+<hours>h")
    assert run.end_h <= HORIZON_H + EPS
    for m in data["movements"]:
        res = run.lines[m["id"]]
        if res.closed == res.closed:
            assert res.closed >= float(m["ready"].removeprefix("+").removesuffix("h")) - EPS


def _check_nothing_lost(data: dict, s: Scenario, run: Run) -> None:
    """Nothing lost or duplicated: delivered + left = what the line moves, as the data states it."""
    by_line: dict[str, list] = defaultdict(lambda: [0, Counter(), 0])
    for r in run.sorties:
        if r.phase == "reposition":
            assert r.troops == 0 and not r.vehicles and r.cargo_kg == 0, "empty legs carry nothing"
            continue
        acc = by_line[r.line]
        acc[0] += r.troops
        acc[1].update(r.vehicles)
        acc[2] += r.cargo_kg
    for m in s.movements:
        troops, equipment, cargo_kg = stated_parts(data, m.id)  # from the generated data, not the model
        res = run.lines[m.id]
        got = by_line[m.id]
        if m.mode == "air":
            assert got[0] + res.troops_left == troops, f"{m.id}: troops delivered + left != moved"
            assert sum(got[1].values()) + res.vehicles_left == sum(equipment.values())
            assert got[2] + res.cargo_kg_left == cargo_kg
            if res.closed == res.closed:  # closed: everything arrived exactly once
                assert got[0] == troops and +got[1] == Counter(equipment) and got[2] == cargo_kg


def _check_no_overload(s: Scenario, run: Run) -> None:
    """No sortie over the seats, payload or floor of its type."""
    types = {t.id: t for t in s.aircraft}
    eq = {e.id: e for e in s.equipment}
    for r in run.sorties:
        t = types[r.type]
        floor = sum(eq[k].length_m * n for k, n in r.vehicles.items()) + r.cargo_kg / 1000 * CARGO_FLOOR_M_PER_T
        mass = sum(eq[k].mass_t * n for k, n in r.vehicles.items()) + r.cargo_kg / 1000 + r.troops * TROOP_T
        assert r.troops <= t.seats
        assert mass <= t.payload_t + 1e-6
        assert floor <= t.floor_m + 1e-6


def _check_mog(s: Scenario, run: Run) -> None:
    """MOG never exceeded: spots in use (each type's spots) at any time; windows meeting within EPS
    do not overlap."""
    types = {t.id: t for t in s.aircraft}
    mog = {a.id: a.mog for a in s.airfields}
    events = defaultdict(list)
    for g in run.ground:
        assert g.end >= g.start - EPS
        assert g.spots == types[next(t[1] for t in run.tails if t[0] == g.tail)].spots
        events[g.airfield] += [(g.start + EPS, g.spots), (g.end - EPS, -g.spots)]
    for af, ev in events.items() if s.planning.rules.parking else ():
        n = 0.0
        for _, d in sorted(ev, key=lambda e: (e[0], e[1])):
            n += d
            assert n <= mog[af] + 1e-9, f"{af}: {n} spots in use, MOG {mog[af]}"


def _check_departure_caps(s: Scenario, run: Run) -> None:
    """No airfield sees more take-offs in one local day than its `departures_per_day` (first hops: the
    take-offs the records hold). The local day is worked out here from the offsets, not by the engine."""
    start_local = s.start.hour + s.start.minute / 60.0
    start_offset = s.start.utcoffset().total_seconds() / 3600.0
    per_day: Counter = Counter()
    for r in run.sorties:
        a = next(x for x in s.airfields if x.id == r.origin)
        if a.departures_per_day:
            offset = OFFSETS_H[a.utc_offset] if a.utc_offset else start_offset
            per_day[(a.id, math.floor((r.takeoff + start_local - start_offset + offset) / 24.0 + 1e-9))] += 1
    caps = {a.id: a.departures_per_day for a in s.airfields}
    for (af, day), n in per_day.items():
        assert n <= caps[af], f"{af}: {n} take-offs on local day {day}, cap {caps[af]}"


def _check_unloading_whole(s: Scenario, run: Run) -> None:
    """Every loaded sortie's record ends with its whole unloading, even one still unloading when the run
    stopped at the last closure; empty legs end on blocks."""
    unload = {t.id: t.unload_h for t in s.aircraft}
    for r in run.sorties:
        expected = r.on_blocks if r.phase == "reposition" else r.on_blocks + unload[r.type]
        assert abs(r.done - expected) <= EPS, f"{r.tail}: unloaded {r.done}, expected {expected}"


def _check_time_and_place(run: Run) -> None:
    """Time never runs backwards; one place per aircraft at a time; no airborne holding (every
    landing goes straight to its booked spot)."""
    by_tail = defaultdict(list)
    for r in run.sorties:
        assert r.assigned - EPS <= r.ground_start <= r.off_blocks + EPS
        assert r.off_blocks <= r.takeoff + EPS <= r.landing + EPS <= r.on_blocks + 2 * EPS <= r.done + 3 * EPS
        if r.phase != "reposition":
            assert r.released <= r.assigned + EPS
        assert abs(r.on_blocks - r.landing - TAXI_H) < EPS, f"{r.tail} held {r.on_blocks - r.landing:.2f} h"
        by_tail[r.tail].append(r)
    bases = {t[0]: t[3] for t in run.tails}
    for tail, rows in by_tail.items():
        rows.sort(key=lambda r: r.off_blocks)
        assert rows[0].origin == bases[tail], "a tail starts at its base"
        for a, b in pairwise(rows):
            assert b.origin == a.destination, f"{tail} teleported from {a.destination} to {b.origin}"
            assert b.off_blocks >= a.done - EPS, f"{tail} left before it finished"


def _check_operating_hours(data: dict, run: Run) -> None:
    """Take-offs and landings inside operating hours and outside bad weather (windows and offsets
    as the data states them)."""
    opening = {a["id"]: (WINDOWS[a["hours"]], OFFSETS_H[a["utc_offset"]]) for a in data["airfields"]}
    for r in run.sorties:
        for af, t in ((r.origin, r.takeoff), (r.destination, r.landing)):
            for w in run.weather:
                assert not (w.airfield == af and w.start + EPS < t < w.end - EPS), f"{r.tail} used {af} in bad weather"
            window, off = opening[af]
            if window is None:
                continue
            local = (START_UTC_H + t + off) % 24.0
            lo, hi = window
            inside = lo - EPS <= local < hi + EPS if lo < hi else (local >= lo - EPS or local < hi + EPS)
            assert inside, f"{r.tail} at {af} at local {local:.2f} outside {window}"


def _check_why_late(run: Run) -> None:
    """The parts of every closed line's delay add up to its time from ready to closure."""
    for row in line_rows(run):
        if row.status != "OPEN":
            parts = row.breakdown_h
            assert all(v >= -1e-6 for v in parts.values()), f"{row.id}: negative part {parts}"
            assert abs(sum(parts.values()) - (row.closed_h - row.ready_h)) < 1e-4, f"{row.id}: parts do not add up"


def _check_crews_and_budget(s: Scenario, run: Run) -> None:
    """Crews never exceed their duty period; tails never overspend their daily flying budget;
    tails beyond the mission-capable count never fly (hand-written rules of docs/model.md)."""
    rules = s.planning.rules
    types = {t.id: t for t in s.aircraft}
    by_crew, by_tail = defaultdict(list), defaultdict(list)
    for r in run.sorties:
        if not r.stops:  # one hop: one crew and one budget debit (stops may change crews mid-sortie)
            by_crew[r.crew].append(r)
        by_tail[r.tail].append(r)
    if rules.crews:  # one crew is never aboard two aircraft at once
        flown = defaultdict(list)
        for r in run.sorties:
            flown[r.crew].append((r.off_blocks, r.on_blocks, r.tail))
        for crew, spans in flown.items():
            spans.sort()
            for (_a0, a1, ta), (b0, _b1, tb) in pairwise(spans):
                assert b0 >= a1 - EPS, f"{crew} aboard {ta} and {tb} at once"
        for crew, rows in by_crew.items():
            t = types[rows[0].type]
            duty_start, last_on = None, -1e9
            for r in sorted(rows, key=lambda r: r.off_blocks):
                if duty_start is None or r.off_blocks - t.crew_report_h >= last_on + t.crew_rest_h - EPS:
                    duty_start = r.off_blocks - t.crew_report_h
                assert r.on_blocks - duty_start <= t.duty_h() + EPS, f"{crew} on duty {r.on_blocks - duty_start:.2f} h"
                last_on = r.on_blocks
    fleets = {f.id: f for f in s.fleet}
    for tail, rows in by_tail.items():
        t = types[rows[0].type]
        if rules.utilisation and not any(r.stops for r in rows):
            ute = fleets[rows[0].fleet].ute_h_per_day or t.ute_h_per_day
            level, at = ute, 0.0
            for r in sorted(rows, key=lambda r: r.takeoff):
                level = min(ute, level + (r.takeoff - at) * ute / 24.0)
                assert level >= min(r.flying_h, ute) - 1e-6, f"{tail} took off with {level:.2f} h of budget"
                level, at = level - r.flying_h, r.takeoff
    if rules.availability and not (s.uncertainty and s.uncertainty.availability):
        for f in s.fleet:
            mc = f.mc_rate or types[f.type].mc_rate
            up = max(1, int(f.count * mc + 0.5))
            width = len(str(f.count))
            for k in range(up, f.count):
                assert f"{f.id}#{k + 1:0{width}d}" not in by_tail, f"{f.id}#{k + 1} is not mission capable but flew"


@pytest.mark.parametrize(("name", "seeds"), [("csto_almaty_mog4_zhetygen_closed", [None]),
                                             ("csto_kazakhstan_2022_uncertain", [1, 2, 3])])
def test_dispatch_takes_the_least_tail_on_shipped_scenarios(name: str, seeds: list[int | None]) -> None:
    """On real scenarios too, every choice is the least candidate found by planning them all. The MOG-4
    what-if has tails that tie to the last bit at a full apron (fleet order and tail number decide);
    before dispatch bounded exactly, it chose a higher-numbered tail there ten times."""
    s = load_scenario(SCENARIOS_DIR / f"{name}.yaml")
    for seed in seeds:
        run = _BoundChecked(s, seed).simulate()
        assert run.sorties
