"""Cross-checks of journeys: places, legs, the lines a line waits for, inflow profiles and node limits.

Called by sim.checks.cross_check with its report; each problem is located at the field to fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sim.scenario import Inflow, Leg, Movement, Scenario

ROAD_ONLY = ("convoy_kmh", "march_h_per_day", "serial_vehicles", "serial_gap_h", "serials_per_day")
AIR_ONLY = ("fleets", "load_factor")


def air_views(s: Scenario) -> Iterator[tuple[tuple, Movement]]:
    """(location, view) of every air leg between two known, different airfields: the line as if it were
    that one leg (its ends, fleets and load factor), so the checks of air lines apply to each air leg."""
    airfields = {a.id for a in s.airfields}
    for i, m in enumerate(s.movements):
        for k, leg in enumerate(m.journey()):
            if not _flies_between(leg, airfields):
                continue
            if not m.legs:
                yield ("movements", i), m
                continue
            view = m.model_copy(update={
                "origin": leg.origin, "destination": leg.destination, "mode": "air", "legs": None,
                "fleets": leg.fleets if leg.fleets is not None else m.fleets,
                "load_factor": leg.load_factor if leg.load_factor is not None else m.load_factor})
            view.__dict__.pop("_journey", None)
            yield ("movements", i, "legs", k), view


def _flies_between(leg: Leg, airfields: set[str]) -> bool:
    """Whether a leg is an air leg between two known, different airfields."""
    return leg.mode == "air" and leg.origin in airfields and leg.destination in airfields \
        and leg.origin != leg.destination


def check_journeys(s: Scenario, r: Any, fleets: list[str]) -> None:
    """Places and every line's legs, dependencies and inflow."""
    nodes = {n.id: n for n in s.nodes()}
    _check_place_ids(s, r)
    for i, m in enumerate(s.movements):
        if m.legs:  # a line of one leg has its ends and mode checked with the line (sim.checks)
            _check_line_form(s, r, i, m)
            for k, leg in enumerate(m.legs):
                _check_leg(s, r, ("movements", i, "legs", k), m, k, leg, nodes, fleets)
        elif m.mode == "rail" and m.origin in nodes and m.destination in nodes:
            _check_rail(s, r, ("movements", i), m, m.journey()[0], nodes)
        _check_inflow(s, r, i, m)
    _check_after(s, r)


def _check_place_ids(s: Scenario, r: Any) -> None:
    """Place ids are unique, also against airfield ids."""
    airfields = {a.id for a in s.airfields}
    seen: set[str] = set()
    for j, p in enumerate(s.places):
        if p.id in airfields:
            r.error(("places", j, "id"), f"place id {p.id!r} is also an airfield's id; ids must be unique across "
                    "airfields and places (an airfield is already a place)")
        elif p.id in seen:
            r.error(("places", j, "id"), f"duplicate place id {p.id!r}; ids must be unique")
        seen.add(p.id)


def _check_line_form(s: Scenario, r: Any, i: int, m: Movement) -> None:
    """With `legs`, the line's own `mode`, road fields and ends must agree with them."""
    loc = ("movements", i)
    if not m.legs:
        return
    if m.mode != "air":  # air is the default, and what scenario.resolved.yaml writes back for every line
        r.error((*loc, "mode"), "mode is for a line of one leg; this line has legs, so give each leg its mode "
                "and remove mode here")
    for key in ("road_km", "convoy_kmh", "march_h_per_day"):
        if getattr(m, key) is not None:
            r.error((*loc, key), f"{key} is for a road line of one leg; with legs, set km, convoy_kmh or "
                    "march_h_per_day on the road leg")
    if m.origin != m.legs[0].origin:
        r.error((*loc, "from"), f"from is {m.origin!r} but the first leg starts at {m.legs[0].origin!r}; "
                "remove from (it defaults to the first leg's) or make them agree")
    if m.destination != m.legs[-1].destination:
        r.error((*loc, "to"), f"to is {m.destination!r} but the last leg ends at {m.legs[-1].destination!r}; "
                "remove to (it defaults to the last leg's) or make them agree")
    if m.earliest is not None:
        r.error((*loc, "earliest"), "earliest applies to lines of one air leg; for a journey, set a leg's deadline "
                "or the line's ready time instead")


def _check_leg(s: Scenario, r: Any, loc: tuple, m: Movement, k: int, leg: Leg, nodes: dict,
               fleets: list[str]) -> None:
    """One leg of a journey: known, different ends, joined to the leg before, its mode's fields, its deadline."""
    if not _leg_ends_known(r, loc, leg, nodes):
        return
    if leg.origin == leg.destination:
        r.error((*loc, "to"), f"the leg goes from {leg.origin!r} to itself; give it another destination or drop it")
    legs = m.journey()
    if k > 0 and leg.origin != legs[k - 1].destination:
        r.error((*loc, "from"), f"leg {k + 1} starts at {leg.origin!r} but leg {k} ends at "
                f"{legs[k - 1].destination!r}; each leg must start where the one before ends")
    _check_leg_mode(s, r, loc, m, leg, nodes, fleets)
    if leg.deadline is not None and s.hours_of(leg.deadline) <= s.hours_of(m.ready):
        r.error((*loc, "deadline"), "the leg's deadline is not after the line's ready time")


def _leg_ends_known(r: Any, loc: tuple, leg: Leg, nodes: dict) -> bool:
    """Whether both ends of a leg are known places or airfields (each unknown one is reported)."""
    ok = True
    for key, val in (("from", leg.origin), ("to", leg.destination)):
        if val not in nodes:
            r.unknown((*loc, key), "place or airfield", "airfields and places", list(nodes), val)
            ok = False
    return ok


