"""The entry point: PyVRP's plan finished by OR-Tools where PyVRP can model the problem; else one
OR-Tools model for small problems, decomposition for large ones."""

from __future__ import annotations

import time
from dataclasses import replace

from routing.solver.bounds import fleet_lower_bound
from routing.solver.decompose import solve_decomposed
from routing.solver.model import Problem
from routing.solver.options import Options
from routing.solver.result import Result, Route, Status, Unserved
from routing.solver.schedule import timed_routes
from routing.solver.screen import unservable
from routing.solver.single import NO_PLACE, has_breaks, solve_single
from routing.solver.warm import fits_pyvrp, warm_plan

CHECK_ONLY_SHARE = 0.9  # of the budget for PyVRP when OR-Tools only checks its plan


def solve(
    problem: Problem, *, time_limit_s: float, seed: int = 0, options: Options | None = None
) -> Result:
    """Plan ``problem`` within ``time_limit_s`` wall seconds; ``seed`` varies the search."""
    if time_limit_s <= 0:
        raise ValueError(f"time limit must be positive, got {time_limit_s}")
    options = options or Options()
    deadline = time.monotonic() + time_limit_s
    screened = unservable(problem)
    bound = fleet_lower_bound(problem, screened)  # before the search: it counts in the budget
    if options.warm_share > 0 and fits_pyvrp(problem, has_breaks(problem)):
        result = _solve_warm(problem, screened, deadline=deadline, seed=seed, options=options)
    elif decomposes(problem, options):
        result = solve_decomposed(problem, deadline=deadline, seed=seed, options=options)
    else:
        result = solve_single(
            problem, deadline=deadline, seed=seed, options=options, screened=screened
        )
    return replace(result, fleet_bound=bound)


def decomposes(problem: Problem, options: Options) -> bool:
    """Whether OR-Tools gets the problem in regions: above ``decompose_above`` orders, or the
    lower ``decompose_above_with_breaks`` when drivers' breaks are modelled."""
    limit = options.decompose_above_with_breaks if has_breaks(problem) else options.decompose_above
    return len(problem.orders) > limit and options.workers > 1


def _solve_warm(
    problem: Problem, screened: dict[int, str], *, deadline: float, seed: int, options: Options
) -> Result:
    """PyVRP plans for its share of the budget; OR-Tools checks, finishes and improves it. Above
    ``decompose_above`` orders OR-Tools only checks the plan (its search overruns the budget on
    such models) and PyVRP gets ``CHECK_ONLY_SHARE`` of the time; its plan is then timed and
    checked without building that model at all where it can be (``schedule``)."""
    began = time.monotonic()
    large = len(problem.orders) > options.decompose_above
    share = CHECK_ONLY_SHARE if large else options.warm_share
    hgs_seconds = share * (deadline - time.monotonic())
    plan = warm_plan(problem, hgs_seconds, seed, leave_out=screened)
    if plan is None and large and options.workers > 1:
        # one OR-Tools model of this size finds no first plan in minutes (measured: 3,000
        # generated tasks, 120 s, every order unserved); regions always answer
        return solve_decomposed(problem, deadline=deadline, seed=seed, options=options)
    if plan is not None and large and (routes := timed_routes(problem, plan)) is not None:
        return _planned(problem, routes, screened, time.monotonic() - began)
    return solve_single(
        problem,
        deadline=deadline,
        seed=seed,
        options=options,
        warm_start=plan,
        check_only=large,
        screened=screened,
    )


def _planned(
    problem: Problem, routes: tuple[Route, ...], screened: dict[int, str], wall: float
) -> Result:
    """PyVRP's timed plan as the answer: every order it left out gets its reason."""
    served = {visit.order for route in routes for visit in route.visits}
    unserved = tuple(
        Unserved(order.id, screened.get(j, NO_PLACE))
        for j, order in enumerate(problem.orders)
        if order.id not in served
    )
    distance = sum(route.distance for route in routes)
    return Result(Status.FEASIBLE, routes, unserved, distance, wall)
