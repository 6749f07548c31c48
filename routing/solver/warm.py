"""A first plan from PyVRP's iterated local search, for OR-Tools to check and finish.

PyVRP finds much better plans than OR-Tools' local search on large problems with time windows
(measured here on Gehring–Homberger 1,000: 0.6–2.3 % from the best known in 60 s, against ~31 %
for plain OR-Tools). It models only part of what we plan: one time window per stop, no skills,
no driving breaks, no committed prefixes. Where a problem has none of those, PyVRP plans first
and its routes seed the OR-Tools search (``solve_single(..., warm_start=...)``), which enforces
every constraint again and keeps improving within the same budget. The same integer matrices
feed both, so the plan stays feasible in exact arithmetic.

When vehicles carry a fixed cost (fewest vehicles first), a search over the whole objective
rarely empties a route: removing one pays only once its last stop has moved. After a first plan
PyVRP is therefore asked, again and again, for a plan with one route fewer — the smallest route
taken out, its orders to be re-inserted, every order served so far now required — until it
finds none in the time left; the rest of its time shortens the routes of the smallest fleet.
"""

from __future__ import annotations

import time
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
from pyvrp import (
    Activity,
    ActivityType,
    Client,
    Depot,
    Location,
    PenaltyParams,
    ProblemData,
    Route,
    Shipment,
    Solution,
    SolveParams,
    VehicleType,
)
from pyvrp import solve as ils_solve
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import FirstFeasible, StoppingCriterion

from routing.solver.build import default_penalty_of
from routing.solver.eliminate import eliminate_routes
from routing.solver.model import Leg, Order, Problem, Stop, StopRef, Vehicle
from routing.solver.pack import Plan, packed_plan
from routing.solver.stopping import fleet_proven, pyvrp_stop

UNBOUNDED = np.iinfo(np.int64).max
FIRST_SHARE = 0.1  # of PyVRP's time for the first plan when the fleet size matters
POLISH_SHARE = 0.2  # kept for shortening the routes of the smallest fleet found
ATTEMPT_SHARE = 0.25  # at most, for one plan with one route fewer (the last one fails)
Fleet = tuple[ProblemData, list[int], Solution]  # data, its types' origins, a plan on it


def fits_pyvrp(problem: Problem) -> bool:
    """Whether PyVRP can plan ``problem`` (else OR-Tools plans alone). Drivers' breaks are not
    modelled by PyVRP: they are inserted when its plan is timed (``schedule``)."""
    if problem.fixed:
        return False
    if any(order.skills for order in problem.orders):
        return False
    return all(len(stop.windows) <= 1 for order in problem.orders for _, stop in order.stops())


def warm_plan(
    problem: Problem,
    seconds: float,
    seed: int,
    leave_out: Collection[int] = (),
    quiet_s: float | None = None,
    lower_bound: int = 1,
    hint: Callable[[], Plan | None] | None = None,
) -> Plan | None:
    """PyVRP's best plan within ``seconds`` as vehicle id → stops, or None if it found none.

    Every order is optional for PyVRP, worth its penalty (or more than any order could cost),
    so it always returns a plan, however tight the problem; ``leave_out`` (orders screened as
    impossible) are not given to it. With fixed vehicle costs the plan's fleet is then reduced
    route by route (module docstring), down to ``lower_bound`` vehicles at most; ``quiet_s``:
    each run also stops after that long without improvement (``Options``); ``hint()``: another
    search's latest plan, taken over by the fleet reduction when it has fewer routes."""
    if seconds <= 0:
        return None
    deadline = time.monotonic() + seconds
    data, vehicles_of_type, stop_of = _data(problem, leave_out)
    params = penalty_params(problem)
    fewest = any(vehicle.fixed_cost > 0 for vehicle in problem.vehicles)
    first = seconds * (FIRST_SHARE if fewest else 1.0)
    runs = Runs(deadline)
    start = _solution(data, packed_plan(problem, leave_out), vehicles_of_type, stop_of)
    best = runs.solve(data, first, seed, params, quiet_s, start)
    if not best.is_feasible():
        return None
    kinds = list(range(data.num_vehicle_types))  # each type of the data in hand → its first type
    if fewest and best.num_routes() > 1:
        served = {stop_of[step].order for route in best.routes() for step in _activities(route)}
        data, _, _ = _data(problem, leave_out, required=served)
        until = deadline - POLISH_SHARE * seconds
        floor = lower_bound if len(served) + len(set(leave_out)) == len(problem.orders) else 1
        steps = (data, vehicles_of_type, stop_of, served)
        adopt = _adopter(steps, hint) if hint is not None else None
        data, kinds, best = _fewer_routes(
            data, best, seed, until, ATTEMPT_SHARE * seconds, params, floor, quiet_s, adopt, runs
        )
        if runs.left() > 0:  # no run that would end past the deadline
            polished = runs.solve(data, runs.left(), seed, params, quiet_s, best)
            if polished.is_feasible():
                best = polished
    plan: dict[str, list[StopRef]] = {}
    free = {kind: list(ids) for kind, ids in vehicles_of_type.items()}
    for route in best.routes():
        vehicle = free[kinds[route.vehicle_type()]].pop(0)
        plan[vehicle] = [stop_of[activity] for activity in _activities(route)]
    return plan


