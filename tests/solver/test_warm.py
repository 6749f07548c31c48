"""PyVRP's first plan: which problems it may model, and that the plan it hands to OR-Tools keeps
pairs together and in order, leaves out what cannot fit, and comes out checked."""

from __future__ import annotations

import time
from dataclasses import replace

from pyvrp import Activity, ActivityType, ProblemData, Route, Solution

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
from routing.solver.single import solve_single
from routing.solver.warm import _data, _fewer_routes, fits_pyvrp, warm_plan
from tests.solver.tiny import DAY, HOUR, MINUTE, QUICK, parcel, problem, stop, truck


def test_only_problems_pyvrp_can_model_are_given_to_it() -> None:
    plain = problem(6, [truck("a"), truck("b")], [parcel("p1", 1, 3), parcel("p2", 2, 5)])
    assert fits_pyvrp(plain)
    skilled = problem(6, [truck("a", skills=frozenset({"cold"}))], [
        parcel("p1", 1, 3, skills=frozenset({"cold"}))
    ])  # fmt: skip
    assert not fits_pyvrp(skilled)
    committed = problem(
        6,
        [truck("a")],
        [parcel("p1", 1, 3)],
        fixed=[FixedPrefix("a", (StopRef("p1", Leg.PICKUP),))],
    )
    assert not fits_pyvrp(committed)
    windows = (TimeWindow(0, HOUR), TimeWindow(2 * HOUR, 3 * HOUR))
    split = Order("w", delivery=Stop(2, windows), demand=(100, 1, 0))
    split_day = problem(6, [truck("a")], [split])
    assert not fits_pyvrp(split_day)  # PyVRP takes one window a stop
    long_day = problem(
        6, [truck("a")], [parcel("p1", 1, 3)], break_rule=BreakRule(4 * HOUR, 15 * 60)
    )
    assert fits_pyvrp(long_day)  # its breaks are inserted when the plan is timed (schedule)


def test_warm_plan_keeps_pairs_in_order_and_leaves_out_what_cannot_fit() -> None:
    orders = [parcel(f"p{n}", n, 9 - n) for n in range(1, 5)]
    orders.append(parcel("heavy", 2, 3, kg=5000))  # more than any truck carries
    built = problem(10, [truck("a"), truck("b")], orders)
    plan = warm_plan(built, seconds=1.0, seed=1, quiet_s=QUICK.stop_when_no_improvement_s)
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
    warm = solve(built, time_limit_s=2, seed=1, options=QUICK)
    cold = solve(built, time_limit_s=2, seed=1, options=replace(QUICK, warm_share=0))
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
        built, deadline=time.monotonic() + 2, seed=1, options=QUICK,
        warm_start=broken, check_only=True,
    )  # fmt: skip
    served = {visit.order for route in searched.routes for visit in route.visits}
    assert served == {"p1", "p2"} and not searched.unserved


def test_a_fleet_that_can_serve_nothing_answers_with_every_order_unserved() -> None:
    """Found through planning: with fixed costs the distance phase was given no vehicle."""
    short = Vehicle("a", 0, 0, TimeWindow(0, 30 * 60), (1000, 10, 2), fixed_cost=100)
    result = solve(
        problem(50, [short], [parcel("far", 20, 40)]), time_limit_s=2, seed=1, options=QUICK
    )
    assert all(not route.visits for route in result.routes)
    assert [u.order for u in result.unserved] == ["far"]


def one_route_each(orders: list[Order], trucks: int) -> tuple[ProblemData, Solution]:
    """PyVRP's data for ``orders`` (all required) on ``trucks`` alike at place 0, and the most
    wasteful plan: every order on a truck of its own."""
    fleet = [Vehicle(f"t{n}", 0, 0, TimeWindow(0, DAY), (1000, 10, 2), fixed_cost=50_000)
             for n in range(trucks)]  # fmt: skip
    data, _, _ = _data(problem(8, fleet, orders), (), required={order.id for order in orders})
    steps = (ActivityType.PICKUP, ActivityType.DELIVERY)
    routes = [Route(data, [Activity(step, n) for step in steps], 0) for n in range(len(orders))]
    return data, Solution(data, routes)


