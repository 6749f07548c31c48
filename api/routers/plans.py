"""Planning jobs: start one on the open orders (run by `coopfleet worker`), watch its progress,
cancel, accept."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, status
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from sqlalchemy import select

from api.deps import EditorTenant, OfficeTenant, SessionDep, SettingsDep
from api.i18n import vietnamese, wants_vietnamese
from api.schemas.plans import PlanRead
from core.errors import StateConflict
from core.tenancy import get_scoped, scoped
from core.timeutil import utcnow
from fleet.validators import Id
from routing import planning
from routing.models import Plan
from worker.queue import defer_plans

router = APIRouter(tags=["planning"])


class PlanIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"order_ids": [101, 102, 103], "time_limit_s": 30}]}
    )

    order_ids: list[Id] | None = Field(default=None, max_length=20_000)  # None: every open order
    time_limit_s: int = Field(default=30, ge=1, le=600)
    seed: int = Field(default=0, ge=0)
    stop_when_no_improvement_s: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Stop once the plan has not improved for this many seconds (at most"
        " time_limit_s); a small problem then answers well before its budget. None: search"
        " until time_limit_s is spent.",
    )

    @field_validator("stop_when_no_improvement_s")
    @classmethod
    def _within_the_budget(cls, quiet: float | None, info: ValidationInfo) -> float | None:
        """A quiet spell longer than the budget would never end the search: refused, not
        silently ignored."""
        limit = info.data.get("time_limit_s")
        if quiet is not None and limit is not None and quiet > limit:
            raise ValueError(f"must be at most time_limit_s ({limit})")
        return quiet


def _read(plan: Plan, request: Request, previous: Plan | None = None) -> dict[str, Any]:
    started = plan.started_at or plan.created_at
    elapsed = ((plan.finished_at or utcnow()) - started).total_seconds()
    progress = {"queued": 0.0, "running": min(0.99, elapsed / plan.time_limit_s)}
    return {
        "id": plan.id,
        "status": plan.status,  # queued → running → done | failed | cancelled; done → accepted
        "created_at": plan.created_at,
        "started_at": plan.started_at,
        "finished_at": plan.finished_at,
        "starts_at": plan.starts_at,
        "time_limit_s": plan.time_limit_s,
        "stop_when_no_improvement_s": plan.stop_when_no_improvement_s,
        "progress": progress.get(plan.status, 1.0),
        "orders": plan.orders,
        "drivers": plan.drivers,
        "kpis": plan.kpis,
        "routes": plan.routes,
        "unserved": plan.unserved,
        "error": plan.error,  # a stable code (planning.PlanError); the details are in the log
        "error_message": _error_message(plan.error, request),
        "previous_accepted": None
        if previous is None
        else {"id": previous.id, "kpis": previous.kpis, "finished_at": previous.finished_at},
    }


def _error_message(code: str | None, request: Request) -> str | None:
    """The failure in the caller's language (Accept-Language: Vietnamese or English)."""
    if code is None:
        return None
    if wants_vietnamese(request.headers.get("accept-language")):
        return vietnamese(code, None)
    known = {str(error): text for error, text in planning.PLAN_ERROR_TEXTS.items()}
    return known.get(code, planning.PLAN_ERROR_TEXTS[planning.PlanError.FAILED])


@router.post(
    "/plans",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PlanRead,
    summary="Plan the open orders",
)
async def start_plan(
    body: PlanIn,
    request: Request,
    tenant: EditorTenant,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Start planning (OR-Tools, within ``time_limit_s``) for the given or all open orders with
    the drivers available now, on a worker; with ``stop_when_no_improvement_s`` it stops once the
    plan has not improved for that many seconds; beyond the cooperative's concurrent plans
    (``COOPFLEET_PLANS_PER_COOPERATIVE``) it waits ``queued`` and starts when one ends. Poll
    ``GET /plans/{id}`` for progress and the result."""
    plan = await planning.start(
        session,
        tenant,
        time_limit_s=body.time_limit_s,
        seed=body.seed,
        order_ids=body.order_ids,
        stop_when_no_improvement_s=body.stop_when_no_improvement_s,
    )
    cap = settings.plans_per_cooperative
    await defer_plans(session, await planning.admit(session, tenant.cooperative_id, cap))
    return _read(plan, request)


@router.get("/plans", response_model=list[PlanRead], summary="Recent plans")
async def list_plans(
    request: Request, tenant: OfficeTenant, session: SessionDep
) -> list[dict[str, Any]]:
    """The cooperative's 50 latest plans, newest first."""
    rows = await session.execute(scoped(select(Plan), tenant).order_by(Plan.id.desc()).limit(50))
    return [_read(plan, request) for plan in rows.scalars()]


@router.get("/plans/{plan_id}", response_model=PlanRead, summary="A plan, its progress and result")
async def get_plan(
    plan_id: Id, request: Request, tenant: OfficeTenant, session: SessionDep
) -> dict[str, Any]:
    """Routes (stops with ETAs, breaks), unserved orders with reasons, KPIs, and the KPIs of the
    last accepted plan to compare with."""
    plan = await get_scoped(session, Plan, plan_id, tenant, what="plan")
    previous = (
        await session.execute(
            scoped(select(Plan), tenant)
            .where(Plan.status == "accepted", Plan.id != plan_id)
            .order_by(Plan.id.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return _read(plan, request, previous)


@router.post(
    "/plans/{plan_id}/cancel", response_model=PlanRead, summary="Cancel a queued or running plan"
)
async def cancel_plan(
    plan_id: Id, request: Request, tenant: EditorTenant, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """The job's result will be thrown away and the next queued plan starts; 409 once it has
    finished."""
    plan = await get_scoped(session, Plan, plan_id, tenant, what="plan")
    if plan.status not in ("queued", "running"):
        raise StateConflict(f"a plan that is {plan.status} cannot be cancelled", field="status")
    plan.status = "cancelled"
    plan.finished_at = utcnow()
    await session.flush()
    cap = settings.plans_per_cooperative
    await defer_plans(session, await planning.admit(session, tenant.cooperative_id, cap))
    return _read(plan, request)


class AcceptIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"offer": True}]})

    offer: bool = False  # offer each job to its route's driver now
    offer_deadline_s: int = Field(default=900, ge=15, le=3600)


NO_OFFERS = AcceptIn()
AcceptBody = Annotated[AcceptIn, Body()]


@router.post("/plans/{plan_id}/accept", response_model=PlanRead, summary="Accept a plan")
async def accept_plan(
    plan_id: Id,
    request: Request,
    tenant: EditorTenant,
    session: SessionDep,
    body: AcceptBody = NO_OFFERS,
) -> dict[str, Any]:
    """Its orders become ``planned`` for their route's driver and vehicle; with ``offer``, each
    is offered to that driver with the deadline (declined or expired, it is ``new`` again). The
    body may be left out (no offers)."""
    deadline = body.offer_deadline_s if body.offer else None
    plan = await planning.accept(session, tenant, plan_id, offer_deadline_s=deadline)
    return _read(plan, request)
