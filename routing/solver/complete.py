"""Completing a plan: the orders it leaves unserved packed onto the vehicles it leaves idle.

Decomposed plans answer at the deadline with whatever their regions finished: on a generated
3,000-task day, 120 s, at load average 14-17, regions still running at the deadline left
orders unserved while more than 100 vehicles stayed home. The packed construction
(``pack.packed_plan``) serves such leftovers in a fraction of a second, one idle vehicle
filled after the other; its routes are timed (``schedule``) and any that does not time is left
out, so the completed plan is a candidate like any other, judged by the independent checker.
"""

from __future__ import annotations

from dataclasses import replace

from routing.solver.model import Problem
from routing.solver.pack import packed_plan
from routing.solver.result import Result, Status
from routing.solver.schedule import timed_routes


def completed(problem: Problem, result: Result, screened: dict[int, str]) -> Result | None:
    """``result`` with its unserved orders (those not screened out as impossible) packed onto
    its idle vehicles; ``None`` when there is nothing to add."""
    if result.status is not Status.FEASIBLE:
        return None
    served = {visit.order for route in result.routes for visit in route.visits}
    missing = {
        j for j, order in enumerate(problem.orders) if order.id not in served and j not in screened
    }
    used = {route.vehicle for route in result.routes}
    idle = tuple(vehicle for vehicle in problem.vehicles if vehicle.id not in used)
    if not missing or not idle:
        return None
    spare = replace(problem, vehicles=idle, fixed=())  # pinned vehicles all have routes
    others = [j for j in range(len(problem.orders)) if j not in missing]
    routes = timed_routes(spare, packed_plan(spare, others), drop_failing=True) or ()
    if not routes:
        return None
    added = {visit.order for route in routes for visit in route.visits}
    return replace(
        result,
        routes=result.routes + routes,
        unserved=tuple(item for item in result.unserved if item.order not in added),
        objective=result.objective + sum(route.distance for route in routes),
    )
