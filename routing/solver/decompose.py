"""Large problems by decomposition: one OR-Tools model handles ~100-300 orders well, but is
30-100 % off the best known at 1,000 customers after 60 s. So we split the orders into regions,
solve regions in parallel processes, then re-solve pairs of neighbouring regions from that plan
so routes can move orders across borders, and last give the orders still unserved to the
vehicles still idle, region by region. (With breaks modelled a plan cannot seed a search, see
single.py, so the pair round is skipped and the regions get its time.)

The parent process holds the deadline: regions still running then are killed, and their orders
come back unserved with a reason (or keep the previous round's routes).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from multiprocessing.pool import AsyncResult

from routing.solver.model import Problem, StopRef
from routing.solver.options import Options
from routing.solver.partition import Part, Region, pairs, regions, restrict
from routing.solver.result import Result, Route, Status, Unserved
from routing.solver.screen import unservable
from routing.solver.single import has_breaks, solve_single
from routing.solver.warm import fits_pyvrp
from routing.solver.warm_path import solve_warm

FIRST_ROUND_SHARE = 0.45  # regions
PAIRS_SHARE = 0.3  # two rounds of neighbouring regions merged two by two, from the plan
MARGIN_SHARE = 0.08  # for processes, merging and the watchdog; leftovers get the rest
VEHICLES_PER_ORDER = 0.4  # the synthetic day used ~0.23; fewer vehicles, faster first plans
LATE = "its region was not planned: no vehicle left for it, or not within the time limit"

Plan = Mapping[str, Sequence[StopRef]]


@dataclass(frozen=True, slots=True)
class _Task:
    problem: Problem
    seconds: float
    seed: int
    options: Options
    warm_start: Plan | None


def solve_decomposed(problem: Problem, *, deadline: float, seed: int, options: Options) -> Result:
    """Plan ``problem`` region by region, then pair by pair, within ``deadline``."""
    began = time.monotonic()
    total = deadline - began
    reasons: dict[str, str] = {problem.orders[j].id: why for j, why in unservable(problem).items()}
    orders = [j for j in range(len(problem.orders)) if problem.orders[j].id not in reasons]
    warm = not has_breaks(problem)
    size = options.region_size or (200 if warm else 100)
    first = regions(problem, orders, size, seed, VEHICLES_PER_ORDER)
    plan = PlanSoFar({}, {problem.orders[j].id: LATE for j in orders})
    with multiprocessing.get_context("spawn").Pool(options.workers) as pool:
        parts = [restrict(problem, region) for region in first]
        until = began + (FIRST_ROUND_SHARE if warm else FIRST_ROUND_SHARE + PAIRS_SHARE) * total
        for part, result in zip(
            parts, _run(pool, parts, None, until, seed, options, deadline), strict=True
        ):
            plan.take(part, result, force=True)
        if warm:  # plans can seed a search only without breaks
            # two pairings, the second starting from another region so it crosses other
            # borders; it keeps the leftovers' time when nothing is left over
            for turn in range(2):
                rotated = first[turn:] + first[:turn]
                parts = [
                    restrict(problem, plan.current(problem, region))
                    for region in pairs(rotated, problem)
                ]
                until = began + (FIRST_ROUND_SHARE + PAIRS_SHARE * (turn + 1) / 2) * total
                if turn and not _leftovers(problem, orders, plan)[0]:
                    until = deadline - MARGIN_SHARE * total
                results = _run(pool, parts, plan, until, seed + 1 + turn, options, deadline)
                for part, result in zip(parts, results, strict=True):
                    plan.take(part, result, force=False)
        left, idle = _leftovers(problem, orders, plan)
        if left and idle and time.monotonic() < deadline - MARGIN_SHARE * total:
            found = regions(problem, left, size, seed + 2, 1.0, idle)
            parts = [restrict(problem, region) for region in found]
            until = deadline - MARGIN_SHARE * total
            results = _run(pool, parts, None, until, seed + 2, options, deadline)
            for part, result in zip(parts, results, strict=True):
                plan.take(part, result, force=False)
        pool.terminate()
    reasons.update(plan.reasons)
    served = {visit.order for route in plan.routes.values() for visit in route.visits}
    unserved = tuple(
        Unserved(order.id, reasons[order.id]) for order in problem.orders if order.id not in served
    )
    routes = tuple(
        plan.routes[vehicle.id] for vehicle in problem.vehicles if vehicle.id in plan.routes
    )
    wall = time.monotonic() - began
    return Result(Status.FEASIBLE, routes, unserved, sum(r.distance for r in routes), wall)


def _leftovers(
    problem: Problem, orders: Sequence[int], plan: PlanSoFar
) -> tuple[list[int], list[int]]:
    """Orders still unserved (of ``orders``) and vehicles still without a route."""
    served = {visit.order for route in plan.routes.values() for visit in route.visits}
    left = [j for j in orders if problem.orders[j].id not in served]
    idle = [v for v, vehicle in enumerate(problem.vehicles) if vehicle.id not in plan.routes]
    return left, idle


@dataclass(slots=True)
class PlanSoFar:
    """The plan so far: routes by vehicle, and why each order not routed is not."""

    routes: dict[str, Route]
    reasons: dict[str, str]

    def take(self, part: Part, result: Result | None, *, force: bool) -> None:
        """Adopt a part's result (mapped back to whole-problem places) if it serves more, or as
        many orders with fewer vehicles or less distance; ``force`` adopts it regardless."""
        if result is None or result.status is not Status.FEASIBLE:
            return
        names = [vehicle.id for vehicle in part.problem.vehicles]
        before = [self.routes[name] for name in names if name in self.routes]
        old = (-sum(len(r.visits) for r in before), len(before), sum(r.distance for r in before))
        new = (
            -sum(len(r.visits) for r in result.routes),
            len(result.routes),
            sum(r.distance for r in result.routes),
        )
        if not force and new > old:
            return
        for name in names:
            self.routes.pop(name, None)
        for route in result.routes:
            self.routes[route.vehicle] = _mapped(route, part.places)
        for item in result.unserved:
            self.reasons[item.order] = item.reason

    def current(self, problem: Problem, region: Region) -> Region:
        """The region as the plan now stands: the orders its vehicles serve, plus its orders
        nobody serves. (An order a neighbour's vehicle took over stays with that vehicle;
        planning it here too would serve it twice.)"""
        served = {v.order for route in self.routes.values() for v in route.visits}
        names = {problem.vehicles[v].id for v in region.fleet}
        mine = {v.order for name in names if name in self.routes for v in self.routes[name].visits}
        own = set(region.orders)
        orders = tuple(
            j
            for j, order in enumerate(problem.orders)
            if order.id in mine or (order.id not in served and j in own)
        )
        return replace(region, orders=orders)

    def warm_start(self, part: Part) -> dict[str, list[StopRef]]:
        return {
            vehicle.id: [StopRef(v.order, v.leg) for v in self.routes[vehicle.id].visits]
            for vehicle in part.problem.vehicles
            if vehicle.id in self.routes
        }


def _mapped(route: Route, places: Sequence[int]) -> Route:
    visits = tuple(replace(visit, node=places[visit.node]) for visit in route.visits)
    return replace(route, visits=visits)


def _run(
    pool: multiprocessing.pool.Pool,
    parts: Sequence[Part],
    plan: PlanSoFar | None,
    until: float,
    seed: int,
    options: Options,
    deadline: float,
) -> list[Result | None]:
    """Solve every part in the pool, in waves of ``options.workers``, all by ``until``; a part
    not back by ``deadline`` gives ``None``."""
    waves = -(-len(parts) // options.workers)
    seconds = (until - time.monotonic()) / waves
    pending: list[AsyncResult[Result]] = [
        pool.apply_async(
            _solve_part,
            (_Task(part.problem, seconds, seed, options, plan.warm_start(part) if plan else None),),
        )
        for part in parts
    ]
    done: list[Result | None] = []
    for job in pending:
        try:
            done.append(job.get(max(0.0, deadline - time.monotonic())))
        except multiprocessing.TimeoutError:
            done.append(None)
    return done


def _solve_part(task: _Task) -> Result:
    """Runs in a worker process: the part's own deadline starts when the worker picks it up.
    A part PyVRP can model gets its first plan from PyVRP (unless it starts from the plan so
    far, which only OR-Tools can take, or its drivers need breaks: on the synthetic 5,000-order
    day with breaks, regions through PyVRP and timed pauses served 578 orders in 131.9 s at load
    15, where OR-Tools' regions with their break model served 4,736)."""
    deadline = time.monotonic() + max(0.5, task.seconds)
    problem, options = task.problem, task.options
    pyvrp = options.warm_share > 0 and fits_pyvrp(problem) and not has_breaks(problem)
    if task.warm_start is None and pyvrp:
        screened = unservable(problem)
        found = solve_warm(problem, screened, deadline=deadline, seed=task.seed, options=options)
        if found is not None:
            return found
    return solve_single(
        task.problem,
        deadline=deadline,
        seed=task.seed,
        options=task.options,
        warm_start=task.warm_start,
    )
