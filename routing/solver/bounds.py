"""A lower bound on the vehicles any plan needs, so a dispatcher sees how far a plan's fleet is
from the best possible (the fleet is what a cooperative pays for first).

Two cheap bounds over the orders that can be served at all, the larger one wins:

* **time**: every stop takes its service and is left by some drive of at least its shortest
  outgoing travel time; the longest shifts must hold all of that work;
* **conflicts**: two orders one of whose stops can reach the other's in neither direction in
  time (earliest start + service + travel beyond the other's latest start) never share a
  vehicle; a greedy set of pairwise conflicting orders needs a vehicle each.

Both ignore capacity and skills (a pickup-delivery day reuses capacity along a route), so they
stay valid for every problem the planner takes.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from routing.solver.model import Order, Problem, Stop

Span = tuple[int, int, int, int]  # node, earliest start, latest start, service
NONE = 2**62  # above any drive: the minimum of no drive at all, read back as 0


def fleet_lower_bound(problem: Problem, leave_out: Collection[int] = ()) -> int:
    """At least this many vehicles serve every order not in ``leave_out`` (indices)."""
    orders = [order for j, order in enumerate(problem.orders) if j not in leave_out]
    if not orders or not problem.vehicles:
        return 0
    return max(_by_time(problem, orders), _by_conflicts(problem, orders))


def _by_time(problem: Problem, orders: Sequence[Order]) -> int:
    shortest_out: dict[int, int] = {}
    work = 0
    for order in orders:
        for _, stop in order.stops():
            if stop.node not in shortest_out:
                shortest_out[stop.node] = _shortest_out(problem, stop.node)
            work += stop.service + shortest_out[stop.node]
    shifts = sorted((v.shift.end - v.shift.start for v in problem.vehicles), reverse=True)
    covered = 0
    for count, length in enumerate(shifts, start=1):
        covered += length
        if covered >= work:
            return count
    return len(shifts)  # more work than every shift together: the whole fleet, at least


def _shortest_out(problem: Problem, node: int) -> int:
    """The shortest drive from ``node`` to any other place (0 for a lone place)."""
    row = problem.durations.row(node)
    before, after = row[:node], row[node + 1 :]
    return min(min(before, default=NONE), min(after, default=NONE)) % NONE


def _by_conflicts(problem: Problem, orders: Sequence[Order]) -> int:
    timed = [[span for _, stop in order.stops() if (span := _span(stop))] for order in orders]
    candidates = sorted((spans for spans in timed if spans), key=_tightness)
    clique: list[list[Span]] = []
    for candidate in candidates:
        if all(_apart(problem, candidate, member) for member in clique):
            clique.append(candidate)
    return len(clique)


def _tightness(spans: Sequence[Span]) -> int:
    return min(latest - earliest for _, earliest, latest, _ in spans)


def _span(stop: Stop) -> Span | None:
    if not stop.windows:
        return None
    return stop.node, stop.windows[0].start, stop.windows[-1].end, stop.service


def _apart(problem: Problem, first: Sequence[Span], second: Sequence[Span]) -> bool:
    """Whether some stop of ``first`` and some stop of ``second`` fit one route in no order."""
    at = problem.durations.at
    return any(
        a[1] + a[3] + at(a[0], b[0]) > b[2] and b[1] + b[3] + at(b[0], a[0]) > a[2]
        for a in first
        for b in second
    )
