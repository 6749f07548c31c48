"""Large problems are split into regions solved in worker processes; the merged plan must pass
the checker and account for every order, exactly like a single-model plan."""

from __future__ import annotations

from dataclasses import replace

from routing.solver import BreakRule, Leg, Options, Route, Status, Visit, solve
from routing.solver.check import check_plan
from routing.solver.decompose import PlanSoFar
from routing.solver.partition import Region, regions, restrict
from routing.solver.solve import decomposes
from tests.solver.tiny import HOUR, MINUTE, QUICK, parcel, problem, truck

# two towns 100 km apart on the line, with their own orders and vehicles
ORDERS = [parcel(f"w{k}", k % 5, 5 - k % 5) for k in range(12)] + [
    parcel(f"e{k}", 100 + k % 5, 105 - k % 5) for k in range(12)
]
VEHICLES = [truck(f"west{k}") for k in range(4)] + [truck(f"east{k}", home=103) for k in range(4)]
CASE = problem(106, VEHICLES, [*ORDERS, parcel("heavy", 1, 2, kg=9000)])


def test_regions_follow_geography_and_keep_their_vehicles() -> None:
    found = regions(CASE, list(range(len(ORDERS))), size=12, seed=3, vehicles_per_order=1.0)
    assert len(found) == 2
    for region in found:
        towns = {CASE.orders[j].id[0] for j in region.orders}
        homes = {CASE.vehicles[v].id[:4] for v in region.fleet}
        assert len(towns) == 1 and homes == {"west" if towns == {"w"} else "east"}


def test_a_part_renumbers_places_and_keeps_travel_times() -> None:
    region = regions(CASE, list(range(len(ORDERS))), size=12, seed=3, vehicles_per_order=1.0)[0]
    part = restrict(CASE, region)
    assert part.problem.durations.size == len(part.places) < CASE.durations.size
    for i, a in enumerate(part.places):
        for j, b in enumerate(part.places):
            assert part.problem.durations.at(i, j) == CASE.durations.at(a, b)


def test_decomposed_plan_passes_the_checker_and_reports_every_order() -> None:
    # past pyvrp_whole_up_to, PyVRP plans each region (its first plan, OR-Tools finishing)
    options = replace(QUICK, decompose_above=10, region_size=12, pyvrp_whole_up_to=10)
    result = solve(CASE, time_limit_s=6.0, seed=1, options=options)
    assert result.status is Status.FEASIBLE
    assert check_plan(CASE, result) == []
    assert result.kpis.served == len(ORDERS)
    assert [(u.order, "capacity" in u.reason) for u in result.unserved] == [("heavy", True)]


def test_decomposed_plan_by_or_tools_alone_passes_the_checker() -> None:
    options = replace(QUICK, decompose_above=10, region_size=12, warm_share=0)
    result = solve(CASE, time_limit_s=6.0, seed=1, options=options)
    assert check_plan(CASE, result) == []
    assert result.kpis.served == len(ORDERS) and result.kpis.vehicles == 2


def test_decomposed_plan_with_breaks_keeps_the_driving_rule() -> None:
    # with breaks no plan can seed a search: regions, then leftovers to idle vehicles
    rule = BreakRule(max_driving=4 * HOUR, min_break=15 * MINUTE)
    case = replace(CASE, break_rule=rule)
    options = replace(QUICK, decompose_above=10, region_size=12)
    result = solve(case, time_limit_s=6.0, seed=1, options=options)
    assert check_plan(case, result) == []
    assert result.kpis.served == len(ORDERS)


def test_a_later_round_leaves_orders_a_neighbour_took_over_to_that_neighbour() -> None:
    # region B's order "b" now rides with region A's vehicle: B must not plan it again
    visit = Visit("b", Leg.PICKUP, 3, 0, 0, 0), Visit("b", Leg.DELIVERY, 4, 0, 0, 0)
    plan = PlanSoFar({"west0": Route("west0", 0, 0, visit, (), 0)}, {})
    orders = (parcel("a", 1, 2), parcel("b", 3, 4), parcel("c", 3, 5))
    case = problem(6, [truck("west0"), truck("east0", home=5)], orders)
    region_b = Region(seed=3, orders=(1, 2), fleet=(1,))
    assert plan.current(case, region_b).orders == (2,)  # "c" only: unserved and its own
    region_a = Region(seed=1, orders=(0,), fleet=(0,))
    assert plan.current(case, region_a).orders == (0, 1)  # its own "a" and the "b" it serves


def test_with_breaks_problems_are_cut_into_regions_sooner() -> None:
    """Found on a synthetic day: one model of 300 orders and 450 drivers with breaks served
    nothing in 30 s; the same orders in regions were planned."""
    rule = BreakRule(max_driving=4 * HOUR, min_break=15 * MINUTE)
    options = Options(decompose_above=30, decompose_above_with_breaks=20)
    assert not decomposes(CASE, options)  # 25 orders, no breaks
    assert decomposes(replace(CASE, break_rule=rule), options)
    assert not decomposes(replace(CASE, break_rule=rule), replace(options, workers=1))


def test_a_region_gets_a_vehicle_for_an_order_its_nearest_vehicles_cannot_carry() -> None:
    # everything at the depot: the quota (two vehicles) took the first two vans listed
    vans = [truck(f"van{k}", capacity=(500, 10, 2)) for k in range(3)]
    fleet = [*vans, truck("big", capacity=(5000, 10, 2))]
    orders = [parcel(f"p{k}", 1 + k, 5 + k) for k in range(4)] + [parcel("heavy", 2, 6, kg=2000)]
    case = problem(10, fleet, orders)
    (region,) = regions(case, list(range(5)), size=5, seed=1, vehicles_per_order=0.4)
    assert [case.vehicles[v].id for v in region.fleet] == ["van0", "van1", "big"]
