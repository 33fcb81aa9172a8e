"""Dispatch rules: the named rules a scenario chooses (`planning.dispatch`), and the protocol of a
dispatcher of one's own.

Dispatch decides, whenever a tail is free or a load is ready, which idle tail flies which pending
load. The engine (sim.engine) applies the named rules itself; a user's dispatcher (any object with
an `assign` method, see `Dispatcher`) is shown a `DispatchView` of the moment and returns which tail
takes which pending load. The engine then plans and books the flights exactly as for its own rules
(crews, budgets, hours, spots), so a dispatcher decides only who flies what, never how.

    import sim
    from sim.dispatch import DispatchView

    class LongestWaitingFirst:
        def assign(self, view: DispatchView) -> dict[str, str]:
            for load in sorted(view.pending, key=lambda p: p.released_h):
                for tail in view.idle:
                    if tail.fleet in load.fleets and tail.type in load.types:
                        return {tail.name: load.id}
            return {}

    result = sim.run("scenarios/csto_kazakhstan_2022.yaml", dispatcher=LongestWaitingFirst())

No SimPy here: the engine builds the view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

DispatchRule = Literal["soonest-delivery", "earliest-deadline-first", "first-come-first-served"]
RULES: tuple[DispatchRule, ...] = ("soonest-delivery", "earliest-deadline-first", "first-come-first-served")
DEFAULT_RULE: DispatchRule = "soonest-delivery"


@dataclass(frozen=True, slots=True)
class PendingLoad:
    """One leg of a movement line with something left to fly now.

    `id` names it in assignments: the line's id for its first leg, `LINE/N` for its N-th leg.
    Times are hours since the scenario's start."""

    id: str
    line: str
    leg: int  # 0 for the line's first leg
    phase: str  # "deploy" or "withdraw"
    origin: str  # airfield ids
    destination: str
    priority: int
    deadline_h: float
    released_h: float  # when the leg first had something to fly
    order: int  # the line's position in the scenario's movements
    troops: int  # what is left at the origin now
    vehicles: int
    cargo_kg: int
    fleets: frozenset[str]  # fleets allowed to fly it
    types: frozenset[str]  # aircraft types that may take a load of it now


@dataclass(frozen=True, slots=True)
class IdleTail:
    """One aircraft waiting for work, where it stands now."""

    name: str
    type: str
    fleet: str
    fleet_order: int  # the fleet's position in the scenario
    at: str  # airfield id where it stands
    base: str
    crew_rested_h: float  # the earliest off-blocks its crew may start a fresh duty (-inf: rested)


@dataclass(frozen=True, slots=True)
class DispatchView:
    """What a dispatcher sees at one decision: the clock, the pending loads (in the order of the
    scenario's `planning.dispatch` rule), the idle tails (in fleet order, then tail number), and the
    working spots free now at each airfield (inf where parking is not limited)."""

    now_h: float
    pending: tuple[PendingLoad, ...]
    idle: tuple[IdleTail, ...]
    spots_free: Mapping[str, float]

    def can_carry(self, tail: IdleTail, load: PendingLoad) -> bool:
        """Whether the tail may take a load of this leg now (its fleet allowed, its type able)."""
        return tail.fleet in load.fleets and tail.type in load.types


@runtime_checkable
class Dispatcher(Protocol):
    """A dispatch rule of one's own, e.g. an optimiser or a learning agent.

    The engine calls `assign` whenever at least one idle tail may take a load of a pending leg. It
    returns tail names mapped to pending load ids; each assigned tail takes one load of that leg
    (a load cut for its type), in the mapping's order. Tails left out stay idle until the next
    decision; an empty mapping ends this decision. The engine calls again, with a new view, while
    the last call assigned something and a match is still possible. Assigning a tail that is not
    idle, a load that is not pending (or has nothing left after the earlier assignments), or a tail
    that cannot carry anything of it raises DispatchError."""

    def assign(self, view: DispatchView) -> Mapping[str, str]:
        """Which idle tail takes which pending load: {tail name: pending load id}."""
        ...


class DispatchError(ValueError):
    """A dispatcher returned an assignment the engine cannot carry out."""


def load_id(line: str, leg: int) -> str:
    """The id of a line's leg in a dispatch view: the line's id for its first leg, else `LINE/N`."""
    return line if leg == 0 else f"{line}/{leg + 1}"
