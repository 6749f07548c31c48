"""What the planning routes answer: a plan, its progress and result."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, field_validator

# Plans stored before the plan JSON said "dropoff" name that end "delivery", the solver's word:
# they are read in today's words, without rewriting the stored rows (no migration).
LEGACY_LEGS = {"delivery": "dropoff"}


class PlanStopRead(BaseModel):
    """A stop of a planned route: an order's pickup or drop-off, with its ETA."""

    order_id: int
    leg: Literal["pickup", "dropoff"]
    location: tuple[float, float] | None = None  # [lon, lat]; None in plans stored without it
    fixed: bool = False  # committed work the plan kept with its driver
    eta: datetime
    service_start: datetime
    service_end: datetime

    @field_validator("leg", mode="before")
    @classmethod
    def _in_todays_words(cls, leg: Any) -> Any:
        return LEGACY_LEGS.get(leg, leg) if isinstance(leg, str) else leg


class PlanBreakRead(BaseModel):
    start: datetime
    end: datetime


class PlanRouteRead(BaseModel):
    """One driver's route: when they leave and are back, their stops in order, their breaks."""

    driver_id: int
    vehicle_id: int | None
    leaves_at: datetime
    returns_at: datetime
    distance_m: int
    stops: list[PlanStopRead]
    breaks: list[PlanBreakRead] = []


class PreviousPlanRead(BaseModel):
    """The last accepted plan, to compare KPIs with."""

    id: int
    kpis: dict[str, Any] | None
    finished_at: datetime | None


class PlanRead(BaseModel):
    """``routes`` (stops with ETAs, breaks), ``unserved`` (orders with reasons) and ``kpis`` are
    the planner's result as stored (docs/planning.md)."""

    id: int
    status: str  # queued → running → done | failed | cancelled; done → accepted
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    starts_at: datetime
    time_limit_s: int
    stop_when_no_improvement_s: float | None  # None: the search spends the whole budget
    progress: float  # 0…1
    orders: int
    drivers: int
    kpis: dict[str, Any] | None
    routes: list[PlanRouteRead] | None
    unserved: list[Any] | None
    error: str | None  # a stable code (routing.planning.PlanError)
    error_message: str | None  # the failure in the caller's language
    previous_accepted: PreviousPlanRead | None