def penalty_params(problem: Problem) -> SolveParams:
    """PyVRP's penalties per unit of excess load or time warp may reach an order's prize.

    PyVRP caps them at 100,000 by default: with a vehicle's fixed cost above any plan's
    distance (fewest vehicles first) and loads in small units, overloading beat opening a
    route (measured on a generated 1,000-task day, 20 s: every route used and still 919 units
    over capacity, no feasible plan; with this cap, feasible)."""
    ceiling = max(PenaltyParams().max_penalty, float(default_penalty_of(problem)))
    return SolveParams(penalty=PenaltyParams(max_penalty=ceiling))


def _fewer_routes(
    data: ProblemData,
    best: Solution,
    seed: int,
    until: float,
    attempt_s: float,
    params: SolveParams | None = None,
    floor: int = 1,
    quiet_s: float | None = None,
    adopt: Callable[[Fleet], Fleet | None] | None = None,
    runs: Runs | None = None,
) -> tuple[ProblemData, list[int], Solution]:
    """Take the smallest route out of ``best`` and ask for a feasible plan without it, until
    none is found within ``attempt_s`` or before ``until`` (an attempt that fails spends all
    its time: the cap leaves the rest to shortening routes, e.g. where the first plan's fleet
    was already the smallest; ``params``: the problem's ``penalty_params``). Returns the data
    whose fleet is exactly the smallest plan's routes (types renumbered: the list maps each to
    the type it came from) and that plan. ``floor``: no plan of the same orders has fewer
    routes (``stopping.fleet_proven``); ``quiet_s`` also ends an attempt (``Options``);
    ``adopt(fleet)``: a plan with fewer routes found elsewhere, taken before an attempt;
    ``runs``: the caller's PyVRP runs (their overruns count against ``until``)."""
    runs = runs if runs is not None else Runs(until)

    def without(fleet: Fleet, route: int, seconds: float) -> Fleet | None:
        if adopt is not None and (theirs := adopt(fleet)) is not None:
            return theirs
        seconds = min(seconds, until - time.monotonic() - runs.worst)
        if seconds <= 0:
            return None  # it would end past ``until``
        data, kinds, best = fleet
        trial, trial_kinds, start = _only_used(data, kinds, best, drop=route)
        with warnings.catch_warnings():  # the last attempt fails by design: PyVRP then warns
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            found = runs.solve(trial, seconds, seed, params, quiet_s, start, FirstFeasible())
        return _only_used(trial, trial_kinds, found) if found.is_feasible() else None

    return eliminate_routes(
        _only_used(data, list(range(data.num_vehicle_types)), best),
        sizes=lambda fleet: [len(route) for route in fleet[2].routes()],
        without=without,
        proven=lambda fleet: fleet_proven(fleet[2].num_routes(), 0, max(1, floor)),
        until=until,
        slice_s=attempt_s,
    )


