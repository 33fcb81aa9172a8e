"""The engine's time against two of issue 19's targets, beside the work its model cannot skip.

Issue 19 asks for the engine at 0.7x the bare SimPy floor on the shuttle (0.5x with crews, slots and
chained legs on) and for 100 Monte Carlo replications a second a core on the uncertain reference. Each
target is a time budget: floor microseconds a loaded sortie / 0.7 (or / 0.5), and 10 ms a replication.
This benchmark sets that budget beside what the engine spends, and beside the part of it that the model
needs whatever the code around it does:

- A loaded sortie of the shuttle needs two flight plans (the empty flight to the origin and the loaded
  flight: `Planner.plan` against crew duty, flying budget, opening hours and the slot books at both
  ends), their two bookings (`Engine._commit`), their two records (`Engine._record`) and its SimPy
  events, priced at the cost of a bare SimPy timeout. The floor needs none of the plans, bookings or
  records: it queues on `simpy.Resource`s and appends a tuple.
- A replication of the uncertain reference needs its engine set up (`Engine.__init__`: two named random
  streams a tail, its weather, its slot books), the chosen tail's flights planned again at booking with
  that tail's random departure delays (`Engine._plans(..., delays=True)`, once a load), and at least one
  candidate planned in the choice (`Engine._plans` without delays: the cheapest case, one a load).

The parts are timed with wrappers around those methods (`Probes`), whose own cost (a wrapped empty call)
is subtracted from every call; the totals are CPU time of unwrapped runs. "Required" is the sum of the
needed parts; when it exceeds the budget, no work outside those parts can bring the target within reach,
only cheaper plans, bookings, records or set-up.

    python benchmarks/budget.py              # full: about a minute
    python benchmarks/budget.py --quick      # a few seconds (as benchmarks/run.py --quick runs it)
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import shuttle  # noqa: E402
import simpy  # noqa: E402

from sim import engine, mission  # noqa: E402

UNCERTAIN = ROOT / "scenarios" / "csto_kazakhstan_2022_uncertain.yaml"
FULL = {"loads": 20_000, "repeats": 5, "replications": 40}
QUICK = {"loads": 2_000, "repeats": 3, "replications": 6}

Key = Callable[[tuple, dict], str]
SHUTTLE: dict[str, Any] = shuttle.SHUTTLE  # the floor's shuttle (benchmarks/shuttle.py)


class Probes:
    """Timing wrappers on methods while in use: calls and seconds by name, each call less the wrapper's own cost."""

    def __init__(self, methods: list[tuple[type, str, Key | None]]) -> None:
        self.methods = methods
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.own_s = _wrapper_cost()

    def _wrap(self, cls: type, name: str, key: Key | None) -> Callable[..., Any]:
        fn, clock, label = getattr(cls, name), time.perf_counter, f"{cls.__name__}.{name}"
        seconds, calls = self.seconds, self.calls

        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = clock()
            out = fn(*args, **kwargs)
            k = label if key is None else key(args, kwargs)
            seconds[k] = seconds.get(k, 0.0) + clock() - t0
            calls[k] = calls.get(k, 0) + 1
            return out
        return timed

    @contextmanager
    def on(self) -> Iterator[Probes]:
        saved = [(cls, name, cls.__dict__[name]) for cls, name, _ in self.methods]
        try:
            for cls, name, key in self.methods:
                setattr(cls, name, self._wrap(cls, name, key))
            yield self
        finally:
            for cls, name, fn in saved:
                setattr(cls, name, fn)

    def per(self, name: str, units: int) -> tuple[float, float]:
        """Calls and microseconds (the wrapper's cost taken off) of `name` per unit."""
        n = self.calls.get(name, 0)
        return n / units, max(0.0, self.seconds.get(name, 0.0) - n * self.own_s) / units * 1e6


