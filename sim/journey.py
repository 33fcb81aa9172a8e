"""The nodes and routes of a journey: reception throughput, staging room, and departure slots.

A movement line is a chain of legs (sim.scenario.Movement.journey). Between two legs its
elements pass a node (a place or an airfield):
- arrivals are received in the order they come, at the node's steady rate (`throughput`): a
  batch of n people and v vehicles takes max(n / troops_per_day, v / vehicles_per_day) days of
  the node's time (`NodeState.receive`);
- from its dispatch toward a node until it moves on from there (or, at the journey's end, until
  it is received), a batch holds room in the node's staging area; a leg does not start a load
  the node has no room for, unless the node is empty (so one batch bigger than the room never
  blocks for ever);
- received, it is ready for the next leg after the node's transfer time.
Road serials and trains start from a route's departure slots (`RouteBook`): at least `gap_h`
apart and at most `per_day` in any 24 hours.
No SimPy here: the engine calls these with its clock.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from sim.scenario import Airfield, Place, Scenario


@dataclass(slots=True)
class NodeVisit:
    """One batch received at a node between legs, or at the end of a journey where reception takes
    time: when it arrived, when its reception started and ended. (At a plain final destination a
    batch is received on arrival and not recorded: the sortie or trip that brought it says when.)"""

    node: str
    line: str
    leg: int  # the leg that brought it (0-based)
    troops: int
    vehicles: int
    arrive: float
    start: float
    end: float
    ready: float  # end plus the transfer time (equal to end at the journey's last node)


@dataclass(slots=True)
class NodeState:
    """A node while the engine runs: its reception server and its staging room."""

    id: str
    troops_h: float | None  # people received per hour (None: no limit)
    vehicles_h: float | None
    room_troops: int | None  # staging capacity (None: no limit)
    room_vehicles: int | None
    transfer_h: float
    free_at: float = 0.0  # when reception is next free
    held_troops: int = 0
    held_vehicles: int = 0
    peak_troops: int = 0
    peak_vehicles: int = 0
    waiting: list = field(default_factory=list)  # legs held for room, woken when some is freed
    outgoing: list = field(default_factory=list)  # legs that start here (they drain the room)

    @staticmethod
    def of(node: Airfield | Place, default_transfer_h: float) -> NodeState:
        """The start state of a place or airfield: reception rates per hour, staging room and transfer time (h)."""
        tp, st = node.throughput, node.staging
        return NodeState(
            id=node.id,
            troops_h=tp.troops_per_day / 24.0 if tp is not None and tp.troops_per_day else None,
            vehicles_h=tp.vehicles_per_day / 24.0 if tp is not None and tp.vehicles_per_day else None,
            room_troops=st.troops if st is not None else None,
            room_vehicles=st.vehicles if st is not None else None,
            transfer_h=default_transfer_h if node.transfer_h is None else float(node.transfer_h),
        )

    def service_h(self, troops: int, vehicles: int) -> float:
        """Reception time of one batch at the steady rates."""
        t = troops / self.troops_h if self.troops_h else 0.0
        v = vehicles / self.vehicles_h if self.vehicles_h else 0.0
        return max(t, v)

    def receive(self, now: float, troops: int, vehicles: int) -> tuple[float, float]:
        """Queue a batch that arrived now; (start, end) of its reception."""
        start = max(now, self.free_at)
        end = start + self.service_h(troops, vehicles)
        if end > start:
            self.free_at = end
        return start, end

    def throughput(self) -> bool:
        """Whether reception takes time here."""
        return bool(self.troops_h or self.vehicles_h)

    def limited(self) -> bool:
        """Whether the staging room is limited (for troops or vehicles)."""
        return self.room_troops is not None or self.room_vehicles is not None

    def has_room(self, troops: int, vehicles: int) -> bool:
        """Whether a batch may start toward the node (always when the node holds nothing)."""
        if not self.held_troops and not self.held_vehicles:
            return True
        if self.room_troops is not None and self.held_troops + troops > self.room_troops:
            return False
        return not (self.room_vehicles is not None and self.held_vehicles + vehicles > self.room_vehicles)

    def hold(self, troops: int, vehicles: int) -> None:
        """Take staging room for a batch on its way here, and raise the peaks held."""
        self.held_troops += troops
        self.held_vehicles += vehicles
        self.peak_troops = max(self.peak_troops, self.held_troops)
        self.peak_vehicles = max(self.peak_vehicles, self.held_vehicles)

    def full(self) -> bool:
        """Some leg is held for room here: what is here is all that can come for now."""
        return bool(self.waiting)

    def free(self, troops: int, vehicles: int) -> list:
        """Give room back; returns the legs that were waiting for it (and forgets them)."""
        self.held_troops -= troops
        self.held_vehicles -= vehicles
        woken, self.waiting = self.waiting, []
        return woken


class RouteBook:
    """Departure slots of a road route or a railhead: `gap_h` apart, at most `per_day` in 24 hours."""

    __slots__ = ("gap_h", "per_day", "starts")

    def __init__(self, gap_h: float, per_day: int | None) -> None:
        self.gap_h, self.per_day = gap_h, per_day
        self.starts: list[float] = []

    def next_slot(self, t: float) -> float:
        """The earliest departure at or after t (slots are booked in time order)."""
        if self.starts:
            t = max(t, self.starts[-1] + self.gap_h)
        if self.per_day is not None and len(self.starts) >= self.per_day:
            t = max(t, self.starts[-self.per_day] + 24.0)
        return t

    def book(self, t: float) -> None:
        """Book a departure at time t (kept in time order)."""
        bisect.insort(self.starts, t)


def nodes_of(s: Scenario) -> dict[str, NodeState]:
    """The runtime state of every place and airfield, by id."""
    return {n.id: NodeState.of(n, float(s.planning.transfer_h)) for n in s.nodes()}
