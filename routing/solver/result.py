"""What the planner answers: routes with times, breaks, and every unserved order with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from routing.solver.model import Leg


class Status(StrEnum):
    FEASIBLE = "feasible"  # a plan was found; it may serve only some orders
    NO_SOLUTION = "no_solution"  # no plan within the time limit (e.g. fixed stops can't fit)


@dataclass(frozen=True, slots=True)
class Visit:
    """``arrival`` is the ETA driving as early as possible (after any break); ``start`` is when
    service starts (after any waiting); ``end`` is when it is done."""

    order: str
    leg: Leg
    node: int
    arrival: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Break:
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Route:
    """One used vehicle: leaves its start at ``start``, reaches its end at ``end``."""

    vehicle: str
    start: int
    end: int
    visits: tuple[Visit, ...]
    breaks: tuple[Break, ...]
    distance: int


@dataclass(frozen=True, slots=True)
class Unserved:
    order: str
    reason: str


@dataclass(frozen=True, slots=True)
class Kpis:
    """Plan totals a dispatcher compares: vehicles first, then distance and time on duty
    (driver-seconds); ``vehicles_lower_bound`` says how few vehicles any plan could use."""

    vehicles: int
    served: int
    unserved: int
    distance: int
    duty: int
    vehicles_lower_bound: int


@dataclass(frozen=True, slots=True)
class Result:
    """``objective`` is the last model's cost as OR-Tools saw it (penalties included; for a
    decomposed plan, the total distance): compare plans by ``kpis`` instead. ``fleet_bound``:
    at least this many vehicles serve every order that can be served (``bounds``; 0: not
    computed)."""

    status: Status
    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...]
    objective: int
    wall_time: float
    fleet_bound: int = 0

    @property
    def kpis(self) -> Kpis:
        return Kpis(
            vehicles=len(self.routes),
            served=len({visit.order for route in self.routes for visit in route.visits}),
            unserved=len(self.unserved),
            distance=sum(route.distance for route in self.routes),
            duty=sum(route.end - route.start for route in self.routes),
            vehicles_lower_bound=self.fleet_bound,
        )
