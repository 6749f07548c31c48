"""The second core races plain OR-Tools against PyVRP's plan; the better plan wins.

On a generated 1,000-task cooperative day (60 s) PyVRP's whole-day plan used 164 vehicles where
plain OR-Tools (PARALLEL_CHEAPEST_INSERTION + GUIDED_LOCAL_SEARCH, fixed costs, same budget)
used 140: its cheapest-insertion start packs such days tightly, and PyVRP's search at 2,000
places does not catch up within the minute. PyVRP still wins on most public instances, so both
run, one per core, and the plan compared as a cooperative pays (orders served, then vehicles,
then distance) is kept. The parent holds the deadline: a racer not back by then is dropped.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import replace

from routing.solver.model import Problem
from routing.solver.options import Options
from routing.solver.result import Result, Status
from routing.solver.single import solve_single

RETURN_S = 1.0  # before the deadline, for the racer's plan to come back to this process


def race(
    problem: Problem,
    screened: dict[int, str],
    *,
    deadline: float,
    seed: int,
    options: Options,
    ours: Callable[[], Result | None],
) -> Result | None:
    """``ours()`` in this process, plain OR-Tools in a spawned one; the better of the two."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        until = deadline - RETURN_S  # monotonic clocks are system-wide: one deadline for both
        plain = pool.apply_async(_plain, (problem, screened, until, seed, options))
        mine = ours()
        try:
            theirs: Result | None = plain.get(max(0.0, deadline - time.monotonic()))
        except multiprocessing.TimeoutError:
            theirs = None
        pool.terminate()
    return better(mine, theirs)


def better(first: Result | None, second: Result | None) -> Result | None:
    """The plan that serves more orders, then uses fewer vehicles, then drives less."""
    found = [r for r in (first, second) if r is not None and r.status is Status.FEASIBLE]
    if not found:
        return first if first is not None else second
    return min(found, key=lambda r: (-r.kpis.served, r.kpis.vehicles, r.kpis.distance))


def _plain(
    problem: Problem, screened: dict[int, str], deadline: float, seed: int, options: Options
) -> Result:
    """Runs in the worker: one OR-Tools model from its own first plan, fixed costs kept."""
    plain = replace(options, eliminate_routes=False)
    return solve_single(problem, deadline=deadline, seed=seed, options=plain, screened=screened)
