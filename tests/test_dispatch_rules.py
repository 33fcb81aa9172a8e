"""Dispatch rules as a choice (planning.dispatch) and a dispatcher of one's own (sim.dispatch).

The hand-built cases use two airfields 2800 km apart on the equator (block time 2800 / 800 + 0.5
= 4.0 h, taxi 0), lifters of 100 seats that load in 2 h and unload in 1 h, and lines of 100 troops
(one load each), so every time below is a sum of those numbers."""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.dispatch import RULES, DispatchError, DispatchView
from sim.engine import simulate
from tests import test_invariants, test_journey_invariants
from tests.conftest import ROOT
from tests.helpers import BASE, build

REFERENCE = ROOT / "scenarios" / "csto_kazakhstan_2022.yaml"
EARTH_KM = 6371.0
LEG_H, LOAD_H, UNLOAD_H = 4.0, 2.0, 1.0


def _lon(km: float) -> float:
    return math.degrees(km / EARTH_KM)


def _case(rule: str, movements: list[dict], fleet: list[dict]) -> dict:
    """Airfields far (2800 km west of home), home and pod (2800 km east); 100 troops per contingent."""
    data = copy.deepcopy(BASE)
    data["planning"]["dispatch"] = rule
    data["airfields"] = [{"id": "far", "lat": 0.0, "lon": -_lon(2800.0), "mog": 1000},
                         {"id": "home", "lat": 0.0, "lon": 0.0, "mog": 1000},
                         {"id": "pod", "lat": 0.0, "lon": _lon(2800.0), "mog": 1000}]
    data["fleet"] = fleet
    data["contingents"] = [{"id": m["contingent"], "nation": "X", "troops": 100, "home": "home"} for m in movements]
    data["movements"] = movements
    return data


def _three_lines(rule: str) -> dict:
    """One tail at home from +2 h; three lines all pending by then, each ordered first by one rule:
    a (priority 2, released 0 h, deadline 60 h), b (priority 1, 1 h, 70 h), c (priority 3, 1.5 h, 50 h)."""
    def line(name: str, priority: int, ready: str, deadline: str) -> dict:
        return {"id": name, "contingent": name, "phase": "deploy", "from": "home", "to": "pod", "ready": ready,
                "deadline": deadline, "priority": priority}
    movements = [line("a", 2, "+0h", "+60h"), line("b", 1, "+1h", "+70h"), line("c", 3, "+90m", "+50h")]
    return _case(rule, movements, [{"id": "f", "type": "lifter", "count": 1, "base": "home", "available": "+2h"}])


# the tail loads at 2 h, lands at 8 h, unloads to 9 h, flies home by 13 h, loads to 15 h, lands at 19 h,
# and so on: the lines close at on-blocks 8, 19 and 30 h in the order the rule serves them
SERVED = {"soonest-delivery": "bac", "earliest-deadline-first": "cab", "first-come-first-served": "abc"}


@pytest.mark.parametrize("rule", RULES)
def test_each_rule_serves_the_lines_in_its_own_order(rule: str) -> None:
    run = simulate(build(_three_lines(rule)))
    closed = {k: run.lines[k].closed for k in "abc"}
    first, second, third = SERVED[rule]
    assert closed == pytest.approx({first: 2 + LOAD_H + LEG_H,
                                    second: 2 + LOAD_H + LEG_H + UNLOAD_H + LEG_H + LOAD_H + LEG_H,
                                    third: 2 + 2 * (LOAD_H + 2 * LEG_H + UNLOAD_H) + LOAD_H + LEG_H})


def _two_tails(rule: str) -> dict:
    """One line ready at +2 h; the first fleet's tail stands at far (2800 km from the origin), the
    second fleet's at the origin."""
    movements = [{"id": "a", "contingent": "a", "phase": "deploy", "from": "home", "to": "pod", "ready": "+2h",
                  "deadline": "+60h"}]
    fleet = [{"id": "f-far", "type": "lifter", "count": 1, "base": "far"},
             {"id": "f-home", "type": "lifter", "count": 1, "base": "home"}]
    return _case(rule, movements, fleet)


