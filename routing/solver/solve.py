"""The entry point: PyVRP's plan where PyVRP can model the problem (in regions past
``Options.pyvrp_whole_up_to`` orders); else one OR-Tools model for small problems,
decomposition for large ones. Beside it, on the second core, plain OR-Tools (``portfolio``);
the best checked plan of the two is the answer, a packed plan when neither has one, and the
orders it leaves unserved are packed onto its idle vehicles where that passes the checker
(``complete``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from routing.solver.bounds import fleet_lower_bound
from routing.solver.complete import completed
from routing.solver.decompose import solve_decomposed
from routing.solver.model import Problem
from routing.solver.options import Options
from routing.solver.pack import packed_plan
from routing.solver.portfolio import Plan, Rival, best_checked
from routing.solver.result import Result, Status
from routing.solver.schedule import timed_routes
from routing.solver.screen import unservable
from routing.solver.single import has_breaks, solve_single
from routing.solver.warm import fits_pyvrp
from routing.solver.warm_path import planned, solve_warm

JUDGING_S, JUDGING_SHARE = 1.0, 0.02  # kept to time and check the candidates (at most)


def solve(
    problem: Problem, *, time_limit_s: float, seed: int = 0, options: Options | None = None
) -> Result:
    """Plan ``problem`` within ``time_limit_s`` wall seconds; ``seed`` varies the search."""
    if time_limit_s <= 0:
        raise ValueError(f"time limit must be positive, got {time_limit_s}")
    options = options or Options()
    began = time.monotonic()
    deadline = began + time_limit_s
    screened = unservable(problem)
    bound = fleet_lower_bound(problem, screened)  # before the search: it counts in the budget
    pyvrp = options.warm_share > 0 and fits_pyvrp(problem)
    whole = len(problem.orders) <= options.pyvrp_whole_up_to or options.workers < 2
    rival = None
    if rivals(problem, options, time_limit_s, one_process=pyvrp and whole):
        rival = Rival(problem, screened, deadline=deadline, seed=seed, options=options)
    try:
        hint = rival.latest(problem) if rival is not None else None
        result = _ours(problem, screened, bound, deadline, seed, options, pyvrp and whole, hint)
        # the candidates are timed and checked after the harvest: keep them within the budget
        harvest_at = deadline - min(JUDGING_S, JUDGING_SHARE * time_limit_s)
        theirs = rival.harvest(problem, screened, harvest_at) if rival is not None else None
    finally:
        if rival is not None:
            rival.stop()
    best = best_checked(problem, (result, theirs)) or result
    if best.status is not Status.FEASIBLE and pyvrp:  # a cheap construction as the last resort
        routes = timed_routes(problem, packed_plan(problem, screened), drop_failing=True)
        best = planned(problem, routes or (), screened, 0.0)
    # orders a decomposed plan could not finish in time, packed onto its idle vehicles
    best = best_checked(problem, (best, completed(problem, best, screened))) or best
    return replace(best, fleet_bound=bound, wall_time=time.monotonic() - began)


def _ours(
    problem: Problem,
    screened: dict[int, str],
    bound: int,
    deadline: float,
    seed: int,
    options: Options,
    pyvrp_whole: bool,
    hint: Callable[[], Plan | None] | None,
) -> Result:
    """The planner's own path: PyVRP's plan checked by OR-Tools, regions, or one model;
    ``hint`` reads the rival's latest plan, which PyVRP's fleet reduction may take over."""
    result: Result | None = None
    if pyvrp_whole:
        result = solve_warm(
            problem,
            screened,
            deadline=deadline,
            seed=seed,
            options=options,
            bound=bound,
            hint=hint,
        )
    if result is None and decomposes(problem, options):
        # one OR-Tools model of this size finds no first plan in minutes (measured: 3,000
        # generated tasks, 120 s, every order unserved); regions always answer
        result = solve_decomposed(problem, deadline=deadline, seed=seed, options=options)
    if result is None:
        result = solve_single(
            problem, deadline=deadline, seed=seed, options=options, screened=screened, bound=bound
        )
    return result


def rivals(problem: Problem, options: Options, time_limit_s: float, *, one_process: bool) -> bool:
    """Whether plain OR-Tools runs beside the planner: a second core is allowed, the budget
    pays for starting a process (``rival_from_s``), its one model can answer at this size
    (``rival_up_to``: at 3,000 generated tasks it found no plan in 18 min and held 8.3 GB), and
    the planner itself runs in one process (regions take both cores)."""
    return (
        options.workers > 1
        and time_limit_s >= options.rival_from_s
        and len(problem.orders) <= options.rival_up_to
        and (one_process or not decomposes(problem, options))
    )


def decomposes(problem: Problem, options: Options) -> bool:
    """Whether OR-Tools gets the problem in regions: above ``decompose_above`` orders, or the
    lower ``decompose_above_with_breaks`` when drivers' breaks are modelled."""
    limit = options.decompose_above_with_breaks if has_breaks(problem) else options.decompose_above
    return len(problem.orders) > limit and options.workers > 1
