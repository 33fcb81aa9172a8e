"""Cross-checks ("data critics") that need the whole scenario: references, sums, reach, dates.

Each returns located Problems; errors stop a run, warnings are printed and the run goes on.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sim import geo
from sim.errors import Problem, TableName
from sim.journeychecks import air_views, check_journeys
from sim.plancheck import check_departure_caps, check_release_windows
from sim.scenario import (
    AircraftType,
    AvailabilityRule,
    BreakdownRule,
    Contingent,
    DelayRule,
    Equipment,
    Fleet,
    Movement,
    Scenario,
    Uncertainty,
    did_you_mean,
    path_str,
)
from sim.yamlsrc import Loc, locate


class _Report:
    """The problems found so far, each located in the file (or the parent file) where it can be fixed."""

    def __init__(self, raw: Any, file: str) -> None:
        self.raw, self.file = raw, file
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def _make(self, loc: tuple, msg: str) -> Problem:
        where = locate(self.raw, loc) or Loc(self.file, 0, 0)
        if where.file != self.file and msg and len(loc) >= 3 and not isinstance(where.file, TableName):
            # a field set in a parent scenario: say where it can be changed
            msg += f" (set in {where.file}; override it in {self.file})"
        return Problem(*where, path_str(loc), msg)

    def error(self, loc: tuple, msg: str) -> None:
        """An error at the field `loc`: it stops the run."""
        self.errors.append(self._make(loc, msg))

    def unknown(self, loc: tuple, kind: str, section: str, ids: list[str], value: str) -> None:
        """An unknown reference; when a child scenario removed that id, say so where it was removed."""
        removed: list[tuple[str, Any, Loc]] = getattr(self.raw, "removed", [])
        for path, rid, where in removed:
            if path == section and rid == value:
                used = self._make(loc, "")
                self.errors.append(Problem(*where, section,
                                           f"{kind} {value!r} is removed here but still used at "
                                           f"{used.file}:{used.line} ({used.path}); edit or remove that too"))
                return
        self.error(loc, _known(kind, ids, value))

    def warn(self, loc: tuple, msg: str) -> None:
        """A warning at the field `loc`: printed, and the run goes on."""
        self.warnings.append(self._make(loc, "warning: " + msg))


def _known(kind: str, ids: list[str], value: str) -> str:
    shown = ", ".join(ids[:8]) + (", ..." if len(ids) > 8 else "")
    return f"unknown {kind} {value!r} (known: {shown}){did_you_mean(value, ids)}"


@dataclass(frozen=True)
class _Ids:
    """The ids of each section, in file order, for reference checks."""

    airfields: list[str]
    places: list[str]
    types: list[str]
    equipment: list[str]
    contingents: list[str]
    fleets: list[str]

    @staticmethod
    def of(s: Scenario) -> _Ids:
        """The ids of a scenario's sections."""
        return _Ids([a.id for a in s.airfields], [p.id for p in s.places], [t.id for t in s.aircraft],
                    [e.id for e in s.equipment],
                    [c.id for c in s.contingents], [f.id for f in s.fleet])


def cross_check(s: Scenario, raw: Any, file: str) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of a validated scenario, located in its located raw data `raw` read from `file`."""
    r = _Report(raw, file)
    ids = _Ids.of(s)
    # airfield ids, their index and the distance matrix, built by the first air line and shared by all
    # (rebuilding the matrix per line cost O(lines x airfields^2): 20-30 s at 1,500 lines, 250 airfields)
    network = _Network()
    _check_duplicates(s, r, raw)
    _warn_same_coordinates(s, r)
    for i, a in enumerate(s.airfields):
        for j, c in enumerate(a.closed):
            if s.hours_of(c.end) <= s.hours_of(c.start):
                r.error(("airfields", i, "closed", j, "to"), "closure ends before it starts")
    _check_fleets(s, r, ids)
    for i, t in enumerate(s.aircraft):
        _check_maxima(r, i, t)
    _check_contingents(s, r, ids)
    _check_vehicles_fit(s, r)
    check_journeys(s, r, ids.fleets)
    ok_refs, totals = _check_movements(s, r, ids, network)
    _check_totals(s, r, totals)
    check_release_windows(s, r)
    if s.uncertainty is not None:
        _check_uncertainty(s, r, ids, s.uncertainty)
    if ok_refs:
        _warn_unused(s, r)
        _check_crew_duty(s, r, network)
        _check_parking(s, r, network)
        if not r.errors:
            _check_mog_capacity(s, r)
            check_departure_caps(s, r)
    return r.errors, r.warnings


def _check_duplicates(s: Scenario, r: _Report, raw: Any) -> None:
    for section in ("airfields", "aircraft", "fleet", "equipment", "contingents", "movements"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(s, section)):
            if item.id in seen:
                first = locate(raw, (section, seen[item.id]))
                at = "line ?" if not first else f"{'row' if isinstance(first.file, TableName) else 'line'} {first[1]}"
                raw_item = raw[section][i] if isinstance(raw.get(section), list) else None
                if "id" in getattr(raw_item, "defaulted", ()):
                    r.error((section, i), f"duplicate default id: this entry gets the same id {item.id!r} "
                            f"as the one at {at}; merge them, or give each an explicit 'id:'")
                else:
                    r.error((section, i, "id"), f"duplicate id {item.id!r} (first at {at}); ids must be unique")
            else:
                seen[item.id] = i


def _check_fleets(s: Scenario, r: _Report, ids: _Ids) -> None:
    for i, f in enumerate(s.fleet):
        if f.type not in ids.types:
            r.unknown(("fleet", i, "type"), "aircraft type", "aircraft", ids.types, f.type)
        if f.base not in ids.airfields:
            r.unknown(("fleet", i, "base"), "airfield", "airfields", ids.airfields, f.base)
        if f.available is not None and s.hours_of(f.available) >= s.horizon:
            r.warn(("fleet", i, "available"), "fleet becomes available after the horizon; it will never fly")
        _check_crew_stage(s, r, i, f, ids.airfields)
        _check_mission_capable(s, r, i, f)


def _check_contingents(s: Scenario, r: _Report, ids: _Ids) -> None:
    """Each contingent's home and vehicles are known; its troops crew its vehicles; it has something to move."""
    for i, c in enumerate(s.contingents):
        if c.home not in ids.airfields:
            r.unknown(("contingents", i, "home"), "airfield", "airfields", ids.airfields, c.home)
        for eid, n in c.equipment.items():
            if eid not in ids.equipment and n:  # a zero count (e.g. set by a variant) needs no catalogue entry
                r.unknown(("contingents", i, "equipment", eid), "equipment", "equipment", ids.equipment, eid)
        _warn_contingent_size(s, r, ids, i, c)


