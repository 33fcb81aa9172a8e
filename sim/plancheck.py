"""Checks of the planning inputs: release windows (`release_window:`) and daily departure caps
(`departures_per_day:`). Called from sim.checks.cross_check; errors stop the run, warnings do not."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.checks import _Report
    from sim.scenario import Movement, Scenario


def check_release_windows(s: Scenario, r: _Report) -> None:
    """Windows in order, inside the horizon, opening before the deadline; a ready outside its window warned."""
    for i, c in enumerate(s.contingents):
        for phase in ("deploy", "withdraw"):
            w = getattr(c.release_window, phase, None) if c.release_window else None
            if w is not None:
                _check_order(s, r, ("contingents", i, "release_window", phase), s.hours_of(w.start),
                             s.hours_of(w.end))
    for i, m in enumerate(s.movements):
        w = m.release_window
        if w is None or _check_order(s, r, ("movements", i, "release_window"), s.hours_of(w.start),
                                     s.hours_of(w.end)):
            _check_line_window(s, r, i, m)


def _check_order(s: Scenario, r: _Report, loc: tuple, lo: float, hi: float) -> bool:
    """from <= to, and to within the horizon; False (reported) when not."""
    if hi < lo:
        r.error((*loc, "to"), f"the window is inverted: to {s.iso(hi)} is before from {s.iso(lo)}; give from <= to")
        return False
    if lo >= s.horizon:
        r.error((*loc, "from"), f"from {s.iso(lo)} is after the horizon ({s.horizon:g} h from start); raise horizon")
        return False
    return True


def _check_line_window(s: Scenario, r: _Report, i: int, m: Movement) -> None:
    """The line's effective window opens before its deadline; its ready falls in it (else a warning)."""
    window = s.release_window(m)
    if window is None:
        return
    lo, hi = window
    if hi < lo:
        return  # reported at the contingent's window
    own = m.release_window is not None
    where = ("movements", i, "release_window", "from") if own else \
        ("contingents", [c.id for c in s.contingents].index(m.contingent), "release_window", m.phase, "from")
    deadline = s.hours_of(m.deadline)
    if lo >= deadline:
        whose = "" if own else f" (for line {m.id})"
        r.error(where, f"opens {s.iso(lo)}, at or after the deadline {s.iso(deadline)} of line {m.id}{whose}: "
                       "no release in it can meet the deadline; open it earlier")
        return
    ready = s.hours_of(m.ready)
    if not lo - 1e-9 <= ready <= hi + 1e-9:
        r.warn(("movements", i, "ready"), f"ready {s.iso(ready)} is outside its release window "
                                          f"{s.iso(lo)} .. {s.iso(hi)}; the simulator uses ready as given")


def check_departure_caps(s: Scenario, r: _Report) -> None:
    """A cap that cannot let the loaded sorties of the lines leaving an airfield take off within the horizon
    is an error; one that cannot before their last deadline, a warning."""
    capped = {a.id for a in s.airfields if a.departures_per_day is not None}
    if not capped:  # the load planning below is the costliest check at scale: only for airfields it can bind
        return
    need = loaded_departures(s, capped)
    for i, a in enumerate(s.airfields):
        cap = a.departures_per_day
        if cap is None or a.id not in need:
            continue
        n, first, last_deadline = need[a.id]
        days = _days(first, s.horizon)
        loc = ("airfields", i, "departures_per_day")
        if n > cap * days:
            r.error(loc, f"{cap} a day allows at most {cap * days} take-offs from {a.id} on the {days} local days "
                         f"from {s.iso(first)} to the horizon, but the lines leaving it need at least {n} loaded "
                         "sorties; raise the cap or the horizon")
        elif n > cap * _days(first, last_deadline):
            r.warn(loc, f"{cap} a day allows at most {cap * _days(first, last_deadline)} take-offs from {a.id} "
                        f"before the last deadline of its lines ({s.iso(last_deadline)}), but they need at least "
                        f"{n} loaded sorties: some deadlines cannot be met")


def _days(start: float, end: float) -> int:
    """The local days a period touches (a generous count: a lower bound on the sorties stays sound)."""
    return max(1, math.ceil((end - start) / 24.0) + 1)


def loaded_departures(s: Scenario, origins: set[str]) -> dict[str, tuple[int, float, float]]:
    """Per airfield of `origins`: the fewest loaded sorties leaving it (each air leg flown by its most capable
    type), the earliest ready and the latest deadline of those legs."""
    from sim.journeychecks import air_views

    out: dict[str, tuple[int, float, float]] = {}
    for _, m in air_views(s):
        if m.origin not in origins:
            continue
        n = _fewest_sorties(s, m)
        had = out.get(m.origin, (0, math.inf, -math.inf))
        out[m.origin] = (had[0] + n, min(had[1], max(0.0, s.hours_of(m.ready))), max(had[2], s.hours_of(m.deadline)))
    return out


def _fewest_sorties(s: Scenario, m: Movement) -> int:
    """The fewest sorties that carry the line with any one of its types (0 when none can carry all of it)."""
    from sim.loadplan import LineStock, line_types

    best = 0
    for t in line_types(s, m):
        stock, n = LineStock(s, m), 0
        while not stock.empty() and stock.can_carry(t):
            stock.carve(t)
            n += 1
        if stock.empty():
            best = n if best == 0 else min(best, n)
    return best
