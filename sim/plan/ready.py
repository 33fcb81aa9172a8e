"""A validated scenario with some lines ready at other times: the one way the planning searches build a trial.

`sim plan latest` (lines ready, and their inflow starting, minutes later), `sim plan optimise` (each
verification run of a release schedule) and its fewest-aircraft sizing all ask for "this scenario with
these lines ready at these times". `with_ready` answers on the validated model, without validating
again: each new time is the one validation reads from the time written as text (`Scenario.iso`, the
minute in the start's offset). A change that validation could refuse (`may_be_refused`, with a margin)
is validated from the resolved data instead, so that it fails with validation's own ScenarioError.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.scenario import Movement, Scenario

REFUSAL_MARGIN_H = 1e-6  # a new time this close to a limit validation draws is validated from data, to be sure


@dataclass(frozen=True)
class ReadyBase:
    """A validated scenario and what tells a change of its ready times that validation could refuse (see
    `may_be_refused`); made once per search (and sent to each worker process once)."""

    scenario: Scenario
    inflow_span_h: dict[str, float]  # line with an inflow: hours from its first day's arrivals to its last's
    # an airfield with a daily departure cap: (the fewest local days its cap lets its sorties leave in, the
    # lines whose air legs leave it)
    departures: dict[str, tuple[int, tuple[str, ...]]]

    @classmethod
    def of(cls, scenario: Scenario) -> ReadyBase:
        """The facts of this (validated) scenario."""
        from sim.journeychecks import air_views
        from sim.plancheck import loaded_departures

        spans = {m.id: _inflow_span_h(scenario, m) for m in scenario.movements if m.inflow is not None}
        caps = {a.id: a.departures_per_day for a in scenario.airfields if a.departures_per_day is not None}
        leaving: dict[str, list[str]] = {}
        for _, view in air_views(scenario) if caps else ():
            if view.origin in caps:
                leaving.setdefault(view.origin, []).append(view.id)
        need = loaded_departures(scenario, set(caps)) if caps else {}
        departures = {af: (-(-need[af][0] // caps[af]), tuple(ids)) for af, ids in leaving.items()}
        return cls(scenario, spans, departures)


def _inflow_span_h(s: Scenario, m: Movement) -> float:
    """Hours from a line's first day of inflow to its last, as sim.journeychecks._check_inflow counts the days."""
    f = m.inflow
    assert f is not None
    troops = s.line_parts(m).troops
    if f.share_per_day is not None:
        share = f.share_per_day
    else:  # troops_per_day with no troops is refused by validation whatever the ready time
        share = min(1.0, (f.troops_per_day or 0.0) / troops) if troops else 1.0
    days = -int(-1.0 // share) if share < 1 else 1
    return 24.0 * (days - 1)


def _local_days(start: float, end: float) -> int:
    """The local days from `start` to `end` as sim.plancheck.check_departure_caps counts them."""
    return max(1, math.ceil((end - start) / 24.0) + 1)


def with_ready(base: ReadyBase, ready: Mapping[str, float], *, inflow_min: int | None, label: str) -> Scenario:
    """The validated scenario with each line of `ready` ready at its time (model hours); with `inflow_min`,
    each such line's inflow starts that many minutes later (to the minute; None: where it was). Made on the
    validated model (`retimed`), unless validation could refuse it (`may_be_refused`) or a time is outside the
    years it accepts: then validated from the resolved data (`validated`, named `label`; ScenarioError when
    refused)."""
    try:
        moved: Scenario | None = retimed(base.scenario, ready, inflow_min=inflow_min)
    except ValueError:  # a time outside the years validation accepts: validation says so
        moved = None
    if moved is None or may_be_refused(base, moved, ready):
        return validated(base.scenario, ready, inflow_min=inflow_min, label=label)
    return moved


def new_times(s: Scenario, ready: Mapping[str, float], *, inflow_min: int | None) -> dict[str, tuple[str, str | None]]:
    """Per line of `ready`, its new ready and (with `inflow_min`, for a line with one) inflow start, as the text
    validation reads: the inflow start `inflow_min` minutes later, to the minute."""
    out: dict[str, tuple[str, str | None]] = {}
    for m in s.movements:
        if m.id not in ready:
            continue
        start = None
        if inflow_min is not None and m.inflow is not None:
            start = s.iso(round(s.hours_of(m.inflow.start) * 60 + inflow_min) / 60)
        out[m.id] = (s.iso(ready[m.id]), start)
    return out


def retimed(s: Scenario, ready: Mapping[str, float], *, inflow_min: int | None) -> Scenario:
    """The validated scenario with the new times (`new_times`) set on its model, without validating again; the
    copy keeps no index cached on `s`. ValueError for a time outside the years validation accepts."""
    from sim.timeparse import parse_time

    times = new_times(s, ready, inflow_min=inflow_min)
    movements = []
    for m in s.movements:
        if m.id in times:
            at, start = times[m.id]
            update: dict[str, Any] = {"ready": parse_time(at)}
            if start is not None and m.inflow is not None:
                update["inflow"] = m.inflow.model_copy(update={"start": parse_time(start)})
            m = m.model_copy(update=update)
        movements.append(m)
    out = s.model_copy(update={"movements": movements})
    out.__dict__.pop("_cache", None)  # Scenario._index's lookups, shared with `s` by the shallow copy
    return out


def ready_data(s: Scenario, ready: Mapping[str, float], *, inflow_min: int | None) -> dict:
    """The resolved scenario with the new times (`new_times`) written in."""
    times = new_times(s, ready, inflow_min=inflow_min)
    data = s.resolved()
    for item in data["movements"]:
        if item["id"] in times:
            at, start = times[item["id"]]
            item["ready"] = at
            if start is not None and isinstance(item.get("inflow"), dict):
                item["inflow"]["from"] = start
    return data


def validated(s: Scenario, ready: Mapping[str, float], *, inflow_min: int | None, label: str) -> Scenario:
    """The scenario with the new times, validated from its resolved data as the file `label` (ScenarioError
    when refused)."""
    from sim.loading import validate

    return validate(ready_data(s, ready, inflow_min=inflow_min), label)[0]


def may_be_refused(base: ReadyBase, s: Scenario, ids: Iterable[str]) -> bool:
    """Whether validation could refuse `s`, the scenario of `base` with the lines `ids` retimed: every
    cross-check that reads a ready time or an inflow start and can make an error, on those lines, with a margin
    (REFUSAL_MARGIN_H). sim.checks._check_line_dates (deadline not after ready; ready at or after the
    horizon), sim.journeychecks._check_leg (a leg's deadline not after ready), sim.journeychecks._check_inflow
    (the last inflow day at or after the horizon) and sim.plancheck.check_departure_caps (fewer local days from
    the first ready leaving a capped airfield to the horizon than its loaded sorties need at its cap)."""
    eps, wanted = REFUSAL_MARGIN_H, set(ids)
    ready = {m.id: s.hours_of(m.ready) for m in s.movements}
    for m in s.movements:
        if m.id not in wanted:
            continue
        at = ready[m.id]
        limits = [s.hours_of(m.deadline), *(s.hours_of(leg.deadline) for leg in m.legs or ()
                                                 if leg.deadline is not None)]
        if at >= s.horizon - eps or min(limits) <= at + eps:
            return True
        if m.inflow is not None and s.hours_of(m.inflow.start) + base.inflow_span_h[m.id] >= s.horizon - eps:
            return True
    for days, lines in base.departures.values():
        if wanted.intersection(lines) and \
                _local_days(min(max(0.0, ready[i]) for i in lines) + eps, s.horizon) < days:
            return True
    return False
