"""The aircraft of a run, built from the scenario's fleets before the clock starts.

Each tail gets its planning state (type, base, crew, utilisation budget; sim.mission), its days
not mission capable, its maintenance interval and its own random streams; spare crews are staged
where the scenario says. Airfield opening times are built here too, with random weather closures
drawn from each airfield's own stream. Everything drawn is also recorded in the Run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim import geo
from sim.crews import Crew, CrewPool, CrewRules, UteBudget
from sim.legs import AirLegRun
from sim.loadplan import Load
from sim.mission import Plan, TailState
from sim.randomness import stream
from sim.records import Closure, Downtime, Run, Sortie, TailInfo
from sim.scenario import BreakdownRule, DelayRule, Fleet, Scenario, Uncertainty


@dataclass(slots=True)
class Tail(TailState):
    """A tail's planning state plus what its SimPy process needs."""

    available: float = 0.0  # hours from start when it can first fly
    wake: simpy.Event | None = None  # only while it waits for work
    job: Job | None = None  # what dispatch gave it
    maint_every_h: float = 0.0
    maint_h: float = 0.0
    delay_rules: list[DelayRule] = field(default_factory=list)  # uncertainty rules that apply to it
    breakdown_rules: list[BreakdownRule] = field(default_factory=list)
    rng_delay: np.random.Generator | None = None  # its named random streams (uncertainty only)
    rng_breakdown: np.random.Generator | None = None


@dataclass(slots=True)
class Job:
    """What dispatch gave a tail: its load and booked loaded flight, or a repair (load None)."""

    line: AirLegRun
    load: Load | None = None
    flight: Plan | None = None
    record: Sortie | None = None
    repair_h: float = 0.0


