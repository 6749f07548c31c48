"""Solve a problem as one OR-Tools model: a first plan, route elimination, then distance.

Route elimination matters when vehicles carry a fixed cost: guided local search moves one stop
at a time, and emptying a route pays off only at its last stop, so it almost never happens. We
instead rebuild the model without the smallest route's vehicle, start from the current plan with
that route's orders unserved (each worth a large penalty, so inserting them is rewarded one by
one) and keep the result when nothing more is left unserved.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from routing.solver import extract
from routing.solver.bounds import fleet_lower_bound
from routing.solver.build import Model, build, default_penalty_of
from routing.solver.eliminate import eliminate_routes
from routing.solver.model import Problem, StopRef
from routing.solver.options import Options
from routing.solver.result import Result, Status, Unserved
from routing.solver.screen import unservable
from routing.solver.stopping import NoImprovementFor, fleet_proven
from routing.solver.watchdog import Watchdog

DROPPED_BY_PENALTY = "left out: serving it would cost more than its penalty"
NO_PLACE = "no vehicle could fit it (windows, capacity, shifts, breaks) in the plan found"
NO_PLAN = "no plan found within the time limit"

FIRST_SHARE = 0.1  # of the budget for the first plan when eliminating routes
ELIMINATION_SHARE = 0.4  # for elimination attempts, each at most ATTEMPT_SHARE
ATTEMPT_SHARE = 0.08
FAILURES = 2  # consecutive failed eliminations that end the phase

Plan = Mapping[str, Sequence[StopRef]]  # vehicle id → stops in order
# told of every complete plan a search accepts: the model, what reads its values (the final
# assignment, or the variables themselves inside the solution callback) and its cost
OnPlan = Callable[[Model, Any, int], None]


@dataclass(frozen=True, slots=True)
class Found:
    """A searched model and its best assignment (``None`` when the search found nothing)."""

    model: Model
    assignment: Any

    @property
    def objective(self) -> int:
        return int(self.assignment.ObjectiveValue())

    def dropped(self) -> int:
        routing = self.model.routing
        return sum(
            1
            for index in self.model.index_of.values()
            if self.assignment.Value(routing.NextVar(index)) == index
        )


def solve_single(
    problem: Problem,
    *,
    deadline: float,
    seed: int,
    options: Options,
    warm_start: Plan | None = None,
    check_only: bool = False,
    screened: dict[int, str] | None = None,
    bound: int | None = None,
    on_plan: OnPlan | None = None,
) -> Result:
    """Screen, build, search until ``deadline`` (a ``time.monotonic()`` value), read back.

    With ``check_only``, a valid ``warm_start`` is only read into the full model (which rejects
    any broken constraint) and returned as it is: on large models OR-Tools' search does not
    stop on time (measured: 109 s instead of 14 s on a 1,000-customer model started from a
    good plan), so it searches only when the plan does not fit. ``screened`` and ``bound``: the
    caller's ``unservable(problem)`` and ``fleet_lower_bound`` over it, when it has them;
    ``on_plan`` hears of every complete plan the first search accepts (``portfolio``)."""
    began = time.monotonic()
    reasons = dict(screened) if screened is not None else unservable(problem)
    orders = [j for j in range(len(problem.orders)) if j not in reasons]
    random.Random(seed).shuffle(orders)
    if check_only and warm_start is not None:
        everyone = list(range(len(problem.vehicles)))
        found = search(
            problem, orders, everyone, seed, options, deadline, deadline, warm_start, check=True
        )
        return _result(problem, found, reasons, time.monotonic() - began)
    everyone = list(range(len(problem.vehicles)))
    eliminate = (
        options.eliminate_routes
        and any(v.fixed_cost > 0 for v in problem.vehicles)
        and not has_breaks(problem)
    )
    total = deadline - began
    first_until = began + FIRST_SHARE * total if eliminate else deadline
    found = search(
        problem, orders, everyone, seed, options, first_until, deadline, warm_start, on_plan=on_plan
    )
    if found.assignment is not None and eliminate:
        found = _eliminate(
            problem,
            orders,
            found,
            seed,
            options,
            began + (FIRST_SHARE + ELIMINATION_SHARE) * total,
            ATTEMPT_SHARE * total,
            fleet_lower_bound(problem, reasons) if bound is None else bound,
        )
        plan = extract.sequences(found.model, found.assignment)
        # the fleet is decided: distance on it alone and without fixed costs, which otherwise
        # inflate guided local search's penalty scale (it grows with the objective) far past
        # any arc's length
        pinned = {prefix.vehicle for prefix in problem.fixed}
        used = [p for p, v in enumerate(problem.vehicles) if v.id in plan or v.id in pinned]
        if used:  # none: nothing could be served, the plan in hand says so
            final = search(
                problem, orders, used, seed, options, deadline, deadline, plan, fixed_costs=False
            )
            # the distance phase may find nothing when the budget is spent before its model
            # takes the plan (measured: Li & Lim lr1_4_1, 60 s, after PyVRP's 40-vehicle plan,
            # no plan at all came back); the plan in hand is then the answer
            if final.assignment is not None:
                found = final
    return _result(problem, found, reasons, time.monotonic() - began)


def has_breaks(problem: Problem) -> bool:
    """Whether some shift is long enough to need breaks (then plans cannot seed a search)."""
    rule = problem.break_rule
    return rule is not None and any(
        vehicle.breaks and vehicle.shift.end - vehicle.shift.start > rule.max_driving
        for vehicle in problem.vehicles
    )


def search(
    problem: Problem,
    orders: Sequence[int],
    fleet: Sequence[int],
    seed: int,
    options: Options,
    stop_at: float,
    deadline: float,
    warm_start: Plan | None = None,
    target: int | None = None,
    *,
    fixed_costs: bool = True,
    check: bool = False,
    on_plan: OnPlan | None = None,
) -> Found:
    """Build a model and search it: from ``warm_start`` if given and valid, else from a first
    solution; stop at the first solution after ``stop_at``, or below ``target``, or at
    ``deadline`` (OR-Tools' own limit)."""
    model = build(problem, orders, fleet, fixed_costs=fixed_costs)
    routing = model.routing
    parameters = _parameters(options, deadline - time.monotonic())
    routing.CloseModelWithParameters(parameters)
    routing.solver().ReSeed(seed)
    quiet = options.stop_when_no_improvement_s
    watchdog = Watchdog(routing, stop_at, target, NoImprovementFor(quiet) if quiet else None)
    routing.AddAtSolutionCallback(watchdog)
    if on_plan is not None:
        tell = on_plan

        def accepted() -> None:  # partial plans of the first-solution heuristic are not told
            if watchdog.armed:
                tell(model, _Bound(), int(routing.CostVar().Value()))

        routing.AddAtSolutionCallback(accepted)
    locks = model.locks()
    if any(locks):
        routing.ApplyLocksToAllVehicles(locks, False)
    if model.breaks:
        # OR-Tools 9.15 fails searches started from a plan whose routes need a break (measured:
        # SolveFromAssignment returns no plan at once, even from the solver's own plan), so
        # such models get one search from scratch, stopped by OR-Tools' own limit at stop_at
        parameters = _parameters(options, min(stop_at, deadline) - time.monotonic())
        if quiet:
            # armed for the quiet spell alone: the first-solution heuristic's partial plans
            # keep improving, so it hardly ever ends there; if it does (no plan), search again
            watchdog.armed, watchdog.stop_at = True, math.inf
            settled = routing.SolveWithParameters(parameters)
            if settled is not None:
                return Found(model, settled)
            watchdog.armed = False
            parameters = _parameters(options, min(stop_at, deadline) - time.monotonic())
        return Found(model, routing.SolveWithParameters(parameters))
    initial = None
    if warm_start is not None:
        routes = [
            [
                model.index_of[ref]
                for ref in warm_start.get(model.vehicle(v), ())
                if ref in model.index_of
            ]
            for v in range(len(fleet))
        ]
        initial = routing.ReadAssignmentFromRoutes(routes, True)
        if initial is not None and check:
            return Found(model, initial)
    if initial is None:
        # the callback also runs on partial plans inside the first-solution heuristic, where
        # finishing the search would leave no plan at all: arm the watchdog only afterwards
        first = _parameters(options, deadline - time.monotonic())
        first.solution_limit = 1
        initial = routing.SolveWithParameters(first)
        if initial is None:
            return Found(model, None)
    if on_plan is not None:
        on_plan(model, initial, int(initial.ObjectiveValue()))
    watchdog.armed = True
    parameters = _parameters(options, deadline - time.monotonic())
    best = routing.SolveFromAssignmentWithParameters(initial, parameters)
    if best is not None and on_plan is not None:
        on_plan(model, best, int(best.ObjectiveValue()))
    return Found(model, best if best is not None else initial)


class _Bound:
    """Reads a variable's value where an assignment would: inside the solution callback the
    model's variables are bound to the plan just accepted."""

    def Value(self, variable: Any) -> int:  # the name OR-Tools' Assignment gives it
        return int(variable.Value())


def _eliminate(
    problem: Problem,
    orders: Sequence[int],
    found: Found,
    seed: int,
    options: Options,
    until: float,
    slice_s: float,
    lower_bound: int,
) -> Found:
    """Drop the smallest unpinned route (then the next ones) and re-insert its orders, until
    two attempts in a row fail or the fleet is down to ``lower_bound`` with every order in
    ``orders`` served (``eliminate``)."""
    pinned = {prefix.vehicle for prefix in problem.fixed}

    def removable(found: Found) -> dict[str, int]:  # vehicle → its route's stops
        plan = extract.sequences(found.model, found.assignment)
        return {vehicle: len(stops) for vehicle, stops in plan.items() if vehicle not in pinned}

    def without(found: Found, route: int, seconds: float) -> Found | None:
        plan = extract.sequences(found.model, found.assignment)
        victim = list(removable(found))[route]
        fleet = [
            p
            for p, vehicle in enumerate(problem.vehicles)
            if vehicle.id != victim and (vehicle.id in plan or vehicle.id in pinned)
        ]
        stop_at = time.monotonic() + seconds
        # with nothing left out, the cost is the distance alone, below one stop's penalty
        target = (
            default_penalty_of(problem, fixed_costs=False) // 2 if not found.dropped() else None
        )
        trial = search(
            problem, orders, fleet, seed, options, stop_at, stop_at, plan, target, fixed_costs=False
        )
        if trial.assignment is None or trial.dropped() > found.dropped():
            return None
        return trial

    def proven(found: Found) -> bool:
        used = len(extract.sequences(found.model, found.assignment))
        return used < 2 or fleet_proven(used, found.dropped(), lower_bound)

    return eliminate_routes(
        found,
        sizes=lambda found: list(removable(found).values()),
        without=without,
        proven=proven,
        until=until,
        slice_s=slice_s,
        patience=FAILURES,
    )


def _parameters(options: Options, seconds: float) -> Any:
    parameters = pywrapcp.DefaultRoutingSearchParameters()
    parameters.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.Value.Value(
        options.first_solution
    )
    parameters.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.Value.Value(
        options.metaheuristic
    )
    parameters.time_limit.FromMilliseconds(max(1, int(seconds * 1000)))
    parameters.log_search = options.log
    return parameters


def _result(problem: Problem, found: Found, reasons: dict[int, str], wall: float) -> Result:
    if found.assignment is None:
        missing = [Unserved(o.id, reasons.get(j, NO_PLAN)) for j, o in enumerate(problem.orders)]
        return Result(Status.NO_SOLUTION, (), tuple(missing), 0, wall)
    model, assignment = found.model, found.assignment
    position = {order.id: j for j, order in enumerate(problem.orders)}
    for ref, index in model.index_of.items():
        if assignment.Value(model.routing.NextVar(index)) == index:
            j = position[ref.order]
            reasons[j] = DROPPED_BY_PENALTY if problem.orders[j].penalty is not None else NO_PLACE
    unserved = tuple(Unserved(problem.orders[j].id, reasons[j]) for j in sorted(reasons))
    found_routes = tuple(extract.routes(model, assignment))
    return Result(Status.FEASIBLE, found_routes, unserved, found.objective, wall)
