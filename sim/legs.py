"""A movement line while it runs: its legs in order, each leg's stock, what is on the way, its result.

The engine (sim.engine) dispatches aircraft to air legs; the flow (sim.flow) moves elements
between legs and runs the road and rail legs. Both share these small state objects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.journey import NodeState, RouteBook
from sim.loadplan import LineStock
from sim.records import LegResult, LineResult
from sim.scenario import Movement

if TYPE_CHECKING:
    import simpy


class LegRun:
    """One leg of a line while it runs: its stock at the origin, what is on the way, its result."""

    __slots__ = ("closed", "contingent", "dest_node", "in_transit", "journey", "k", "last", "leg", "line_id",
                 "origin_node", "pending", "phase", "result", "stock", "upstream_open")

    def __init__(self, journey: JourneyRun, k: int, stock: LineStock, nodes: dict[str, NodeState]) -> None:
        m = journey.m
        self.journey, self.k, self.leg, self.stock = journey, k, journey.legs_spec[k], stock
        self.line_id, self.contingent, self.phase = m.id, m.contingent, m.phase
        self.last = k == len(journey.legs_spec) - 1
        self.origin_node, self.dest_node = nodes[self.leg.origin], nodes[self.leg.destination]
        self.in_transit = 0  # loads on the way to the destination
        self.pending = 0  # loads arrived at the destination and not yet received there
        self.upstream_open = True  # more elements may still come into the stock
        self.closed = False
        self.result = LegResult(self.leg.mode, self.leg.origin, self.leg.destination)


class AirLegRun(LegRun):
    """An air leg: what dispatch sees."""

    __slots__ = ("carry", "dest", "fleets", "key", "m", "order", "origin", "type_ids")

    def __init__(self, journey: JourneyRun, k: int, stock: LineStock, nodes: dict[str, NodeState],
                 af_index: dict[str, int], fleets: frozenset[str], type_ids: frozenset[str]) -> None:
        super().__init__(journey, k, stock, nodes)
        self.m, self.order, self.key = journey.m, journey.order, (*journey.key, k)
        self.origin, self.dest = af_index[self.leg.origin], af_index[self.leg.destination]
        self.fleets, self.type_ids = fleets, type_ids
        self.carry: frozenset[str] | None = None  # types that can take something of the stock (None: stale)


class SurfaceLegRun(LegRun):
    """A road or rail leg: serials or trains leave from its route's slots."""

    __slots__ = ("book", "caps", "handling_h", "km", "travel_h", "wake")

    def __init__(self, journey: JourneyRun, k: int, stock: LineStock, nodes: dict[str, NodeState],
                 book: RouteBook, caps: tuple[int, int, int], km: float, travel_h: float, handling_h: float) -> None:
        super().__init__(journey, k, stock, nodes)
        self.book, self.caps, self.km, self.travel_h, self.handling_h = book, caps, km, travel_h, handling_h
        self.wake: simpy.Event | None = None  # only while the process waits for elements or room


class JourneyRun:
    """A movement line while it runs: its legs in order and its result."""

    __slots__ = ("closed_event", "contingent", "key", "legs", "legs_spec", "m", "order", "result")

    def __init__(self, m: Movement, order: int, key: tuple, closed_event: simpy.Event) -> None:
        self.m, self.order, self.key, self.closed_event = m, order, key, closed_event
        self.contingent = m.contingent
        self.legs_spec = m.journey()
        self.legs: list[LegRun] = []
        self.result = LineResult(m.id)
