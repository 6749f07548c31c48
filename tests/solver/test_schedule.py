"""Plans timed without an OR-Tools model: times worked out by hand on the road of tiny.py, every
broken constraint refused, and a large-problem solve (made large by the option) that the
independent checker accepts."""

from __future__ import annotations

from dataclasses import replace

from routing.solver import Leg, Order, StopRef, solve
from routing.solver.check import check_plan
from routing.solver.schedule import timed_routes
from tests.solver.tiny import HOUR, MINUTE, QUICK, parcel, problem, stop, truck


def refs(*steps: tuple[str, Leg]) -> list[StopRef]:
    return [StopRef(order, leg) for order, leg in steps]


P, D = Leg.PICKUP, Leg.DELIVERY


def test_a_route_leaves_for_its_first_window_and_serves_each_stop_as_early_as_it_can() -> None:
    window = stop(2, HOUR, 2 * HOUR, service=5 * MINUTE)
    late = Order("late", pickup=window, delivery=stop(5), demand=(100, 1, 0))
    built = problem(8, [truck("a")], [late, parcel("b", 3, 4)])
    routes = timed_routes(built, {"a": refs(("late", P), ("b", P), ("b", D), ("late", D))})
    assert routes is not None
    (route,) = routes
    assert route.start == HOUR - 2 * MINUTE  # leaves two minutes' drive before the window
    assert [(v.arrival, v.start, v.end) for v in route.visits] == [
        (HOUR, HOUR, HOUR + 5 * MINUTE),
        (HOUR + 6 * MINUTE, HOUR + 6 * MINUTE, HOUR + 6 * MINUTE),
        (HOUR + 7 * MINUTE, HOUR + 7 * MINUTE, HOUR + 7 * MINUTE),
        (HOUR + 8 * MINUTE, HOUR + 8 * MINUTE, HOUR + 8 * MINUTE),
    ]
    assert route.end == HOUR + 13 * MINUTE and route.distance == 10_000


def test_broken_plans_are_refused() -> None:
    built = problem(8, [truck("a", capacity=(150, 10, 2), shift=(0, 10 * MINUTE))], [
        parcel("x", 1, 2), parcel("y", 3, 4), parcel("far", 1, 7)
    ])  # fmt: skip
    assert timed_routes(built, {"a": refs(("x", D), ("x", P))}) is None  # delivery first
    assert timed_routes(built, {"a": refs(("x", P))}) is None  # half a pair
    both = refs(("x", P), ("y", P), ("x", D), ("y", D))
    assert timed_routes(built, {"a": both}) is None  # 200 kg on board, 150 allowed
    assert timed_routes(built, {"a": refs(("far", P), ("far", D))}) is None  # back after 10 min
    assert timed_routes(built, {"a": refs(("x", P), ("x", D))}) is not None


def test_a_large_problem_is_answered_with_pyvrps_timed_plan() -> None:
    orders = [parcel(f"p{n}", n, 9 - n) for n in range(1, 8)]
    built = problem(10, [truck("a"), truck("b")], orders)
    result = solve(built, time_limit_s=1, seed=1, options=replace(QUICK, decompose_above=3))
    assert check_plan(built, result) == []
    assert result.kpis.served == 7 and result.objective == result.kpis.distance