def _warn_contingent_size(s: Scenario, r: _Report, ids: _Ids, i: int, c: Contingent) -> None:
    """Too few troops to crew the contingent's vehicles, or nothing at all to move."""
    crew = sum(s.equipment_item(e).crew * n for e, n in c.equipment.items() if e in ids.equipment)
    if crew > c.troops:
        r.warn(("contingents", i, "troops"), f"its vehicles need {crew} crew but the contingent has {c.troops} troops; "
               "vehicles will fly without their full crews")
    if c.troops == 0 and not any(c.equipment.values()) and c.cargo_t == 0:
        r.warn(("contingents", i), "contingent has no troops, vehicles or cargo")


@dataclass
class _Moved:
    """What all lines of one contingent and phase move, and the index of the first of them."""

    troops: int
    equipment: Counter[str]
    cargo: float
    first: int


def _check_movements(s: Scenario, r: _Report, ids: _Ids,
                     network: _Network) -> tuple[bool, dict[tuple[str, str], _Moved]]:
    """Check every movement line; return whether all references are known, and what each
    (contingent, phase) moves in all."""
    dist_cache: dict[tuple[str, str], float] = {}
    coords = {a.id: (a.lat, a.lon) for a in s.airfields}

    def dist(a: str, b: str) -> float:
        """Great-circle km between two airfields (cached)."""
        if (a, b) not in dist_cache:
            dist_cache[(a, b)] = geo.great_circle_km(*coords[a], *coords[b])
        return dist_cache[(a, b)]

    totals: dict[tuple[str, str], _Moved] = {}
    ok_refs = True
    for i, m in enumerate(s.movements):
        if m.contingent not in ids.contingents:
            r.unknown(("movements", i, "contingent"), "contingent", "contingents", ids.contingents, m.contingent)
            ok_refs = False
            continue
        ok_refs = _check_movement(s, r, ids, i, m) and ok_refs
        troops, equipment, cargo = s.line_parts(m)
        tot = totals.setdefault((m.contingent, m.phase), _Moved(0, Counter(), 0.0, i))
        tot.troops += troops
        tot.equipment.update(equipment)
        tot.cargo += cargo
        _check_mode(s, r, i, m)
    if ok_refs:
        for loc, view in air_views(s):
            _check_air_line(s, r, loc, view, dist, network)
    return ok_refs, totals


def _check_movement(s: Scenario, r: _Report, ids: _Ids, i: int, m: Movement) -> bool:
    """References, parts and dates of one line (its contingent is known); False when an airfield is unknown."""
    loc = ("movements", i)
    ok_refs = _check_ends(r, loc, m, ids)
    c = s.contingent(m.contingent)
    _check_line_refs(r, loc, m, c, ids)
    _check_line_dates(s, r, loc, m)
    if m.troops is not None and m.troops > c.troops:
        r.error((*loc, "troops"), f"moves {m.troops} troops but contingent {m.contingent!r} has {c.troops}")
    if m.cargo_t is not None and m.cargo_t > c.cargo_t + 1e-9:
        r.error((*loc, "cargo_t"),
                f"moves {m.cargo_t:g} t of cargo but contingent {m.contingent!r} has {c.cargo_t:g} t")
    return ok_refs


def _check_line_refs(r: _Report, loc: tuple, m: Movement, c: Contingent, ids: _Ids) -> None:
    """The vehicles a line moves are known and the contingent has them; its fleets are known."""
    for eid, n in (m.equipment or {}).items():
        if eid not in ids.equipment:
            if n:
                r.unknown((*loc, "equipment", eid), "equipment", "equipment", ids.equipment, eid)
        elif n > c.equipment.get(eid, 0):
            r.error((*loc, "equipment", eid),
                    f"moves {n} {eid} but contingent {m.contingent!r} has {c.equipment.get(eid, 0)}")
    for j, fid in enumerate(m.fleets or []):
        if fid not in ids.fleets:
            r.unknown((*loc, "fleets", j), "fleet", "fleet", ids.fleets, fid)


def _check_line_dates(s: Scenario, r: _Report, loc: tuple, m: Movement) -> None:
    """Ready, earliest arrival and deadline are in order, and ready falls within the horizon."""
    ready, deadline = s.hours_of(m.ready), s.hours_of(m.deadline)
    if deadline <= ready:
        r.error((*loc, "deadline"),
                f"deadline {m.deadline and s.iso(deadline)} is not after ready {s.iso(ready)}")
    if m.earliest is not None and s.hours_of(m.earliest) > deadline:
        r.error((*loc, "earliest"),
                f"earliest arrival {s.iso(s.hours_of(m.earliest))} is after the deadline {s.iso(deadline)}")
    if ready < 0:
        r.warn((*loc, "ready"), f"ready {s.iso(ready)} is before the scenario start; the line starts at the start")
    if ready >= s.horizon:
        r.error((*loc, "ready"),
                f"ready {s.iso(ready)} is after the horizon ({s.horizon:g} h from start); raise horizon")


