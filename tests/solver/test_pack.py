"""The packed first plan: one vehicle filled before the next opens, every window, shift and
capacity kept, so PyVRP starts from a small fleet instead of a random plan over all of it."""

from __future__ import annotations

from routing.solver import Leg, Order, StopRef
from routing.solver.pack import packed_plan
from routing.solver.schedule import timed_routes
from routing.solver.warm import _data, _solution
from tests.solver.tiny import HOUR, MINUTE, parcel, problem, stop, truck


def test_one_truck_takes_every_order_it_can_finish_in_turn() -> None:
    orders = [parcel(f"p{n}", n, n + 1) for n in (6, 2, 4)]  # any time today, along the road
    day = problem(9, [truck(f"t{n}") for n in range(3)], orders)
    plan = packed_plan(day)
    assert list(plan) == ["t0"]  # the other trucks stay home
    assert plan["t0"] == [
        StopRef(name, leg) for name in ("p2", "p4", "p6") for leg in (Leg.PICKUP, Leg.DELIVERY)
    ]  # nearest finish first, each delivered before the next pickup
    assert timed_routes(day, plan) is not None


def test_windows_shift_capacity_and_left_out_orders_are_kept() -> None:
    late = Order(
        "late", pickup=stop(1, 5 * HOUR, 6 * HOUR), delivery=stop(2, 0, 6 * HOUR + 10 * MINUTE)
    )
    early = Order("early", pickup=stop(3, 0, HOUR), delivery=stop(4, 0, HOUR))
    heavy = parcel("heavy", 1, 2, kg=900)
    too_heavy = parcel("too_heavy", 1, 2, kg=5000)  # no truck carries it
    screened = parcel("screened", 1, 2)
    short = truck("short", shift=(0, 2 * HOUR), capacity=(500, 10, 2))
    long = truck("long", shift=(0, 8 * HOUR))
    day = problem(6, [short, long], [late, early, heavy, too_heavy, screened])
    plan = packed_plan(day, leave_out={4})
    served = {ref.order for stops in plan.values() for ref in stops}
    assert served == {"late", "early", "heavy"}
    assert {ref.order for ref in plan["short"]} == {"early"}  # late ends after its shift
    assert timed_routes(day, plan) is not None  # windows and shifts hold


def test_the_packed_plan_is_pyvrps_feasible_start() -> None:
    orders = [parcel(f"p{n}", n, 8 - n) for n in range(1, 5)]
    day = problem(9, [truck("a"), truck("b")], orders)
    data, vehicles_of_type, stop_of = _data(day, ())
    start = _solution(data, packed_plan(day), vehicles_of_type, stop_of)
    assert start.is_feasible() and start.num_routes() == 1


def test_loads_from_one_place_ride_together_when_the_truck_has_room() -> None:
    orders = [parcel("far", 1, 6), parcel("near", 1, 5)]
    day = problem(8, [truck("a"), truck("b")], orders)
    assert packed_plan(day) == {
        "a": [
            StopRef("near", Leg.PICKUP),
            StopRef("far", Leg.PICKUP),
            StopRef("near", Leg.DELIVERY),
            StopRef("far", Leg.DELIVERY),
        ]
    }  # both picked up at place 1, then dropped on the way out
    heavy = problem(8, [truck("a")], [parcel("far", 1, 6, kg=600), parcel("near", 1, 5, kg=600)])
    assert [ref.leg for ref in packed_plan(heavy)["a"]] == [Leg.PICKUP, Leg.DELIVERY] * 2
