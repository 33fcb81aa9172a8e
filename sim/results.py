"""Pure functions from a Run to tables and curves: movement lines, phases, fleet, airfields.

Nothing here runs the engine, reads files or draws. Times stay in hours since start; `Scenario.iso()`
turns them into ISO 8601 strings with the scenario's UTC offset at the edges.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from sim.breakdown import WAIT_PARTS as WAIT_PARTS  # re-exported: the outputs list the parts from here
from sim.breakdown import JourneyParts
from sim.journey import NodeVisit
from sim.loadplan import leg_fleets
from sim.records import PHASES, SORTIE_WAITS, LegResult, LineResult, Run
from sim.scenario import Airfield, Movement, Place, Scenario

PART_LABELS = {
    "force": "waiting for its ready time to pass or for the force to arrive first",
    "aircraft": "waiting for an aircraft",
    "reposition": "aircraft repositioning empty",
    "crew": "waiting for a rested crew",
    "ute": "waiting for the aircraft's daily flying hours (UTE)",
    "availability": "aircraft not mission capable that day",
    "mog": "waiting for a working spot (MOG slot) at either end",
    "hours": "waiting for operating hours or stated closures",
    "cap": "waiting for a take-off under the airfield's daily departure cap",
    "weather": "waiting out weather closures",
    "delay": "departure delays",
    "route": "waiting for a road serial or train to fill, its departure slot, or room at the next node",
    "node": "reception at a node (its daily throughput) and room there",
    "transfer": "transfer between legs at a node",
    "loading": "loading",
    "flying": "flying, taxi and refuelling",
    "road": "on the road",
    "rail": "on the train",
}


@dataclass
class LegRow:
    """One leg of a line: when it had everything, when its last element arrived and was received."""

    k: int  # 1-based
    mode: str
    origin: str
    destination: str
    units: int  # sorties, serials or trains
    released_h: float
    complete_h: float
    closed_h: float
    received_h: float
    node_wait_h: float  # reception and transfer at its destination (received - closed)
    deadline_h: float | None  # milestone: everything arrived at `destination` by then
    status: str  # MET, LATE, OPEN, or '' without a deadline


@dataclass
class LineRow:
    """One movement line: its size, times, closure against its deadline, legs and why it was late."""

    id: str
    contingent: str
    nation: str
    phase: str
    mode: str  # the modes of its legs, e.g. 'air' or 'road+air+road'
    origin: str
    destination: str
    troops: int
    vehicles: int
    cargo_t: float
    priority: int
    ready_h: float
    earliest_h: float | None
    deadline_h: float
    released_h: float
    closed_h: float  # nan when not closed by the end of the run
    slack_h: float  # the least of deadline - closed and of each milestone's (nan when not closed)
    status: str  # MET, LATE (the final deadline or a milestone missed) or OPEN (not closed by the horizon)
    sorties: int
    troops_left: int
    vehicles_left: int
    cargo_t_left: float
    breakdown_h: dict[str, float] = field(default_factory=dict)
    bound_by: str = ""
    legs: list[LegRow] = field(default_factory=list)


def line_rows(run: Run) -> list[LineRow]:
    """One row per movement line, with closure, slack, its legs and the why-late breakdown."""
    s = run.scenario
    loaded: dict[str, int] = defaultdict(int)
    mog_waits: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))  # line -> airfield -> h
    for r in run.sorties:
        if r.line and r.mog_at:
            mog_waits[r.line][r.mog_at] += r.wait_mog_h
        if r.phase != "reposition":
            loaded[r.line] += 1
    parts = JourneyParts(run)
    rows = []
    for m in s.movements:
        row = _line_row(run, m)
        row.sorties = loaded.get(m.id, 0)
        row.breakdown_h = parts.line(m.id, row.ready_h, run.lines[m.id].legs, _transfers(s, m))
        row.bound_by = _bound_by(row, run, mog_waits.get(m.id, {}))
        rows.append(row)
    return rows


def _transfers(s: Scenario, m: Movement) -> list[float]:
    """The transfer time at the destination of each leg (none after the last)."""
    legs = m.journey()
    out = []
    for k, leg in enumerate(legs):
        node = s.place(leg.destination)
        own = node.transfer_h
        out.append(0.0 if k == len(legs) - 1 else float(s.planning.transfer_h if own is None else own))
    return out


def _line_row(run: Run, m: Movement) -> LineRow:
    s = run.scenario
    res = run.lines[m.id]
    troops, equipment, cargo = s.line_parts(m)
    ready, deadline, closed = max(0.0, s.hours_of(m.ready)), s.hours_of(m.deadline), res.closed
    legs = [_leg_row(s, k, leg, spec.deadline) for k, (leg, spec) in enumerate(zip(res.legs, m.journey()))]
    slacks = [leg.deadline_h - leg.closed_h for leg in legs if leg.deadline_h is not None]
    if math.isnan(closed):
        status, slack = "OPEN", math.nan
    else:
        slack = min([deadline - closed, *slacks])
        status = "MET" if slack >= -1e-9 else "LATE"
    return LineRow(
        id=m.id, contingent=m.contingent, nation=s.contingent(m.contingent).nation, phase=m.phase,
        mode=m.modes(), origin=m.origin, destination=m.destination, troops=troops,
        vehicles=sum(equipment.values()), cargo_t=cargo, priority=m.priority, ready_h=ready,
        earliest_h=s.hours_of(m.earliest) if m.earliest is not None else None, deadline_h=deadline,
        released_h=res.released, closed_h=closed, slack_h=slack, status=status, sorties=0,
        troops_left=res.troops_left, vehicles_left=res.vehicles_left, cargo_t_left=res.cargo_kg_left / 1000.0,
        legs=legs,
    )


def _leg_row(s: Scenario, k: int, leg: LegResult, deadline: datetime | timedelta | None) -> LegRow:
    d = s.hours_of(deadline) if deadline is not None else None
    if d is None:
        status = ""
    elif math.isnan(leg.closed):
        status = "OPEN"
    else:
        status = "MET" if leg.closed <= d + 1e-9 else "LATE"
    return LegRow(k + 1, leg.mode, leg.origin, leg.destination, leg.units, leg.released, leg.complete, leg.closed,
                  leg.received, leg.received - leg.closed, d, status)


BOUND_LABELS = {"force": "force not yet arrived", "aircraft": "aircraft", "mog": "MOG",
                "hours": "operating hours/closures", "cap": "daily departure cap", "weather": "weather",
                "delay": "departure delays",
                "crew": "crew rest", "ute": "utilisation (UTE)", "availability": "aircraft not mission capable",
                "route": "road/rail departures", "node": "reception"}
DOWNTIME_LABELS = {"maintenance": "scheduled maintenance", "repair": "repairs",
                   "availability": "aircraft not mission capable", "crew": "crew rest", "ute": "utilisation (UTE)"}
FLEET_LOSS_SHARE = 0.15  # share of the fleet's time lost to one kind of wait that makes it the root cause


def _bound_by(row: LineRow, run: Run, mog_waits: dict[str, float]) -> str:
    """What bound a line that is late or open ('' for a line that met its deadline).

    The largest wait of its last sortie names it; when that is "waiting for an aircraft", the
    aircraft may themselves be stuck: if the tails that could fly the line lost at least 15% of
    their time in the line's window to parking (MOG), hours or weather, that is the root cause.
    """
    if row.status == "MET":
        return ""
    if row.status == "OPEN" and row.id in run.blocked and not math.isnan(row.released_h):
        kind, until = run.blocked[row.id]
        when = run.scenario.short(until, missing="never")
        label = "operating hours/closures" if kind == "hours" else "weather"
        return f"{label}: no take-off and landing possible until {when}"
    missed = [leg for leg in row.legs if leg.status in ("LATE", "OPEN") and leg.deadline_h is not None]
    prefix = "".join(f"milestone at {leg.destination} missed; " for leg in missed)
    return prefix + _largest_wait(row, run, mog_waits)


def _largest_wait(row: LineRow, run: Run, mog_waits: dict[str, float]) -> str:
    b = row.breakdown_h
    waits = {k: b[k] for k in ("force", "aircraft", *SORTIE_WAITS, "route", "node")}
    key = max(waits, key=lambda k: (waits[k], k))
    if waits[key] < 0.5:
        transit = sum(b[k] for k in ("reposition", "loading", "flying", "road", "rail", "transfer"))
        return f"own ready time (transit alone {transit:.0f}h)"
    label = BOUND_LABELS[key]
    if key == "node":
        label += _worst_node(run, row.id)
    if key == "mog":
        where = max(mog_waits, key=lambda k: (mog_waits[k], k)) if mog_waits else ""
        label += f" at {where}" if where else ""
    if key == "aircraft":
        cause = _fleet_losses(run, row)
        if cause:
            return f"{cause} (aircraft queue {waits[key]:.0f}h)"
    return f"{label} ({waits[key]:.0f}h)"


def _worst_node(run: Run, line: str) -> str:
    """' at <node>' where the line's batches waited longest for reception ('' if none)."""
    waits: dict[str, float] = defaultdict(float)
    for v in run.visits:
        if v.line == line:
            waits[v.node] += v.end - v.arrive
    return f" at {max(waits, key=lambda k: (waits[k], k))}" if waits else ""