def _check_ends(r: _Report, loc: tuple, m: Movement, ids: _Ids) -> bool:
    """A line of one leg: its ends are known (airfields for an air line, any place otherwise) and differ.
    (A line with legs has its ends checked leg by leg in sim.journeychecks.)"""
    if m.legs:
        known = set(ids.airfields) | set(ids.places)
        return all(x in known for leg in m.legs for x in (leg.origin, leg.destination))
    ok_refs = True
    names = ids.airfields if m.mode == "air" else ids.airfields + ids.places
    kind, section = ("airfield", "airfields") if m.mode == "air" else ("place or airfield", "airfields and places")
    for key, val in (("from", m.origin), ("to", m.destination)):
        if val not in names:
            r.unknown((*loc, key), kind, section, names, val)
            ok_refs = False
    if m.origin == m.destination and m.origin in names:
        r.error((*loc, "to"), f"destination is the same as origin ({m.origin!r})")
    return ok_refs


def _check_mode(s: Scenario, r: _Report, i: int, m: Movement) -> None:
    """Road and rail lines take no fleets; air lines take no road fields, rail lines no convoy fields."""
    loc = ("movements", i)
    if m.legs:
        return  # checked leg by leg
    if m.mode != "air":
        if m.fleets:
            r.error((*loc, "fleets"), f"a {m.mode} line is not flown; remove fleets")
        if m.mode == "rail":
            for key in ("convoy_kmh", "march_h_per_day"):
                if getattr(m, key) is not None:
                    r.error((*loc, key), f"{key} applies to road lines only (this line's mode is rail)")
        return
    for key in ("road_km", "convoy_kmh", "march_h_per_day"):
        if getattr(m, key) is not None:
            r.error((*loc, key), f"{key} applies to road lines only (this line's mode is air)")


def _check_totals(s: Scenario, r: _Report, totals: dict[tuple[str, str], _Moved]) -> None:
    """What all lines of a contingent and phase move, against the contingent and (withdraw) the deployment."""
    deploys_of = Counter(m.contingent for m in s.movements if m.phase == "deploy")
    for (cid, phase), tot in totals.items():
        c = s.contingent(cid)
        lines = [m for m in s.movements if m.contingent == cid and m.phase == phase]
        if len(lines) > 1:  # a single line's parts were checked against the contingent above
            _check_within_contingent(r, phase, tot, c)
            _warn_left_behind(r, phase, tot, c, lines)
        if phase == "withdraw" and deploys_of[cid]:
            _check_within_deployment(r, cid, tot, totals.get((cid, "deploy")))


def _check_within_contingent(r: _Report, phase: str, tot: _Moved, c: Contingent) -> None:
    """The lines of a phase together move no more troops, vehicles or cargo than the contingent has."""
    loc, cid = ("movements", tot.first), c.id
    if tot.troops > c.troops:
        r.error(loc, f"{phase} lines of {cid!r} move {tot.troops} troops in all; the contingent has {c.troops}")
    for eid, n in tot.equipment.items():
        if n > c.equipment.get(eid, 0):
            r.error(loc, f"{phase} lines of {cid!r} move {n} {eid} in all; the contingent has "
                    f"{c.equipment.get(eid, 0)}")
    if tot.cargo > c.cargo_t + 1e-6:
        r.error(loc, f"{phase} lines of {cid!r} move {tot.cargo:g} t of cargo in all; the contingent has "
                f"{c.cargo_t:g} t")


def _warn_left_behind(r: _Report, phase: str, tot: _Moved, c: Contingent, lines: list[Movement]) -> None:
    """Lines that all state their parts and together move less than the whole contingent leave the rest."""
    if any(m.whole() for m in lines):
        return
    vehicles, all_vehicles = sum(tot.equipment.values()), sum(c.equipment.values())
    if tot.troops < c.troops or vehicles < all_vehicles:
        r.warn(("movements", tot.first), f"{phase} lines of {c.id!r} move {tot.troops} of {c.troops} troops and "
               f"{vehicles} of {all_vehicles} vehicles; the rest "
               f"{'stays behind' if phase == 'deploy' else 'stays in theatre'} (state every part to move all)")


def _check_within_deployment(r: _Report, cid: str, tot: _Moved, dep: _Moved | None) -> None:
    """Withdraw lines take out no more troops or vehicles than the deploy lines (if any) bring in."""
    if dep is None:
        return
    loc = ("movements", tot.first)
    if tot.troops > dep.troops:
        r.error(loc, f"withdraw lines of {cid!r} move {tot.troops} troops but deploy lines bring in only {dep.troops}")
    for eid, n in tot.equipment.items():
        if n > dep.equipment.get(eid, 0):
            r.error(loc, f"withdraw lines of {cid!r} move {n} {eid} but deploy lines bring in only "
                    f"{dep.equipment.get(eid, 0)}")


def _check_uncertainty(s: Scenario, r: _Report, ids: _Ids, u: Uncertainty) -> None:
    """References of the uncertainty rules: aircraft types, airfields and road lines."""
    _check_rule_refs(r, "delays", u.delays, ids)
    _check_rule_refs(r, "breakdowns", u.breakdowns, ids)
    _check_rule_refs(r, "availability", u.availability, ids)
    for j, rule in enumerate(u.weather):
        if rule.airfield not in ids.airfields:
            r.unknown(("uncertainty", "weather", j, "airfield"), "airfield", "airfields", ids.airfields, rule.airfield)
    _check_road_rules(s, r, u)


def _check_rule_refs(r: _Report, section: str, rules: Sequence[DelayRule | BreakdownRule | AvailabilityRule],
                     ids: _Ids) -> None:
    """The aircraft types and airfields that the delay, breakdown or availability rules name are known."""
    types, airfields = ids.types, ids.airfields
    for j, rule in enumerate(rules):
        if rule.aircraft is not None and rule.aircraft not in types:
            r.unknown(("uncertainty", section, j, "aircraft"), "aircraft type", "aircraft", types, rule.aircraft)
        airfield = getattr(rule, "airfield", None)
        if airfield is not None and airfield not in airfields:
            r.unknown(("uncertainty", section, j, "airfield"), "airfield", "airfields", airfields, airfield)


def _check_road_rules(s: Scenario, r: _Report, u: Uncertainty) -> None:
    """A road rule's line is a known line with a road leg."""
    line_ids = [m.id for m in s.movements]
    for j, rule in enumerate(u.road):
        if rule.line is None:
            continue
        if rule.line not in line_ids:
            r.unknown(("uncertainty", "road", j, "line"), "movement line", "movements", line_ids, rule.line)
        elif not any(leg.mode == "road" for leg in next(m for m in s.movements if m.id == rule.line).journey()):
            r.error(("uncertainty", "road", j, "line"), f"line {rule.line!r} is not a road line")


