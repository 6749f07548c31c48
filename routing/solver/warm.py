"""A first plan from PyVRP's hybrid genetic search, for OR-Tools to check and finish.

PyVRP (HGS) finds much better plans than OR-Tools' local search on large problems with time
windows (measured here on Gehring–Homberger 1,000: 0.6–2.3 % from the best known in 60 s, against
~31 % for plain OR-Tools). It models only part of what we plan: one time window per stop, no
skills, no driving breaks, no committed prefixes. Where a problem has none of those, PyVRP plans
first and its routes seed the OR-Tools search (``solve_single(..., warm_start=...)``), which
enforces every constraint again and keeps improving within the same budget. The same integer
matrices feed both, so the plan stays feasible in exact arithmetic.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, Route, Shipment, VehicleType
from pyvrp import solve as hgs_solve
from pyvrp.stop import MaxRuntime

from routing.solver.build import default_penalty_of
from routing.solver.model import Leg, Order, Problem, Stop, StopRef, Vehicle

UNBOUNDED = np.iinfo(np.int64).max
Plan = Mapping[str, Sequence[StopRef]]


def fits_pyvrp(problem: Problem, breaks_needed: bool) -> bool:
    """Whether PyVRP can model every constraint of ``problem`` (else OR-Tools plans alone)."""
    if problem.fixed or breaks_needed:
        return False
    if any(order.skills for order in problem.orders):
        return False
    return all(len(stop.windows) <= 1 for order in problem.orders for _, stop in order.stops())


def warm_plan(
    problem: Problem, seconds: float, seed: int, leave_out: Collection[int] = ()
) -> Plan | None:
    """PyVRP's best plan within ``seconds`` as vehicle id → stops, or None if it found none.

    Every order is optional for PyVRP, worth its penalty (or more than any order could cost),
    so it always returns a plan, however tight the problem; ``leave_out`` (orders screened as
    impossible) are not given to it."""
    data, vehicles_of_type, stop_of = _data(problem, leave_out)
    result = hgs_solve(data, stop=MaxRuntime(seconds), seed=seed, display=False)
    if not result.best.is_feasible():
        return None
    plan: dict[str, list[StopRef]] = {}
    free = {kind: list(ids) for kind, ids in vehicles_of_type.items()}
    for route in result.best.routes():
        vehicle = free[route.vehicle_type()].pop(0)
        plan[vehicle] = [stop_of[activity] for activity in _activities(route)]
    return plan


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
    problem: Problem, leave_out: Collection[int]
) -> tuple[ProblemData, dict[int, list[str]], dict[tuple[str, int], StopRef]]:
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
                    required=False,
                )
            )
            index = len(shipments) - 1
            stop_of[("pickup", index)] = StopRef(order.id, Leg.PICKUP)
            stop_of[("delivery", index)] = StopRef(order.id, Leg.DELIVERY)
        else:
            clients.append(_client(order, demand, prize))
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


def _client(order: Order, demand: list[int], prize: int) -> Client:
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
        required=False,
    )