def _fleet_losses(run: Run, row: LineRow) -> str:
    """The wait that cost the line's eligible tails the most time in its window, if large enough."""
    tails = _eligible_tails(run, row.id)
    start = row.released_h if not math.isnan(row.released_h) else row.ready_h
    end = row.closed_h if not math.isnan(row.closed_h) else run.end_h
    if not tails or end <= start:
        return ""
    lost = _time_lost(run, tails, start, end)
    span = len(tails) * (end - start)
    causes = sorted((k for k in lost if lost[k] / span >= FLEET_LOSS_SHARE), key=lambda k: (-lost[k], k))
    if not causes:
        return ""
    text = f"{causes[0]}: the fleet lost {lost[causes[0]] / span:.0%} of its time to it"
    if len(causes) > 1:  # rules that bind together: easing one alone may change nothing
        text += f", and {lost[causes[1]] / span:.0%} to {causes[1]}"
    return text


def _eligible_tails(run: Run, line: str) -> set[str]:
    """The tails of every fleet allowed on any of the line's air legs."""
    m = next(x for x in run.scenario.movements if x.id == line)
    allowed = [leg_fleets(m, leg) for leg in m.journey() if leg.mode == "air"]
    fleets = {f.id for f in run.scenario.fleet if any(a is None or f.id in a for a in allowed)}
    return {t.tail for t in run.tails if t.fleet in fleets}


