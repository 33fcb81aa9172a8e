"""Generator of large, valid scenarios for the scale series.

`generate(target_sorties)` returns a scenario dict (validate it with `build()`) whose movement lines
plan to about `target_sorties` loaded sorties in all (deploy plus withdraw). The shape is a
theatre airlift:

- contingents: about one per 200 sorties (at least 2), each with troops, five kinds of vehicles
  (one of them, the `mbt`, fits only the outsize type) and palletised cargo;
- airfields: home fields (about one per 2.5 contingents, up to 200) in a western region and
  theatre fields (about one per 10 contingents) in an eastern one, every leg inside both types'
  range (no refuelling stops); a quarter of the theatre fields are open 05:00-23:00 only;
- a mixed fleet of two types, `lifter` (Il-76-like) and `outsize` (An-124-like), based at the
  home fields, sized at about one tail per 150 sorties so each tail flies a similar number of
  sorties at every size;
- lines: per contingent two deploy lines (an advance party, then the main body two days later)
  home -> its theatre field, and one withdraw line (the whole contingent) back home; ready times
  are spread over 45 days for the deployment and over 45 days from day 150 for the withdrawal;
- one contingent in five belongs to a nation flying only its own `lifter` fleet plus the shared
  `outsize` fleets (as the CSTO reference scenario restricts lines to national fleets).

The composition per contingent is scaled so that the planned loads (counted with sim.loadplan,
the engine's own packing) come within about 2% of the target; `count_loads()` gives the
exact number. Everything is deterministic for a given (target, seed).

Command line: `python benchmarks/generate.py 10000 [-o file.yaml]` writes the scenario as YAML.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sim.loading import validate
from sim.loadplan import plan_line
from sim.scenario import Scenario

SORTIES_PER_CONTINGENT = 200
CONTINGENTS_PER_HOME = 2.5
CONTINGENTS_PER_THEATRE = 10
SORTIES_PER_TAIL = 150
NATIONAL_EVERY = 5  # one contingent in five flies only its nation's own lifters (plus shared outsize)

AIRCRAFT = [
    {"id": "lifter", "name": "Il-76-like", "seats": 126, "payload_t": 40, "floor_m": 20, "cruise_kmh": 750,
     "range_km": 4200, "load_h": 1.25, "unload_h": 1.0},
    {"id": "outsize", "name": "An-124-like", "seats": 88, "payload_t": 90, "floor_m": 36.5, "cruise_kmh": 800,
     "range_km": 4800, "load_h": 2.25, "unload_h": 1.5},
]
EQUIPMENT = [
    {"id": "ifv", "mass_t": 8.2, "length_m": 6.7, "crew": 3},
    {"id": "apc", "mass_t": 15.4, "length_m": 7.7, "crew": 3},
    {"id": "truck", "mass_t": 15.9, "length_m": 8.0, "crew": 2},
    {"id": "light", "mass_t": 2.5, "length_m": 4.4, "crew": 1},
    {"id": "mbt", "mass_t": 46.0, "length_m": 9.5, "crew": 3},  # outsize only
]
# one "unit" of a contingent: troops, vehicles, cargo; scaled by a factor per size
UNIT = {"troops": 500, "equipment": {"ifv": 6, "apc": 4, "truck": 6, "light": 8, "mbt": 1}, "cargo_t": 40.0}
FLEET_SHARE = {"lifter": 0.8, "outsize": 0.2}  # of the tails


def _composition(factor: float) -> tuple[int, dict[str, int], float]:
    troops = max(10, round(UNIT["troops"] * factor))
    equipment = {k: round(n * factor) for k, n in UNIT["equipment"].items()}
    return troops, {k: n for k, n in equipment.items() if n}, round(UNIT["cargo_t"] * factor, 1)


def _shape(target: int, factor: float, seed: int) -> dict:
    rng = random.Random(seed)
    n_cont = max(2, round(target / SORTIES_PER_CONTINGENT))
    n_home = max(2, min(200, math.ceil(n_cont / CONTINGENTS_PER_HOME)))
    n_theatre = max(2, math.ceil(n_cont / CONTINGENTS_PER_THEATRE))
    n_tails = max(4, round(target / SORTIES_PER_TAIL))
    airfields = []
    for i in range(n_home):
        airfields.append({"id": f"home{i:03d}", "lat": round(rng.uniform(48.0, 58.0), 3),
                          "lon": round(rng.uniform(30.0, 52.0), 3), "mog": rng.choice([4, 6, 8])})
    for i in range(n_theatre):
        af = {"id": f"theatre{i:03d}", "lat": round(rng.uniform(40.0, 46.0), 3),
              "lon": round(rng.uniform(62.0, 75.0), 3), "mog": rng.choice([6, 8, 10, 12])}
        if i % 4 == 3:
            af["hours"] = "05:00-23:00"
        airfields.append(af)
    # fleets: at up to 20 home fields, a lifter and an outsize fleet; national lifter fleets extra
    n_bases = min(n_home, max(2, n_cont // 10), 20)
    nations = [f"n{k:03d}" for k in range(math.ceil(n_cont / NATIONAL_EVERY))]
    national_tails = max(1, round(n_tails * 0.1 / max(1, len(nations))))
    shared = {t: max(1, round(n_tails * share)) for t, share in FLEET_SHARE.items()}
    shared["lifter"] = max(1, shared["lifter"] - national_tails * len(nations))
    fleet = []
    for t, count in shared.items():
        per = [count // n_bases + (1 if b < count % n_bases else 0) for b in range(n_bases)]
        for b, n in enumerate(per):
            if n:
                fleet.append({"id": f"{t}@home{b:03d}", "type": t, "count": n, "base": f"home{b:03d}"})
    outsize_fleets = [f["id"] for f in fleet if f["type"] == "outsize"]
    troops, equipment, cargo = _composition(factor)
    contingents, movements = [], []
    for k in range(n_cont):
        cid = f"c{k:04d}"
        home = f"home{k % n_home:03d}"
        theatre = f"theatre{k % n_theatre:03d}"
        national = k % NATIONAL_EVERY == 0
        nation = nations[k // NATIONAL_EVERY] if national else "coalition"
        contingents.append({"id": cid, "nation": nation, "troops": troops, "equipment": dict(equipment),
                            "cargo_t": cargo, "home": home})
        fleets = None
        if national:
            nid = f"lifter@{nation}"
            fleet.append({"id": nid, "type": "lifter", "count": national_tails, "base": home})
            fleets = [nid, *outsize_fleets]
        ready_h = 45 * 24 * k / n_cont
        adv_troops = troops // 4
        adv_eq = {"light": equipment["light"]} if equipment.get("light") else {}
        adv_cargo = round(cargo / 4, 1)
        main_eq = {e: n for e, n in equipment.items() if e not in adv_eq}
        lines = [
            {"id": f"{cid}-adv", "phase": "deploy", "from": home, "to": theatre, "troops": adv_troops,
             "equipment": adv_eq, "cargo_t": adv_cargo, "ready": ready_h, "deadline": ready_h + 240},
            {"id": f"{cid}-main", "phase": "deploy", "from": home, "to": theatre, "troops": troops - adv_troops,
             "equipment": main_eq, "cargo_t": round(cargo - adv_cargo, 1), "ready": ready_h + 48,
             "deadline": ready_h + 288},
            {"id": f"{cid}-out", "phase": "withdraw", "from": theatre, "to": home,
             "ready": 150 * 24 + ready_h, "deadline": 150 * 24 + ready_h + 240},
        ]
        for ln in lines:
            ln["contingent"] = cid
            ln["ready"] = f"+{ln['ready']:.2f}h"
            ln["deadline"] = f"+{ln['deadline']:.2f}h"
            if fleets:
                ln["fleets"] = list(fleets)
            movements.append(ln)
    return {
        "name": f"generated theatre airlift, about {target} sorties",
        "description": "benchmarks/generate.py: many contingents and airfields, a mixed fleet, deploy and withdraw",
        "start": "2022-01-06T00:00+06:00",
        "horizon": "366d",
        "seed": seed,
        "airfields": airfields,
        "aircraft": [dict(a) for a in AIRCRAFT],
        "fleet": fleet,
        "equipment": [dict(e) for e in EQUIPMENT],
        "contingents": contingents,
        "movements": movements,
    }


def build(data: dict) -> Scenario:
    """Validate and cross-check like `sim run` does; ScenarioError on errors (warnings are ignored)."""
    return validate(data, "<generated>")[0]


def count_loads(s: Scenario) -> int:
    """Loaded sorties the scenario plans: one per load of every air line."""
    return sum(len(plan_line(s, m)) for m in s.movements if m.mode == "air")


def generate(target_sorties: int, seed: int = 0) -> dict:
    """A scenario dict planning about target_sorties loaded sorties (calibrated with the engine's packing).

    Calibration validates with the pydantic model only (cross-checks are slow on large scenarios:
    see docs/performance.md); call build() on the result for the full check.
    """
    factor, data = 1.0, None
    for _ in range(5):
        data = _shape(target_sorties, factor, seed)
        got = count_loads(Scenario.model_validate(data))
        if abs(got - target_sorties) <= 0.02 * target_sorties:
            break
        factor *= target_sorties / got
    return data


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sorties", type=int, help="target loaded sorties")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--out", help="write YAML here (default: print a summary only)")
    args = p.parse_args()
    data = generate(args.sorties, args.seed)
    s = build(data)
    print(f"{len(s.contingents)} contingents, {len(s.airfields)} airfields, {sum(f.count for f in s.fleet)} tails "
          f"in {len(s.fleet)} fleets, {len(s.movements)} lines, {count_loads(s)} planned loaded sorties")
    if args.out:
        import yaml

        Path(args.out).write_text(yaml.safe_dump(data, sort_keys=False, width=110), encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