def _warn_unused(s: Scenario, r: _Report) -> None:
    """Fleets and types never flown, contingents deployed but never withdrawn."""
    air_lines = [view for _, view in air_views(s)]
    for i, f in enumerate(s.fleet):
        if not _flies_any(f, air_lines):
            r.warn(("fleet", i), f"fleet {f.id!r} is allowed on no air line; it will never fly")
    _warn_never_withdrawn(s, r)
    flown_types = {f.type for f in s.fleet if _flies_any(f, air_lines)}
    for i, t in enumerate(s.aircraft):
        if t.id not in flown_types:
            r.warn(("aircraft", i), f"aircraft type {t.id!r} is never flown (no fleet of it may fly any air line)")


def _flies_any(f: Fleet, air_lines: list[Movement]) -> bool:
    """Whether fleet f is allowed on some air line."""
    return any(m.fleets is None or f.id in m.fleets for m in air_lines)


def _warn_never_withdrawn(s: Scenario, r: _Report) -> None:
    """Contingents that deploy lines bring in and no withdraw line takes out."""
    deployed = {m.contingent for m in s.movements if m.phase == "deploy"}
    withdrawn = {m.contingent for m in s.movements if m.phase == "withdraw"}
    for i, c in enumerate(s.contingents):
        if c.id in deployed and c.id not in withdrawn:
            r.warn(("contingents", i), f"contingent {c.id!r} is deployed but never withdrawn")


@dataclass
class _GroundNeed:
    """What the sorties of one phase need on the ground at one airfield, and in what window."""

    ground_h: float = 0.0  # aircraft-hours of loading or unloading
    first_ready: float = math.inf
    last_deadline: float = -math.inf
    sorties: int = 0


def _check_mog_capacity(s: Scenario, r: _Report) -> None:
    """Warn when an airfield's MOG is below what its ground time needs for the lines to close in time.

    For each airfield: the parking hours all sorties of a phase need there (loading at origins,
    unloading at destinations) spread over the window from the earliest ready to the latest
    deadline of those lines, scaled by the share of the day the airfield is open.
    """
    from sim.loadplan import plan_line

    need: dict[tuple[str, str], _GroundNeed] = {}
    for _, m in air_views(s):
        loads = plan_line(s, m)
        if not loads:
            continue
        t = s.aircraft_type(loads[0].planned_type)
        for af, ground in ((m.origin, t.load_h), (m.destination, t.unload_h)):
            acc = need.setdefault((af, m.phase), _GroundNeed())
            acc.ground_h += len(loads) * ground
            acc.first_ready = min(acc.first_ready, max(0.0, s.hours_of(m.ready)))
            acc.last_deadline = max(acc.last_deadline, s.hours_of(m.deadline))
            acc.sorties += len(loads)
    index = {a.id: i for i, a in enumerate(s.airfields)}
    for (af, phase), acc in sorted(need.items()):
        ground_h, lo, hi, n = acc.ground_h, acc.first_ready, acc.last_deadline, acc.sorties
        a = s.airfields[index[af]]
        window = a.window
        open_share = 1.0 if window is None else ((window[1] - window[0]) % 24.0 or 24.0) / 24.0
        span = max(hi - lo, 1e-9) * open_share
        required = ground_h / span
        if a.mog < required:
            r.warn(("airfields", index[af], "mog"),
                   f"{phase}: {n} sorties need {ground_h:.0f} aircraft-hours on the ground at {af} within "
                   f"{span:.0f} open hours; MOG {a.mog} is below the {required:.1f} needed "
                   "for any plan to close in time")


def _check_air_line(s: Scenario, r: _Report, loc: tuple, m: Movement, dist: Callable[[str, str], float],
                    network: _Network) -> None:
    """One air line (or air leg): it has aircraft that can carry its loads, reach its end and make its deadline."""
    from sim.loadplan import line_types

    types = line_types(s, m)
    if not _line_has_types(r, loc, m, types):
        return
    _check_line_loads(s, r, loc, m, types)
    # reach: direct, or through the scenario's airfields as refuelling stops
    network.fill(s, dist)
    routes = _line_routes(network, m, types)
    if not routes:
        _report_out_of_reach(r, loc, m, types, network)
        return
    _warn_deadline_out_of_reach(s, r, loc, m, network, routes)
    _warn_idle_types(s, r, loc, m, types, [t for t, _ in routes])


def _line_has_types(r: _Report, loc: tuple, m: Movement, types: list[AircraftType]) -> bool:
    """Whether some aircraft type may fly the line; if none, say why (no fleets listed, none existing)."""
    if m.fleets is not None and not m.fleets:
        r.error((*loc, "fleets"), "fleets is an empty list, so no aircraft may fly this line; "
                "list fleet ids, or leave fleets out to allow any fleet")
        return False
    if not types:
        if m.fleets:
            r.error((*loc, "fleets"), "none of these fleets exists; the line cannot be flown")
        else:
            r.error((*loc, "mode"), "an air line needs aircraft, but the scenario has no fleet")
        return False
    return True


def _check_line_loads(s: Scenario, r: _Report, loc: tuple, m: Movement, types: list[AircraftType]) -> None:
    """Some type allowed on the line seats its troops, and each of its vehicles fits one."""
    troops, equipment, _cargo = s.line_parts(m)
    if troops and not any(t.seats > 0 for t in types):
        r.error((*loc, "troops"), f"line moves {troops} troops but no aircraft type allowed on it has seats")
    known = {e.id for e in s.equipment}
    for eid, n in equipment.items():
        if n and eid in known:
            _check_line_vehicle(s, r, (*loc, "equipment", eid), s.equipment_item(eid), types)


