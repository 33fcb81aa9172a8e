"""A slot book: the working parking spots (MOG) of one airfield, booked as time windows.

Every ground task that needs a working spot (unloading, loading, refuelling) is booked before
the aircraft commits to it, for a window whose length is known when it is booked. So nothing
ever waits while holding a spot, and an aircraft takes off only when its arrival window at the
destination is booked: there is no airborne holding, and no circular wait is possible (see
docs/model.md, "Parking and departure slots").

Usage is a step function kept as a sorted list of change points; windows are half-open
[start, end), so one window may start exactly when another ends.
"""

from __future__ import annotations

import bisect
import math

# Windows that overlap by less than this are taken as meeting, not overlapping: plan times are sums of
# floats, and a window computed back from its neighbour's end can land a rounding step inside it.
OVERLAP_TOL_H = 1e-6


class SlotBook:
    """Booked spot usage of one airfield over time, against its capacity in spots."""

    __slots__ = ("base", "capacity", "deltas", "times", "unlimited")

    def __init__(self, capacity: float, unlimited: bool = False) -> None:
        self.capacity = float(capacity)
        self.unlimited = unlimited  # parking rule off: every window fits at once
        self.times: list[float] = []  # change points, ascending
        self.deltas: list[float] = []  # usage change at each point
        self.base = 0.0  # usage before the first change point

    # ------------------------------------------------------------------ queries

    def _segments(self, t0: float) -> tuple[int, float]:
        """Index of the first change point after t0, and the usage in force at t0."""
        i = bisect.bisect_right(self.times, t0)
        return i, self.base + sum(self.deltas[:i])

    def free(self, t: float) -> float:
        """Spots not booked at time t (inf when parking is not limited)."""
        return math.inf if self.unlimited else self.capacity - self._segments(t)[1]

    def earliest(self, t0: float, duration: float, need: float) -> float:
        """The earliest start s >= t0 such that `need` spots are free throughout [s, s + duration),
        ignoring overlaps shorter than OVERLAP_TOL_H at either end."""
        if self.unlimited:
            return t0
        tol = OVERLAP_TOL_H
        start, span = t0 + tol, max(0.0, duration - 2 * tol)
        # the common case first, as _earliest would find it: room at the start, no change point before the end
        times = self.times
        i = bisect.bisect_right(times, start)
        if i == len(times) or times[i] >= start + span:
            limit = self.capacity - need + 1e-9
            if limit >= 0 and self.base + sum(self.deltas[:i]) <= limit:
                return t0
        inner = self._earliest(start, span, need)
        return t0 if inner <= t0 + tol else inner  # moved: start exactly where the blocking window ends

    def _earliest(self, t0: float, duration: float, need: float) -> float:
        limit = self.capacity - need + 1e-9
        if limit < 0:
            return math.inf
        start = t0
        times, deltas = self.times, self.deltas
        i = bisect.bisect_right(times, t0)  # as _segments, inline: the first change point after t0, usage at t0
        usage = self.base + sum(deltas[:i])
        n = len(times)
        while True:
            if usage > limit:  # busy at `start`: move to the next change point and try again
                if i >= n:
                    return math.inf  # never frees (cannot happen: every window ends)
                start = times[i]
                usage += deltas[i]
                i += 1
                while i < n and times[i] == start:
                    usage += deltas[i]
                    i += 1
                continue
            # free at `start`: is it free until start + duration?
            j, u = i, usage
            end = start + duration
            while j < n and times[j] < end:
                u += deltas[j]
                if u > limit:
                    break
                j += 1
            else:
                return start
            # blocked at times[j]: restart from there
            start, i, usage = times[j], j + 1, u
            while i < n and times[i] == start:
                usage += deltas[i]
                i += 1

    # ------------------------------------------------------------------ changes

    def book(self, start: float, end: float, need: float) -> None:
        """Record a window (the caller found it with `earliest`)."""
        if self.unlimited or end <= start:
            return
        times, deltas = self.times, self.deltas
        for t, delta in ((start, need), (end, -need)):  # add each change point (inline: once per window booked)
            i = bisect.bisect_left(times, t)
            if i < len(times) and times[i] == t:
                deltas[i] += delta
                if abs(deltas[i]) < 1e-12:
                    del times[i]
                    del deltas[i]
                continue
            times.insert(i, t)
            deltas.insert(i, delta)

    def forget_before(self, now: float) -> None:
        """Fold change points before `now` into the base usage (they can no longer matter)."""
        i = bisect.bisect_right(self.times, now)
        if i > 4:  # amortised: fold in small batches (every query sums the points before its start)
            self.base += sum(self.deltas[:i])
            del self.times[:i]
            del self.deltas[:i]


class DepartureBook:
    """Take-offs booked at one airfield per local day, against a daily cap (`departures_per_day`).

    `phase_h` is the local hour of day at model time 0, so local day k runs over model hours
    [24k - phase_h, 24(k + 1) - phase_h).
    """

    __slots__ = ("cap", "counts", "phase_h")

    def __init__(self, cap: int, phase_h: float) -> None:
        self.cap = cap
        self.phase_h = phase_h
        self.counts: dict[int, int] = {}

    def day(self, t: float) -> int:
        """The local day of model time t (a time a rounding step before midnight counts as the next day)."""
        return math.floor((t + self.phase_h) / 24.0 + OVERLAP_TOL_H)

    def earliest(self, t: float) -> float:
        """t if a take-off at t fits its day's cap; else the start of the first later day with room."""
        day = first = self.day(t)
        while self.counts.get(day, 0) >= self.cap:
            day += 1
        return t if day == first else 24.0 * day - self.phase_h

    def book(self, t: float) -> None:
        """Count a take-off at t."""
        day = self.day(t)
        self.counts[day] = self.counts.get(day, 0) + 1