def test_fewer_routes_merges_a_wasteful_plan_into_one_route() -> None:
    """Four parcels along one road, each on its own truck: one truck can carry them all."""
    data, one_each = one_route_each([parcel(f"p{n}", n, n + 1) for n in range(1, 5)], trucks=4)
    reduced, kinds, best = _fewer_routes(data, one_each, 1, time.monotonic() + 3, attempt_s=3)
    assert best.is_feasible() and best.num_routes() == 1 and reduced.num_vehicles == 1
    assert kinds == [0] and best.routes()[0].num_shipments() == 4


def test_fewer_routes_stops_at_the_fleet_the_capacity_needs() -> None:
    """Three 600 kg parcels to be picked up within the same minute: no truck takes two."""
    orders = [
        Order(f"p{n}", pickup=stop(1, 0, 2 * MINUTE), delivery=stop(6), demand=(600, 1, 0))
        for n in range(3)
    ]
    data, one_each = one_route_each(orders, trucks=5)
    # the last attempt (two routes) fails by spending its whole slice: a short one
    reduced, _, best = _fewer_routes(data, one_each, 1, time.monotonic() + 1, attempt_s=0.3)
    assert best.is_feasible() and best.num_routes() == 3 and reduced.num_vehicles == 3


def test_warm_plan_with_fixed_costs_uses_one_vehicle_and_maps_it_back() -> None:
    """Trucks at both ends of the road: one route serving both ends beats two once a vehicle
    costs more than the detour; the types left unused disappear and the plan still names a
    real truck."""
    orders = [parcel("a1", 1, 2), parcel("a2", 2, 1), parcel("b1", 8, 7), parcel("b2", 7, 8)]
    trucks = [
        Vehicle(name, home, home, TimeWindow(0, DAY), (1000, 10, 2), fixed_cost=100_000)
        for name, home in (("west1", 0), ("west2", 0), ("east1", 9), ("east2", 9))
    ]
    plan = warm_plan(
        problem(10, trucks, orders), seconds=2.0, seed=1, quiet_s=QUICK.stop_when_no_improvement_s
    )
    assert plan is not None and len(plan) == 1
    ((vehicle, stops),) = plan.items()
    assert vehicle in {"west1", "west2", "east1", "east2"}
    assert sorted({ref.order for ref in stops}) == ["a1", "a2", "b1", "b2"]
    for order in ("a1", "a2", "b1", "b2"):
        legs = [ref.leg for ref in stops if ref.order == order]
        assert legs == [Leg.PICKUP, Leg.DELIVERY]


def test_a_fixed_cost_far_above_the_load_units_does_not_leave_pyvrp_overloaded() -> None:
    # four 600 kg parcels that must all ride at once (pick up within 2 minutes, deliver within
    # 10): one per 1,000 kg truck. With PyVRP's default penalty cap (100,000 a unit) one
    # overloaded truck cost less than opening three more at 10^9: no feasible plan came back
    hurried = [
        Order(
            f"p{n}",
            pickup=stop(1, 0, 2 * MINUTE),
            delivery=stop(5, 0, 10 * MINUTE),
            demand=(600, 1, 0),
        )
        for n in range(4)
    ]
    fleet = [
        Vehicle(name, 0, 0, TimeWindow(0, DAY), (1000, 10, 2), fixed_cost=10**9) for name in "abcd"
    ]
    plan = warm_plan(
        problem(6, fleet, hurried), seconds=1.0, seed=1, quiet_s=QUICK.stop_when_no_improvement_s
    )
    assert plan is not None
    assert sorted(len(stops) for stops in plan.values()) == [2, 2, 2, 2]