def _time_lost(run: Run, tails: set[str], start: float, end: float) -> dict[str, float]:
    """Tail-hours lost in [start, end] to each kind of wait and downtime, by label."""
    lost: dict[str, float] = defaultdict(float)
    for r in run.sorties:
        if r.tail in tails and r.on_blocks > start and r.assigned < end:
            if r.wait_mog_h:
                lost[f"MOG at {r.mog_at or r.destination}"] += r.wait_mog_h
            for part in ("hours", "cap", "weather", "crew", "ute", "availability"):
                lost[BOUND_LABELS[part]] += getattr(r, SORTIE_WAITS[part])
    for d in run.downtime:  # maintenance, repairs and tails not mission capable, inside the window
        if d.tail in tails and d.kind in ("maintenance", "repair", "availability"):
            lost[DOWNTIME_LABELS[d.kind]] += max(0.0, min(d.end, end) - max(d.start, start))
    return lost


# ------------------------------------------------------------------ phases and totals


@dataclass
class PhaseSummary:
    """One phase (deploy or withdraw) over all its lines. Times in hours since start, nan if never."""

    lines: int
    start_h: float  # first take-off or departure of a serial or train
    closed_h: float  # the last line closed (nan: some line never closed)
    makespan_h: float  # closed - first ready time
    deadline_h: float  # the latest deadline of its lines
    sorties: int
    tails_used: int
    flying_h: float
    troops: int
    lines_late: int
    lines_open: int
    worst_lateness_h: float  # 0 when nothing is late