def _adopter(
    steps: tuple[
        ProblemData, Mapping[int, Sequence[str]], Mapping[tuple[str, int], StopRef], set[str]
    ],
    hint: Callable[[], Plan | None],
) -> Callable[[Fleet], Fleet | None]:
    """``hint()``'s plan as a fleet on ``data`` (every type kept), when it serves every
    required order with fewer routes than the fleet in hand and PyVRP finds it feasible: the
    portfolio's plain OR-Tools packs cooperative days tighter than PyVRP's first plans (140
    against 164 vehicles on a generated 1,000-task day), and the reduction goes on from there."""
    data, vehicles_of_type, stop_of, required = steps

    def adopt(fleet: Fleet) -> Fleet | None:
        plan = hint()
        if plan is None or len(plan) >= fleet[2].num_routes():
            return None
        if not required <= {ref.order for stops in plan.values() for ref in stops}:
            return None
        solution = _solution(data, plan, vehicles_of_type, stop_of)
        if not solution.is_feasible():
            return None
        return _only_used(data, list(range(data.num_vehicle_types)), solution)

    return adopt


class Runs:
    """PyVRP runs that end by a deadline. A run's stopping criterion is first asked after the
    local search of the solution it starts from, which nothing interrupts: on a generated
    1,000-task day at load average 14, PyVRP's share of a 20 s budget (14 s) took 21.8 s. So
    the worst overrun seen so far is kept, and no run is given time it could not finish in."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.worst = 0.0  # seconds the longest run went past its time

    def left(self) -> float:
        """Seconds a new run may be given."""
        return self.deadline - time.monotonic() - self.worst

    def solve(
        self,
        data: ProblemData,
        seconds: float,
        seed: int,
        params: SolveParams | None,
        quiet_s: float | None,
        start: Solution,
        *more: StoppingCriterion,
    ) -> Solution:
        began = time.monotonic()
        best = ils_solve(
            data, stop=pyvrp_stop(seconds, quiet_s, *more), seed=seed, display=False,
            params=params or SolveParams(), initial_solution=start, collect_stats=False,
        ).best  # fmt: skip
        self.worst = max(self.worst, time.monotonic() - began - seconds)
        return best


def _only_used(
    data: ProblemData, kinds: list[int], solution: Solution, drop: int | None = None
) -> tuple[ProblemData, list[int], Solution]:
    """``data`` with as many vehicles of each type as ``solution`` uses, less route ``drop``
    (types left with none removed, ``kinds`` renumbered alike), and ``solution`` on it."""
    routes = [route for n, route in enumerate(solution.routes()) if n != drop]
    used = Counter(route.vehicle_type() for route in routes)
    kept = [t for t in range(data.num_vehicle_types) if used[t] > 0]
    renumber = {t: n for n, t in enumerate(kept)}
    reduced = data.replace(
        vehicle_types=[data.vehicle_type(t).replace(num_available=used[t]) for t in kept]
    )
    rebuilt = [
        Route(reduced, [Activity(a.type, a.idx) for a in route.schedule() if not a.is_depot()],
              renumber[route.vehicle_type()])
        for route in routes
    ]  # fmt: skip
    return reduced, [kinds[t] for t in kept], Solution(reduced, rebuilt)


def _solution(
    data: ProblemData,
    plan: Plan,
    vehicles_of_type: Mapping[int, Sequence[str]],
    stop_of: Mapping[tuple[str, int], StopRef],
) -> Solution:
    """``plan`` (``pack.packed_plan``) as PyVRP's solution on ``data``: PyVRP's own start, a
    random plan over the whole fleet, left 212 routes on a generated 1,000-task day and 206
    after 6 s of search; from the packed plan (210 routes) the same 6 s gave 179."""
    activity_of = {ref: key for key, ref in stop_of.items()}
    type_of = {vehicle: kind for kind, ids in vehicles_of_type.items() for vehicle in ids}
    kinds = {"pickup": ActivityType.PICKUP, "delivery": ActivityType.DELIVERY}
    routes = []
    for vehicle, stops in plan.items():
        steps = [activity_of[ref] for ref in stops]
        visits = [Activity(kinds.get(kind, ActivityType.CLIENT), index) for kind, index in steps]
        routes.append(Route(data, visits, type_of[vehicle]))
    return Solution(data, routes)


def _activities(route: Route) -> list[tuple[str, int]]:
    """The route's client and shipment steps, in order, as (kind, index) keys."""
    steps: list[tuple[str, int]] = []
    for activity in route.schedule():
        kind = activity.type.name.lower()
        if kind in ("client", "pickup", "delivery"):
            steps.append((kind, int(activity.idx)))
    return steps