class FleetBuilder:
    """Builds the tails, spare crews and opening times of one run (one use per Engine)."""

    def __init__(self, scenario: Scenario, seed: int, unc: Uncertainty | None, af_index: dict[str, int],
                 run: Run) -> None:
        self.s, self.seed, self.unc, self.af_index, self.run = scenario, seed, unc, af_index, run
        self.rules = scenario.planning.rules
        self.types = {t.id: t for t in scenario.aircraft}
        self.pools: dict[tuple[str, int], CrewPool] = {}  # spare crews by (fleet, airfield)

    def tails(self) -> list[Tail]:
        """Every mission-capable tail of every fleet, in fleet order (the rest are recorded as down)."""
        tails: list[Tail] = []
        for fo, f in enumerate(self.s.fleet):
            self._make_fleet(fo, f, tails)
        return tails

    def opening_times(self) -> tuple[list[geo.OpeningTimes], list[geo.OpeningTimes]]:
        """Per airfield: scheduled opening times (hours, stated closures) and actual (plus weather)."""
        s = self.s
        start_utc_h = s.start_offset_h()
        sched, actual = [], []
        for a in s.airfields:
            phase = (s.start.hour + s.start.minute / 60.0 - start_utc_h + s.utc_offset(a)) % 24.0
            closures = [(s.hours_of(c.start), s.hours_of(c.end)) for c in a.closed]
            o = geo.OpeningTimes(a.window, phase, closures)
            weather = self._draw_weather(a.id)
            sched.append(o)
            actual.append(geo.OpeningTimes(o.window, phase, closures + weather) if weather else o)
        return sched, actual

    def _draw_weather(self, airfield: str) -> list[tuple[float, float]]:
        """Random closures of one airfield up to the horizon, from that airfield's own stream."""
        if self.unc is None:
            return []
        out: list[tuple[float, float]] = []
        for j, rule in enumerate(r for r in self.unc.weather if r.airfield == airfield):
            rng = stream(self.seed, f"weather:{airfield}:{j}")
            t = 0.0
            while True:
                t += float(rng.exponential(24.0 / rule.rate_per_day))
                if t >= self.s.horizon:
                    break
                d = rule.duration.sample(rng)
                out.append((t, t + d))
                self.run.weather.append(Closure(airfield, t, t + d))
        return out


    def _make_fleet(self, fo: int, f: Fleet, tails: list[Tail]) -> None:
        """The fleet's tails (mission-capable ones fly; the rest are recorded as down) and its crews."""
        s, atype, rules = self.s, self.types[f.type], self.rules
        crew_rules = CrewRules(rules.crews, atype.duty_h() if f.crew_augmented is None else
                               _hours(atype.crew_augmented_duty_h if f.crew_augmented else atype.crew_duty_h),
                               _hours(atype.crew_rest_h), _hours(atype.crew_report_h))
        ute = _hours(f.ute_h_per_day, atype.ute_h_per_day)
        mc = _hours(f.mc_rate, atype.mc_rate) if rules.availability else 1.0
        random_mc = self.unc is not None and any(r.aircraft in (None, f.type) for r in self.unc.availability)
        n_up = f.count if random_mc else max(1, math.floor(f.count * mc + 0.5))
        avail = max(0.0, s.hours_of(f.available))
        width, base = len(str(f.count)), self.af_index[f.base]
        for k in range(f.count):
            name = f"{f.id}#{k + 1:0{width}d}"
            self.run.tails.append(TailInfo(name, f.type, f.id, f.base))
            if k >= n_up:
                self.run.downtime.append(Downtime(name, "availability", f.base, avail, s.horizon))
                continue
            t = Tail(name=name, idx=len(tails), type=atype, fleet=f.id, fleet_order=fo, base=base, at=base,
                      spots=_hours(atype.spots), crew=Crew(f"{name}/c1"), ute=UteBudget(ute, rules.utilisation),
                      rules=crew_rules)
            t.down_days = self._down_days(name, mc) if random_mc else frozenset()
            for day in sorted(t.down_days):
                self.run.downtime.append(Downtime(name, "availability", f.base, day * 24.0, day * 24.0 + 24.0))
            t.available = avail
            t.maint_every_h = _hours(atype.maintenance_every_h) if rules.availability else 0.0
            t.maint_h = _hours(atype.maintenance_h)
            self._uncertainty_streams(t, f)
            tails.append(t)
        self._make_crews(f, crew_rules)

    def _down_days(self, name: str, mc: float) -> frozenset[int]:
        rng = stream(self.seed, f"availability:{name}")
        days = math.ceil(self.s.horizon / 24.0) + 1
        return frozenset(d for d, u in enumerate(rng.random(days)) if u >= mc)

    def _uncertainty_streams(self, t: Tail, f: Fleet) -> None:
        t.delay_rules, t.breakdown_rules, t.rng_delay, t.rng_breakdown = [], [], None, None
        if self.unc is None:
            return
        t.delay_rules = [r for r in self.unc.delays if r.aircraft in (None, f.type)]
        t.breakdown_rules = [r for r in self.unc.breakdowns if r.aircraft in (None, f.type)]
        t.rng_delay = stream(self.seed, f"delay:{t.name}") if t.delay_rules else None
        t.rng_breakdown = stream(self.seed, f"breakdown:{t.name}") if t.breakdown_rules else None

    def _make_crews(self, f: Fleet, rules: CrewRules) -> None:
        """Spare crews beyond one per tail: staged where the scenario says, the rest at base."""
        if not self.rules.crews:
            return
        ratio = _hours(f.crew_ratio, self.types[f.type].crew_ratio)
        spares = max(0, round(f.count * ratio) - f.count)
        n = 0
        staged = sum(x.crews for x in f.crew_stage)
        places = [(st.airfield, st.crews) for st in f.crew_stage] + [(f.base, spares - staged)]
        for af, count in places:
            for _ in range(max(0, min(count, spares - n))):
                n += 1
                pool = self.pools.setdefault((f.id, self.af_index[af]), CrewPool())
                pool.add(Crew(f"{f.id}/spare{n}"), rules)


def _hours(*values: float | bool | None) -> float:
    """The first value that is set (a fleet's override, then its type's resolved factor), as a float."""
    for v in values:
        if v is not None:
            return float(v)
    raise ValueError("no value set (the type's planning factors are filled in when it is validated)")
