"""Splitting a large problem into regions from travel times alone (the solver never sees
coordinates): farthest-point seeds, each order to its nearest seed with room, each vehicle to
the seed nearest its start, and a sub-problem per region on its own small matrices."""

from __future__ import annotations

import math
import random
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, replace

from routing.solver.model import Matrix, Order, Problem, Stop
from routing.solver.screen import can_serve


@dataclass(frozen=True, slots=True)
class Region:
    """Order and vehicle indices of the whole problem, and the seed place it grew from."""

    seed: int
    orders: tuple[int, ...]
    fleet: tuple[int, ...]


def regions(
    problem: Problem,
    orders: Sequence[int],
    size: int,
    seed: int,
    vehicles_per_order: float,
    fleet: Sequence[int] | None = None,
) -> list[Region]:
    """About ``len(orders) / size`` regions of at most ``1.25 * size`` orders each; a region
    keeps its nearest vehicles of ``fleet`` (default: all), at most ``vehicles_per_order`` per
    order (pinned ones always)."""
    count = max(1, -(-len(orders) // size))
    times = problem.durations
    anchors = [_anchor(problem.orders[j]) for j in orders]
    seeds = _farthest_points(times, anchors, count, random.Random(seed))
    pinned = {prefix.vehicle: prefix for prefix in problem.fixed}
    allowed = set(range(len(problem.vehicles)) if fleet is None else fleet)
    vehicle_region = [
        min(range(count), key=lambda r: times.at(vehicle.start, seeds[r])) if v in allowed else -1
        for v, vehicle in enumerate(problem.vehicles)
    ]
    fixed_region = {
        ref.order: vehicle_region[v]
        for v, vehicle in enumerate(problem.vehicles)
        if vehicle.id in pinned
        for ref in pinned[vehicle.id].stops
    }
    members: list[list[int]] = [[] for _ in seeds]
    room = -(-len(orders) * 5 // (4 * count))
    costs = [[times.at(s, anchor[0]) + times.at(s, anchor[1]) for s in seeds] for anchor in anchors]
    for k in sorted(range(len(orders)), key=lambda k: min(costs[k])):
        j = orders[k]
        if problem.orders[j].id in fixed_region:
            members[fixed_region[problem.orders[j].id]].append(j)
            continue
        ranked = sorted(range(count), key=costs[k].__getitem__)
        members[next((r for r in ranked if len(members[r]) < room), ranked[0])].append(j)
    fleets = _fleets(problem, members, seeds, vehicle_region, vehicles_per_order)
    return [
        Region(seeds[r], tuple(members[r]), tuple(fleets[r]))
        for r in range(count)
        if members[r] and fleets[r]
    ]


def _fleets(
    problem: Problem,
    members: Sequence[Sequence[int]],
    seeds: Sequence[int],
    vehicle_region: Sequence[int],
    vehicles_per_order: float,
) -> list[list[int]]:
    """Each region's nearest vehicles up to its quota (its orders × the ratio, the ratio capped
    by the fleet's), pinned vehicles with their own region first. With one depot for all, the
    quotas still share the fleet out instead of giving it all to the region around the depot."""
    times = problem.durations
    orders = sum(len(group) for group in members)
    ratio = min(vehicles_per_order, len(problem.vehicles) / max(1, orders))
    quota = [max(1, math.ceil(ratio * len(group))) if group else 0 for group in members]
    fleets: list[list[int]] = [[] for _ in seeds]
    pinned = {prefix.vehicle for prefix in problem.fixed}
    free: list[int] = []
    for v, vehicle in enumerate(problem.vehicles):
        if vehicle_region[v] < 0:
            continue
        if vehicle.id in pinned:
            fleets[vehicle_region[v]].append(v)
        else:
            free.append(v)
    candidates = sorted(
        (times.at(problem.vehicles[v].start, seeds[r]), v, r)
        for v in free
        for r in range(len(seeds))
        if quota[r]
    )
    taken: set[int] = set()
    for _, v, r in candidates:
        if v not in taken and len(fleets[r]) < quota[r]:
            fleets[r].append(v)
            taken.add(v)
    _fitting(problem, members, seeds, fleets, [v for v in free if v not in taken])
    return fleets


def _fitting(
    problem: Problem,
    members: Sequence[Sequence[int]],
    seeds: Sequence[int],
    fleets: list[list[int]],
    spare: list[int],
) -> None:
    """Give a region, beyond its quota, the nearest spare vehicle that can serve an order none of
    its vehicles can. With every truck at one depot the nearest are simply the first listed
    (all vans on a generated day), so a region could hold orders none of its vehicles could
    carry or reach within their shifts."""
    times, vehicles = problem.durations, problem.vehicles
    for r, group in enumerate(members):
        for j in group:
            order = problem.orders[j]
            if any(can_serve(problem, vehicles[v], order) for v in fleets[r]):
                continue
            able = [v for v in spare if can_serve(problem, vehicles[v], order)]
            if able:
                nearest = min(able, key=lambda v: times.at(vehicles[v].start, seeds[r]))
                fleets[r].append(nearest)
                spare.remove(nearest)


def pairs(found: Sequence[Region], problem: Problem) -> list[Region]:
    """Neighbouring regions merged two by two (nearest seeds first), to re-plan across borders."""
    left = list(range(len(found)))
    merged: list[Region] = []
    times = problem.durations
    while left:
        first = left.pop(0)
        if not left:
            merged.append(found[first])
            break
        other = min(left, key=lambda r: times.at(found[first].seed, found[r].seed))
        left.remove(other)
        a, b = found[first], found[other]
        merged.append(Region(a.seed, a.orders + b.orders, a.fleet + b.fleet))
    return merged


@dataclass(frozen=True, slots=True)
class Part:
    """A region as a problem of its own, with its places renumbered 0..n-1."""

    problem: Problem
    places: tuple[int, ...]  # part node → whole-problem node


def restrict(problem: Problem, region: Region) -> Part:
    orders = [problem.orders[j] for j in region.orders]
    vehicles = [problem.vehicles[v] for v in region.fleet]
    used = sorted(
        {stop.node for order in orders for _, stop in order.stops()}
        | {place for vehicle in vehicles for place in (vehicle.start, vehicle.end)}
    )
    index = {place: i for i, place in enumerate(used)}
    names = {vehicle.id for vehicle in vehicles}
    part = Problem(
        _submatrix(problem.durations, used),
        _submatrix(problem.distances, used),
        tuple(replace(v, start=index[v.start], end=index[v.end]) for v in vehicles),
        tuple(_renumber(order, index) for order in orders),
        tuple(prefix for prefix in problem.fixed if prefix.vehicle in names),
        problem.break_rule,
    )
    return Part(part, tuple(used))


def _anchor(order: Order) -> tuple[int, int]:
    stops = [stop.node for _, stop in order.stops()]
    return stops[0], stops[-1]


def _farthest_points(
    times: Matrix, anchors: Sequence[tuple[int, int]], count: int, rng: random.Random
) -> list[int]:
    """``count`` pickup places spread out: each next one farthest from those chosen."""
    places = [anchor[0] for anchor in anchors]
    seeds = [rng.choice(places)]
    nearest = [times.at(seeds[0], p) + times.at(p, seeds[0]) for p in places]
    while len(seeds) < count:
        far = max(range(len(places)), key=nearest.__getitem__)
        seeds.append(places[far])
        row = times.row(places[far])
        nearest = [
            min(have, row[p] + times.at(p, places[far]))
            for have, p in zip(nearest, places, strict=True)
        ]
    return seeds


def _submatrix(matrix: Matrix, used: Sequence[int]) -> Matrix:
    values: array[int] = array("q")
    for place in used:
        row = matrix.row(place)
        values.extend(row[other] for other in used)
    return Matrix(len(used), values)


def _renumber(order: Order, index: dict[int, int]) -> Order:
    def moved(stop: Stop | None) -> Stop | None:
        return None if stop is None else replace(stop, node=index[stop.node])

    return replace(order, pickup=moved(order.pickup), delivery=moved(order.delivery))