@pytest.mark.parametrize(("rule", "tail", "closed"), [
    ("soonest-delivery", "f-home#1", 2 + LOAD_H + LEG_H),  # on the spot: lands at 8 h
    ("first-come-first-served", "f-far#1", 2 + LEG_H + LOAD_H + LEG_H),  # first in fleet order: ferry first, 12 h
])
def test_first_come_first_served_takes_the_first_idle_tail_in_fleet_order(rule: str, tail: str,
                                                                           closed: float) -> None:
    run = simulate(build(_two_tails(rule)))
    loaded = [r for r in run.sorties if r.phase == "deploy"]
    assert [r.tail for r in loaded] == [tail]
    assert run.lines["a"].closed == pytest.approx(closed)


def test_the_default_rule_named_gives_the_same_run() -> None:
    plain = sim.run(REFERENCE)
    named = sim.run(REFERENCE, overrides={"planning.dispatch": "soonest-delivery"})
    assert plain.scenario.planning.dispatch == "soonest-delivery"
    assert named.run.sorties == plain.run.sorties
    assert named.run.lines == plain.run.lines


class FirstComeFirstServed:
    """The named first-come-first-served rule, written as a user's dispatcher: one assignment a call."""

    def assign(self, view: DispatchView) -> Mapping[str, str]:
        for load in sorted(view.pending, key=lambda p: (p.released_h, p.order, p.leg)):
            for tail in view.idle:  # in fleet order, then tail number
                if view.can_carry(tail, load):
                    return {tail.name: load.id}
        return {}


@pytest.mark.parametrize("path", [REFERENCE, ROOT / "scenarios" / "csto_kazakhstan_2022_uncertain.yaml"])
def test_a_dispatcher_of_ones_own_reproduces_the_named_rule(path: object) -> None:
    named = sim.run(path, overrides={"planning.dispatch": "first-come-first-served"})  # type: ignore[arg-type]
    own = sim.run(path, dispatcher=FirstComeFirstServed())  # type: ignore[arg-type]
    assert own.run.sorties == named.run.sorties
    assert own.run.lines == named.run.lines


def test_the_view_shows_what_a_dispatcher_needs() -> None:
    seen: list[DispatchView] = []

    class Recorder(FirstComeFirstServed):
        def assign(self, view: DispatchView) -> Mapping[str, str]:
            seen.append(view)
            return super().assign(view)

    simulate(build(_two_tails("soonest-delivery")), dispatcher=Recorder())
    first = seen[0]
    assert first.now_h == pytest.approx(2.0)
    assert [(p.id, p.origin, p.destination, p.troops, p.deadline_h) for p in first.pending] == [
        ("a", "home", "pod", 100, 60.0)]
    assert [(t.name, t.at, t.type) for t in first.idle] == [("f-far#1", "far", "lifter"),
                                                             ("f-home#1", "home", "lifter")]
    assert first.spots_free["home"] == 1000


class _Bad:
    def __init__(self, answer: dict[str, str]) -> None:
        self.answer = answer

    def assign(self, view: DispatchView) -> Mapping[str, str]:
        return self.answer


@pytest.mark.parametrize(("answer", "message"), [
    ({"nobody#1": "a"}, "'nobody#1', which is not an idle tail"),
    ({"f-home#1": "zz"}, "'zz', which is not a pending load"),
    ({"f-home#1": "a", "f-far#1": "a"}, "an earlier assignment may have taken what was left"),
])
def test_invalid_assignments_raise_a_clear_error(answer: dict[str, str], message: str) -> None:
    with pytest.raises(DispatchError, match=re.escape(message)):
        simulate(build(_two_tails("soonest-delivery")), dispatcher=_Bad(answer))


def test_a_tail_that_cannot_carry_the_load_is_refused() -> None:
    data = _two_tails("soonest-delivery")
    data["movements"][0]["fleets"] = ["f-home"]
    with pytest.raises(DispatchError, match=r"'f-far#1' .* cannot carry anything of now"):
        simulate(build(data), dispatcher=_Bad({"f-far#1": "a"}))


OTHER_RULES = [r for r in RULES if r != "soonest-delivery"]  # the default is what the invariant tests run


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(test_invariants.scenarios(), st.sampled_from(OTHER_RULES))
def test_engine_invariants_hold_under_each_rule(data: dict, rule: str) -> None:
    data["planning"]["dispatch"] = rule
    test_invariants.test_engine_invariants.hypothesis.inner_test(data)  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(test_journey_invariants.journeys(), st.sampled_from(OTHER_RULES))
def test_journey_invariants_hold_under_each_rule(data: dict, rule: str) -> None:
    data["planning"]["dispatch"] = rule
    test_journey_invariants.test_journey_invariants.hypothesis.inner_test(data)  # type: ignore[attr-defined]
