"""What the planning routes answer: a plan, its progress and result."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


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
    routes: list[Any] | None
    unserved: list[Any] | None
    error: str | None  # a stable code (routing.planning.PlanError)
    error_message: str | None  # the failure in the caller's language
    previous_accepted: PreviousPlanRead | None
