"""Stopping a search before its wall-clock budget once waiting longer is unlikely to pay.

One criterion serves both searches: PyVRP calls any ``(best_cost) -> bool`` callable as a
stopping criterion (its ``StoppingCriterion`` protocol), and OR-Tools' solution callback
(``watchdog``) reads the model's cost and asks the same question. PyVRP's own ``NoImprovement``
counts iterations, whose length varies by orders of magnitude with the problem's size; a time
without improvement means the same on every problem, and a dispatcher can choose it.
"""

from __future__ import annotations

import time

from pyvrp.stop import MaxRuntime, MultipleCriteria, StoppingCriterion

NO_PLAN = 2**63 - 1  # PyVRP's cost of a best solution that is not feasible yet


class NoImprovementFor:
    """True once the best cost has not dropped for ``seconds`` since the first plan: a search
    still without a feasible plan (cost ``NO_PLAN``) is not stalled, and a tight problem keeps
    its whole budget to find one (OR-Tools calls back with plans only)."""

    def __init__(self, seconds: float) -> None:
        if seconds <= 0:
            raise ValueError(f"seconds must be positive, got {seconds}")
        self.seconds = seconds
        self._best: float | None = None
        self._since = 0.0

    def __call__(self, best_cost: float) -> bool:
        now = time.monotonic()
        if best_cost >= NO_PLAN:
            return False
        if self._best is None or best_cost < self._best:
            self._best, self._since = best_cost, now
            return False
        return now - self._since >= self.seconds


def fleet_proven(vehicles: int, unserved: int, lower_bound: int) -> bool:
    """Whether no plan can serve the same orders with fewer vehicles: every order that can be
    served is (``unserved`` counts the others the plan leaves out) and the fleet is down to the
    lower bound (``bounds.fleet_lower_bound``), so route elimination has nothing left to win."""
    return unserved == 0 and vehicles <= lower_bound


def pyvrp_stop(seconds: float, quiet_s: float | None, *more: StoppingCriterion) -> MultipleCriteria:
    """PyVRP's criterion for a run: ``seconds`` at most, ``quiet_s`` without improvement at
    most (``None``: no such limit), or any of ``more``."""
    criteria: list[StoppingCriterion] = [MaxRuntime(max(0.0, seconds)), *more]
    if quiet_s is not None:
        criteria.append(NoImprovementFor(quiet_s))
    return MultipleCriteria(criteria)
