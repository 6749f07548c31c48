"""How to search: strategies, route elimination and decomposition (never the time or the seed,
which every call passes explicitly)."""

from __future__ import annotations

from dataclasses import dataclass

from ortools.constraint_solver import routing_enums_pb2

_FIRST = frozenset(routing_enums_pb2.FirstSolutionStrategy.Value.keys())
_META = frozenset(routing_enums_pb2.LocalSearchMetaheuristic.Value.keys())


@dataclass(frozen=True, slots=True)
class Options:
    """Search settings.

    The default first solution is PARALLEL_CHEAPEST_INSERTION: on tight Solomon instances
    PATH_CHEAPEST_ARC found no plan at all within 10-30 s. ``eliminate_routes`` spends part of
    the budget removing the smallest route and re-inserting its orders, which the guided local
    search alone almost never does (it pays off when vehicles have a fixed cost). Problems with
    more than ``decompose_above`` orders are split into regions of about ``region_size`` orders
    solved in up to ``workers`` processes; by default 200 orders, or 100 when breaks are
    modelled (first plans with breaks are slower; measured on Gehring-Homberger 1,000, 60 s,
    4 instances: median gap 12.45 % with regions of 200, 13.57 % with 100). With breaks,
    problems are decomposed from ``decompose_above_with_breaks`` orders: a single model of a
    synthetic Đồng Nai day with 300 orders and 450 drivers (or 600 and 620) served nothing in 30 s
    (no first plan), while 200 orders and 420 drivers served every order in 10 s and regions
    served 95 % of 300 orders × 620 drivers in 10 s.

    ``warm_share`` of the budget goes to PyVRP's genetic search where it can model the problem
    (no skills, breaks, committed prefixes or multiple windows; ``routing.solver.warm``); its plan
    then seeds OR-Tools for the rest. 0 plans with OR-Tools alone. Past ``pyvrp_whole_up_to``
    orders PyVRP plans region by region instead of the whole day (at 3,000 generated tasks,
    120 s, the whole day's search barely moved from its first plan: 747 of 750 vehicles used,
    174 orders unserved).

    ``stop_when_no_improvement_s`` ends every search phase (PyVRP's and OR-Tools') once its best
    plan has not improved for that long, so a small problem answers in a fraction of its
    budget; ``None`` searches until the budget is spent. Independently of it, route elimination
    stops once a plan serves every order it can with the fleet's lower bound of vehicles
    (``bounds``): no fewer can do (``stopping``).

    Plain OR-Tools (the benchmarks' baseline) runs beside the planner in a second process when
    ``workers`` > 1, the budget is at least ``rival_from_s`` (starting a process costs ~1 s)
    and there are at most ``rival_up_to`` orders; the better checked plan is answered
    (``portfolio``).
    """

    first_solution: str = "PARALLEL_CHEAPEST_INSERTION"
    warm_share: float = 0.75
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    eliminate_routes: bool = True
    decompose_above: int = 600
    decompose_above_with_breaks: int = 200
    pyvrp_whole_up_to: int = 1500
    region_size: int | None = None
    workers: int = 2
    stop_when_no_improvement_s: float | None = None
    rival_from_s: float = 10.0
    rival_up_to: int = 1500
    log: bool = False

    def __post_init__(self) -> None:
        if self.first_solution not in _FIRST:
            raise ValueError(f"unknown first-solution strategy {self.first_solution!r}")
        if self.metaheuristic not in _META:
            raise ValueError(f"unknown metaheuristic {self.metaheuristic!r}")
        if not 0 <= self.warm_share < 1:
            raise ValueError(f"warm_share must be in [0, 1), got {self.warm_share}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        quiet = self.stop_when_no_improvement_s
        if quiet is not None and not quiet > 0:
            raise ValueError(f"stop_when_no_improvement_s must be positive, got {quiet}")
        if self.rival_from_s < 0 or self.rival_up_to < 0:
            raise ValueError("rival_from_s and rival_up_to must not be negative")
        limits = (self.decompose_above, self.decompose_above_with_breaks, self.pyvrp_whole_up_to)
        if min(limits) < 1 or (self.region_size is not None and self.region_size < 1):
            raise ValueError(
                "decompose_above(_with_breaks), pyvrp_whole_up_to and region_size must be positive"
            )
