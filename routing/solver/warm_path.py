"""PyVRP plans, OR-Tools checks: the path for every problem PyVRP can model (``warm``).

Up to ``Options.decompose_above`` orders OR-Tools then finishes and improves PyVRP's plan in
the same model; above it the plan is timed and checked directly (``schedule``): the full
OR-Tools model alone took 27 s to build at 3,000 tasks on this machine."""

from __future__ import annotations

import time
from collections.abc import Callable

from routing.solver.bounds import fleet_lower_bound
from routing.solver.model import Problem
from routing.solver.options import Options
from routing.solver.pack import Plan
from routing.solver.result import Result, Route, Status, Unserved
from routing.solver.schedule import timed_routes
from routing.solver.single import NO_PLACE, has_breaks, solve_single
from routing.solver.warm import warm_plan

CHECK_ONLY_SHARE = 0.9  # of the budget for PyVRP when OR-Tools only checks its plan


def solve_warm(
    problem: Problem,
    screened: dict[int, str],
    *,
    deadline: float,
    seed: int,
    options: Options,
    bound: int | None = None,
    hint: Callable[[], Plan | None] | None = None,
) -> Result | None:
    """PyVRP plans for its share of the budget; OR-Tools checks, finishes and improves it. Above
    ``decompose_above`` orders OR-Tools only checks the plan (its search overruns the budget on
    such models) and PyVRP gets ``CHECK_ONLY_SHARE`` of the time; its plan is then timed and
    checked without building that model at all where it can be (``schedule``). ``bound``: the
    caller's ``fleet_lower_bound(problem, screened)``, when it has it already; ``hint``: the
    portfolio's latest plain OR-Tools plan, for PyVRP's fleet reduction (``warm``).

    With drivers' breaks the plan is always timed directly, breaks inserted where driving
    without a pause would exceed the rule (``schedule``): OR-Tools' model with breaks cannot
    start from a plan (``single``). A route the breaks make late is left out, its orders
    unserved with a reason; ``None`` if PyVRP found no plan (the caller's other paths answer)."""
    began = time.monotonic()
    large = len(problem.orders) > options.decompose_above
    breaks = has_breaks(problem)
    share = CHECK_ONLY_SHARE if large or breaks else options.warm_share
    hgs_seconds = share * (deadline - time.monotonic())
    if bound is None:
        bound = fleet_lower_bound(problem, screened)
    quiet = options.stop_when_no_improvement_s
    plan = warm_plan(problem, hgs_seconds, seed, screened, quiet, bound, hint)
    if plan is None and (breaks or (large and options.workers > 1)):
        return None  # the caller's regions answer: one OR-Tools model of this size does not
    if plan is not None and (large or breaks):
        routes = timed_routes(problem, plan, drop_failing=breaks)
        if routes is not None:
            return planned(problem, routes, screened, time.monotonic() - began)
    return solve_single(
        problem,
        deadline=deadline,
        seed=seed,
        options=options,
        warm_start=plan,
        check_only=large,
        screened=screened,
        bound=bound,
    )


def planned(
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
