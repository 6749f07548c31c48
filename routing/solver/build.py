"""Problem → OR-Tools routing model.

Every order stop is its own routing node (two stops at one place may have different service
times), and each distinct start or end place is one more. Travel times, distances and demands are
registered as integer matrices and vectors, so no Python runs inside the search loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from ortools.constraint_solver import pywrapcp

from routing.solver.model import Leg, Matrix, Problem, StopRef
from routing.solver.screen import fits

TIME = "time"


@dataclass(frozen=True, slots=True)
class Node:
    """A routing node: an order's stop (``order`` ≥ 0) or a start/end place (``order`` = -1)."""

    location: int
    service: int
    order: int
    leg: Leg | None


@dataclass(slots=True)
class Model:
    """The built model plus what is needed to read a solution back.

    ``fleet[v]`` is the problem's index of the model's vehicle ``v``: a model may use only part
    of the fleet (route elimination tries plans without one vehicle).
    """

    problem: Problem
    fleet: list[int]
    nodes: list[Node]
    manager: Any  # pywrapcp.RoutingIndexManager (untyped)
    routing: Any  # pywrapcp.RoutingModel
    time: Any  # its time dimension
    breaks: dict[int, list[Any]] = field(default_factory=dict)  # model vehicle → intervals
    index_of: dict[StopRef, int] = field(default_factory=dict)

    def vehicle(self, v: int) -> str:
        return self.problem.vehicles[self.fleet[v]].id

    def locks(self) -> list[list[int]]:
        """Per model vehicle, the routing indices of its fixed prefix (empty when none)."""
        chains = {prefix.vehicle: prefix.stops for prefix in self.problem.fixed}
        return [
            [self.index_of[ref] for ref in chains.get(self.vehicle(v), ())]
            for v in range(len(self.fleet))
        ]


def build(
    problem: Problem, orders: Sequence[int], fleet: Sequence[int], *, fixed_costs: bool = True
) -> Model:
    """A model serving the given order indices with the given vehicle indices; every order is
    optional with its penalty (a default one far above any saving from dropping it).
    ``fixed_costs=False`` leaves vehicles free, for a fleet already cut to size."""
    nodes = _nodes(problem, orders, fleet)
    depot = {node.location: n for n, node in enumerate(nodes) if node.order < 0}
    vehicles = [problem.vehicles[v] for v in fleet]
    manager = pywrapcp.RoutingIndexManager(
        len(nodes),
        len(vehicles),
        [depot[vehicle.start] for vehicle in vehicles],
        [depot[vehicle.end] for vehicle in vehicles],
    )
    routing = pywrapcp.RoutingModel(manager)
    horizon = max(vehicle.shift.end for vehicle in vehicles)
    routing.AddDimension(
        routing.RegisterTransitMatrix(_expand(problem.durations, nodes, with_service=True)),
        horizon,
        horizon,
        False,
        TIME,
    )
    model = Model(problem, list(fleet), nodes, manager, routing, routing.GetDimensionOrDie(TIME))
    for n, node in enumerate(nodes):
        if node.leg is not None:
            ref = StopRef(problem.orders[node.order].id, node.leg)
            model.index_of[ref] = manager.NodeToIndex(n)
    _arc_costs(model, fixed_costs=fixed_costs)
    _loads(model)
    _windows(model)
    _shifts(model)
    _pairs_skills_penalties(model, orders, fixed_costs=fixed_costs)
    _fixed(model)
    _breaks(model)
    return model


def _nodes(problem: Problem, orders: Sequence[int], fleet: Sequence[int]) -> list[Node]:
    nodes = [
        Node(stop.node, stop.service, j, leg)
        for j in orders
        for leg, stop in problem.orders[j].stops()
    ]
    vehicles = [problem.vehicles[v] for v in fleet]
    places = dict.fromkeys(p for vehicle in vehicles for p in (vehicle.start, vehicle.end))
    return nodes + [Node(place, 0, -1, None) for place in places]