def _check_leg_mode(s: Scenario, r: Any, loc: tuple, m: Movement, leg: Leg, nodes: dict,
                    fleets: list[str]) -> None:
    """Air legs fly between airfields; rail legs run between railheads; each mode takes its own fields."""
    if leg.mode == "air":
        _check_air_leg(r, loc, leg, nodes, fleets)
    else:
        _check_only_for(r, loc, leg, AIR_ONLY, "air")
    if leg.mode != "road":
        _check_only_for(r, loc, leg, ROAD_ONLY, "road")
    if leg.mode == "air" and leg.km is not None:
        r.error((*loc, "km"), "km applies to road and rail legs only (an air leg flies the great circle)")
    if leg.mode == "rail":
        _check_rail(s, r, loc, m, leg, nodes)


def _check_air_leg(r: Any, loc: tuple, leg: Leg, nodes: dict, fleets: list[str]) -> None:
    """An air leg flies between airfields, by known fleets."""
    for key, val in (("from", leg.origin), ("to", leg.destination)):
        if not hasattr(nodes[val], "mog"):
            r.error((*loc, key), f"an air leg flies between airfields; {val!r} is a place, not an airfield "
                    "(add a road or rail leg to it)")
    for j, fid in enumerate(leg.fleets or []):
        if fid not in fleets:
            r.unknown((*loc, "fleets", j), "fleet", "fleet", fleets, fid)


def _check_only_for(r: Any, loc: tuple, leg: Leg, keys: tuple[str, ...], mode: str) -> None:
    """Fields that apply to legs of one mode only are not set on a leg of another."""
    for key in keys:
        if getattr(leg, key) is not None:
            r.error((*loc, key), f"{key} applies to {mode} legs only (this leg's mode is {leg.mode})")


def _check_rail(s: Scenario, r: Any, loc: tuple, m: Movement, leg: Leg, nodes: dict) -> None:
    """A rail leg runs between railheads, and trains can take every part the line moves."""
    for key, val in (("from", leg.origin), ("to", leg.destination)):
        if nodes[val].railhead is None:
            r.error((*loc, key), f"a rail leg runs between railheads, and {val!r} has none; give it "
                    "railhead: {trains_per_day: N} or move by road")
    troops, equipment, cargo = s.line_parts(m)
    rail = s.planning.rail
    for part, amount, cap in (("troops", troops, rail.train_troops), ("vehicles", sum(equipment.values()),
                                                                      rail.train_vehicles),
                              ("cargo_t", cargo, rail.train_cargo_t)):
        if amount and not cap:
            r.error((*loc, "mode"), f"the line moves {part} by rail but planning.rail.train_{part} is 0, so no "
                    "train can take them")


def _check_inflow(s: Scenario, r: Any, i: int, m: Movement) -> None:
    """An inflow profile must bring the whole line before the horizon."""
    f = m.inflow
    if f is None:
        return
    troops = s.line_parts(m).troops
    if f.troops_per_day is not None and not troops:
        r.error(("movements", i, "inflow", "troops_per_day"), "the line moves no troops, so troops_per_day "
                "never brings its vehicles or cargo; use share_per_day")
        return
    share = _daily_share(f, troops)
    days = -int(-1.0 // share) if share < 1 else 1
    last = s.hours_of(f.start) + 24.0 * (days - 1)
    if last >= s.horizon:
        r.error(("movements", i, "inflow"), f"at this rate the last of the line arrives on day {days} "
                f"({s.iso(last)}), after the horizon; raise the rate or the horizon")


def _daily_share(f: Inflow, troops: int) -> float:
    """The share of the line that arrives each day: as stated, or troops_per_day over its troops (at most 1)."""
    if f.share_per_day is not None:
        return f.share_per_day
    assert f.troops_per_day is not None  # Inflow's validator requires exactly one of the two
    return min(1.0, f.troops_per_day / troops)


def _check_after(s: Scenario, r: Any) -> None:
    """`after` names known lines and makes no cycle."""
    ids = [m.id for m in s.movements]
    known = set(ids)
    graph = {m.id: [x for x in (m.after or []) if x in known] for m in s.movements}
    for i, m in enumerate(s.movements):
        _check_after_refs(r, i, m, ids, known)
    _check_after_cycles(s, r, graph)


def _check_after_refs(r: Any, i: int, m: Movement, ids: list[str], known: set[str]) -> None:
    """The lines a line waits for are known, and not the line itself."""
    for j, x in enumerate(m.after or []):
        if x not in known:
            r.unknown(("movements", i, "after", j), "movement line", "movements", ids, x)
        elif x == m.id:
            r.error(("movements", i, "after", j), "a line cannot wait for itself")


def _check_after_cycles(s: Scenario, r: Any, graph: dict[str, list[str]]) -> None:
    """Report each cycle of lines waiting for each other once, at the first line in it."""
    reported: set[str] = set()
    for i, m in enumerate(s.movements):
        cycle = _cycle_from(m.id, graph)
        if cycle and not reported & set(cycle) and len(cycle) > 2:
            reported |= set(cycle)
            r.error(("movements", i, "after"), "the lines wait for each other in a cycle: " + " -> ".join(cycle)
                    + "; none of them could ever start")


def _cycle_from(start: str, graph: dict[str, list[str]]) -> list[str]:
    """A cycle through `start` as a path start -> ... -> start, or [] (depth-first search)."""
    stack = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in graph.get(node, []):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return []

