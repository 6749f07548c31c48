"""The planner's independent checker, written from the problem's definition only: it shares no
evaluation code with the planner, so a planner bug cannot hide behind the same bug here.

``check_plan`` judges a ``Result`` against its ``Problem``: every order served once or reported
unserved with a reason, skills, capacities, windows, shifts, pickup before delivery on one
vehicle, fixed prefixes, distances, and continuous driving between breaks. It is part of the
solver, not of its benchmarks, because every plan is worth judging, and pure like the rest of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from routing.solver.model import Leg, Order, Problem, TimeWindow, Vehicle
from routing.solver.result import Result, Route


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