def _expand(matrix: Matrix, nodes: list[Node], *, with_service: bool) -> list[list[int]]:
    """The place matrix re-indexed by routing node; times include the service at the origin."""
    places = [node.location for node in nodes]
    rows: list[list[int]] = []
    for node in nodes:
        row = matrix.row(node.location)
        extra = node.service if with_service else 0
        rows.append([row[place] + extra for place in places])
    return rows


def _arc_costs(model: Model, *, fixed_costs: bool) -> None:
    """Distance times each vehicle's rate, one registered matrix per distinct rate."""
    problem, routing = model.problem, model.routing
    distances = _expand(problem.distances, model.nodes, with_service=False)
    by_rate: dict[int, int] = {}
    for v, p in enumerate(model.fleet):
        vehicle = problem.vehicles[p]
        rate = vehicle.cost_per_distance
        if rate not in by_rate:
            scaled = distances if rate == 1 else [[rate * d for d in row] for row in distances]
            by_rate[rate] = routing.RegisterTransitMatrix(scaled)
        routing.SetArcCostEvaluatorOfVehicle(by_rate[rate], v)
        routing.SetFixedCostOfVehicle(vehicle.fixed_cost if fixed_costs else 0, v)


def _loads(model: Model) -> None:
    """One capacity dimension per demand dimension: + at a pickup, - at a delivery. A vehicle
    starts loaded with what its delivery-only orders need, so the start load is free when any."""
    problem, routing = model.problem, model.routing
    vehicles = [problem.vehicles[p] for p in model.fleet]
    for d in range(problem.dimensions):
        change = [0] * len(model.nodes)
        preloaded = False
        for n, node in enumerate(model.nodes):
            order = problem.orders[node.order] if node.order >= 0 else None
            if order is None or not order.demand:
                continue
            change[n] = order.demand[d] if node.leg is Leg.PICKUP else -order.demand[d]
            preloaded |= order.pickup is None and order.demand[d] > 0
        routing.AddDimensionWithVehicleCapacity(
            routing.RegisterUnaryTransitVector(change),
            0,
            [vehicle.capacity[d] for vehicle in vehicles],
            not preloaded,
            f"load {d}",
        )


def _windows(model: Model) -> None:
    """Hard windows; a fixed stop keeps only its earliest start, since it is served even late."""
    problem = model.problem
    fixed = {ref for prefix in problem.fixed for ref in prefix.stops}
    for n, node in enumerate(model.nodes):
        if node.leg is None:
            continue
        order = problem.orders[node.order]
        stop = order.stop(node.leg)
        if stop is None or not stop.windows:
            continue
        cumul = model.time.CumulVar(model.manager.NodeToIndex(n))
        if StopRef(order.id, node.leg) in fixed:
            cumul.SetMin(stop.windows[0].start)
            continue
        cumul.SetRange(stop.windows[0].start, stop.windows[-1].end)
        for before, after in pairwise(stop.windows):
            if after.start > before.end + 1:
                cumul.RemoveInterval(before.end + 1, after.start - 1)


def _shifts(model: Model) -> None:
    """Leave no earlier than the shift starts, be back by its end. Once a plan is found the
    finalizer sets times in this order: come back as early as possible, then leave as late as
    that allows (no needless waiting), then serve every stop as early as possible."""
    routing, time = model.routing, model.time
    for v, p in enumerate(model.fleet):
        shift = model.problem.vehicles[p].shift
        for index in (routing.Start(v), routing.End(v)):
            time.CumulVar(index).SetRange(shift.start, shift.end)
    for v in range(len(model.fleet)):
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(routing.End(v)))
    for v in range(len(model.fleet)):
        routing.AddVariableMaximizedByFinalizer(time.CumulVar(routing.Start(v)))
    for index in model.index_of.values():
        routing.AddVariableMinimizedByFinalizer(time.CumulVar(index))


