"""Planning jobs: start one on the open orders, watch its progress, cancel, accept."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import EditorTenant, OfficeTenant, SessionDep, SettingsDep
from core.errors import StateConflict
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from routing import planning
from routing.matrix import OsrmTable, TravelTimes
from routing.models import Plan
from telematics.live import latest_fixes

router = APIRouter(tags=["planning"])


class PlanIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"order_ids": [101, 102, 103], "time_limit_s": 30}]}
    )

    order_ids: list[int] | None = Field(default=None, max_length=20_000)  # None: every open order
    time_limit_s: int = Field(default=30, ge=1, le=600)
    seed: int = Field(default=0, ge=0)


def _read(plan: Plan, previous: Plan | None = None) -> dict[str, Any]:
    elapsed = ((plan.finished_at or utcnow()) - plan.created_at).total_seconds()
    return {
        "id": plan.id,
        "status": plan.status,
        "created_at": plan.created_at,
        "finished_at": plan.finished_at,
        "starts_at": plan.starts_at,
        "time_limit_s": plan.time_limit_s,
        "progress": 1.0 if plan.status != "running" else min(0.99, elapsed / plan.time_limit_s),
        "orders": plan.orders,
        "drivers": plan.drivers,
        "kpis": plan.kpis,
        "routes": plan.routes,
        "unserved": plan.unserved,
        "error": plan.error,
        "previous_accepted": None
        if previous is None
        else {"id": previous.id, "kpis": previous.kpis, "finished_at": previous.finished_at},
    }


async def _positions(session: SessionDep, tenant: Tenant) -> dict[int, tuple[float, float]]:
    """Where each vehicle is now: the routes start there."""
    fixes = await latest_fixes(session, tenant.cooperative_id)
    return {fix.vehicle_id: (fix.lon, fix.lat) for fix in fixes}


@router.post("/plans", status_code=status.HTTP_202_ACCEPTED, summary="Plan the open orders")
async def start_plan(
    body: PlanIn,
    request: Request,
    tenant: EditorTenant,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Start planning (OR-Tools, within ``time_limit_s``) for the given or all open orders with
    the drivers available now; poll ``GET /plans/{id}`` for progress and the result."""
    plan = await planning.start(session, tenant, time_limit_s=body.time_limit_s, seed=body.seed)
    positions = await _positions(session, tenant)
    travel: TravelTimes = (
        OsrmTable(settings.osrm_url)
        if settings.osrm_url
        else await request.app.state.speeds.travel(session, tenant)
    )
    travel = request.app.state.travel_tables.over(travel)
    await session.commit()
    job = planning.execute(
        request.app.state.session_factory, tenant, plan.id, positions, body.order_ids, travel
    )
    tasks: set[asyncio.Task[None]] = request.app.state.__dict__.setdefault("plan_tasks", set())
    task = asyncio.create_task(job)
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return _read(plan)


@router.get("/plans", summary="Recent plans")
async def list_plans(tenant: OfficeTenant, session: SessionDep) -> list[dict[str, Any]]:
    """The cooperative's 50 latest plans, newest first."""
    rows = await session.execute(scoped(select(Plan), tenant).order_by(Plan.id.desc()).limit(50))
    return [_read(plan) for plan in rows.scalars()]


@router.get("/plans/{plan_id}", summary="A plan, its progress and result")
async def get_plan(plan_id: int, tenant: OfficeTenant, session: SessionDep) -> dict[str, Any]:
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
    return _read(plan, previous)


@router.post("/plans/{plan_id}/cancel", summary="Cancel a running plan")
async def cancel_plan(plan_id: int, tenant: EditorTenant, session: SessionDep) -> dict[str, Any]:
    """The running job's result will be thrown away; 409 once it has finished."""
    plan = await get_scoped(session, Plan, plan_id, tenant, what="plan")
    if plan.status != "running":
        raise StateConflict(f"a plan that is {plan.status} cannot be cancelled", field="status")
    plan.status = "cancelled"
    plan.finished_at = utcnow()
    await session.flush()
    return _read(plan)


class AcceptIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"offer": True}]})

    offer: bool = False  # offer each job to its route's driver now
    offer_deadline_s: int = Field(default=900, ge=15, le=3600)


NO_OFFERS = AcceptIn()
AcceptBody = Annotated[AcceptIn, Body()]


@router.post("/plans/{plan_id}/accept", summary="Accept a plan")
async def accept_plan(
    plan_id: int, tenant: EditorTenant, session: SessionDep, body: AcceptBody = NO_OFFERS
) -> dict[str, Any]:
    """Its orders become ``planned`` for their route's driver and vehicle; with ``offer``, each
    is offered to that driver with the deadline (declined or expired, it is ``new`` again). The
    body may be left out (no offers)."""
    deadline = body.offer_deadline_s if body.offer else None
    return _read(await planning.accept(session, tenant, plan_id, offer_deadline_s=deadline))
