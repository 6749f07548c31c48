"""The independent checker must catch broken plans, or a passing plan proves nothing."""

from __future__ import annotations

from dataclasses import replace

from bench.vrp_check import check_instance
from bench.vrp_instances import Instance
from routing.solver import Leg, Problem, Result, Route, Status, Unserved, Visit
from routing.solver.check import check_plan
from tests.solver.tiny import HOUR, MINUTE, parcel, problem, stop, truck

CASE = problem(10, [truck("a")], [parcel("x", 2, 5), parcel("y", 3, 4)])


def visit(order: str, leg: Leg, node: int, at: int) -> Visit:
    return Visit(order, leg, node, at, at, at)


def good_plan() -> Result:
    visits = (
        visit("x", Leg.PICKUP, 2, 2 * MINUTE),
        visit("y", Leg.PICKUP, 3, 3 * MINUTE),
        visit("y", Leg.DELIVERY, 4, 4 * MINUTE),
        visit("x", Leg.DELIVERY, 5, 5 * MINUTE),
    )
    route = Route("a", 0, 10 * MINUTE, visits, (), 10_000)
    return Result(Status.FEASIBLE, (route,), (), 0, 0.0)


def with_visits(result: Result, visits: tuple[Visit, ...], case: Problem = CASE) -> list[str]:
    return check_plan(case, replace(result, routes=(replace(result.routes[0], visits=visits),)))


def test_a_valid_plan_passes() -> None:
    assert check_plan(CASE, good_plan()) == []


def test_delivery_before_pickup_is_caught() -> None:
    plan = good_plan()
    x_pick, y_pick, y_drop, x_drop = plan.routes[0].visits
    swapped = (
        replace(x_drop, node=5, arrival=2 * MINUTE),
        y_pick,
        y_drop,
        replace(x_pick, node=2),
    )
    assert any("before picking" in error for error in with_visits(plan, swapped))


def test_missing_order_without_reason_is_caught() -> None:
    plan = good_plan()
    only_y = plan.routes[0].visits[1:3]
    errors = with_visits(plan, only_y)
    assert any("'x'" in error for error in errors)
    reported = replace(plan, routes=(replace(plan.routes[0], visits=only_y),))
    assert any("distance" in error for error in check_plan(CASE, reported))
    assert not any(
        "'x'" in error
        for error in check_plan(CASE, replace(reported, unserved=(Unserved("x", "why"),)))
    )


def test_over_capacity_is_caught() -> None:
    heavy = problem(10, [truck("a")], [parcel("x", 2, 5, kg=600), parcel("y", 3, 4, kg=600)])
    assert any("load" in error for error in check_plan(heavy, good_plan()))


def test_window_and_eta_violations_are_caught() -> None:
    narrow = problem(
        10, [truck("a")], [parcel("x", 2, 5), replace(parcel("y", 3, 4), pickup=stop(3, HOUR))]
    )
    assert any("outside its windows" in error for error in check_plan(narrow, good_plan()))
    plan = good_plan()
    x_pick, *rest = plan.routes[0].visits
    early = (replace(x_pick, arrival=MINUTE, start=MINUTE, end=MINUTE), *rest)
    assert any("ETA" in error for error in with_visits(plan, early))


def test_benchmark_checker_catches_a_late_customer_and_a_split_pair() -> None:
    instance = Instance(
        name="tiny",
        kind="pdptw",
        x=(0.0, 3.0, 4.0),
        y=(0.0, 4.0, 0.0),
        demand=(0, 1, -1),
        ready=(0, 0, 0),
        due=(100, 100, 6),
        service=(0, 0, 0),
        pairs=((1, 2),),
        vehicles=2,
        capacity=1,
    )
    good = check_instance(instance, [[1, 2]], "exact")
    assert good.errors and "after its due time" in good.errors[0]  # 5 + √17 > 6
    split = check_instance(instance, [[1], [2]], "exact")
    assert any("split" in error for error in split.errors)