class _Network:
    """Airfield ids, their index, the distance matrix and the refuelling routes, built by the first air
    line that needs them and shared by all (empty until then)."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.index: dict[str, int] = {}
        self.matrix: list[list[float]] = []
        self.routes: dict[tuple[str, int, int], list[int] | None] = {}

    def __bool__(self) -> bool:
        return bool(self.ids)

    def fill(self, s: Scenario, dist: Callable[[str, str], float]) -> None:
        """Build the index and the matrix once."""
        if not self.ids:
            self.ids = [a.id for a in s.airfields]
            self.index = {x: k for k, x in enumerate(self.ids)}
            self.matrix = [[dist(a, b) for b in self.ids] for a in self.ids]

    def route(self, t: AircraftType, a: int, b: int) -> list[int] | None:
        """The refuelling route of type t from airfield index a to b (cached), as the engine flies it."""
        key = (t.id, a, b)
        if key not in self.routes:
            self.routes[key] = geo.shortest_route(self.matrix, a, b, t.range_km)
        return self.routes[key]


def _line_routes(network: _Network, m: Movement, types: list[AircraftType]) -> list[tuple[AircraftType, list[int]]]:
    """(type, route) of each allowed type that can reach the line's destination, in the order of `types`."""
    a, b = network.index[m.origin], network.index[m.destination]
    routes = []
    for t in types:
        route = network.route(t, a, b)
        if route is not None:
            routes.append((t, route))
    return routes


def _report_out_of_reach(r: _Report, loc: tuple, m: Movement, types: list[AircraftType], network: _Network) -> None:
    """No allowed type reaches the destination, directly or through refuelling stops."""
    a, b = network.index[m.origin], network.index[m.destination]
    best = max(t.range_km for t in types)
    r.error((*loc, "to"), f"leg {m.origin}->{m.destination} is {network.matrix[a][b]:.0f} km, longer than every "
            f"allowed type's range (best {best:g} km), and no airfield in the scenario is in reach as a refuelling "
            "stop")


def _sortie_h(s: Scenario, matrix: list[list[float]], t: AircraftType, route: list[int]) -> float:
    """Hours of one sortie of type t along its route: loading, each hop's flight and taxi, refuelling stops."""
    legs = itertools.pairwise(route)
    flight = sum(matrix[x][y] / t.cruise_kmh + s.planning.flight_allowance_h + 2 * s.planning.taxi_h for x, y in legs)
    return t.load_h + flight + s.planning.refuel_h * (len(route) - 2)


def _warn_deadline_out_of_reach(s: Scenario, r: _Report, loc: tuple, m: Movement, network: _Network,
                                routes: list[tuple[AircraftType, list[int]]]) -> None:
    """A deadline that cannot be met even with unlimited aircraft: ready plus the fastest sortie is after it."""
    fastest = min(_sortie_h(s, network.matrix, t, route) for t, route in routes)
    ready = max(0.0, s.hours_of(m.ready))
    if ready + fastest > s.hours_of(m.deadline):
        r.warn((*loc, "deadline"), f"cannot be met even with unlimited aircraft: ready {s.iso(ready)} plus the "
               f"fastest sortie ({fastest:.1f} h) is after it")


def _warn_idle_types(s: Scenario, r: _Report, loc: tuple, m: Movement, types: list[AircraftType],
                     reachable: list[AircraftType]) -> None:
    """Among several types allowed on a line, one that can never fly it: out of range, or nothing fits."""
    from sim.loadplan import LineStock

    known = {e.id for e in s.equipment}
    if len(types) < 2 or any(eid not in known for eid in s.line_parts(m).equipment):
        return  # one type, or unknown vehicles (already an error)
    stock = LineStock(s, m)
    for t in types:
        if t not in reachable:
            why = f"no route from {m.origin} to {m.destination} within its {t.range_km:g} km range"
        elif not stock.empty() and not stock.can_carry(t):
            why = "none of the line's troops, vehicles or cargo fits it"
        else:
            continue
        r.warn((*loc, "fleets") if m.fleets else loc,
               f"aircraft type {t.id!r} may fly this line but never can: {why}; the other types will fly all of it")


# ------------------------------------------------------------------ helpers of the checks above

EPS = 1e-9
TOL_H = 1e-7  # as sim.crews.TOL_H: duty limits this close count as met


def _num(x: float) -> str:
    """A stated value for a message, as written: 16, 6.4, 3.46."""
    return f"{x:g}"


def _hours(x: float) -> str:
    """A computed number of hours for a message, to 2 decimals: 4.82, 7."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _plural(count: int, word: str) -> str:
    """'1 crew', '3 crews'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _ceil(x: float, step: float = 0.1) -> str:
    """x rounded up to a step, for 'raise it to at least ...' advice."""
    return _num(math.ceil(x / step - 1e-6) * step)


def _default_note(t: AircraftType, field: str, lead: str = ", ") -> str:
    """', the il-76md default from sim/factors.py' when the scenario does not state the type's value
    (lead ' (' closes the parenthesis)."""
    src = t.sources.get(field, "scenario")
    if src == "scenario":
        return ""
    return f"{lead}the {src.split(':', 1)[0]} default from sim/factors.py{')' if lead.endswith('(') else ''}"


def _types_value(t: AircraftType, field: str) -> str:
    """' (the type's)' or ' (the il-76md default from sim/factors.py)', for a fleet value taken from its type."""
    note = _default_note(t, field, "")
    return f" ({note or 'the ' + t.id + ' type' + chr(39) + 's'})"


def _filled(value: float | None) -> float:
    """A planning factor of an aircraft type (spots, crew_ratio, crew_report_h, ...): AircraftType's
    before-validator (sim.factors.fill_type_defaults) fills every one left out, so it is never None here."""
    assert value is not None, "AircraftType fills its planning factors with defaults"
    return value


def _type_of(s: Scenario, tid: str) -> AircraftType | None:
    return s.aircraft_type(tid) if any(t.id == tid for t in s.aircraft) else None


def _full_payload_t(s: Scenario, t: AircraftType) -> float:
    """The most one vehicle may weigh on type t (sim.loadplan.capacity: planning or maximum payload)."""
    if s.planning.rules.planning_loads:
        return float(t.payload_t)
    return float(t.max_payload_t or t.payload_t)


