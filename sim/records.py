"""The records of a run: what the engine did, as plain dataclasses (no SimPy, no behaviour).

The engine (sim.engine, sim.flow) fills a Run; results, charts and reports read it. Keeping the
records here lets those readers, and a process that only unpickles a Run, import them without
the engine or SimPy. Times are hours since scenario start.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

from sim.journey import NodeVisit
from sim.scenario import Scenario
from sim.vocabulary import PHASES as PHASES  # re-exported: the records' phases


class TailInfo(NamedTuple):
    """One aircraft of the fleet, as the run created it."""

    tail: str
    type: str
    fleet: str
    base: str


class Blocked(NamedTuple):
    """Why an open line could not fly at all: no take-off and landing possible until a time."""

    kind: str  # hours or weather
    until: float  # inf: never within the horizon


class Overflow(NamedTuple):
    """A load let over a node's staging room to break a wait-for cycle (deadlock)."""

    node: str
    at: float
    line: str


@dataclass(slots=True)
class Sortie:
    """One flight of one tail from origin to destination (with refuelling stops if any)."""

    tail: str
    type: str
    fleet: str
    phase: str  # deploy, withdraw or reposition
    line: str  # the line served (for repositioning: the line it flies empty to serve, or '' to base)
    contingent: str
    origin: str
    destination: str
    stops: tuple[str, ...]
    troops: int
    vehicles: dict[str, int]
    cargo_kg: int
    mass_kg: int
    distance_km: float
    released: float  # load available to be flown
    assigned: float  # tail given this flight
    ground_start: float  # ready at the origin: loading starts (or, empty, the flight was decided)
    off_blocks: float
    takeoff: float
    landing: float
    on_blocks: float
    done: float  # unloaded (equal to on_blocks for empty legs)
    flying_h: float
    wait_mog_h: float  # waiting for a working spot at either end (departure slot)
    wait_hours_h: float
    mog_at: str  # airfield of the longest spot wait ('' if none)
    wait_delay_h: float = 0.0  # random departure delay (uncertainty)
    wait_weather_h: float = 0.0  # waiting out a random weather closure (uncertainty)
    wait_crew_h: float = 0.0  # crew rest
    wait_ute_h: float = 0.0  # daily utilisation budget
    wait_avail_h: float = 0.0  # not mission capable that day
    wait_cap_h: float = 0.0  # the departure airfield's daily take-off cap was used up
    crew: str = ""  # the crew that flew the last hop
    leg: int = 0  # index of the leg in the line's journey (0-based)


# the waits a sortie records, by kind (why-late part -> Sortie attribute)
SORTIE_WAITS = {"crew": "wait_crew_h", "ute": "wait_ute_h", "availability": "wait_avail_h", "mog": "wait_mog_h",
                "hours": "wait_hours_h", "cap": "wait_cap_h", "weather": "wait_weather_h", "delay": "wait_delay_h"}


@dataclass(slots=True)
class GroundStay:
    """A working spot held at an airfield for a ground task (on-blocks to off-blocks of the task)."""

    airfield: str
    tail: str
    start: float
    end: float
    spots: float = 1.0
    task: str = ""  # load, unload or refuel


@dataclass(slots=True)
class Downtime:
    """Time a tail could not fly: crew rest, utilisation, not mission capable, maintenance, repair."""

    tail: str
    kind: str  # crew, ute, availability, maintenance, repair
    airfield: str
    start: float
    end: float


@dataclass(slots=True)
class Trip:
    """One road serial or one train carrying part of a line on one surface leg."""

    line: str
    contingent: str
    mode: str  # road or rail
    leg: int  # index of the leg in the line's journey (0-based)
    unit: str  # serial or train name, e.g. 'kg-withdraw-1/1/s2'
    origin: str
    destination: str
    troops: int
    vehicles: dict[str, int]
    cargo_kg: int
    km: float
    ready: float  # its load was there and the leg could take it
    depart: float  # left the origin (for a train: loading started)
    arrive: float  # at the destination (for a train: unloaded)
    load_h: float = 0.0  # loading and unloading included in depart -> arrive (trains)


@dataclass(slots=True)
class Breakdown:
    """An aircraft found unserviceable when tasked (uncertainty); its load went back to the line."""

    tail: str
    airfield: str
    line: str
    at: float
    repair_h: float


@dataclass(slots=True)
class Closure:
    """A random weather closure of an airfield (uncertainty)."""

    airfield: str
    start: float
    end: float


@dataclass(slots=True)
class LegResult:
    """One leg of a line: when its elements were there to move and when the last arrived."""

    mode: str
    origin: str
    destination: str
    released: float = math.nan  # its first elements were there to move
    complete: float = math.nan  # its last element was there to move (all of the previous leg received)
    closed: float = math.nan  # its last element arrived at its destination (nan: not yet)
    received: float = math.nan  # ... and was received there, ready for the next leg (or the line closed)
    units: int = 0  # sorties, serials or trains that carried it


@dataclass(slots=True)
class LineResult:
    """One movement line: when it was released and closed, what is left, and its legs."""

    id: str
    released: float = math.nan  # ready, and the lines it waits for closed
    closed: float = math.nan  # last element received at the final destination (nan: not closed)
    troops_left: int = 0  # not yet received at the final destination
    vehicles_left: int = 0
    cargo_kg_left: int = 0
    legs: list[LegResult] = field(default_factory=list)


@dataclass
class Run:
    """Everything the engine did: the single source of truth for results and charts."""

    scenario: Scenario
    seed: int
    end_h: float
    sorties: list[Sortie] = field(default_factory=list)
    ground: list[GroundStay] = field(default_factory=list)
    trips: list[Trip] = field(default_factory=list)  # road serials and trains
    visits: list[NodeVisit] = field(default_factory=list)  # batches received at nodes
    lines: dict[str, LineResult] = field(default_factory=dict)
    tails: list[TailInfo] = field(default_factory=list)
    initial_in_theatre: dict[str, int] = field(default_factory=dict)  # contingent -> troops there at start
    horizon_reached: bool = False
    breakdowns: list[Breakdown] = field(default_factory=list)
    weather: list[Closure] = field(default_factory=list)
    blocked: dict[str, Blocked] = field(default_factory=dict)  # open line -> why it could not fly, until when
    downtime: list[Downtime] = field(default_factory=list)
    staging_peak: dict[str, tuple[int, int]] = field(default_factory=dict)  # node -> (most troops, most vehicles) held
    overflows: list[Overflow] = field(default_factory=list)  # loads let over a node's room to break a deadlock
