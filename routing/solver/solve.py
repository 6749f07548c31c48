"""The entry point: PyVRP's plan where PyVRP can model the problem (in regions past
``Options.pyvrp_whole_up_to`` orders); else one OR-Tools model for small problems,
decomposition for large ones."""

from __future__ import annotations

import time
from dataclasses import replace

from routing.solver.bounds import fleet_lower_bound
from routing.solver.decompose import solve_decomposed
from routing.solver.model import Problem
from routing.solver.options import Options
from routing.solver.race import race
from routing.solver.result import Result
from routing.solver.screen import unservable
from routing.solver.single import has_breaks, solve_single
from routing.solver.warm import fits_pyvrp
from routing.solver.warm_path import solve_warm


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
    result: Result | None = None
    pyvrp = options.warm_share > 0 and fits_pyvrp(problem, has_breaks(problem))
    whole = len(problem.orders) <= options.pyvrp_whole_up_to or options.workers < 2
    if pyvrp and whole and decomposes(problem, options):  # large: plain OR-Tools races it
        result = race(
            problem,
            screened,
            deadline=deadline,
            seed=seed,
            options=options,
            ours=lambda: solve_warm(
                problem, screened, deadline=deadline, seed=seed, options=options, bound=bound
            ),
        )
    elif pyvrp and whole:
        result = solve_warm(
            problem, screened, deadline=deadline, seed=seed, options=options, bound=bound
        )
    if result is None and decomposes(problem, options):
        # one OR-Tools model of this size finds no first plan in minutes (measured: 3,000
        # generated tasks, 120 s, every order unserved); regions always answer
        result = solve_decomposed(problem, deadline=deadline, seed=seed, options=options)
    if result is None:
        result = solve_single(
            problem, deadline=deadline, seed=seed, options=options, screened=screened, bound=bound
        )
    return replace(result, fleet_bound=bound)


def decomposes(problem: Problem, options: Options) -> bool:
    """Whether OR-Tools gets the problem in regions: above ``decompose_above`` orders, or the
    lower ``decompose_above_with_breaks`` when drivers' breaks are modelled."""
    limit = options.decompose_above_with_breaks if has_breaks(problem) else options.decompose_above
    return len(problem.orders) > limit and options.workers > 1
