"""PyVRP's first plan: which problems it may model, and that the plan it hands to OR-Tools keeps
pairs together and in order, leaves out what cannot fit, and comes out checked."""

from __future__ import annotations

import time

from routing.solver import (
    BreakRule,
    FixedPrefix,
    Leg,
    Options,
    Order,
    Stop,
    StopRef,
    TimeWindow,
    Vehicle,
    solve,
)
from routing.solver.single import has_breaks, solve_single
from routing.solver.warm import fits_pyvrp, warm_plan
from tests.solver.tiny import HOUR, parcel, problem, truck


def test_only_problems_pyvrp_can_model_are_given_to_it() -> None:
    plain = problem(6, [truck("a"), truck("b")], [parcel("p1", 1, 3), parcel("p2", 2, 5)])
    assert fits_pyvrp(plain, has_breaks(plain))
    skilled = problem(6, [truck("a", skills=frozenset({"cold"}))], [
        parcel("p1", 1, 3, skills=frozenset({"cold"}))
    ])  # fmt: skip
    assert not fits_pyvrp(skilled, has_breaks(skilled))
    committed = problem(
        6,
        [truck("a")],
        [parcel("p1", 1, 3)],
        fixed=[FixedPrefix("a", (StopRef("p1", Leg.PICKUP),))],
    )
    assert not fits_pyvrp(committed, has_breaks(committed))
    windows = (TimeWindow(0, HOUR), TimeWindow(2 * HOUR, 3 * HOUR))
    split = Order("w", delivery=Stop(2, windows), demand=(100, 1, 0))
    split_day = problem(6, [truck("a")], [split])
    assert not fits_pyvrp(split_day, has_breaks(split_day))  # PyVRP takes one window a stop
    long_day = problem(
        6, [truck("a")], [parcel("p1", 1, 3)], break_rule=BreakRule(4 * HOUR, 15 * 60)
    )
    assert not fits_pyvrp(long_day, has_breaks(long_day))  # a 24 h shift needs breaks


def test_warm_plan_keeps_pairs_in_order_and_leaves_out_what_cannot_fit() -> None:
    orders = [parcel(f"p{n}", n, 9 - n) for n in range(1, 5)]
    orders.append(parcel("heavy", 2, 3, kg=5000))  # more than any truck carries
    built = problem(10, [truck("a"), truck("b")], orders)
    plan = warm_plan(built, seconds=1.0, seed=1)
    assert plan is not None
    seen: dict[str, list[Leg]] = {}
    for stops in plan.values():
        on_route: dict[str, list[Leg]] = {}
        for ref in stops:
            on_route.setdefault(ref.order, []).append(ref.leg)
        for order, legs in on_route.items():
            assert legs == [Leg.PICKUP, Leg.DELIVERY], order  # same vehicle, pickup first
        seen.update(on_route)
    assert set(seen) == {"p1", "p2", "p3", "p4"}


def test_solve_through_pyvrp_serves_everything_and_reports_the_rest() -> None:
    orders = [parcel(f"p{n}", n, 9 - n) for n in range(1, 5)]
    orders.append(parcel("heavy", 2, 3, kg=5000))
    built = problem(10, [truck("a"), truck("b")], orders)
    warm = solve(built, time_limit_s=2, seed=1)
    cold = solve(built, time_limit_s=2, seed=1, options=Options(warm_share=0))
    for result in (warm, cold):
        served = {visit.order for route in result.routes for visit in route.visits}
        assert served == {"p1", "p2", "p3", "p4"}
        assert [u.order for u in result.unserved] == ["heavy"]
    # on a line the best plan is one truck out to place 8 and back: 16 km
    assert sum(route.distance for route in warm.routes) == 16_000


def test_check_only_keeps_a_valid_plan_and_searches_when_it_breaks_a_rule() -> None:
    orders = [parcel("p1", 1, 2), parcel("p2", 3, 4)]
    built = problem(6, [truck("a"), truck("b")], orders)
    # valid but wasteful: two trucks where one would do
    wasteful = {
        "a": [StopRef("p1", Leg.PICKUP), StopRef("p1", Leg.DELIVERY)],
        "b": [StopRef("p2", Leg.PICKUP), StopRef("p2", Leg.DELIVERY)],
    }
    kept = solve_single(
        built, deadline=time.monotonic() + 2, seed=1, options=Options(),
        warm_start=wasteful, check_only=True,
    )  # fmt: skip
    assert {route.vehicle: [v.order for v in route.visits] for route in kept.routes} == {
        "a": ["p1", "p1"],
        "b": ["p2", "p2"],
    }
    # a delivery before its pickup cannot be read into the model: the search takes over
    broken = {"a": [StopRef("p1", Leg.DELIVERY), StopRef("p1", Leg.PICKUP)]}
    searched = solve_single(
        built, deadline=time.monotonic() + 2, seed=1, options=Options(),
        warm_start=broken, check_only=True,
    )  # fmt: skip
    served = {visit.order for route in searched.routes for visit in route.visits}
    assert served == {"p1", "p2"} and not searched.unserved


def test_a_fleet_that_can_serve_nothing_answers_with_every_order_unserved() -> None:
    """Found through planning: with fixed costs the distance phase was given no vehicle."""
    short = Vehicle("a", 0, 0, TimeWindow(0, 30 * 60), (1000, 10, 2), fixed_cost=100)
    result = solve(problem(50, [short], [parcel("far", 20, 40)]), time_limit_s=2, seed=1)
    assert all(not route.visits for route in result.routes)
    assert [u.order for u in result.unserved] == ["far"]
