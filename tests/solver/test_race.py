"""The race between PyVRP's plan and plain OR-Tools: the plan a cooperative would pay less for
wins, and a raced solve comes back complete, checked and on time."""

from __future__ import annotations

import time
from dataclasses import replace

from routing.solver import Leg, Result, Route, Status, Unserved, Visit, solve
from routing.solver.check import check_plan
from routing.solver.race import better
from tests.solver.tiny import QUICK, parcel, problem, truck


def plan(vehicles: int, distance: int, served: int = 12) -> Result:
    """``served`` orders dealt out over ``vehicles`` routes of ``distance`` each."""
    routes = tuple(
        Route(f"v{n}", 0, 0, tuple(
            Visit(f"o{k}", Leg.DELIVERY, 1, 0, 0, 0) for k in range(n, served, vehicles)
        ), (), distance)
        for n in range(vehicles)
    )  # fmt: skip
    missing = tuple(Unserved(f"o{k}", "no vehicle") for k in range(served, 12))
    return Result(Status.FEASIBLE, routes, missing, 0, 0.0)


def test_more_served_then_fewer_vehicles_then_less_distance_wins() -> None:
    four_short, three_long = plan(4, 10), plan(3, 1000)
    assert better(four_short, three_long) is three_long
    assert better(three_long, four_short) is three_long
    assert better(plan(3, 9), plan(3, 10)).kpis.distance == 27  # type: ignore[union-attr]
    assert better(plan(2, 1, served=11), plan(4, 1)).kpis.vehicles == 4  # type: ignore[union-attr]
    nothing = Result(Status.NO_SOLUTION, (), (), 0, 0.0)
    assert better(nothing, three_long) is three_long and better(None, None) is None


def test_a_raced_solve_is_complete_checked_and_on_time() -> None:
    orders = [parcel(f"p{n}", n, 9 - n) for n in range(1, 8)]
    built = problem(10, [truck("a"), truck("b")], orders)
    began = time.monotonic()
    result = solve(built, time_limit_s=4, seed=1, options=replace(QUICK, decompose_above=3))
    assert time.monotonic() - began < 4 + 2
    assert check_plan(built, result) == []
    assert result.kpis.served == 7 and result.kpis.vehicles == 1