def phase_summary(run: Run, rows: list[LineRow]) -> dict[str, PhaseSummary]:
    """Each phase that has lines, summarised."""
    return {phase: _phase(run, prow) for phase in PHASES if (prow := [r for r in rows if r.phase == phase])}


def _phase(run: Run, prow: list[LineRow]) -> PhaseSummary:
    phase = prow[0].phase
    flights = [x for x in run.sorties if x.phase == phase]
    ids = {r.id for r in prow}
    starts = [x.takeoff for x in flights] + [t.depart for t in run.trips if t.line in ids]
    end = _closed_all([r.closed_h for r in prow])
    lateness = [-r.slack_h for r in prow if r.status == "LATE"]
    return PhaseSummary(
        lines=len(prow), start_h=min(starts) if starts else math.nan, closed_h=end,
        makespan_h=end - min(r.ready_h for r in prow), deadline_h=max(r.deadline_h for r in prow),
        sorties=len(flights), tails_used=len({x.tail for x in flights}), flying_h=sum(x.flying_h for x in flights),
        troops=sum(r.troops for r in prow), lines_late=len(lateness),
        lines_open=sum(1 for r in prow if r.status == "OPEN"), worst_lateness_h=max(lateness, default=0.0),
    )


def _closed_all(closed: list[float]) -> float:
    """When the last of several lines closed; nan when any of them has not."""
    return math.nan if any(math.isnan(c) for c in closed) else max(closed)


@dataclass
class ContingentPhase:
    """One contingent in one phase: when its last line closed, its deadline and whether it held."""

    closed_h: float
    deadline_h: float
    status: str  # MET when every line met its deadline, else OPEN if any line is open, else LATE


@dataclass
class ContingentSummary:
    """One national contingent: its size and, per phase it moves in, its closure."""

    nation: str
    troops: int
    vehicles: int
    cargo_t: float
    phases: dict[str, ContingentPhase] = field(default_factory=dict)

    def flat(self) -> dict[str, Any]:
        """As summary.json writes it: size, then `<phase>_closed_h`, `_deadline_h` and `_status`."""
        out: dict[str, Any] = {"nation": self.nation, "troops": self.troops, "vehicles": self.vehicles,
                                  "cargo_t": self.cargo_t}
        for phase, ph in self.phases.items():
            out.update({f"{phase}_closed_h": ph.closed_h, f"{phase}_deadline_h": ph.deadline_h,
                        f"{phase}_status": ph.status})
        return out


def contingent_summary(run: Run, rows: list[LineRow]) -> dict[str, ContingentSummary]:
    """Each contingent's size and its closure in each phase it moves in."""
    out = {}
    for c in run.scenario.contingents:
        entry = ContingentSummary(c.nation, c.troops, sum(c.equipment.values()), c.cargo_t)
        for phase in PHASES:
            mine = [r for r in rows if r.contingent == c.id and r.phase == phase]
            if mine:
                entry.phases[phase] = ContingentPhase(_closed_all([r.closed_h for r in mine]),
                                                      max(r.deadline_h for r in mine), _worst_status(mine))
        out[c.id] = entry
    return out


def _worst_status(rows: list[LineRow]) -> str:
    if all(r.status == "MET" for r in rows):
        return "MET"
    return "OPEN" if any(r.status == "OPEN" for r in rows) else "LATE"


