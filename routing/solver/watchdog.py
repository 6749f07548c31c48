"""Stopping a search on time or once it is good enough, from OR-Tools' solution callback.

OR-Tools holds the GIL while it searches, so a timer thread cannot interrupt it (measured: a
``CancelSearch`` timer set for 3 s fired only when a 60 s search returned), and its own time
limit is checked late on large models (60 s limits overshot by up to ~36 s at 1,000
customers). The callback runs at every solution the search accepts and costs one clock read.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


class Watchdog:
    """Finishes the search at the first solution after ``stop_at`` (a ``time.monotonic()``
    value) or once the cost drops below ``target`` (``None``: no target) or ``quiet(cost)``
    says so (``stopping.NoImprovementFor``); only once ``armed``, i.e. when the search starts
    from a complete plan."""

    def __init__(
        self,
        routing: Any,
        stop_at: float,
        target: int | None = None,
        quiet: Callable[[int], bool] | None = None,
    ) -> None:
        self.routing = routing
        self.stop_at = stop_at
        self.target = target
        self.quiet = quiet
        self.armed = False

    def __call__(self) -> None:
        if not self.armed:
            return
        cost = self.routing.CostVar().Value()
        if (
            time.monotonic() >= self.stop_at
            or (self.target is not None and cost < self.target)
            or (self.quiet is not None and self.quiet(cost))
        ):
            self.routing.solver().FinishCurrentSearch()
