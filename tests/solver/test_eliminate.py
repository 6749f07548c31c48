"""The one route-elimination loop, on plans reduced to their routes' sizes: which route goes,
when the loop gives up, and that a proven fleet is never searched further."""

from __future__ import annotations

import time
from collections.abc import Callable

from routing.solver.eliminate import eliminate_routes

Plan = tuple[int, ...]  # stops per route


def merge_into_others(limit: int, tried: list[int]) -> Callable[[Plan, int, float], Plan | None]:
    """A route goes when the others can absorb its stops one each, up to ``limit`` a route."""

    def without(plan: Plan, route: int, seconds: float) -> Plan | None:
        assert seconds > 0
        tried.append(plan[route])
        rest = [size for n, size in enumerate(plan) if n != route]
        if sum(limit - size for size in rest) < plan[route]:
            return None
        spare = plan[route]
        grown = []
        for size in rest:
            take = min(limit - size, spare)
            grown.append(size + take)
            spare -= take
        return tuple(grown)

    return without


def run(plan: Plan, limit: int, *, proven_at: int = 1, patience: int = 1) -> tuple[Plan, list[int]]:
    tried: list[int] = []
    found = eliminate_routes(
        plan,
        sizes=list,
        without=merge_into_others(limit, tried),
        proven=lambda plan: len(plan) <= proven_at,
        until=time.monotonic() + 10,
        slice_s=1.0,
        patience=patience,
    )
    return found, tried


def test_the_smallest_route_goes_first_until_an_attempt_fails() -> None:
    found, tried = run((3, 1, 2, 2), limit=4)
    assert tried == [1, 2, 4] and found == (4, 4)  # no room left for a full route


def test_after_a_failure_the_next_smallest_is_tried_while_patience_lasts() -> None:
    found, tried = run((4, 4, 1, 3), limit=4, patience=2)
    assert tried[0] == 1 and found == (4, 4, 4)
    assert tried[1:] == [4, 4]  # two failures in a row end it


def test_a_proven_fleet_is_not_searched() -> None:
    found, tried = run((2, 2), limit=4, proven_at=2)
    assert found == (2, 2) and tried == []
