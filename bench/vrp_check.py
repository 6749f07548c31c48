"""An independent checker, written from the instance and problem definitions only: it shares no
evaluation code with the planner, so a planner bug cannot hide behind the same bug here.

``check_instance`` judges a benchmark solution (customer-id routes) the way the benchmark does:
exact (double) Euclidean arithmetic for Li & Lim, DIMACS truncation for VRPTW.
``check_plan`` judges a planner ``Result`` against its ``Problem``: every order served once or
reported unserved with a reason, skills, capacities, windows, shifts, pickup before delivery on
one vehicle, fixed prefixes, distances, and continuous driving between breaks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from bench.vrp_instances import Instance
from routing.solver import Leg, Order, Problem, Result, Route, TimeWindow, Vehicle

EPSILON = 1e-6  # float slack for exact arithmetic only; DIMACS checks are integral


@dataclass(slots=True)
class Report:
    vehicles: int = 0
    distance: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def exact_arc(instance: Instance) -> Callable[[int, int], float]:
    def arc(i: int, j: int) -> float:
        return math.hypot(instance.x[i] - instance.x[j], instance.y[i] - instance.y[j])

    return arc


def dimacs_arc_tenths(instance: Instance) -> Callable[[int, int], int]:
    """DIMACS 2021: the Euclidean distance truncated to one decimal, here in integer tenths."""

    def arc(i: int, j: int) -> int:
        dx, dy = instance.x[i] - instance.x[j], instance.y[i] - instance.y[j]
        if dx.is_integer() and dy.is_integer():
            return math.isqrt(int(100 * (dx * dx + dy * dy)))
        return math.floor(10 * math.hypot(dx, dy))

    return arc


def check_instance(instance: Instance, routes: Sequence[Sequence[int]], convention: str) -> Report:
    """``convention`` is ``"exact"`` (times and distance in double precision) or ``"dimacs"``."""
    report = Report(vehicles=sum(1 for route in routes if route))
    if report.vehicles > instance.vehicles:
        report.errors.append(f"{report.vehicles} routes but the fleet is {instance.vehicles}")
    _check_coverage(instance, routes, report)
    if report.errors:
        return report
    if convention == "dimacs":
        tenths = dimacs_arc_tenths(instance)
        for k, route in enumerate(routes):
            _check_route(instance, route, tenths, 10, f"route {k}", report)
    elif convention == "exact":
        arc = exact_arc(instance)
        for k, route in enumerate(routes):
            _check_route(instance, route, arc, 1, f"route {k}", report)
    else:
        raise ValueError(f"unknown convention {convention!r}")
    _check_pairs(instance, routes, report)
    return report


def _check_coverage(instance: Instance, routes: Sequence[Sequence[int]], report: Report) -> None:
    seen: dict[int, int] = {}
    for route in routes:
        for customer in route:
            if not 0 < customer < instance.size:
                report.errors.append(f"unknown customer {customer}")
            seen[customer] = seen.get(customer, 0) + 1
    for customer in range(1, instance.size):
        if seen.get(customer, 0) != 1:
            report.errors.append(f"customer {customer} served {seen.get(customer, 0)} times")


def _check_route(
    instance: Instance,
    route: Sequence[int],
    arc: Callable[[int, int], float],
    scale: int,
    label: str,
    report: Report,
) -> None:
    """Times in ``scale`` units per instance unit (1 exact, 10 for DIMACS tenths)."""
    slack = EPSILON if scale == 1 else 0
    now: float = instance.ready[0] * scale
    load, here, length = 0, 0, 0.0
    for customer in [*route, 0]:
        step = arc(here, customer)
        length += step
        now = max(now + step, instance.ready[customer] * scale)
        if now > instance.due[customer] * scale + slack:
            where = "the depot" if customer == 0 else f"customer {customer}"
            report.errors.append(f"{label} reaches {where} at {now / scale}, after its due time")
        now += instance.service[customer] * scale
        load += instance.demand[customer]
        if not 0 <= load <= instance.capacity:
            report.errors.append(f"{label} load {load} outside [0, {instance.capacity}]")
        here = customer
    report.distance += length / scale


def _check_pairs(instance: Instance, routes: Sequence[Sequence[int]], report: Report) -> None:
    where = {c: (k, position) for k, route in enumerate(routes) for position, c in enumerate(route)}
    for pickup, delivery in instance.pairs:
        (route_p, at_p), (route_d, at_d) = where[pickup], where[delivery]
        if route_p != route_d:
            report.errors.append(f"pair {pickup}->{delivery} split over two routes")
        elif at_p > at_d:
            report.errors.append(f"pair {pickup}->{delivery} delivered before picked up")


# --- planner results ---------------------------------------------------------------------------


def check_plan(problem: Problem, result: Result) -> list[str]:
    """Every violation found in ``result``, as readable sentences; empty means valid."""
    errors: list[str] = []
    orders = {order.id: order for order in problem.orders}
    vehicles = {vehicle.id: vehicle for vehicle in problem.vehicles}
    served: dict[str, int] = {}
    for route in result.routes:
        vehicle = vehicles.get(route.vehicle)
        if vehicle is None:
            errors.append(f"route for unknown vehicle {route.vehicle!r}")
            continue
        for visit in route.visits:
            served[visit.order] = served.get(visit.order, 0) + 1
        errors += _route_errors(problem, orders, vehicle, route)
    if len({route.vehicle for route in result.routes}) != len(result.routes):
        errors.append("a vehicle has two routes")
    unserved = [item.order for item in result.unserved]
    for order in problem.orders:
        stops, dropped = served.get(order.id, 0), unserved.count(order.id)
        if (stops, dropped) not in ((len(order.stops()), 0), (0, 1)):
            errors.append(f"order {order.id!r}: {stops} stops served, reported unserved {dropped}x")
    errors += [f"unserved order {u.order!r} has no reason" for u in result.unserved if not u.reason]
    routed = {route.vehicle for route in result.routes}
    errors += [
        f"pinned {p.vehicle!r} has no route" for p in problem.fixed if p.vehicle not in routed
    ]
    errors += [
        f"unknown order {order!r}" for order in set(served) | set(unserved) if order not in orders
    ]
    return errors


def _route_errors(
    problem: Problem, orders: dict[str, Order], vehicle: Vehicle, route: Route
) -> list[str]:
    label = f"route {vehicle.id!r}"
    errors: list[str] = []
    errors += _sequence_errors(problem, orders, vehicle, route, label)
    if errors:
        return errors
    errors += _load_errors(orders, vehicle, route, label)
    errors += _time_errors(problem, orders, vehicle, route, label)
    places = [vehicle.start, *(visit.node for visit in route.visits), vehicle.end]
    distance = sum(problem.distances.at(a, b) for a, b in pairwise(places))
    if distance != route.distance:
        errors.append(f"{label} distance {route.distance}, recomputed {distance}")
    return errors


def _sequence_errors(
    problem: Problem, orders: dict[str, Order], vehicle: Vehicle, route: Route, label: str
) -> list[str]:
    errors: list[str] = []
    position: dict[tuple[str, Leg], int] = {}
    for at, visit in enumerate(route.visits):
        order = orders.get(visit.order)
        stop = order.stop(visit.leg) if order is not None else None
        if order is None or stop is None:
            errors.append(f"{label} visits unknown stop {visit.order!r} {visit.leg}")
            continue
        if stop.node != visit.node:
            errors.append(f"{label} visits {visit.order!r} at node {visit.node}, not {stop.node}")
        if not order.skills <= vehicle.skills:
            errors.append(f"{label} lacks skills {sorted(order.skills - vehicle.skills)}")
        position[(visit.order, visit.leg)] = at
    for order_id, leg in list(position):
        order = orders[order_id]
        if order.pickup is None or order.delivery is None:
            continue
        pickup, delivery = (
            position.get((order_id, Leg.PICKUP)),
            position.get((order_id, Leg.DELIVERY)),
        )
        if pickup is None or delivery is None:
            errors.append(f"{label} has only the {leg} of pair {order_id!r}")
        elif pickup > delivery:
            errors.append(f"{label} delivers {order_id!r} before picking it up")
    for prefix in problem.fixed:
        if prefix.vehicle == vehicle.id:
            head = [(visit.order, visit.leg) for visit in route.visits[: len(prefix.stops)]]
            if head != [(ref.order, ref.leg) for ref in prefix.stops]:
                errors.append(f"{label} does not start with its fixed stops in order")
    return errors


def _load_errors(orders: dict[str, Order], vehicle: Vehicle, route: Route, label: str) -> list[str]:
    """Delivery-only orders are on board from the start; pickup-only orders stay to the end."""
    load = [0] * len(vehicle.capacity)
    for order_id in {visit.order for visit in route.visits}:
        if orders[order_id].pickup is None:
            load = _add(load, _demand(orders[order_id], vehicle), 1)
    errors: list[str] = []
    if not _fits(load, vehicle):
        errors.append(f"{label} starts loaded {load}, over capacity {vehicle.capacity}")
    for visit in route.visits:
        sign = 1 if visit.leg is Leg.PICKUP else -1
        load = _add(load, _demand(orders[visit.order], vehicle), sign)
        if not _fits(load, vehicle):
            errors.append(f"{label} load {load} after {visit.order!r} outside {vehicle.capacity}")
    return errors


def _add(load: list[int], amounts: list[int], sign: int) -> list[int]:
    return [have + sign * amount for have, amount in zip(load, amounts, strict=True)]


def _fits(load: list[int], vehicle: Vehicle) -> bool:
    return all(0 <= have <= room for have, room in zip(load, vehicle.capacity, strict=True))


def _demand(order: Order, vehicle: Vehicle) -> list[int]:
    return list(order.demand) if order.demand else [0] * len(vehicle.capacity)


def _time_errors(
    problem: Problem, orders: dict[str, Order], vehicle: Vehicle, route: Route, label: str
) -> list[str]:
    errors: list[str] = []
    fixed = {
        (ref.order, ref.leg)
        for prefix in problem.fixed
        if prefix.vehicle == vehicle.id
        for ref in prefix.stops
    }
    if not vehicle.shift.start <= route.start <= route.end <= vehicle.shift.end:
        errors.append(f"{label} runs {route.start}..{route.end}, outside its shift")
    breaks = sorted((b.start, b.end) for b in route.breaks)
    driving: list[tuple[int, int]] = []
    now, here = route.start, vehicle.start
    for visit in route.visits:
        stop = orders[visit.order].stop(visit.leg)
        assert stop is not None
        now = _drive(now, problem.durations.at(here, visit.node), breaks, driving)
        if visit.arrival < now or visit.start < visit.arrival:
            errors.append(f"{label} ETA {visit.arrival} at {visit.order!r}, earliest is {now}")
        if visit.start < now:
            errors.append(f"{label} starts {visit.order!r} at {visit.start}, can't arrive by {now}")
        if visit.end != visit.start + stop.service:
            errors.append(f"{label} serves {visit.order!r} for {visit.end - visit.start}")
        if stop.windows and not _in_windows(
            stop.windows, visit.start, (visit.order, visit.leg) in fixed
        ):
            errors.append(f"{label} starts {visit.order!r} at {visit.start}, outside its windows")
        now, here = visit.end, visit.node
    if _drive(now, problem.durations.at(here, vehicle.end), breaks, driving) > route.end:
        errors.append(f"{label} can't reach its end by {route.end}")
    errors += _break_errors(problem, vehicle, route, breaks, driving, label)
    return errors


def _in_windows(windows: Sequence[TimeWindow], start: int, fixed: bool) -> bool:
    """A fixed (committed) stop may be late but never early."""
    if fixed:
        return start >= windows[0].start
    return any(window.start <= start <= window.end for window in windows)


def _drive(
    leave: int, travel: int, breaks: list[tuple[int, int]], driving: list[tuple[int, int]]
) -> int:
    """Drive as early as possible from ``leave``, stopping for breaks; log driving spans."""
    now, left = leave, travel
    for start, end in breaks:
        if left == 0 or start >= now + left:
            break
        if end <= now:
            continue
        if start > now:
            driving.append((now, start))
            left -= start - now
        now = end
    if left:
        driving.append((now, now + left))
    return now + left


def _break_errors(
    problem: Problem,
    vehicle: Vehicle,
    route: Route,
    breaks: list[tuple[int, int]],
    driving: list[tuple[int, int]],
    label: str,
) -> list[str]:
    """Breaks must not overlap service or each other; driving with no pause of ``min_break``
    in between must stay within ``max_driving`` (waiting and service count as pauses)."""
    rule = problem.break_rule
    if rule is None or not vehicle.breaks:
        return []
    errors: list[str] = []
    busy = sorted([*breaks, *((v.start, v.end) for v in route.visits if v.end > v.start)])
    for (_, end), (start, _) in pairwise(busy):
        if start < end:
            errors.append(f"{label} has a break overlapping service or another break")
    for start, end in breaks:
        if end - start < rule.min_break:
            errors.append(f"{label} break {start}..{end} is shorter than {rule.min_break}")
    stretch, last_end = 0, None
    for start, end in driving:
        if last_end is not None and start - last_end >= rule.min_break:
            stretch = 0
        stretch += end - start
        last_end = end
        if stretch > rule.max_driving:
            errors.append(f"{label} drives {stretch} s without a {rule.min_break} s pause")
            break
    return errors
