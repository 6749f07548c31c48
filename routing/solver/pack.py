"""A cheap first plan that fills one vehicle at a time, for PyVRP to start from.

PyVRP's own start is a random plan over the whole fleet, improved by one local search: on a
generated 1,000-task cooperative day (250 trucks) that left 212 routes, and its search at
2,000 places then barely empties any (206 after 30 s). Plain OR-Tools' cheapest insertion,
which opens a route only when no open one takes the order, found 140 there when it completed.
This construction packs the same way, in linear numpy passes: a vehicle leaves at its shift's
start and serves, again and again, the order it can finish first (pickup then its delivery, or
a single stop), until none fits before its shift ends; then the next vehicle. A second pair
picked up right after a pickup rides along when delivering both ends sooner than serving them
one after the other (loads leave the same zones for the same towns): on that day 183 routes
instead of 210. Orders no vehicle takes are left for PyVRP to insert.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from routing.solver.model import Leg, Problem, Stop, StopRef, Vehicle

Plan = Mapping[str, Sequence[StopRef]]
Ints = NDArray[np.int64]
Bools = NDArray[np.bool_]
Num = Ints | int  # one value, or one per order
OPEN = np.iinfo(np.int64).max // 4  # a window's end when it has none: far beyond any sum here


def packed_plan(problem: Problem, leave_out: Collection[int] = ()) -> Plan:
    """Vehicle id → stops, each vehicle filled before the next is opened (module docstring)."""
    orders = [j for j in range(len(problem.orders)) if j not in leave_out]
    if not orders or not problem.vehicles:
        return {}
    size = problem.durations.size
    travel: Ints = np.frombuffer(problem.durations.values, dtype=np.int64).reshape(size, size)
    tasks = _tasks(problem, orders)
    left = np.ones(len(orders), dtype=bool)
    plan: dict[str, list[StopRef]] = {}
    for vehicle in problem.vehicles:
        if not left.any():
            break
        steps = _fill(vehicle, travel, tasks, left)
        if steps:
            plan[vehicle.id] = [
                StopRef(problem.orders[orders[k]].id, _legs_of(problem, orders[k])[-1 if b else 0])
                for k, b in steps
            ]
    return plan


@dataclass(frozen=True, slots=True)
class _Tasks:
    """The orders as arrays: first stop (a), second stop (b; a single stop's repeats a)."""

    node_a: Ints
    open_a: Ints
    close_a: Ints
    service_a: Ints
    node_b: Ints
    open_b: Ints
    close_b: Ints
    service_b: Ints
    paired: Bools
    demand: Ints


def _visit(
    travel: Ints, here: Num, now: Num, node: Num, opens: Num, closes: Num, service: Num
) -> tuple[Ints, Bools]:  # fmt: skip
    """Service end at ``node`` after leaving ``here`` at ``now``, and whether its window held."""
    arrive = np.maximum(opens, now + travel[here, node])
    return arrive + service, arrive <= closes


def _fill(vehicle: Vehicle, travel: Ints, t: _Tasks, left: Bools) -> list[tuple[int, bool]]:
    """One vehicle's stops as (task, second stop?), earliest finish first; marks its tasks
    taken in ``left``. A pair is delivered before the next order is picked up, unless a second
    pair rides along (``_companion``); single stops' loads add up against the capacity."""
    capacity = np.array(vehicle.capacity or (OPEN,) * t.demand.shape[1], dtype=np.int64)
    load = np.zeros_like(capacity)
    here, now = vehicle.start, vehicle.shift.start
    steps: list[tuple[int, bool]] = []
    while True:
        done_a, ok_a = _visit(travel, here, now, t.node_a, t.open_a, t.close_a, t.service_a)
        done_b, ok_b = _visit(travel, t.node_a, done_a, t.node_b, t.open_b, t.close_b, t.service_b)
        done = np.where(t.paired, done_b, done_a)
        last = np.where(t.paired, t.node_b, t.node_a)
        ok = left & ok_a & (~t.paired | ok_b) & ((load + t.demand) <= capacity).all(axis=1)
        ok &= done + travel[last, vehicle.end] <= vehicle.shift.end
        if not ok.any():
            return steps
        k = int(np.argmin(np.where(ok, done, OPEN)))
        left[k] = False
        if not t.paired[k]:
            steps.append((k, False))
            load += t.demand[k]
            here, now = int(last[k]), int(done[k])
            continue
        riders = left & t.paired & ((load + t.demand[k] + t.demand) <= capacity).all(axis=1)
        both = _companion(vehicle, travel, t, k, int(done_a[k]), int(done[k]), riders)
        if both is None:
            steps += [(k, False), (k, True)]
            here, now = int(last[k]), int(done[k])
            continue
        c, deliveries, here, now = both
        left[c] = False
        steps += [(k, False), (c, False), *deliveries]


def _companion(
    vehicle: Vehicle, travel: Ints, t: _Tasks, k: int, picked: int, alone: int, riders: Bools
) -> tuple[int, list[tuple[int, bool]], int, int] | None:
    """A second pair to pick up right after ``k``'s pickup (done at ``picked``) and deliver
    with it, in either order, when that ends sooner than serving it after ``k`` (done at
    ``alone``): on a cooperative's day loads leave the same zones for the same towns. Returns
    the pair, the two deliveries in order, the last place and the time it is left."""
    node_k, node_dk = int(t.node_a[k]), int(t.node_b[k])
    open_dk, close_dk, service_dk = int(t.open_b[k]), int(t.close_b[k]), int(t.service_b[k])
    done_c, ok = _visit(travel, node_k, picked, t.node_a, t.open_a, t.close_a, t.service_a)
    # deliver k first, then the rider
    done_k1, ok_k1 = _visit(travel, t.node_a, done_c, node_dk, open_dk, close_dk, service_dk)
    end_1, ok_1 = _visit(travel, node_dk, done_k1, t.node_b, t.open_b, t.close_b, t.service_b)
    # deliver the rider first, then k
    done_r2, ok_r2 = _visit(travel, t.node_a, done_c, t.node_b, t.open_b, t.close_b, t.service_b)
    end_2, ok_k2 = _visit(travel, t.node_b, done_r2, node_dk, open_dk, close_dk, service_dk)
    first_ok = ok_k1 & ok_1 & (end_1 + travel[t.node_b, vehicle.end] <= vehicle.shift.end)
    second_ok = ok_r2 & ok_k2 & (end_2 + travel[node_dk, vehicle.end] <= vehicle.shift.end)
    end = np.minimum(np.where(first_ok, end_1, OPEN), np.where(second_ok, end_2, OPEN))
    after_a, ok_a = _visit(travel, node_dk, alone, t.node_a, t.open_a, t.close_a, t.service_a)
    after, ok_b = _visit(travel, t.node_a, after_a, t.node_b, t.open_b, t.close_b, t.service_b)
    separately = np.where(ok_a & ok_b, after, OPEN)
    good = riders & ok & (end < OPEN) & (end < separately)
    if not good.any():
        return None
    c = int(np.argmin(np.where(good, end, OPEN)))
    if first_ok[c] and end_1[c] == end[c]:
        return c, [(k, True), (c, True)], int(t.node_b[c]), int(end_1[c])
    return c, [(c, True), (k, True)], node_dk, int(end_2[c])


def _tasks(problem: Problem, orders: Sequence[int]) -> _Tasks:
    first, second, paired = _legs(problem, orders)
    dims = max(problem.dimensions, 1)
    demand = np.array(
        [problem.orders[j].demand or (0,) * dims for j in orders], dtype=np.int64
    ).reshape(len(orders), -1)
    a, b = first.T, second.T
    return _Tasks(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3], paired, demand)


def _legs(problem: Problem, orders: Sequence[int]) -> tuple[Ints, Ints, Bools]:
    """Per order: its first and second stop as (node, window start, window end, service) rows
    (a single stop's second row repeats it), and whether it is a pair."""
    rows_a, rows_b, paired = [], [], []
    for j in orders:
        stops = [stop for _, stop in problem.orders[j].stops()]
        rows_a.append(_row(stops[0]))
        rows_b.append(_row(stops[-1]))
        paired.append(len(stops) == 2)
    return (
        np.array(rows_a, dtype=np.int64),
        np.array(rows_b, dtype=np.int64),
        np.array(paired, dtype=bool),
    )


def _legs_of(problem: Problem, j: int) -> list[Leg]:
    return [leg for leg, _ in problem.orders[j].stops()]


def _row(stop: Stop) -> tuple[int, int, int, int]:
    if not stop.windows:
        return stop.node, 0, OPEN, stop.service
    return stop.node, stop.windows[0].start, stop.windows[0].end, stop.service
