"""The entry point: one model for small problems, decomposition for large ones."""

from __future__ import annotations

import time

from routing.solver.decompose import solve_decomposed
from routing.solver.model import Problem
from routing.solver.options import Options
from routing.solver.result import Result
from routing.solver.single import solve_single


def solve(
    problem: Problem, *, time_limit_s: float, seed: int = 0, options: Options | None = None
) -> Result:
    """Plan ``problem`` within ``time_limit_s`` wall seconds; ``seed`` varies the search."""
    if time_limit_s <= 0:
        raise ValueError(f"time limit must be positive, got {time_limit_s}")
    options = options or Options()
    deadline = time.monotonic() + time_limit_s
    if len(problem.orders) > options.decompose_above and options.workers > 1:
        return solve_decomposed(problem, deadline=deadline, seed=seed, options=options)
    return solve_single(problem, deadline=deadline, seed=seed, options=options)
