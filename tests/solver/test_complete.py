"""Completing a plan: orders left unserved (a region not finished in time) packed onto idle
vehicles, checked like any plan."""

from __future__ import annotations

from routing.solver import Leg, Result, Status, StopRef, Unserved
from routing.solver.check import check_plan
from routing.solver.complete import completed
from routing.solver.schedule import timed_routes
from tests.solver.tiny import parcel, problem, truck


def along(*orders: str) -> list[StopRef]:
    return [StopRef(o, leg) for o in orders for leg in (Leg.PICKUP, Leg.DELIVERY)]


def test_unserved_orders_go_to_idle_vehicles_and_the_plan_passes_the_checker() -> None:
    built = problem(9, [truck("a"), truck("b")], [parcel(f"p{n}", n, n + 1) for n in (1, 3, 5)])
    routes = timed_routes(built, {"a": along("p1", "p3")})
    assert routes is not None
    late = Result(Status.FEASIBLE, routes, (Unserved("p5", "its region was not planned"),), 0, 0.0)
    assert check_plan(built, late) == []
    done = completed(built, late, {})
    assert done is not None and check_plan(built, done) == []
    assert done.kpis.served == 3 and done.unserved == ()
    assert [route.vehicle for route in done.routes] == ["a", "b"]  # a keeps its route


def test_nothing_to_add_without_unserved_orders_or_idle_vehicles() -> None:
    built = problem(9, [truck("a")], [parcel("p1", 1, 2), parcel("p2", 3, 4)])
    routes = timed_routes(built, {"a": along("p1")})
    assert routes is not None
    partial = Result(Status.FEASIBLE, routes, (Unserved("p2", "no vehicle"),), 0, 0.0)
    assert completed(built, partial, {}) is None  # no idle vehicle
    assert completed(built, partial, {1: "screened: impossible"}) is None  # nothing servable left
