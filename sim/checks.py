"""Cross-checks ("data critics") that need the whole scenario: references, sums, reach, dates.

Each returns located Problems; errors stop a run, warnings are printed and the run goes on.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sim import geo
from sim.errors import Problem
from sim.scenario import Scenario, did_you_mean, path_str
from sim.timeparse import parse_hours
from sim.yamlsrc import locate

ABSURD_TROOPS = 1_000_000


class _Report:
    def __init__(self, raw: Any, file: str):
        self.raw, self.file = raw, file
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def _make(self, loc: tuple, msg: str) -> Problem:
        where = locate(self.raw, loc) or (self.file, 0, 0)
        if where[0] != self.file and msg and len(loc) >= 3:
            # a field set in a parent scenario: say where it can be changed
            msg += f" (set in {where[0]}; override it in {self.file})"
        return Problem(where[0], where[1], where[2], path_str(loc), msg)

    def error(self, loc: tuple, msg: str) -> None:
        self.errors.append(self._make(loc, msg))

    def unknown(self, loc: tuple, kind: str, section: str, ids: list[str], value: str) -> None:
        """An unknown reference; when a child scenario removed that id, say so where it was removed."""
        for path, rid, where in getattr(self.raw, "removed", []):
            if path == section and rid == value:
                used = self._make(loc, "")
                self.errors.append(Problem(where[0], where[1], where[2], section,
                                           f"{kind} {value!r} is removed here but still used at "
                                           f"{used.file}:{used.line} ({used.path}); edit or remove that too"))
                return
        self.error(loc, _known(kind, ids, value))

    def warn(self, loc: tuple, msg: str) -> None:
        self.warnings.append(self._make(loc, "warning: " + msg))


def _known(kind: str, ids: list[str], value: str) -> str:
    shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
    return f"unknown {kind} {value!r} (known: {shown}){did_you_mean(value, ids)}"


def cross_check(s: Scenario, raw: Any, file: str) -> tuple[list[Problem], list[Problem]]:
    r = _Report(raw, file)
    airfield_ids = [a.id for a in s.airfields]
    type_ids = [t.id for t in s.aircraft]
    eq_ids = [e.id for e in s.equipment]
    cont_ids = [c.id for c in s.contingents]
    fleet_ids = [f.id for f in s.fleet]
    # airfield ids, their index and the distance matrix, built by the first air line and shared by all
    # (rebuilding the matrix per line cost O(lines x airfields^2): 20-30 s at 1,500 lines, 250 airfields)
    geo_cache: dict = {}

    for section in ("airfields", "aircraft", "fleet", "equipment", "contingents", "movements"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(s, section)):
            if item.id in seen:
                first = locate(raw, (section, seen[item.id]))
                at = first[1] if first else "?"
                raw_item = raw[section][i] if isinstance(raw.get(section), list) else None
                if "id" in getattr(raw_item, "defaulted", ()):
                    r.error((section, i), f"duplicate default id: this entry gets the same id {item.id!r} as the one at line {at}; "
                            "merge them, or give each an explicit 'id:'")
                else:
                    r.error((section, i, "id"), f"duplicate id {item.id!r} (first at line {at}); ids must be unique")
            else:
                seen[item.id] = i

    for i, a in enumerate(s.airfields):
        for j, c in enumerate(a.closed):
            if s.h(c.end) <= s.h(c.start):
                r.error(("airfields", i, "closed", j, "to"), "closure ends before it starts")

    for i, f in enumerate(s.fleet):
        if f.type not in type_ids:
            r.unknown(("fleet", i, "type"), "aircraft type", "aircraft", type_ids, f.type)
        if f.base not in airfield_ids:
            r.unknown(("fleet", i, "base"), "airfield", "airfields", airfield_ids, f.base)
        if f.available is not None and s.h(f.available) >= s.horizon:
            r.warn(("fleet", i, "available"), "fleet becomes available after the horizon; it will never fly")

    for i, c in enumerate(s.contingents):
        if c.home not in airfield_ids:
            r.unknown(("contingents", i, "home"), "airfield", "airfields", airfield_ids, c.home)
        for eid, n in c.equipment.items():
            if eid not in eq_ids and n:  # a zero count (e.g. set by a variant) needs no catalogue entry
                r.unknown(("contingents", i, "equipment", eid), "equipment", "equipment", eq_ids, eid)
        crew = sum(s.equipment_item(e).crew * n for e, n in c.equipment.items() if e in eq_ids)
        if crew > c.troops:
            r.warn(("contingents", i, "troops"), f"its vehicles need {crew} crew but the contingent has {c.troops} troops; "
                   "vehicles will fly without their full crews")
        if c.troops == 0 and not any(c.equipment.values()) and c.cargo_t == 0:
            r.warn(("contingents", i), "contingent has no troops, vehicles or cargo")

    # vehicles that no aircraft type can carry
    used_eq = {eid for c in s.contingents for eid, n in c.equipment.items() if n}
    if s.aircraft:
        max_floor = max(t.floor_m for t in s.aircraft)
        max_pay = max(t.payload_t for t in s.aircraft)
        for i, e in enumerate(s.equipment):
            if e.id not in used_eq:
                continue
            if e.length_m > max_floor:
                r.error(("equipment", i, "length_m"), f"{e.id} is {e.length_m} m long; no aircraft type has that much floor (longest: {max_floor} m)")
            if e.mass_t + e.crew * s.planning.troop_mass_t > max_pay:
                r.error(("equipment", i, "mass_t"), f"{e.id} weighs {e.mass_t} t (with crew); no aircraft type carries that much (largest payload: {max_pay} t)")

    # movement lines
    dist_cache: dict[tuple[str, str], float] = {}
    coords = {a.id: (a.lat, a.lon) for a in s.airfields}

    def dist(a: str, b: str) -> float:
        if (a, b) not in dist_cache:
            dist_cache[(a, b)] = geo.great_circle_km(*coords[a], *coords[b])
        return dist_cache[(a, b)]

    totals: dict[tuple[str, str], list] = {}
    deploys_of = Counter(m.contingent for m in s.movements if m.phase == "deploy")
    ok_refs = True
    for i, m in enumerate(s.movements):
        loc = ("movements", i)
        if m.contingent not in cont_ids:
            r.unknown((*loc, "contingent"), "contingent", "contingents", cont_ids, m.contingent)
            ok_refs = False
            continue
        for key, val in (("from", m.origin), ("to", m.destination)):
            if val not in airfield_ids:
                r.unknown((*loc, key), "airfield", "airfields", airfield_ids, val)
                ok_refs = False
        if m.origin == m.destination and m.origin in airfield_ids:
            r.error((*loc, "to"), f"destination is the same as origin ({m.origin!r})")
        for eid, n in (m.equipment or {}).items():
            if eid not in eq_ids:
                if not n:
                    continue
                r.unknown((*loc, "equipment", eid), "equipment", "equipment", eq_ids, eid)
            elif m.equipment[eid] > s.contingent(m.contingent).equipment.get(eid, 0):
                have = s.contingent(m.contingent).equipment.get(eid, 0)
                r.error((*loc, "equipment", eid), f"moves {m.equipment[eid]} {eid} but contingent {m.contingent!r} has {have}")
        for j, fid in enumerate(m.fleets or []):
            if fid not in fleet_ids:
                r.unknown((*loc, "fleets", j), "fleet", "fleet", fleet_ids, fid)
        ready, deadline = s.h(m.ready), s.h(m.deadline)
        if deadline <= ready:
            r.error((*loc, "deadline"), f"deadline {m.deadline and _fmt(s, deadline)} is not after ready {_fmt(s, ready)}")
        if m.earliest is not None and s.h(m.earliest) > deadline:
            r.error((*loc, "earliest"), f"earliest arrival {_fmt(s, s.h(m.earliest))} is after the deadline {_fmt(s, deadline)}")
        if ready < 0:
            r.warn((*loc, "ready"), f"ready {_fmt(s, ready)} is before the scenario start; the line starts at the start")
        if ready >= s.horizon:
            r.error((*loc, "ready"), f"ready {_fmt(s, ready)} is after the horizon ({s.horizon:g} h from start); raise horizon")
        c = s.contingent(m.contingent)
        if m.troops is not None and m.troops > c.troops:
            r.error((*loc, "troops"), f"moves {m.troops} troops but contingent {m.contingent!r} has {c.troops}")
        if m.cargo_t is not None and m.cargo_t > c.cargo_t + 1e-9:
            r.error((*loc, "cargo_t"), f"moves {m.cargo_t:g} t of cargo but contingent {m.contingent!r} has {c.cargo_t:g} t")
        troops, equipment, cargo = s.line_parts(m)
        tot = totals.setdefault((m.contingent, m.phase), [0, Counter(), 0.0, i])
        tot[0] += troops
        tot[1].update(equipment)
        tot[2] += cargo

        road_fields = ("road_km", "convoy_kmh", "march_h_per_day")
        if m.mode == "road":
            if m.road_km is None:
                r.error((*loc, "mode"), "a road line needs road_km (the road distance)")
            if m.fleets:
                r.error((*loc, "fleets"), "a road line is not flown; remove fleets")
        else:
            for key in road_fields:
                if getattr(m, key) is not None:
                    r.error((*loc, key), f"{key} applies to road lines only (this line's mode is air)")
            if ok_refs and m.origin in coords and m.destination in coords:
                _check_air_line(s, r, i, m, dist, coords, geo_cache)

    for (cid, phase), (troops, equipment, cargo, i) in totals.items():
        c = s.contingent(cid)
        lines = [m for m in s.movements if m.contingent == cid and m.phase == phase]
        if len(lines) > 1:  # a single line's parts were checked against the contingent above
            if troops > c.troops:
                r.error(("movements", i), f"{phase} lines of {cid!r} move {troops} troops in all; the contingent has {c.troops}")
            for eid, n in equipment.items():
                if n > c.equipment.get(eid, 0):
                    r.error(("movements", i), f"{phase} lines of {cid!r} move {n} {eid} in all; the contingent has {c.equipment.get(eid, 0)}")
            if cargo > c.cargo_t + 1e-6:
                r.error(("movements", i), f"{phase} lines of {cid!r} move {cargo:g} t of cargo in all; the contingent has {c.cargo_t:g} t")
        whole = any(m.whole() for m in lines)
        if not whole and len(lines) > 1 and (troops < c.troops or sum(equipment.values()) < sum(c.equipment.values())):
            r.warn(("movements", i), f"{phase} lines of {cid!r} move {troops} of {c.troops} troops and "
                   f"{sum(equipment.values())} of {sum(c.equipment.values())} vehicles; the rest "
                   f"{'stays behind' if phase == 'deploy' else 'stays in theatre'} (state every part to move all)")
        if phase == "withdraw" and deploys_of[cid]:
            dep = totals.get((cid, "deploy"))
            if dep and troops > dep[0]:
                r.error(("movements", i), f"withdraw lines of {cid!r} move {troops} troops but deploy lines bring in only {dep[0]}")
            if dep:
                for eid, n in equipment.items():
                    if n > dep[1].get(eid, 0):
                        r.error(("movements", i), f"withdraw lines of {cid!r} move {n} {eid} but deploy lines bring in only {dep[1].get(eid, 0)}")

    if s.uncertainty is not None:
        u = s.uncertainty
        line_ids = [m.id for m in s.movements]
        for j, rule in enumerate(u.delays):
            if rule.aircraft is not None and rule.aircraft not in type_ids:
                r.unknown(("uncertainty", "delays", j, "aircraft"), "aircraft type", "aircraft", type_ids, rule.aircraft)
            if rule.airfield is not None and rule.airfield not in airfield_ids:
                r.unknown(("uncertainty", "delays", j, "airfield"), "airfield", "airfields", airfield_ids, rule.airfield)
        for j, rule in enumerate(u.breakdowns):
            if rule.aircraft is not None and rule.aircraft not in type_ids:
                r.unknown(("uncertainty", "breakdowns", j, "aircraft"), "aircraft type", "aircraft", type_ids, rule.aircraft)
        for j, rule in enumerate(u.weather):
            if rule.airfield not in airfield_ids:
                r.unknown(("uncertainty", "weather", j, "airfield"), "airfield", "airfields", airfield_ids, rule.airfield)
        for j, rule in enumerate(u.road):
            if rule.line is not None:
                if rule.line not in line_ids:
                    r.unknown(("uncertainty", "road", j, "line"), "movement line", "movements", line_ids, rule.line)
                elif next(m for m in s.movements if m.id == rule.line).mode != "road":
                    r.error(("uncertainty", "road", j, "line"), f"line {rule.line!r} is not a road line")

    # warnings: fleets never used, contingents never withdrawn
    if ok_refs:
        air_lines = [m for m in s.movements if m.mode == "air"]
        for i, f in enumerate(s.fleet):
            if not any(m.fleets is None or f.id in m.fleets for m in air_lines):
                r.warn(("fleet", i), f"fleet {f.id!r} is allowed on no air line; it will never fly")
        withdrawn = {m.contingent for m in s.movements if m.phase == "withdraw"}
        for i, c in enumerate(s.contingents):
            if c.id in deploys_of and c.id not in withdrawn:
                r.warn(("contingents", i), f"contingent {c.id!r} is deployed but never withdrawn")
        flown_types = {f.type for f in s.fleet if any(m.fleets is None or f.id in m.fleets for m in air_lines)}
        for i, t in enumerate(s.aircraft):
            if t.id not in flown_types:
                r.warn(("aircraft", i), f"aircraft type {t.id!r} is never flown (no fleet of it may fly any air line)")
        if not r.errors:
            _check_mog_capacity(s, r)
    return r.errors, r.warnings


def _check_mog_capacity(s: Scenario, r: _Report) -> None:
    """Warn when an airfield's MOG is below what its ground time needs for the lines to close in time.

    For each airfield: the parking hours all sorties of a phase need there (loading at origins,
    unloading at destinations) spread over the window from the earliest ready to the latest
    deadline of those lines, scaled by the share of the day the airfield is open.
    """
    from sim.loadplan import plan_line

    need: dict[tuple[str, str], list] = {}
    for m in s.movements:
        if m.mode != "air":
            continue
        loads = plan_line(s, m)
        if not loads:
            continue
        t = s.aircraft_type(loads[0].planned_type)
        for af, ground in ((m.origin, t.load_h), (m.destination, t.unload_h)):
            acc = need.setdefault((af, m.phase), [0.0, float("inf"), float("-inf"), 0])
            acc[0] += len(loads) * ground
            acc[1] = min(acc[1], max(0.0, s.h(m.ready)))
            acc[2] = max(acc[2], s.h(m.deadline))
            acc[3] += len(loads)
    index = {a.id: i for i, a in enumerate(s.airfields)}
    for (af, phase), (ground_h, lo, hi, n) in sorted(need.items()):
        a = s.airfields[index[af]]
        window = parse_hours(a.hours)
        open_share = 1.0 if window is None else ((window[1] - window[0]) % 24.0 or 24.0) / 24.0
        span = max(hi - lo, 1e-9) * open_share
        required = ground_h / span
        if a.mog < required:
            r.warn(("airfields", index[af], "mog"),
                   f"{phase}: {n} sorties need {ground_h:.0f} aircraft-hours on the ground at {af} within "
                   f"{span:.0f} open hours; MOG {a.mog} is below the {required:.1f} needed for any plan to close in time")


def _fmt(s: Scenario, hours: float) -> str:
    return s.to_datetime(hours).isoformat(timespec="minutes")


def _check_air_line(s: Scenario, r: _Report, i: int, m, dist, coords, geo_cache: dict) -> None:
    from sim.loadplan import line_types

    loc = ("movements", i)
    types = line_types(s, m)
    if m.fleets is not None and not m.fleets:
        r.error((*loc, "fleets"), "fleets is an empty list, so no aircraft may fly this line; "
                "list fleet ids, or leave fleets out to allow any fleet")
        return
    if not types:
        if m.fleets:
            r.error((*loc, "fleets"), "none of these fleets exists; the line cannot be flown")
        else:
            r.error((*loc, "mode"), "an air line needs aircraft, but the scenario has no fleet")
        return
    troops, equipment, cargo = s.line_parts(m)
    if troops and not any(t.seats > 0 for t in types):
        r.error((*loc, "troops"), f"line moves {troops} troops but no aircraft type allowed on it has seats")
    for eid, n in equipment.items():
        if not n or eid not in {e.id for e in s.equipment}:
            continue
        e = s.equipment_item(eid)
        if not any(e.length_m <= t.floor_m and e.mass_t <= t.payload_t for t in types):
            r.error((*loc, "equipment", eid), f"no aircraft type allowed on this line can carry {eid} ({e.mass_t} t, {e.length_m} m)")
    # reach: direct, or through the scenario's airfields as refuelling stops
    if not geo_cache:
        ids = [a.id for a in s.airfields]
        geo_cache.update(index={x: k for k, x in enumerate(ids)}, matrix=[[dist(a, b) for b in ids] for a in ids])
    matrix = geo_cache["matrix"]
    a, b = geo_cache["index"][m.origin], geo_cache["index"][m.destination]
    reachable = [t for t in types if geo.shortest_route(matrix, a, b, t.range_km) is not None]
    if not reachable:
        best = max(t.range_km for t in types)
        r.error((*loc, "to"), f"leg {m.origin}->{m.destination} is {matrix[a][b]:.0f} km, longer than every allowed type's range (best {best:g} km), and no airfield in the scenario is in reach as a refuelling stop")
        return
    # deadline that cannot be met even with unlimited aircraft
    def sortie_h(t) -> float:
        route = geo.shortest_route(matrix, a, b, t.range_km)
        legs = zip(route, route[1:])
        flight = sum(matrix[x][y] / t.cruise_kmh + s.planning.flight_allowance_h + 2 * s.planning.taxi_h for x, y in legs)
        return t.load_h + flight + s.planning.refuel_h * (len(route) - 2)

    fastest = min(sortie_h(t) for t in reachable)
    ready = max(0.0, s.h(m.ready))
    if ready + fastest > s.h(m.deadline):
        r.warn((*loc, "deadline"), f"cannot be met even with unlimited aircraft: ready {_fmt(s, ready)} plus the fastest sortie ({fastest:.1f} h) is after it")
