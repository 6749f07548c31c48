"""The lower bound on vehicles: worked out by hand on a road of places one minute apart, and
never above the fleet of a plan the solver finds, and reported in the plan's JSON."""

from __future__ import annotations

from datetime import UTC, datetime

from routing.planning import to_plan_json
from routing.solver import BreakRule, Order, solve
from routing.solver.bounds import fleet_lower_bound
from routing.solver.check import check_plan
from tests.solver.tiny import HOUR, MINUTE, QUICK, parcel, problem, stop, truck


def delivery(name: str, node: int, start: int, end: int, service: int = 0) -> Order:
    return Order(name, delivery=stop(node, start, end, service), demand=(100, 1, 0))


def test_work_longer_than_one_shift_needs_two_vehicles() -> None:
    # three 3-hour services (plus a minute's drive from each) do not fit one 8-hour shift
    fleet = [truck(name, shift=(0, 8 * HOUR)) for name in "abc"]
    orders = [delivery(f"d{n}", n, 0, 16 * HOUR, service=3 * HOUR) for n in (1, 2, 3)]
    assert fleet_lower_bound(problem(5, fleet, orders)) == 2


def test_orders_too_far_apart_at_the_same_time_need_a_vehicle_each() -> None:
    # places 1, 15 and 29 are 14 minutes apart; each must be served in the first 10 minutes
    fleet = [truck(name) for name in "abcd"]
    orders = [delivery(f"d{n}", n, 0, 10 * MINUTE) for n in (1, 15, 29)]
    orders.append(delivery("late", 2, 5 * HOUR, 6 * HOUR))  # fits after any of them
    built = problem(30, fleet, orders)
    assert fleet_lower_bound(built) == 3
    assert fleet_lower_bound(built, leave_out={0}) == 2  # only what can be served counts


def test_the_bound_never_exceeds_the_fleet_of_a_plan_found() -> None:
    fleet = [truck(name, home=10, shift=(0, 2 * HOUR)) for name in "abcdef"]
    orders = [parcel(f"p{n}", n, 20 - n) for n in range(1, 8)]
    orders += [delivery(f"d{n}", n, 0, 8 * MINUTE) for n in (3, 17)]  # 14 minutes apart
    built = problem(21, fleet, orders)
    result = solve(built, time_limit_s=1, seed=1, options=QUICK)
    assert result.kpis.unserved == 0
    assert fleet_lower_bound(built) == 2 <= result.kpis.vehicles


def test_the_plan_json_reports_the_bound_and_the_pauses_inserted_for_the_4_hour_rule() -> None:
    rule = BreakRule(max_driving=4 * HOUR, min_break=15 * MINUTE)
    haul = Order("101", pickup=stop(150), delivery=stop(300), demand=(100, 1, 0))  # 5 h of road
    built = problem(301, [truck("7"), truck("8")], [haul, parcel("102", 1, 2)], break_rule=rule)
    result = solve(built, time_limit_s=2, seed=1, options=QUICK)
    assert check_plan(built, result) == []
    body = to_plan_json(result, datetime(2026, 12, 5, tzinfo=UTC), {7: 70, 8: 80})
    assert body["kpis"]["vehicles_lower_bound"] == result.fleet_bound >= 1
    assert any(route["breaks"] for route in body["routes"])  # the long haul pauses