def _check_maxima(r: _Report, i: int, t: AircraftType) -> None:
    """The maxima (flown when planning loads are off) may not be below the planning load."""
    if t.max_payload_t is not None and t.max_payload_t < t.payload_t - EPS:
        r.error(("aircraft", i, "max_payload_t"),
                f"planning payload {_num(t.payload_t)} t is above the maximum {_num(t.max_payload_t)} t"
                f"{_default_note(t, 'max_payload_t', ' (')}; raise max_payload_t to at least "
                f"{_num(t.payload_t)} or lower payload_t to at most {_num(t.max_payload_t)}")
    if t.max_seats is not None and t.max_seats < t.seats:
        r.error(("aircraft", i, "max_seats"),
                f"planning seats {t.seats} are above the maximum {t.max_seats}"
                f"{_default_note(t, 'max_seats', ' (')}; raise max_seats to at least {t.seats} "
                f"or lower seats to at most {t.max_seats}")


def _check_crew_stage(s: Scenario, r: _Report, i: int, f: Fleet, airfield_ids: list[str]) -> None:
    """Staged crews wait at known airfields and are no more than the fleet's spare crews."""
    for j, st in enumerate(f.crew_stage):
        if st.airfield not in airfield_ids:
            r.unknown(("fleet", i, "crew_stage", j, "airfield"), "airfield", "airfields", airfield_ids, st.airfield)
    t = _type_of(s, f.type)
    if t is None or not f.crew_stage:
        return
    _check_spare_crews(r, i, f, t)


def _check_spare_crews(r: _Report, i: int, f: Fleet, t: AircraftType) -> None:
    """The crews staged, counted in order, fit in the fleet's spare crews; report the first stage that does not."""
    ratio = float(f.crew_ratio if f.crew_ratio is not None else _filled(t.crew_ratio))
    crews = round(f.count * ratio)
    spares = max(0, crews - f.count)
    total = sum(st.crews for st in f.crew_stage)
    staged = 0
    for j, st in enumerate(f.crew_stage):
        staged += st.crews
        if staged <= spares:
            continue
        what = f"stages {_plural(st.crews, 'crew')}" if j == 0 else f"brings the staged crews to {staged}"
        whose = "" if f.crew_ratio is not None else _types_value(t, "crew_ratio")
        need = math.ceil((f.count + total) / f.count * 100 - 1e-6) / 100
        has = "only " + _plural(spares, "spare crew") if spares else "no spare crew"
        r.error(("fleet", i, "crew_stage", j, "crews"),
                f"{what}, but fleet {f.id!r} has {has}: {_plural(f.count, 'tail')} x crew_ratio {_num(ratio)}{whose} "
                f"= {_plural(crews, 'crew')}, one per tail; raise the fleet's crew_ratio to at least {_num(need)} to "
                f"stage {_plural(total, 'crew')}, or stage fewer")
        return


def _check_mission_capable(s: Scenario, r: _Report, i: int, f: Fleet) -> None:
    """Warn when count x mc_rate rounds to no tail: the engine flies one anyway."""
    t = _type_of(s, f.type)
    if t is None or not s.planning.rules.availability:
        return
    if s.uncertainty is not None and any(u.aircraft in (None, f.type) for u in s.uncertainty.availability):
        return  # each tail's status is drawn day by day instead
    mc = float(f.mc_rate or _filled(t.mc_rate))
    if f.count * mc < 0.5:
        whose = "" if f.mc_rate is not None else _types_value(t, "mc_rate")
        r.warn(("fleet", i, "mc_rate"),
               f"{_plural(f.count, 'tail')} x mc_rate {_num(mc)}{whose} = {f.count * mc:.2g} mission-capable tails, "
               "which rounds to 0; sim flies 1 tail of this fleet anyway (every fleet flies at least one), more than "
               "its mc_rate says; remove the fleet if none of it should fly")


# hold dimension -> (vehicle is ... m X, a hold that Y, (Z: ...), type field)
_DIMS = {"width": ("wide", "wide", "widest", "hold_width_m"), "height": ("high", "tall", "highest", "hold_height_m")}


def _hold_too_small(e: Equipment, types: list[AircraftType], dim: str, scope: str) -> str | None:
    """'mi-8 is 4.7 m high; no aircraft type{scope} has a hold that tall (highest: an-124 4.4 m)', or None
    when some type's hold takes it in that dimension (or one of them is not known: not checked)."""
    size = getattr(e, f"{dim}_m")
    is_, that, most, field = _DIMS[dim]
    holds = [(getattr(t, field), t.id) for t in types]
    if size is None or not holds or any(h is None for h, _ in holds):
        return None
    best, tid = max(holds, key=lambda h: h[0])
    if size <= best + EPS:
        return None
    return (f"{e.id} is {_num(size)} m {is_}; no aircraft type{scope} has a hold that {that} "
            f"({most}: {tid} {_num(best)} m)")


def _check_vehicles_fit(s: Scenario, r: _Report) -> None:
    """Vehicles that no aircraft type at all can carry: too long, heavy, wide or high for every type."""
    used_eq = {eid for c in s.contingents for eid, n in c.equipment.items() if n}
    if not s.aircraft:
        return
    max_floor = max(t.floor_m for t in s.aircraft)
    max_pay = max(_full_payload_t(s, t) for t in s.aircraft)
    for i, e in enumerate(s.equipment):
        if e.id in used_eq:
            _check_vehicle_fits(s, r, i, e, max_floor, max_pay)


def _check_vehicle_fits(s: Scenario, r: _Report, i: int, e: Equipment, max_floor: float, max_pay: float) -> None:
    """One vehicle against the longest floor, the largest payload and the widest and highest holds of all types."""
    if e.length_m > max_floor:
        r.error(("equipment", i, "length_m"), f"{e.id} is {_num(e.length_m)} m long; no aircraft type has that "
                f"much floor (longest: {_num(max_floor)} m)")
    if e.mass_t + e.crew * s.planning.troop_mass_t > max_pay:
        r.error(("equipment", i, "mass_t"), f"{e.id} weighs {_num(e.mass_t)} t (with crew); no aircraft type "
                f"carries that much (largest payload: {_num(max_pay)} t)")
    for dim in _DIMS:
        why = _hold_too_small(e, s.aircraft, dim, "")
        if why:
            r.error(("equipment", i, f"{dim}_m"), f"{why}; check {dim}_m, or add an aircraft type whose hold takes it")