@dataclass
class FleetSummary:
    """One fleet (tails of a type at a base) and what it flew."""

    type: str
    base: str
    tails: int
    tails_used: int = 0
    sorties: int = 0
    loaded_sorties: int = 0
    flying_h: float = 0.0


def fleet_summary(run: Run) -> dict[str, FleetSummary]:
    """Per fleet: its tails, how many flew, sorties (loaded and empty) and flying hours."""
    out = {f.id: FleetSummary(f.type, f.base, f.count) for f in run.scenario.fleet}
    used: dict[str, set[str]] = defaultdict(set)
    for r in run.sorties:
        e = out[r.fleet]
        e.sorties += 1
        e.loaded_sorties += r.phase != "reposition"
        e.flying_h += r.flying_h
        used[r.fleet].add(r.tail)
    for fid, tails in used.items():
        out[fid].tails_used = len(tails)
    return out


def ground_counts(run: Run) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per airfield: (times, working spots in use from that time on) as a step function."""
    events: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for g in run.ground:
        if g.end > g.start:
            # rounded to 1e-6 h: windows that meet within that are meeting, not overlapping (sim.slots)
            events[g.airfield] += [(round(g.start, 6), g.spots), (round(g.end, 6), -g.spots)]
    out = {}
    for af, ev in events.items():
        ev.sort(key=lambda e: (e[0], e[1]))  # departures before arrivals at the same instant
        t = np.array([e[0] for e in ev])
        n = np.cumsum([e[1] for e in ev])
        out[af] = (t, n)
    return out


def spot_waits(run: Run) -> dict[str, list[tuple[float, float]]]:
    """Per airfield: (start, end) in hours of each flight's wait for a working spot there.

    A flight records its spot waits summed (`wait_mog_h`, over the airfields of all its hops) and the airfield
    that caused the longest (`mog_at`), not when each happened: the whole wait is put at that airfield, ending
    when the flight's ground work began (its loading start; the off-blocks of an empty leg).
    """
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in run.sorties:
        if r.wait_mog_h > 0 and r.mog_at:
            end = r.off_blocks if r.phase == "reposition" else r.ground_start
            out[r.mog_at].append((end - r.wait_mog_h, end))
    return dict(out)


def queue_counts(waits: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """(times, flights waiting from that time on) as a step function of (start, end) waits."""
    events = sorted([(a, 1) for a, _ in waits] + [(b, -1) for _, b in waits], key=lambda e: (e[0], e[1]))
    return np.array([e[0] for e in events], dtype=float), np.cumsum([e[1] for e in events], dtype=int)


def hours_at_capacity(run: Run) -> dict[str, float]:
    """Per airfield used: the hours during which all its working spots were taken (spots in use >= MOG)."""
    mog = {a.id: a.mog for a in run.scenario.airfields}
    out = {}
    for af, (t, n) in ground_counts(run).items():
        full = n[:-1] >= mog[af] - 1e-9
        out[af] = float(np.diff(t)[full].sum())
    return out


@dataclass
class AirfieldSummary:
    """One airfield: its MOG against the most working spots in use at once, and its traffic."""

    name: str
    mog: int
    peak_on_ground: float | int
    departures: int
    arrivals: int


def airfield_summary(run: Run) -> dict[str, AirfieldSummary]:
    """Per airfield: MOG, peak spots in use, departures and arrivals."""
    counts = ground_counts(run)
    out = {}
    for a in run.scenario.airfields:
        t_n = counts.get(a.id)
        out[a.id] = AirfieldSummary(
            name=a.name or a.id, mog=a.mog,
            peak_on_ground=spots_value(t_n[1].max()) if t_n is not None and len(t_n[1]) else 0,
            departures=sum(1 for r in run.sorties if r.origin == a.id),
            arrivals=sum(1 for r in run.sorties if r.destination == a.id),
        )
    return out


def spots_value(x: float) -> float | int:
    """Spots in use as a whole number when it is one (the usual case), else to one decimal."""
    x = round(float(x), 6)
    return int(x) if x == int(x) else round(x, 1)


def milestone_legs(s: Scenario, m: Movement) -> tuple[int, int]:
    """(leg whose arrivals count a deploying person in theatre, leg whose departures count a
    withdrawing person out): the last and first legs, or with `in_theatre: debarkation` the last and
    first air legs (the airfields of debarkation and embarkation); a line with no air leg uses its ends."""
    legs = m.journey()
    air = [k for k, leg in enumerate(legs) if leg.mode == "air"]
    if s.planning.in_theatre == "debarkation" and air:
        return air[-1], air[0]
    return len(legs) - 1, 0


def _final(run: Run, line: str, leg: int) -> bool:
    return leg == len(run.lines[line].legs) - 1


def in_theatre(run: Run) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Personnel in theatre over time by nation: (times_h, nations, counts[nation, time]).

    Each person is counted once, at one milestone of the journey (see `milestone_legs`)."""
    s = run.scenario
    nation_of = {c.id: c.nation for c in s.contingents}
    nations = list(dict.fromkeys(c.nation for c in s.contingents))
    lines = {m.id: (m.phase, *milestone_legs(s, m)) for m in s.movements}
    events: list[tuple[float, str, int]] = []
    for r in run.sorties:
        if r.phase != "reposition":
            events += _theatre_event(lines[r.line], r.leg, r.on_blocks, r.takeoff, nation_of[r.contingent], r.troops)
    for t in run.trips:
        events += _theatre_event(lines[t.line], t.leg, t.arrive, t.depart, nation_of[t.contingent], t.troops)
    events.sort(key=lambda e: e[0])
    times = np.array([0.0] + [e[0] for e in events] + [run.end_h])
    counts = np.zeros((len(nations), len(times)))
    for cid, n in run.initial_in_theatre.items():
        counts[nations.index(nation_of[cid]), :] += n
    for k, (_t, nation, d) in enumerate(events, start=1):
        counts[nations.index(nation), k:] += d
    return times, nations, counts