def _wrapper_cost(n: int = 200_000) -> float:
    """Seconds one wrapper adds inside its own timing: the timed span of a wrapped empty call."""
    clock, acc = time.perf_counter, 0.0

    def empty() -> None:
        return None
    for _ in range(n):
        t0 = clock()
        empty()
        acc += clock() - t0
    return acc / n


def simpy_event_us(n: int = 200_000) -> float:
    """CPU microseconds of one bare SimPy timeout, scheduled and processed (a process yielding n of them)."""
    env = simpy.Environment()

    def proc() -> Generator[simpy.events.Event, Any, None]:
        for _ in range(n):
            yield env.timeout(1.0)
    env.process(proc())
    c0 = time.process_time()
    env.run()
    return (time.process_time() - c0) / n * 1e6


@contextmanager
def counting_events() -> Iterator[list[int]]:
    """The number of events SimPy schedules while in use (Environment.schedule counted)."""
    count, schedule = [0], simpy.Environment.schedule

    def counted(self: simpy.Environment, *args: Any, **kwargs: Any) -> None:
        count[0] += 1
        schedule(self, *args, **kwargs)
    simpy.Environment.schedule = counted  # type: ignore[method-assign]
    try:
        yield count
    finally:
        simpy.Environment.schedule = schedule  # type: ignore[method-assign]


def _cpu(fn: Callable[[], Any]) -> tuple[float, Any]:
    gc.collect()  # the garbage of the run before is not this one's to collect
    c0 = time.process_time()
    out = fn()
    return time.process_time() - c0, out


def _loaded(run: Any) -> int:
    return sum(1 for r in run.sorties if r.phase != "reposition")


def floor_us(loads: int, repeats: int) -> dict:
    """The floor's CPU microseconds and SimPy events a loaded sortie (median of `repeats`)."""
    sh = SHUTTLE
    args: tuple[Any, ...] = (sh["n_aircraft"], loads, sh["mog_a"], sh["mog_b"], sh["load_h"], sh["unload_h"],
            shuttle.cruise_and_flight_h(sh["flight_h"])[1])
    cpu = statistics.median(_cpu(lambda: shuttle.floor.shuttle(*args))[0] for _ in range(repeats))
    with counting_events() as count:
        shuttle.floor.shuttle(*args)
    return {"us_per_sortie": cpu / loads * 1e6, "events_per_sortie": count[0] / loads}


SORTIE_PARTS: list[tuple[type, str, Key | None]] = [
    (mission.Planner, "plan", None), (engine.Engine, "_commit", None), (engine.Engine, "_record", None)]


def shuttle_budget(variant: str, loads: int, repeats: int, floor: dict, event_us: float, ratio: float) -> dict:
    """One engine variant of the shuttle ("engine" or "rules") against the floor / `ratio` budget."""
    data = (shuttle.scenario_dict if variant == "engine" else shuttle.rules_dict)(n_loads=loads, **SHUTTLE)
    scenario = shuttle.build(data)
    engine.simulate(scenario)  # warm-up
    runs = [_cpu(lambda: _loaded(engine.simulate(scenario))) for _ in range(repeats)]  # no run kept alive
    n = runs[0][1]
    with counting_events() as count:
        engine.simulate(scenario)
    probes = Probes(SORTIE_PARTS)
    with probes.on():
        engine.simulate(scenario)
    parts = {name: probes.per(name, n) for name in ("Planner.plan", "Engine._commit", "Engine._record")}
    events = count[0] / n
    required = sum(us for _, us in parts.values()) + events * event_us
    return {"variant": variant, "loaded": n, "target_ratio": ratio,
            "us_per_sortie": statistics.median(c for c, _ in runs) / n * 1e6,
            "budget_us": floor["us_per_sortie"] / ratio, "events_per_sortie": events,
            "parts": {k: {"calls": c, "us": us} for k, (c, us) in parts.items()},
            "events_us": events * event_us, "required_us": required}


def _plans_kind(args: tuple, kwargs: dict) -> str:
    return "booking plans (with delays)" if kwargs.get("delays") else "choice plans (no delays)"


