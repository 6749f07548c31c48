"""OR-Tools assignment → routes with times and breaks, read from one consistent assignment."""

from __future__ import annotations

from typing import Any

from routing.solver.build import Model
from routing.solver.model import StopRef
from routing.solver.result import Break, Route, Visit


def routes(model: Model, assignment: Any) -> list[Route]:
    """Every used vehicle's route; a vehicle with a fixed prefix counts as used."""
    routing = model.routing
    pinned = {prefix.vehicle for prefix in model.problem.fixed}
    found: list[Route] = []
    for v in range(len(model.fleet)):
        first = assignment.Value(routing.NextVar(routing.Start(v)))
        if routing.IsEnd(first) and model.vehicle(v) not in pinned:
            continue
        found.append(_route(model, assignment, v))
    return found


def sequences(model: Model, assignment: Any) -> dict[str, list[StopRef]]:
    """Vehicle id → its stops in visiting order, for used vehicles (to warm-start a solve)."""
    routing, nodes, orders = model.routing, model.nodes, model.problem.orders
    result: dict[str, list[StopRef]] = {}
    for v in range(len(model.fleet)):
        refs: list[StopRef] = []
        index = assignment.Value(routing.NextVar(routing.Start(v)))
        while not routing.IsEnd(index):
            node = nodes[model.manager.IndexToNode(index)]
            assert node.leg is not None
            refs.append(StopRef(orders[node.order].id, node.leg))
            index = assignment.Value(routing.NextVar(index))
        if refs:
            result[model.vehicle(v)] = refs
    return result


def _route(model: Model, assignment: Any, v: int) -> Route:
    routing, time, problem = model.routing, model.time, model.problem
    vehicle = problem.vehicles[model.fleet[v]]
    breaks = _breaks(model, assignment, v)
    index = routing.Start(v)
    start = assignment.Value(time.CumulVar(index))
    here, ready = vehicle.start, start
    visits: list[Visit] = []
    distance = 0
    while True:
        index = assignment.Value(routing.NextVar(index))
        node = model.nodes[model.manager.IndexToNode(index)]
        arrival = _drive(ready, problem.durations.at(here, node.location), breaks)
        distance += problem.distances.at(here, node.location)
        begin = assignment.Value(time.CumulVar(index))
        if routing.IsEnd(index):
            return Route(vehicle.id, start, begin, tuple(visits), breaks, distance)
        assert node.leg is not None
        order = problem.orders[node.order].id
        visits.append(Visit(order, node.leg, node.location, arrival, begin, begin + node.service))
        here, ready = node.location, begin + node.service


def _breaks(model: Model, assignment: Any, v: int) -> tuple[Break, ...]:
    """Breaks taken during the route; ones placed before it starts or after it ends are moot."""
    routing, time = model.routing, model.time
    first = assignment.Value(time.CumulVar(routing.Start(v)))
    last = assignment.Value(time.CumulVar(routing.End(v)))
    taken = [
        Break(assignment.StartValue(interval), assignment.EndValue(interval))
        for interval in model.breaks.get(v, [])
        if assignment.PerformedValue(interval)
    ]
    return tuple(sorted((b for b in taken if b.start < last and b.end > first), key=_start))


def _start(pause: Break) -> int:
    return pause.start


def _drive(ready: int, travel: int, breaks: tuple[Break, ...]) -> int:
    """Arrival when leaving at ``ready`` and pausing for every break that falls while driving."""
    now, left = ready, travel
    for pause in breaks:
        if pause.start >= now + left:
            break
        if pause.end > now:
            left -= max(0, pause.start - now)
            now = pause.end
    return now + left
