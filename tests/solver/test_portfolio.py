"""The portfolio: plain OR-Tools beside the planner, its plans published as it finds them, and
the best checked plan (served, then vehicles, then distance) answered on time."""

from __future__ import annotations

import multiprocessing
import time
from dataclasses import replace

from routing.solver import Leg, Problem, Result, Route, Status, StopRef, Unserved, Visit, solve
from routing.solver.check import check_plan
from routing.solver.portfolio import Board, Rival, best_checked, sintef
from routing.solver.warm import _adopter, _data, _only_used, _solution
from tests.solver.tiny import QUICK, parcel, problem, truck


def fake(vehicles: int, distance: int, served: int = 12) -> Result:
    """``served`` orders dealt out over ``vehicles`` routes of ``distance`` each."""
    routes = tuple(
        Route(f"v{n}", 0, 0, tuple(
            Visit(f"o{k}", Leg.DELIVERY, 1, 0, 0, 0) for k in range(n, served, vehicles)
        ), (), distance)
        for n in range(vehicles)
    )  # fmt: skip
    missing = tuple(Unserved(f"o{k}", "no vehicle") for k in range(served, 12))
    return Result(Status.FEASIBLE, routes, missing, 0, 0.0)


def day() -> Problem:
    orders = [parcel(f"p{n}", n, 9 - n) for n in range(1, 8)]
    return problem(10, [truck("a"), truck("b"), truck("c")], orders)


def test_more_served_then_fewer_vehicles_then_less_distance_comes_first() -> None:
    ranked = sorted([fake(4, 10), fake(3, 1000), fake(3, 9), fake(2, 1, served=11)], key=sintef)
    assert [(r.kpis.served, r.kpis.vehicles, r.kpis.distance) for r in ranked] == [
        (12, 3, 27), (12, 3, 3000), (12, 4, 40), (11, 2, 2)
    ]  # fmt: skip


def test_a_plan_the_checker_refuses_never_wins() -> None:
    built = day()
    good = solve(built, time_limit_s=2, seed=1, options=QUICK)
    assert check_plan(built, good) == []
    shorter = tuple(replace(route, distance=route.distance - 1000) for route in good.routes)
    forged = replace(good, routes=shorter)  # less distance claimed than driven
    assert best_checked(built, [forged, good]) is good
    assert best_checked(built, [forged]) is forged  # nothing valid: the first as it is
    assert best_checked(built, [None]) is None


def test_the_board_keeps_the_last_whole_plan() -> None:
    built = day()
    board = Board(built, multiprocessing.get_context("spawn"))
    assert board.read(built) is None
    board.write([(0, 2), (0, 3), (1, 0), (1, 1)])  # (vehicle, order × 2 + leg)
    first = board.read(built)
    assert first == {
        "a": [StopRef("p2", Leg.PICKUP), StopRef("p2", Leg.DELIVERY)],
        "b": [StopRef("p1", Leg.PICKUP), StopRef("p1", Leg.DELIVERY)],
    }
    board.write([(2, 4), (2, 5)])
    assert board.read(built) == {"c": [StopRef("p3", Leg.PICKUP), StopRef("p3", Leg.DELIVERY)]}


def test_a_rival_still_searching_at_the_deadline_gives_its_last_published_plan() -> None:
    built = day()
    began = time.monotonic()
    # guided local search on a tiny model never stops by itself: only the deadline ends it
    endless = replace(QUICK, stop_when_no_improvement_s=None)
    rival = Rival(built, {}, deadline=began + 60, seed=1, options=endless)
    try:
        result = rival.harvest(built, {}, deadline=began + 2.5)
    finally:
        rival.stop()
    assert time.monotonic() - began < 2.5 + 2
    assert not rival.process.is_alive()
    assert result is not None and check_plan(built, result) == []
    assert result.kpis.served == 7


def test_a_solve_with_its_rival_is_complete_checked_and_on_time() -> None:
    built = day()
    began = time.monotonic()
    options = replace(QUICK, rival_from_s=1)
    result = solve(built, time_limit_s=4, seed=1, options=options)
    assert time.monotonic() - began < 4 + 2
    assert check_plan(built, result) == []
    assert result.kpis.served == 7 and result.kpis.vehicles == 1


def test_pyvrps_fleet_reduction_takes_over_a_plan_with_fewer_routes() -> None:
    built = day()
    data, types, stop_of = _data(built, (), required={o.id for o in built.orders})
    everyone = list(range(data.num_vehicle_types))

    def along(*orders: str) -> list[StopRef]:
        return [StopRef(o, leg) for o in orders for leg in (Leg.PICKUP, Leg.DELIVERY)]

    spread = {"a": along("p1", "p2", "p3"), "b": along("p4", "p5"), "c": along("p6", "p7")}
    fleet = _only_used(data, everyone, _solution(data, spread, types, stop_of))
    one = {"a": along(*(f"p{n}" for n in range(1, 8)))}
    required = {o.id for o in built.orders}
    taken = _adopter((data, types, stop_of, required), lambda: one)(fleet)
    assert taken is not None and taken[2].num_routes() == 1 and taken[2].is_feasible()
    short = {"a": along(*(f"p{n}" for n in range(1, 7)))}  # p7 missing
    assert _adopter((data, types, stop_of, required), lambda: short)(fleet) is None
    assert _adopter((data, types, stop_of, required), lambda: spread)(fleet) is None  # not fewer
    assert _adopter((data, types, stop_of, required), lambda: None)(fleet) is None