REPLICA_PARTS: list[tuple[type, str, Key | None]] = [
    (engine.Engine, "__init__", None), (engine.Engine, "_plans", _plans_kind), (engine.Engine, "_task", None),
    (mission.Planner, "plan", None), (mission.Planner, "delivery_bound", None)]


def _replicate(scenario: Any, replications: int) -> None:
    for i in range(replications):  # one run alive at a time, as in a batch
        engine.simulate(scenario, 1000 + i)


def replication_budget(replications: int, budget_ms: float = 10.0) -> dict:
    """A replication of the uncertain reference against `budget_ms`: set-up, plans and the needed part of them."""
    from sim.loading import load_scenario

    scenario = load_scenario(UNCERTAIN)
    engine.simulate(scenario, 1)  # warm-up
    cpu, _ = _cpu(lambda: _replicate(scenario, replications))
    probes = Probes(REPLICA_PARTS)
    with probes.on():
        _cpu(lambda: _replicate(scenario, replications))
    per = {name: probes.per(name, replications) for name in probes.calls}
    loads = per["Engine._task"][0]
    choice_calls, choice_us = per["choice plans (no delays)"]
    needed = {"set-up (Engine.__init__)": per["Engine.__init__"][1],
              "booking plans (with delays)": per["booking plans (with delays)"][1],
              "one choice plan a load": choice_us / choice_calls * loads if choice_calls else 0.0}
    return {"replications": replications, "ms_per_replication": cpu / replications * 1e3, "budget_ms": budget_ms,
            "loads": loads, "parts": {k: {"calls": c, "ms": us / 1e3} for k, (c, us) in per.items()},
            "needed": {k: us / 1e3 for k, us in needed.items()}, "required_ms": sum(needed.values()) / 1e3}


def bench_budget(loads: int, repeats: int, replications: int) -> dict:
    floor = floor_us(loads, repeats)
    event_us = simpy_event_us()
    return {"floor": floor, "simpy_timeout_us": event_us,
            "shuttle": [shuttle_budget("engine", loads, repeats, floor, event_us, 0.7),
                        shuttle_budget("rules", loads, repeats, floor, event_us, 0.5)],
            "replication": replication_budget(replications)}


def show(r: dict) -> None:
    f = r["floor"]
    print(f"  floor: {f['us_per_sortie']:.1f} us a loaded sortie ({f['events_per_sortie']:.1f} SimPy events); "
          f"a bare SimPy timeout {r['simpy_timeout_us']:.2f} us")
    for s in r["shuttle"]:
        print(f"  {s['variant']:6s} {s['us_per_sortie']:5.1f} us a loaded sortie; budget at {s['target_ratio']}x the "
              f"floor {s['budget_us']:.1f} us; needed {s['required_us']:.1f} us:")
        for name, p in s["parts"].items():
            print(f"    {name:16s} {p['calls']:.2f} a sortie, {p['us']:5.1f} us")
        print(f"    {'SimPy events':16s} {s['events_per_sortie']:.2f} a sortie, {s['events_us']:5.1f} us")
    rep = r["replication"]
    print(f"  uncertain reference: {rep['ms_per_replication']:.1f} ms a replication; budget {rep['budget_ms']:.0f} ms "
          f"(100 a second a core); needed {rep['required_ms']:.1f} ms ({rep['loads']:.0f} loads):")
    for name, ms in rep["needed"].items():
        print(f"    {name:30s} {ms:5.1f} ms")
    for name, p in rep["parts"].items():
        print(f"    (all {name}: {p['calls']:.0f} calls, {p['ms']:.1f} ms)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="The engine's time a loaded sortie (shuttle) and a replication (uncertain "
                                "reference) beside issue 19's budgets and the work the model needs.")
    p.add_argument("--quick", action="store_true", help="fewer loads, repeats and replications (a few seconds)")
    args = p.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    show(bench_budget(cfg["loads"], cfg["repeats"], cfg["replications"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