def _theatre_event(line: tuple[str, int, int], leg: int, arrive: float, depart: float, nation: str,
                   troops: int) -> list[tuple[float, str, int]]:
    phase, in_leg, out_leg = line
    if phase == "deploy" and leg == in_leg:
        return [(arrive, nation, troops)]
    if phase == "withdraw" and leg == out_leg:
        return [(depart, nation, -troops)]
    return []


def closure_curves(run: Run) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per line: (times, share of the line's lift (troops + vehicles + cargo by mass) delivered at
    its final destination)."""
    s = run.scenario
    troop_kg = s.planning.troop_mass_t * 1000
    out = {}
    by_line: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r in run.sorties:
        if r.phase != "reposition" and _final(run, r.line, r.leg):
            by_line[r.line].append((r.on_blocks, r.mass_kg if r.mass_kg else r.troops * troop_kg))
    for t in run.trips:
        if _final(run, t.line, t.leg):
            mass = t.troops * troop_kg + t.cargo_kg + sum(s.equipment_item(e).mass_t * 1000 * n
                                                         for e, n in t.vehicles.items())
            by_line[t.line].append((t.arrive, mass or 1.0))
    for m in s.movements:
        pts = sorted(by_line.get(m.id, []))
        res = run.lines[m.id]
        total = sum(w for _, w in pts) + (0 if not math.isnan(res.closed) else _left_kg(s, res))
        if not pts or total <= 0:
            out[m.id] = (np.array([]), np.array([]))
            continue
        times = np.array([p[0] for p in pts])
        share = np.cumsum([p[1] for p in pts]) / total
        out[m.id] = (times, share)
    return out


def _left_kg(s: Scenario, res: LineResult) -> float:
    return res.troops_left * s.planning.troop_mass_t * 1000 + res.cargo_kg_left + res.vehicles_left * 10000.0


def sorties_per_day(run: Run) -> tuple[list[str], dict[str, np.ndarray]]:
    """Loaded take-offs per local calendar day (scenario offset), by phase."""
    s = run.scenario
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in run.sorties:
        if r.phase == "reposition":
            continue
        day = s.to_datetime(r.takeoff).date().isoformat()
        days[day][r.phase] += 1
    labels = sorted(days)
    if labels:  # every calendar day from the first to the last, so quiet days show as gaps
        first, last = date.fromisoformat(labels[0]), date.fromisoformat(labels[-1])
        labels = [(first + timedelta(days=k)).isoformat() for k in range((last - first).days + 1)]
    return labels, {p: np.array([days[d][p] if d in days else 0 for d in labels]) for p in PHASES}


@dataclass
class Totals:
    """The whole run: sorties, serials and trains, flying hours, first and last flights, troops moved."""

    sorties: int
    loaded_sorties: int
    reposition_sorties: int
    serials: int
    trains: int
    flying_h: float
    first_takeoff_h: float
    last_takeoff_h: float
    last_landing_h: float
    troops_moved: int


def totals(run: Run) -> Totals:
    """Counts over the whole run (nan times when nothing flew)."""
    loaded = [r for r in run.sorties if r.phase != "reposition"]
    return Totals(
        sorties=len(run.sorties),
        loaded_sorties=len(loaded),
        reposition_sorties=len(run.sorties) - len(loaded),
        serials=sum(1 for t in run.trips if t.mode == "road"),
        trains=sum(1 for t in run.trips if t.mode == "rail"),
        flying_h=sum(r.flying_h for r in run.sorties),
        first_takeoff_h=min((r.takeoff for r in run.sorties), default=math.nan),
        last_takeoff_h=max((r.takeoff for r in run.sorties), default=math.nan),
        last_landing_h=max((r.landing for r in run.sorties), default=math.nan),
        troops_moved=sum(run.scenario.line_parts(m).troops - run.lines[m.id].troops_left
                         for m in run.scenario.movements),
    )


@dataclass
class PhaseGap:
    """A phase's simulated closure beside the lower bound no dispatcher can beat (`sim run --bound`). Hours."""

    phase: str
    simulated_h: float
    bound_h: float
    gap_h: float  # simulated minus bound: what a better dispatcher could at most gain
    binding: str  # what is tight in the relaxation at the bound