def _pairs_skills_penalties(model: Model, orders: Sequence[int], *, fixed_costs: bool) -> None:
    problem, routing = model.problem, model.routing
    solver = routing.solver()
    fixed = {ref.order for prefix in problem.fixed for ref in prefix.stops}
    default_penalty = default_penalty_of(problem, fixed_costs=fixed_costs)
    vehicles = [problem.vehicles[p] for p in model.fleet]
    for j in orders:
        order = problem.orders[j]
        indices = [model.index_of[StopRef(order.id, leg)] for leg, _ in order.stops()]
        if len(indices) == 2:
            pickup, delivery = indices
            routing.AddPickupAndDelivery(pickup, delivery)
            solver.Add(routing.VehicleVar(pickup) == routing.VehicleVar(delivery))
            solver.Add(model.time.CumulVar(pickup) <= model.time.CumulVar(delivery))
        allowed = [v for v, vehicle in enumerate(vehicles) if fits(order, vehicle)]
        if len(allowed) < len(vehicles):
            for index in indices:  # -1: the stop may still be left unserved
                routing.VehicleVar(index).SetValues([-1, *allowed])
        if order.id not in fixed:
            penalty = order.penalty if order.penalty is not None else default_penalty
            per_stop = -(-penalty // len(indices))
            routing.AddDisjunction(indices, per_stop, len(indices))


def default_penalty_of(problem: Problem, *, fixed_costs: bool = True) -> int:
    """More than serving any one order could cost: opening the dearest vehicle plus two worst
    detours at the dearest rate, so such orders are dropped only when no plan can serve them."""
    longest = max(problem.distances.values)
    rate = max(vehicle.cost_per_distance for vehicle in problem.vehicles)
    fixed = max(vehicle.fixed_cost for vehicle in problem.vehicles) if fixed_costs else 0
    return 10 * (fixed + 4 * rate * longest) + 1


def _fixed(model: Model) -> None:
    """Pin each fixed prefix as hard domains: the vehicle's start is followed by these stops, in
    this order (locks alone only steer the first solution)."""
    routing = model.routing
    for v, chain in enumerate(model.locks()):
        previous = routing.Start(v)
        for index in chain:
            routing.NextVar(previous).SetValue(index)
            routing.VehicleVar(index).SetValue(v)
            previous = index


def _breaks(model: Model) -> None:
    """Mandatory 15-minute breaks in fixed windows of the shift, spaced so that no stretch
    between the shift start, breaks and the shift end can exceed ``max_driving``.

    Break ``k`` starts in ``[s + (k+1)·P - W, s + (k+1)·P]`` with period ``P`` and slack ``W``,
    ``P + W = max_driving + min_break``: then any two consecutive breaks are at most
    ``max_driving`` apart, and the first comes at most ``P`` after the shift starts. Breaks may
    fall during a drive or after the route ends, never during a service. Time on duty (driving,
    waiting, service) counts, which is stricter than the law's driving time, so every plan
    accepted is legal.

    Two more flexible models were measured and dropped: OR-Tools'
    ``SetBreakDistanceDurationOfVehicle`` rejected every route longer than ``max_driving``, and
    a chain of breaks tied to the route start with extra constraints found no first plan for
    ~100 orders and ~60 vehicles within 3 s (the routing filters do not know such constraints).
    """
    problem, routing = model.problem, model.routing
    rule = problem.break_rule
    if rule is None:
        return
    slack = min(rule.max_driving // 4, 45 * 60)
    period = rule.max_driving + rule.min_break - slack
    solver = routing.solver()
    visit = [model.nodes[model.manager.IndexToNode(i)].service for i in range(routing.Size())]
    for v, p in enumerate(model.fleet):
        vehicle = problem.vehicles[p]
        span = vehicle.shift.end - vehicle.shift.start
        if not vehicle.breaks or span <= rule.max_driving:
            continue
        breaks = []
        latest = vehicle.shift.start
        # until the shift end is within max_driving of the last break, whatever its position
        while vehicle.shift.end - (latest - slack + rule.min_break) > rule.max_driving:
            latest += period
            breaks.append(
                solver.FixedDurationIntervalVar(
                    latest - slack, latest, rule.min_break, False, f"break {vehicle.id}"
                )
            )
        model.time.SetBreakIntervalsOfVehicle(breaks, v, visit)
        model.breaks[v] = breaks
