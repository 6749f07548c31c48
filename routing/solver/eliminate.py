"""Route elimination, one loop for both searches: take the smallest route out, keep the plan
found without it, stop when that fails or no fewer routes can do.

With a fixed cost per vehicle neither search empties routes by itself (removing one pays only
once its last stop has moved, see ``single`` and ``warm``); each asks for a plan without a
route in its own way, and this loop decides which route, for how long, and when to stop.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

P = TypeVar("P")


def eliminate_routes(
    plan: P,
    *,
    sizes: Callable[[P], Sequence[int]],
    without: Callable[[P, int, float], P | None],
    proven: Callable[[P], bool],
    until: float,
    slice_s: float,
    patience: int = 1,
) -> P:
    """Ask ``without(plan, route, seconds)`` for a plan without the smallest route (after a
    failure, the next smallest), at most ``slice_s`` seconds each, and keep every plan found;
    stop after ``patience`` failures in a row, at ``until`` (a ``time.monotonic()`` value) or
    once ``proven(plan)``: no plan of the same orders has fewer routes. ``sizes(plan)``: the
    stops of each route that may be taken out, numbered as ``without`` numbers them."""
    failures = 0
    while failures < patience and not proven(plan):
        seconds = min(slice_s, until - time.monotonic())
        counts = sizes(plan)
        if seconds <= 0 or len(counts) <= failures:
            break
        route = sorted(range(len(counts)), key=counts.__getitem__)[failures]
        trial = without(plan, route, seconds)
        if trial is None:
            failures += 1
        else:
            plan, failures = trial, 0
    return plan