def _check_line_vehicle(s: Scenario, r: _Report, loc: tuple, e: Equipment, types: list[AircraftType]) -> None:
    """A vehicle a line moves must fit, by length, width, height and mass, some type allowed on the line."""
    from sim.loadplan import vehicle_fits_hold

    if any(vehicle_fits_hold(e, t) and e.mass_t <= _full_payload_t(s, t) + EPS for t in types):
        return
    for dim in _DIMS:
        why = _hold_too_small(e, types, dim, " allowed on this line")
        if why:
            r.error(loc, f"{why}; allow a fleet whose hold takes it on this line, or move {e.id} by another line")
            return
    dims = "".join(f", {_num(v)} m {_DIMS[d][0]}" for d in _DIMS if (v := getattr(e, f"{d}_m")) is not None)
    r.error(loc, f"no aircraft type allowed on this line can carry {e.id} "
            f"({_num(e.mass_t)} t, {_num(e.length_m)} m long{dims}); "
            f"allow a fleet that can carry it on this line, or move {e.id} by another line")


# ------------------------------------------------------------------ crew duty and parking on every air line


def _air_lines(s: Scenario) -> Iterator[Movement]:
    """Every air leg between two known, different airfields, as a line of that one leg."""
    for _, view in air_views(s):
        yield view


def _line_fleets(s: Scenario, m: Movement) -> list[Fleet]:
    """Fleets of a known type allowed on a line (as sim.loadplan.line_types)."""
    types = {t.id for t in s.aircraft}
    return [f for f in s.fleet if f.type in types and (m.fleets is None or f.id in m.fleets)]


def _legs(network: _Network, m: Movement, f: Fleet) -> list[tuple[str, str, str]]:
    """(from, to, kind) of the flights a tail of fleet f makes for line m: loaded, and empty from and to its base."""
    legs = [(m.origin, m.destination, "loaded")]
    if f.base in network.index:
        if f.base != m.origin:
            legs.append((f.base, m.origin, "out"))
        if f.base != m.destination:
            legs.append((m.destination, f.base, "home"))
    return legs


def _what(kind: str, line: str) -> str:
    """How a leg of _legs is flown, for a message."""
    return {"loaded": f"on line {line!r}", "out": f"flying empty from its base to line {line!r}",
            "home": f"flying home empty from line {line!r}"}[kind]


def _duty_field(t: AircraftType, f: Fleet) -> str:
    """The duty limit a fleet's crews fly to (the fleet's crew_augmented overrides the type's)."""
    augmented = t.crew_augmented if f.crew_augmented is None else f.crew_augmented
    return "crew_augmented_duty_h" if augmented else "crew_duty_h"


class _Hop(NamedTuple):
    """The longest hop of a route: off-blocks to on-blocks hours, km, and its two airfields."""

    hours: float
    km: float
    origin: str
    dest: str


class _WorstHop(NamedTuple):
    """The longest hop some fleet's crews must fly, how they fly it (for a message) and that fleet."""

    hop: _Hop
    what: str
    fleet: Fleet


def _longest_hop(s: Scenario, network: _Network, t: AircraftType, a: str, b: str) -> _Hop | None:
    """The longest hop of t's route from a to b (None when out of reach)."""
    idx = network.index
    route = network.route(t, idx[a], idx[b])
    if route is None:
        return None  # out of reach: reported by _check_air_line
    matrix, ids, p = network.matrix, network.ids, s.planning
    x, y = max(itertools.pairwise(route), key=lambda xy: matrix[xy[0]][xy[1]])
    km = matrix[x][y]
    return _Hop(2 * p.taxi_h + km / t.cruise_kmh + p.flight_allowance_h, km, ids[x], ids[y])


def _duty_legs(s: Scenario, types: dict[str, AircraftType], network: _Network) -> dict[tuple, tuple[str, str, Fleet]]:
    """Every (type, duty field, from, to) that some fleet must fly, with the first (kind, line, fleet) found.

    Lines that allow the same fleets are taken together, so the work is fleets x airfields, not fleets x lines.
    """
    groups: dict[tuple | None, list[Movement]] = {}
    for m in _air_lines(s):
        groups.setdefault(None if m.fleets is None else tuple(sorted(set(m.fleets))), []).append(m)
    legs: dict[tuple, tuple[str, str, Fleet]] = {}
    for lines in groups.values():
        crews: dict[tuple[str, str, str], Fleet] = {}  # (type, field, base) -> first fleet
        for f in _line_fleets(s, lines[0]):
            crews.setdefault((f.type, _duty_field(types[f.type], f), f.base), f)
        _add_group_legs(network, lines, crews, legs)
    return legs


def _add_group_legs(network: _Network, lines: list[Movement], crews: dict[tuple[str, str, str], Fleet],
                    legs: dict[tuple, tuple[str, str, Fleet]]) -> None:
    """Add the legs of lines that allow the same fleets: each line loaded, then each crew's base (type, duty
    field, base) flying empty out to every origin and home from every destination (the first line found)."""
    origins: dict[str, str] = {}
    dests: dict[str, str] = {}
    for m in lines:
        origins.setdefault(m.origin, m.id)
        dests.setdefault(m.destination, m.id)
        for (tid, field, _), f in crews.items():
            legs.setdefault((tid, field, m.origin, m.destination), ("loaded", m.id, f))
    for (tid, field, base), f in crews.items():
        if base not in network.index:
            continue
        for a, line in origins.items():
            if a != base:
                legs.setdefault((tid, field, base, a), ("out", line, f))
        for b, line in dests.items():
            if b != base:
                legs.setdefault((tid, field, b, base), ("home", line, f))