@dataclass
class Results:
    """Everything the outputs need, computed once from a Run."""

    run: Run
    lines: list[LineRow]
    phases: dict[str, PhaseSummary]
    contingents: dict[str, ContingentSummary]
    fleet: dict[str, FleetSummary]
    airfields: dict[str, AirfieldSummary]
    totals: Totals
    notes: list[str] = field(default_factory=list)
    nodes: dict[str, NodeSummary] = field(default_factory=dict)
    bounds: dict[str, PhaseGap] = field(default_factory=dict)  # by phase, only when asked for (--bound)


def analyse(run: Run) -> Results:
    """Every table and summary the outputs need, computed from the run."""
    rows = line_rows(run)
    return Results(
        run=run, lines=rows, phases=phase_summary(run, rows), contingents=contingent_summary(run, rows),
        fleet=fleet_summary(run), airfields=airfield_summary(run), totals=totals(run),
        notes=unused_types(run) + overflow_notes(run), nodes=node_summary(run),
    )


def unused_types(run: Run) -> list[str]:
    """Air lines that several aircraft types may fly, and the types among them that never flew it."""
    s = run.scenario
    flown: dict[str, set[str]] = defaultdict(set)
    for r in run.sorties:
        if r.phase != "reposition":
            flown[r.line].add(r.type)
    out = []
    for m in s.movements:
        if math.isnan(run.lines[m.id].closed):
            continue
        for leg in m.journey():
            if leg.mode != "air":
                continue
            fleets = leg_fleets(m, leg)
            allowed = {f.type for f in s.fleet if fleets is None or f.id in fleets}
            if len(allowed) > 1:
                for t in sorted(allowed - flown[m.id]):
                    out.append(f"line {m.id}: {t} may fly it but never did (the other types took every load)")
    return out


