"""Plans timed without an OR-Tools model: times worked out by hand on the road of tiny.py, every
broken constraint refused, drivers' pauses inserted where the 4-hour rule needs them, and
solves through this path that the independent checker accepts."""

from __future__ import annotations

from dataclasses import replace

from routing.solver import (
    BreakRule,
    Leg,
    Order,
    Result,
    Status,
    StopRef,
    TimeWindow,
    Vehicle,
    solve,
)
from routing.solver.check import check_plan
from routing.solver.schedule import timed_routes
from routing.solver.single import has_breaks
from routing.solver.warm import fits_pyvrp
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


RULE = BreakRule(max_driving=4 * HOUR, min_break=15 * MINUTE)


def test_a_drive_past_four_hours_pauses_once_the_rule_is_reached() -> None:
    # 0 → 150 → 300 km at a minute per km: 2 h 30 then 2 h 30 with no pause in between
    haul = Order("haul", pickup=stop(150), delivery=stop(300), demand=(100, 1, 0))
    built = problem(301, [truck("a")], [haul], break_rule=RULE)
    routes = timed_routes(built, {"a": refs(("haul", P), ("haul", D))})
    assert routes is not None
    (route,) = routes
    # 4 h of driving, then the 5 h back home pauses 3 h into it (4 h since the last pause)
    assert [(b.start, b.end) for b in route.breaks] == [
        (4 * HOUR, 4 * HOUR + 15 * MINUTE), (8 * HOUR + 15 * MINUTE, 8 * HOUR + 30 * MINUTE)
    ]  # fmt: skip
    assert route.visits[1].arrival == 5 * HOUR + 15 * MINUTE  # the pause delays the delivery
    assert route.end == 10 * HOUR + 30 * MINUTE
    result = Result(Status.FEASIBLE, routes, (), route.distance, 0.0)
    assert check_plan(built, result) == []


def test_a_long_service_counts_as_the_pause() -> None:
    loading = Order(
        "slow", pickup=stop(150, service=20 * MINUTE), delivery=stop(300), demand=(100, 1, 0)
    )
    one_way = Vehicle("a", 0, 300, TimeWindow(0, 8 * HOUR), (1000, 10, 2))  # ends at 300
    built = problem(301, [one_way], [loading], break_rule=RULE)
    routes = timed_routes(built, {"a": refs(("slow", P), ("slow", D))})
    assert routes is not None and routes[0].breaks == ()  # 2 h 30 of driving each side
    assert routes[0].end == 5 * HOUR + 20 * MINUTE


def test_a_stop_the_pause_makes_late_refuses_the_route_or_drops_it() -> None:
    tight = Order(
        "tight", pickup=stop(150), delivery=stop(300, 0, 5 * HOUR + 5 * MINUTE), demand=(1, 0, 0)
    )
    near = parcel("near", 1, 2)
    built = problem(301, [truck("a"), truck("b")], [tight, near], break_rule=RULE)
    plan = {"a": refs(("tight", P), ("tight", D)), "b": refs(("near", P), ("near", D))}
    assert timed_routes(built, plan) is None  # 5 h 15 with the pause, due by 5 h 05
    kept = timed_routes(built, plan, drop_failing=True)
    assert kept is not None and [route.vehicle for route in kept] == ["b"]


def test_a_day_with_breaks_is_planned_by_pyvrp_and_passes_the_checker() -> None:
    orders = [parcel(f"p{n}", 10 * n, 300 - 10 * n) for n in range(1, 8)]
    built = problem(301, [truck("a"), truck("b"), truck("c")], orders, break_rule=RULE)
    assert fits_pyvrp(built) and has_breaks(built)
    result = solve(built, time_limit_s=2, seed=1, options=QUICK)
    assert check_plan(built, result) == []
    assert result.kpis.served == 7 and any(route.breaks for route in result.routes)