def _window(stop: Stop) -> tuple[int, int]:
    if not stop.windows:
        return 0, int(UNBOUNDED)
    return stop.windows[0].start, stop.windows[0].end


def _data(
    problem: Problem, leave_out: Collection[int], required: Collection[str] = ()
) -> tuple[ProblemData, dict[int, list[str]], dict[tuple[str, int], StopRef]]:
    """PyVRP's view of ``problem``: orders in ``required`` (ids) must be served, the others are
    optional at their penalty; also each vehicle type's vehicle ids and each step's stop."""
    size = problem.durations.size
    locations = [Location(0.0, 0.0) for _ in range(size)]  # costs come from the matrices
    depot_nodes = sorted({v.start for v in problem.vehicles} | {v.end for v in problem.vehicles})
    depot_index = {node: i for i, node in enumerate(depot_nodes)}
    depots = [Depot(node) for node in depot_nodes]
    clients: list[Client] = []
    shipments: list[Shipment] = []
    stop_of: dict[tuple[str, int], StopRef] = {}
    dims = problem.dimensions
    worth = default_penalty_of(problem)
    for j, order in enumerate(problem.orders):
        if j in leave_out:
            continue
        demand = list(order.demand) if order.demand else [0] * dims
        prize = order.penalty or worth
        if order.pickup is not None and order.delivery is not None:
            early_p, late_p = _window(order.pickup)
            early_d, late_d = _window(order.delivery)
            shipments.append(
                Shipment(
                    order.pickup.node,
                    order.delivery.node,
                    pickup_tw_early=early_p,
                    pickup_tw_late=late_p,
                    pickup_service_duration=order.pickup.service,
                    delivery_tw_early=early_d,
                    delivery_tw_late=late_d,
                    delivery_service_duration=order.delivery.service,
                    amount=demand,
                    prize=prize,
                    required=order.id in required,
                )
            )
            index = len(shipments) - 1
            stop_of[("pickup", index)] = StopRef(order.id, Leg.PICKUP)
            stop_of[("delivery", index)] = StopRef(order.id, Leg.DELIVERY)
        else:
            clients.append(_client(order, demand, prize, order.id in required))
            leg = Leg.PICKUP if order.pickup is not None else Leg.DELIVERY
            stop_of[("client", len(clients) - 1)] = StopRef(order.id, leg)
    kinds: dict[tuple[int, ...], list[Vehicle]] = defaultdict(list)
    for vehicle in problem.vehicles:  # vehicles alike in all PyVRP sees form one type
        shift = vehicle.shift
        key = (vehicle.start, vehicle.end, shift.start, shift.end, *vehicle.capacity)
        kinds[(*key, vehicle.fixed_cost, vehicle.cost_per_distance)].append(vehicle)
    vehicle_types = []
    vehicles_of_type: dict[int, list[str]] = {}
    for number, alike in enumerate(kinds.values()):
        model = alike[0]
        vehicle_types.append(
            VehicleType(
                num_available=len(alike),
                capacity=list(model.capacity),
                start_depot=depot_index[model.start],
                end_depot=depot_index[model.end],
                fixed_cost=model.fixed_cost,
                tw_early=model.shift.start,
                tw_late=model.shift.end,
                unit_distance_cost=model.cost_per_distance,
            )
        )
        vehicles_of_type[number] = [vehicle.id for vehicle in alike]
    flat: Any = np.frombuffer  # PyVRP's stubs want 1-d arrays typed by int; these are 2-d
    distances = flat(problem.distances.values, dtype=np.int64).reshape(size, size)
    durations = flat(problem.durations.values, dtype=np.int64).reshape(size, size)
    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[distances],
        duration_matrices=[durations],
        shipments=shipments,
    )
    return data, vehicles_of_type, stop_of


def _client(order: Order, demand: list[int], prize: int, required: bool) -> Client:
    stop = order.pickup if order.pickup is not None else order.delivery
    assert stop is not None
    early, late = _window(stop)
    pickup = demand if order.pickup is not None else []
    delivery = demand if order.delivery is not None else []
    return Client(
        stop.node,
        delivery=delivery,
        pickup=pickup,
        service_duration=stop.service,
        tw_early=early,
        tw_late=late,
        prize=prize,
        required=required,
    )