@dataclass
class NodeSummary:
    """A node that received batches between legs: what came, its busiest day and fullest moment
    against its limits (None: no limit), and the time batches queued for reception."""

    received_troops: int
    received_vehicles: int
    batches: int
    busiest_day_troops: float
    troops_per_day: float | None
    busiest_day_vehicles: float
    vehicles_per_day: float | None
    peak_held_troops: int | None
    staging_troops: int | None
    peak_held_vehicles: int | None
    staging_vehicles: int | None
    reception_wait_h: float


def node_summary(run: Run) -> dict[str, NodeSummary]:
    """Per node that received something between legs or with a reception limit."""
    by_node: dict[str, list[NodeVisit]] = defaultdict(list)
    for v in run.visits:
        by_node[v.node].append(v)
    return {node.id: _node(run, node, visits) for node in run.scenario.nodes() if (visits := by_node.get(node.id))}


def _node(run: Run, node: Airfield | Place, visits: list[NodeVisit]) -> NodeSummary:
    tp, st = node.throughput, node.staging
    troops_day, vehicles_day = _busiest_day(run, visits)
    peak: tuple[int | None, int | None] = run.staging_peak.get(node.id, (0, 0)) if st is not None else (None, None)
    return NodeSummary(
        received_troops=sum(v.troops for v in visits), received_vehicles=sum(v.vehicles for v in visits),
        batches=len(visits),
        busiest_day_troops=troops_day, troops_per_day=tp.troops_per_day if tp else None,
        busiest_day_vehicles=vehicles_day, vehicles_per_day=tp.vehicles_per_day if tp else None,
        peak_held_troops=peak[0], staging_troops=st.troops if st else None,
        peak_held_vehicles=peak[1], staging_vehicles=st.vehicles if st else None,
        reception_wait_h=sum(v.start - v.arrive for v in visits),
    )


def _busiest_day(run: Run, visits: list[NodeVisit]) -> tuple[float, float]:
    """Most people and vehicles received in one local calendar day; a batch received over a span
    counts in each day in proportion to the time it spent there."""
    s = run.scenario
    first = s.to_datetime(0.0)
    midnight_h = -(first.hour + first.minute / 60.0)  # the local midnight before the start, in run hours
    troops: dict[int, float] = defaultdict(float)
    vehicles: dict[int, float] = defaultdict(float)
    for v in visits:
        for day, share in _day_shares(v.start - midnight_h, v.end - midnight_h):
            troops[day] += v.troops * share
            vehicles[day] += v.vehicles * share
    return round(max(troops.values(), default=0.0), 2), round(max(vehicles.values(), default=0.0), 2)


def _day_shares(a: float, b: float) -> list[tuple[int, float]]:
    """(day number, share of [a, b]) for each 24-hour day the span touches (one day if a == b)."""
    if b <= a:
        return [(int(a // 24), 1.0)]
    out = []
    day = int(a // 24)
    while day * 24 < b:
        lo, hi = max(a, day * 24.0), min(b, day * 24.0 + 24.0)
        if hi > lo:
            out.append((day, (hi - lo) / (b - a)))
        day += 1
    return out


def overflow_notes(run: Run) -> list[str]:
    """Where staging room was exceeded because every leg was waiting for room another one held."""
    return [f"{node}: staging room exceeded at {run.scenario.iso(t)} by line {line}, to break a deadlock (each leg was "
            "waiting for room that another one held); raise the room or split the flows"
            for node, t, line in run.overflows]
