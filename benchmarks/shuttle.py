"""The floor's shuttle run through `sim`'s engine, and the two compared.

The equivalent scenario: airfields `a` and `b` with the floor's MOG, one aircraft type with the
floor's load and unload times, cruise speed chosen so that the great-circle a-b leg takes exactly
the floor's flight time (taxi_h 0, flight_allowance_h 0, airfields always open), N tails based
at `a`, and deploy lines a -> b whose troops make exactly `n_loads` full loads (seats x loads, no
vehicles, no cargo; one line per 10,000 loads, as a contingent has at most 1,000,000 troops).

Counting: a *sortie* here is a loaded flight a -> b. The engine also logs every empty flight as a
`reposition` row (b -> a to fetch the next load, or b -> a home to park when nothing is left);
the floor logs the same empty legs as "empty" tuples. Both stop when the last load is on blocks at
b, so both fly the same loaded sorties and (up to tails still on their way home at that moment)
the same empty legs; the benchmark checks the loaded counts are equal and reports both empty
counts. Sorties per second = loaded sorties / wall seconds of `simulate()` (validation excluded).
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import floor

from sim import geo
from sim.engine import simulate
from sim.loading import validate
from sim.scenario import Scenario

# The shuttle both models fly (hours). MOG 10 at a with 1 h loading admits 10 sorties an hour while
# 50 aircraft on a 3.9 h cycle would fly 12.8: the departure field is saturated and queues form.
SHUTTLE = {"n_aircraft": 50, "mog_a": 10, "mog_b": 10, "load_h": 1.0, "unload_h": 0.5, "flight_h": 1.2}
A = (55.0, 40.0)
B = (50.0, 50.0)
SEATS = 100
MAX_LOADS_PER_LINE = 10_000


def cruise_and_flight_h(flight_h: float) -> tuple[float, float]:
    """Cruise speed giving the wanted flight time over a-b, and the flight time the engine will compute."""
    km = geo.great_circle_km(*A, *B)
    cruise = km / flight_h
    return cruise, km / cruise  # the engine divides the same distance by the same speed


def scenario_dict(n_aircraft: int, n_loads: int, mog_a: int, mog_b: int, load_h: float, unload_h: float,
                  flight_h: float) -> dict:
    cruise, _ = cruise_and_flight_h(flight_h)
    # a contingent has at most 1,000,000 troops: split the loads over lines of at most 10,000 loads
    # (all alike, so they form one class of pending loads and are flown in line order)
    chunks = [min(MAX_LOADS_PER_LINE, n_loads - k) for k in range(0, n_loads, MAX_LOADS_PER_LINE)]
    return {
        "name": f"shuttle {n_aircraft} aircraft x {n_loads} loads",
        "start": "2022-01-06T00:00+06:00",
        "horizon": "366d",
        "planning": {"troop_mass_t": 0.1, "flight_allowance_h": 0, "taxi_h": 0, "refuel_h": 1.0},
        "airfields": [
            {"id": "a", "lat": A[0], "lon": A[1], "mog": mog_a},
            {"id": "b", "lat": B[0], "lon": B[1], "mog": mog_b},
        ],
        "aircraft": [{"id": "lifter", "seats": SEATS, "payload_t": 40, "floor_m": 20, "cruise_kmh": cruise,
                      "range_km": 5000, "load_h": load_h, "unload_h": unload_h}],
        "fleet": [{"type": "lifter", "count": n_aircraft, "base": "a"}],
        "equipment": [],
        "contingents": [{"id": f"x{k}", "nation": "Xland", "troops": SEATS * n, "home": "a"}
                        for k, n in enumerate(chunks)],
        "movements": [{"id": f"x{k}-in", "contingent": f"x{k}", "phase": "deploy", "from": "a", "to": "b",
                       "ready": "+0h", "deadline": "+365d"} for k in range(len(chunks))],
    }


C = (47.0, 57.0)  # the rules variant's second leg b -> c
RULES = {"ute_h_per_day": 8.0, "crew_ratio": 1.5, "mog_b": 6}  # the rules variant's binding limits


def rules_dict(n_aircraft: int, n_loads: int, mog_a: int, mog_b: int, load_h: float, unload_h: float,
               flight_h: float) -> dict:
    """The shuttle with every pacing rule on and binding: each load flies two chained air legs a -> b -> c
    (so `n_loads` loaded sorties carry n_loads / 2 loads), tails fly at most `ute_h_per_day` hours a day,
    crews run out of duty (`crew_ratio` spare crews wait at the base), and b, where loads are unloaded from
    the first leg and loaded for the second, has RULES["mog_b"] working spots (`mog_b` is ignored)."""
    data = scenario_dict(n_aircraft, (n_loads + 1) // 2, mog_a, RULES["mog_b"], load_h, unload_h, flight_h)
    data["name"] = f"shuttle with rules, {n_aircraft} aircraft x {n_loads} loaded sorties"
    data["airfields"].append({"id": "c", "lat": C[0], "lon": C[1], "mog": mog_a})
    data["aircraft"][0].update(ute_h_per_day=RULES["ute_h_per_day"], crew_ratio=RULES["crew_ratio"])
    legs = [{"mode": "air", "from": "a", "to": "b"}, {"mode": "air", "from": "b", "to": "c"}]
    for m in data["movements"]:
        m.update({"to": "c", "legs": legs})
    return data


def engine_rules(n_loads: int, **shuttle) -> dict:
    """The rules variant (rules_dict) through the engine: counts and the wall time of simulate()."""
    s = build(rules_dict(n_loads=n_loads, **shuttle))
    gc.collect()  # the garbage of the run before is not this one's to collect
    t0, c0 = time.perf_counter(), time.process_time()
    run = simulate(s)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    if run.horizon_reached:
        raise RuntimeError("rules shuttle hit its horizon; lower n_loads")
    loaded = sum(1 for r in run.sorties if r.phase != "reposition")
    waits = {k: round(sum(getattr(r, k) for r in run.sorties)) for k in ("wait_crew_h", "wait_ute_h", "wait_mog_h")}
    return {"loaded": loaded, "empty": len(run.sorties) - loaded, "wall_s": wall, "cpu_s": cpu, "end_h": run.end_h,
            "waits_h": waits}


def build(data: dict) -> Scenario:
    """Validate and cross-check like `sim run` does; ScenarioError on errors (warnings are ignored)."""
    return validate(data, "<bench>")[0]


def engine_shuttle(n_loads: int, **shuttle) -> dict:
    """Validate (untimed) and simulate (timed) the equivalent scenario; return counts and wall time."""
    s = build(scenario_dict(n_loads=n_loads, **shuttle))
    gc.collect()  # the garbage of the run before is not this one's to collect
    t0, c0 = time.perf_counter(), time.process_time()
    run = simulate(s)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    loaded = sum(1 for r in run.sorties if r.phase != "reposition")
    if run.horizon_reached:
        raise RuntimeError("shuttle scenario hit its horizon; lower n_loads")
    return {"loaded": loaded, "empty": len(run.sorties) - loaded, "wall_s": wall, "cpu_s": cpu, "end_h": run.end_h}


def floor_shuttle(n_loads: int, n_aircraft: int, mog_a: int, mog_b: int, load_h: float, unload_h: float,
           flight_h: float) -> dict:
    """The bare SimPy floor on the same shuttle; return counts and wall time."""
    _, exact_flight_h = cruise_and_flight_h(flight_h)
    gc.collect()
    c0 = time.process_time()
    rows, wall = floor.shuttle(n_aircraft, n_loads, mog_a, mog_b, load_h, unload_h, exact_flight_h)
    loaded = sum(1 for r in rows if r[1] == "loaded")
    end_h = max(r[3] for r in rows if r[1] == "loaded")
    return {"loaded": loaded, "empty": len(rows) - loaded, "wall_s": wall, "cpu_s": time.process_time() - c0,
            "end_h": end_h}


def compare(n_loads: int, repeats: int) -> dict:
    """Floor, engine and rules variant interleaved (so drift in machine load hits all alike); medians of
    loaded sorties per second (wall and CPU) and the two engine/floor ratios."""
    import statistics

    engine_shuttle(min(n_loads, 500), **SHUTTLE)  # warm-up: imports and first-call costs out of the timings
    runs: dict[str, list[dict]] = {"floor": [], "engine": [], "rules": []}
    for _ in range(repeats):
        runs["floor"].append(floor_shuttle(n_loads, **SHUTTLE))
        runs["engine"].append(engine_shuttle(n_loads, **SHUTTLE))
        runs["rules"].append(engine_rules(n_loads, **SHUTTLE))
    out: dict = {}
    for k, rs in runs.items():
        out[k] = {"sorties_per_s": statistics.median(r["loaded"] / r["wall_s"] for r in rs),
                  "sorties_per_cpu_s": statistics.median(r["loaded"] / r["cpu_s"] for r in rs),
                  "loaded": rs[0]["loaded"], "empty_legs": rs[0]["empty"], "end_h": rs[0]["end_h"]}
    out["rules"]["waits_h"] = runs["rules"][0]["waits_h"]
    for k in ("engine", "rules"):
        out[f"{k}_floor_ratio"] = out[k]["sorties_per_s"] / out["floor"]["sorties_per_s"]
        out[f"{k}_floor_ratio_cpu"] = out[k]["sorties_per_cpu_s"] / out["floor"]["sorties_per_cpu_s"]
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="The bare SimPy shuttle (the floor), the engine on the equivalent "
                                 "scenario and the rules variant, interleaved: loaded sorties per second and ratios.")
    ap.add_argument("loads", nargs="?", type=int, default=20_000, help="full loads to fly (default 20000)")
    ap.add_argument("repeats", nargs="?", type=int, default=5, help="repeats of each (default 5)")
    args = ap.parse_args()
    n, reps = args.loads, args.repeats
    r = compare(n, reps)
    for k in ("floor", "engine", "rules"):
        print(f"{k:7s} {r[k]['sorties_per_s']:>9,.0f} loaded sorties/s wall, {r[k]['sorties_per_cpu_s']:>9,.0f} per "
              f"CPU s ({r[k]['loaded']} loaded + {r[k]['empty_legs']} empty, last landing {r[k]['end_h']:.1f} h)")
    print(f"engine/floor {r['engine_floor_ratio']:.2f} (CPU {r['engine_floor_ratio_cpu']:.2f}); rules variant/floor "
          f"{r['rules_floor_ratio']:.2f} (CPU {r['rules_floor_ratio_cpu']:.2f}); rules waits {r['rules']['waits_h']}")
