"""The floor: a bare SimPy shuttle, written as plainly as possible.

N aircraft cycle between airfield A (where loads wait) and airfield B. A simpy.Resource per
airfield is its MOG: an aircraft holds a slot from the moment it is on the ground at an airfield
(arrival, or the start of loading for the first sortie) until it takes off. Each cycle:

    hold a slot at A, load, take off (free the slot at A), fly, hold a slot at B (waiting
    airborne if B is full), unload, take off empty (free the slot at B), fly back to A.

A shared counter of loads left decides when an aircraft stops: it takes a load only while one is
left; an aircraft that unloads after the last load was taken flies home to A and stops (as the
engine's tails fly home to park). The run ends as soon as the last load is on the ground at B
(the engine closes a line at on-blocks of its last load and stops there too).

One tuple per flight is appended to a list: loaded legs A->B and empty legs B->A, the same rows
the engine logs (its empty legs are `reposition` rows). No taxi time, no flight allowance, no
opening hours: the equivalent `sim` scenario sets taxi_h and flight_allowance_h to 0 and keeps
every airfield open.
"""

from __future__ import annotations

import time

import simpy


def shuttle(n_aircraft: int, n_loads: int, mog_a: int, mog_b: int, load_h: float, unload_h: float,
            flight_h: float) -> tuple[list[tuple], float]:
    """Run the shuttle; return (flights, wall seconds). flights: (aircraft, kind, off, on)."""
    t0 = time.perf_counter()
    env = simpy.Environment()
    mog = (simpy.Resource(env, capacity=mog_a), simpy.Resource(env, capacity=mog_b))
    flights: list[tuple] = []
    state = {"left": n_loads, "delivered": 0}
    done = env.event()

    def aircraft(k: int):
        slot = None  # the request held at the airfield where the aircraft is on the ground
        while state["left"] > 0:
            state["left"] -= 1
            if slot is None:  # first sortie: the aircraft is parked at A without a working slot
                slot = mog[0].request()
                yield slot
            yield env.timeout(load_h)
            off = env.now
            mog[0].release(slot)
            yield env.timeout(flight_h)
            slot = mog[1].request()
            yield slot
            flights.append((k, "loaded", off, env.now))
            state["delivered"] += 1
            if state["delivered"] == n_loads:
                done.succeed()
            yield env.timeout(unload_h)
            off = env.now
            mog[1].release(slot)
            yield env.timeout(flight_h)
            slot = mog[0].request()
            yield slot
            flights.append((k, "empty", off, env.now))
        if slot is not None:  # home and parked: leave the working slot
            mog[0].release(slot)

    for k in range(n_aircraft):
        env.process(aircraft(k))
    env.run(until=done)
    return flights, time.perf_counter() - t0


if __name__ == "__main__":
    rows, wall = shuttle(50, 20000, 10, 10, 1.0, 0.5, 1.2)
    loaded = sum(1 for r in rows if r[1] == "loaded")
    print(f"{loaded} loaded sorties, {len(rows) - loaded} empty legs in {wall:.3f} s: {loaded / wall:,.0f} sorties/s")
