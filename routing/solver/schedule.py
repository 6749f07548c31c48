"""Times for a plan that needs no OR-Tools model: each route driven as early as it can, after
leaving no earlier than the first stop needs, and every constraint PyVRP modelled checked again.

Large problems are planned by PyVRP alone: reading its plan into a full OR-Tools model only to
check it took 27 s for 3,000 tasks (6,001 places) on this machine, a quarter of a 120 s budget,
and a read cut short by the time limit left no plan at all. PyVRP plans on the same integer
matrices, so its feasible plan is feasible here; this pass still refuses (``None``) a route
that breaks a window, the shift, a capacity or a pair, so the caller can fall back to the
OR-Tools check.

Where drivers' breaks apply (``Problem.break_rule``, ``Vehicle.breaks``), a pause of
``min_break`` is inserted into the drive that would otherwise make driving without such a pause
exceed ``max_driving``, as late as that allows; a stop's service and waiting of ``min_break`` or
more already count as a pause (the rule as the independent checker reads it). A later stop that
the pauses push out of its window makes the route infeasible: the plan is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from routing.solver.model import BreakRule, Leg, Order, Problem, StopRef, Vehicle
from routing.solver.result import Break, Route, Visit
from routing.solver.screen import earliest_start


def timed_routes(
    problem: Problem, plan: Mapping[str, Sequence[StopRef]], *, drop_failing: bool = False
) -> tuple[Route, ...] | None:
    """The plan's routes with arrival, service start and end at every stop, in the problem's
    vehicle order; ``None`` when one of them is not feasible, or with ``drop_failing`` that
    route left out (its orders then go unserved)."""
    orders = {order.id: order for order in problem.orders}
    routes: list[Route] = []
    for vehicle in problem.vehicles:
        stops = plan.get(vehicle.id)
        if not stops:
            continue
        route = _timed(problem, vehicle, [(orders[ref.order], ref.leg) for ref in stops])
        if route is None and not drop_failing:
            return None
        if route is not None:
            routes.append(route)
    return tuple(routes)


def _timed(problem: Problem, vehicle: Vehicle, stops: Sequence[tuple[Order, Leg]]) -> Route | None:
    if not _loads_fit(vehicle, stops):
        return None
    durations, distances = problem.durations, problem.distances
    first = stops[0][0].stop(stops[0][1])
    assert first is not None
    to_first = durations.at(vehicle.start, first.node)
    opens = first.windows[0].start if first.windows else 0
    leave = max(vehicle.shift.start, opens - to_first)  # no needless wait at the first stop
    here, clock, distance = vehicle.start, leave, 0
    rule = problem.break_rule if vehicle.breaks else None
    driver = _Driver(rule) if rule is not None else None
    visits: list[Visit] = []
    picked: set[str] = set()
    for order, leg in stops:
        stop = order.stop(leg)
        assert stop is not None
        if leg is Leg.DELIVERY and order.pickup is not None and order.id not in picked:
            return None  # a delivery before its pickup
        picked.add(order.id)
        travel = durations.at(here, stop.node)
        arrival = driver.drive(clock, travel) if driver else clock + travel
        begin = earliest_start(stop.windows, arrival)
        if begin is None:
            return None
        distance += distances.at(here, stop.node)
        visits.append(Visit(order.id, leg, stop.node, arrival, begin, begin + stop.service))
        if driver:
            driver.pause(arrival, begin + stop.service)
        here, clock = stop.node, begin + stop.service
    travel = durations.at(here, vehicle.end)
    back = driver.drive(clock, travel) if driver else clock + travel
    if back > vehicle.shift.end:
        return None
    distance += distances.at(here, vehicle.end)
    breaks = tuple(driver.breaks) if driver else ()
    return Route(vehicle.id, leave, back, tuple(visits), breaks, distance)


@dataclass(slots=True)
class _Driver:
    """Driving since the last pause of ``min_break`` or more, and the breaks inserted."""

    rule: BreakRule
    stretch: int = 0
    breaks: list[Break] = field(default_factory=list)

    def drive(self, leave: int, travel: int) -> int:
        """Arrival after driving ``travel`` seconds from ``leave``, pausing when due."""
        now, left = leave, travel
        while self.stretch + left > self.rule.max_driving:
            ahead = self.rule.max_driving - self.stretch  # drive as far as allowed, then pause
            now += ahead
            left -= ahead
            self.breaks.append(Break(now, now + self.rule.min_break))
            now += self.rule.min_break
            self.stretch = 0
        self.stretch += left
        return now + left

    def pause(self, arrival: int, leaves: int) -> None:
        """Waiting and service at a stop from ``arrival`` until ``leaves``."""
        if leaves - arrival >= self.rule.min_break:
            self.stretch = 0


def _loads_fit(vehicle: Vehicle, stops: Sequence[tuple[Order, Leg]]) -> bool:
    """Every order on the route once per leg, and the load within capacity all along: a
    delivery alone rides from the start, a pickup alone to the end."""
    legs = [(order.id, leg) for order, leg in stops]
    if len(set(legs)) != len(legs):
        return False
    orders = {order.id: order for order, _ in stops}
    if any(
        order.pickup is not None and order.delivery is not None and
        {(order.id, Leg.PICKUP), (order.id, Leg.DELIVERY)} - set(legs)
        for order in orders.values()
    ):  # fmt: skip
        return False  # half a pair on this route
    load = [0] * len(vehicle.capacity)
    for order, _ in stops:
        if order.pickup is None:
            load = [a + b for a, b in zip(load, order.demand, strict=False)]
    if any(amount > room for amount, room in zip(load, vehicle.capacity, strict=False)):
        return False
    for order, leg in stops:
        sign = 1 if leg is Leg.PICKUP else -1
        load = [a + sign * b for a, b in zip(load, order.demand, strict=False)]
        if any(amount > room for amount, room in zip(load, vehicle.capacity, strict=False)):
            return False
    return all(amount <= room for amount, room in zip(load, vehicle.capacity, strict=False))
