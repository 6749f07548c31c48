"""The benchmark's checker, written from the instance definitions only: ``check_instance``
judges a benchmark solution (customer-id routes) the way the benchmark does: exact (double)
Euclidean arithmetic for Li & Lim, DIMACS truncation for VRPTW. Planner results are judged by
``routing.solver.check.check_plan``, which shares no evaluation code with the planner.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.vrp_instances import Instance

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
