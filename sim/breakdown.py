"""Why a line took the time it took: its ready -> closure split into parts that add up exactly.

The journey is walked stage by stage, each stage starting where the last one ended:
- the force: ready -> the first leg had all its elements (release, the lines it waits for, inflow);
- each leg: from when it had all its elements to when the last of them arrived, told along the
  unit (sortie, serial or train) that arrived last: waiting for it, its waits, loading, moving.
  When that unit was already under way before the leg had all its elements, the part of its
  story before that moment overlaps the previous stage and is left out (clipped);
- each node after a leg: reception there (queue and processing at the node's rate) and the
  transfer time, up to when the next leg had everything.
A line still open at the end of the run is split the same way up to the stage it is in, and the
rest of the run goes to what that stage was waiting for.
"""

from __future__ import annotations

import math
from typing import Any

from sim.records import SORTIE_WAITS, LegResult, Run, Sortie, Trip

WAIT_PARTS = ("force", "aircraft", "reposition", "crew", "ute", "availability", "mog", "hours", "cap", "weather",
              "delay", "route", "node", "transfer", "loading", "flying", "road", "rail")

Segments = list[tuple[str, float]]


def sortie_waits_h(r: Sortie) -> float:
    """All the waits a sortie recorded before and between its hops."""
    return sum(getattr(r, attr) for attr in SORTIE_WAITS.values())


def _sortie_segments(s: Any, last: Sortie, ferry: Sortie | None) -> tuple[float, Segments]:
    """(assigned, the loaded sortie's story from its tasking in order) for the unit that arrived last."""
    segs: Segments = []
    at_origin = last.assigned
    if ferry is not None:
        segs += [(part, getattr(ferry, attr)) for part, attr in SORTIE_WAITS.items()]
        segs.append(("reposition", (ferry.on_blocks - ferry.assigned) - sortie_waits_h(ferry)))
        at_origin = ferry.on_blocks
    load_h = float(s.aircraft_type(last.type).load_h)
    segs += [(part, getattr(last, attr)) for part, attr in SORTIE_WAITS.items()]
    segs.append(("loading", load_h))
    segs.append(("flying", (last.on_blocks - at_origin) - sortie_waits_h(last) - load_h))
    return last.assigned, segs


def _trip_segments(t: Trip) -> tuple[float, Segments]:
    """(ready, the serial's or train's story) for the unit that arrived last."""
    moving = t.arrive - t.depart - t.load_h
    return t.ready, [("route", t.depart - t.ready), ("loading", t.load_h), (t.mode, moving)]


def _clip(parts: dict[str, float], start: float, begin: float, segs: Segments, wait_part: str) -> None:
    """Add the story that starts at `begin` to the parts, counting only what lies after `start`
    (before `begin`, the stage waited for the unit: `wait_part`)."""
    if begin > start:
        parts[wait_part] += begin - start
        skip = 0.0
    else:
        skip = start - begin
    for part, h in segs:
        used = min(h, skip)
        skip -= used
        parts[part] += h - used


class JourneyParts:
    """The why-late parts of every line of a run (see the module docstring)."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.last: dict[tuple[str, int], Sortie | Trip] = {}
        self.ferries: dict[tuple[str, str, float], Sortie] = {}
        for r in run.sorties:
            if r.phase == "reposition":
                if r.line:
                    self.ferries[(r.tail, r.line, r.assigned)] = r
                continue
            self._keep_last((r.line, r.leg), r, r.on_blocks, r.tail)
        for t in run.trips:
            self._keep_last((t.line, t.leg), t, t.arrive, t.unit)

    def _keep_last(self, key: tuple[str, int], unit: Sortie | Trip, at: float, name: str) -> None:
        held = self.last.get(key)
        if held is None or (at, name) > _arrival(held):
            self.last[key] = unit

    def line(self, line: str, ready: float, legs: list[LegResult], transfers: list[float]) -> dict[str, float]:
        """Parts of one line from its ready time to its closure (or the end of the run)."""
        parts = dict.fromkeys(WAIT_PARTS, 0.0)
        end = self.run.end_h
        t = legs[0].complete if not math.isnan(legs[0].complete) else end
        parts["force"] = max(0.0, t - ready)
        for k, leg in enumerate(legs):
            if math.isnan(leg.complete):
                break
            self._leg(parts, line, k, leg)
            if math.isnan(leg.closed):
                break
            self._node(parts, leg, transfers[k], end)
        return {k: round(v, 6) for k, v in parts.items()}

    def _leg(self, parts: dict[str, float], line: str, k: int, leg: LegResult) -> None:
        wait_part = "aircraft" if leg.mode == "air" else "route"
        unit = self.last.get((line, k))
        end = leg.closed if not math.isnan(leg.closed) else self.run.end_h
        if unit is None or math.isnan(leg.closed):
            parts[wait_part] += max(0.0, end - leg.complete)
            return
        if isinstance(unit, Trip):
            begin, segs = _trip_segments(unit)
        else:
            ferry = self.ferries.get((unit.tail, unit.line, unit.assigned))
            begin, segs = _sortie_segments(self.run.scenario, unit, ferry)
        _clip(parts, leg.complete, begin, segs, wait_part)

    def _node(self, parts: dict[str, float], leg: LegResult, transfer_h: float, end_h: float) -> None:
        """Reception and transfer after a leg: closed -> received (or the end of the run)."""
        end = leg.received if not math.isnan(leg.received) else end_h
        span = max(0.0, end - leg.closed)
        transfer = min(transfer_h, span) if not math.isnan(leg.received) else 0.0
        parts["transfer"] += transfer
        parts["node"] += span - transfer


def _arrival(unit: Sortie | Trip) -> tuple[float, str]:
    return (unit.arrive, unit.unit) if isinstance(unit, Trip) else (unit.on_blocks, unit.tail)
