"""Rollups and tasks for the maintenance tests, written as the derive worker would leave them."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from maintenance import plans
from maintenance.models import MaintenanceTask
from maintenance.plans import TaskIn


async def drive(
    session: AsyncSession,
    coop_id: int,
    vehicle_id: int,
    first: date,
    days: int,
    km_per_day: float,
    engine_h_per_day: float = 0.0,
) -> None:
    """Daily rollups of ``days`` days from ``first``, each with the same km and engine hours."""
    await session.execute(
        text(
            "INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id, distance_m,"
            " engine_s, moving_s, idle_s, nodata_s, trips, stops)"
            " SELECT :v, d::date, 0, :c, :m, :s, :s, 0, 0, 1, 1"
            " FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') d"
        ),
        {
            "v": vehicle_id,
            "c": coop_id,
            "m": round(km_per_day * 1000),
            "s": round(engine_h_per_day * 3600),
            "first": first,
            "last": first + timedelta(days=days - 1),
        },
    )


async def task(session: AsyncSession, tenant: Tenant, **fields: object) -> MaintenanceTask:
    return await plans.create_task(session, tenant, TaskIn.model_validate(fields))