def _check_crew_duty(s: Scenario, r: _Report, network: _Network) -> None:
    """Every hop a fleet must fly fits in its crews' duty period: report time plus off-blocks to on-blocks."""
    if not s.planning.rules.crews or not network:
        return
    types = {t.id: t for t in s.aircraft}
    index = {t.id: i for i, t in enumerate(s.aircraft)}
    for (tid, field), worst in _worst_hops(s, types, network).items():
        t = types[tid]
        if float(_filled(t.crew_report_h)) + worst.hop.hours > float(getattr(t, field)) + TOL_H:
            r.error(("aircraft", index[tid], field), _duty_message(s, t, field, worst))


def _worst_hops(s: Scenario, types: dict[str, AircraftType], network: _Network) -> dict[tuple[str, str], _WorstHop]:
    """(type, duty field) -> the longest hop its crews must fly."""
    worst: dict[tuple[str, str], _WorstHop] = {}
    for (tid, field, a, b), (kind, line, f) in _duty_legs(s, types, network).items():
        hop = _longest_hop(s, network, types[tid], a, b)
        if hop is not None and ((tid, field) not in worst or hop.hours > worst[(tid, field)].hop.hours):
            worst[(tid, field)] = _WorstHop(hop, _what(kind, line), f)
    return worst


def _duty_message(s: Scenario, t: AircraftType, field: str, worst: _WorstHop) -> str:
    """Why a type's crews cannot fly its longest hop within their duty period, and what to change."""
    (hop, km, x, y), what, f = worst
    p, report, duty = s.planning, float(_filled(t.crew_report_h)), float(getattr(t, field))
    need = report + hop
    fleet = "" if f.crew_augmented is None else f"; fleet {f.id!r} sets crew_augmented: {str(f.crew_augmented).lower()}"
    msg = (f"{t.id} crews may be on duty {_num(duty)} h ({field}{_default_note(t, field)}{fleet}), too short for "
           f"the hop {x}->{y} they must fly {what}: report {_num(report)} h + {_hours(hop)} h off-blocks to on-blocks "
           f"({km:.0f} km at {_num(t.cruise_kmh)} km/h + {_num(p.flight_allowance_h)} h allowance + 2 x "
           f"{_num(p.taxi_h)} h taxi) = {_hours(need)} h; raise {field} to at least {_ceil(need)} h")
    if field == "crew_duty_h" and float(_filled(t.crew_augmented_duty_h)) + TOL_H >= need:
        msg += f", fly augmented crews (crew_augmented: true, {_num(_filled(t.crew_augmented_duty_h))} h)"
    return msg + ", or turn planning.rules.crews off"


def _work_places(s: Scenario, network: _Network, t: AircraftType, m: Movement, f: Fleet) -> Iterator[tuple[str, str]]:
    """(airfield, what) where a tail of type t books a working spot for line m: load, unload, refuelling stops."""
    if t.load_h > 0:
        yield m.origin, f"loads there on line {m.id!r}"
    if t.unload_h > 0:
        yield m.destination, f"unloads there on line {m.id!r}"
    if s.planning.refuel_h > 0:
        idx, ids = network.index, network.ids
        for a, b, kind in _legs(network, m, f):
            for stop in (network.route(t, idx[a], idx[b]) or [])[1:-1]:
                yield ids[stop], f"refuels there {_what(kind, m.id)}"


def _check_parking(s: Scenario, r: _Report, network: _Network) -> None:
    """No type may need more parking spots than an airfield where it must work has (it would wait forever)."""
    if not s.planning.rules.parking or not network:
        return
    mog = {a.id: a.mog for a in s.airfields}
    smallest = min(mog.values())
    # the types that some airfield is too small for
    big = {t.id: t for t in s.aircraft if _filled(t.spots) > smallest + EPS}
    if not big:
        return
    index = {t.id: i for i, t in enumerate(s.aircraft)}
    for (tid, af), what in _too_few_spots(s, network, big, mog).items():
        t = s.aircraft_type(tid)
        spots = _filled(t.spots)
        r.error(("aircraft", index[tid], "spots"),
                f"{tid} takes {_num(spots)} parking spots (spots{_default_note(t, 'spots')}) but airfield {af!r} "
                f"has mog {mog[af]}, and {tid} {what}; raise {af}'s mog to at least {math.ceil(spots - EPS)}, "
                f"lower spots, keep {tid} fleets off that line, or turn planning.rules.parking off")


def _too_few_spots(s: Scenario, network: _Network, big: dict[str, AircraftType],
                   mog: dict[str, int]) -> dict[tuple[str, str], str]:
    """(type, airfield) -> what the type does there (the first line found), where it must work and the
    airfield has fewer parking spots than one aircraft of the type takes."""
    found: dict[tuple[str, str], str] = {}
    for m in _air_lines(s):
        for f in _line_fleets(s, m):
            t = big.get(f.type)
            if t is None:
                continue
            for af, what in _work_places(s, network, t, m, f):
                if _filled(t.spots) > mog[af] + EPS:
                    found.setdefault((t.id, af), what)
    return found


def _warn_same_coordinates(s: Scenario, r: _Report) -> None:
    """Airfields and places written at the same coordinates as an earlier one: a leg between them is 0 km
    long (a flight of only ground time), which is nearly always a copied line whose lat/lon was not edited."""
    seen: dict[tuple[float, float], tuple[str, str]] = {}
    nodes: list[tuple[str, str, int, Any]] = [  # Any: an Airfield or a Place
        *(("airfields", "airfield", i, n) for i, n in enumerate(s.airfields)),
        *(("places", "place", i, n) for i, n in enumerate(s.places))]
    for section, noun, i, node in nodes:
        key = (round(node.lat, 6), round(node.lon, 6))
        if key not in seen:
            seen[key] = (noun, node.id)
            continue
        first_noun, first_id = seen[key]
        r.warn((section, i, "lat"), f"{noun} {node.id!r} is at the same coordinates as {first_noun} {first_id!r} "
                                    f"({_num(node.lat)}, {_num(node.lon)}): a leg between them is 0 km long; "
                                    "check its lat and lon")
