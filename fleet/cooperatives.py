"""Facts about the caller's cooperative that other modules need, read in one place."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from core.timeutil import today_in
from fleet.models import Cooperative

DEFAULT_ZONE = "Asia/Ho_Chi_Minh"


async def zone_of(session: AsyncSession, tenant: Tenant) -> str:
    """The cooperative's time zone: days, shifts and reports follow its clock."""
    zone = await session.scalar(
        select(Cooperative.time_zone).where(Cooperative.id == tenant.cooperative_id)
    )
    return zone or DEFAULT_ZONE


async def local_today(session: AsyncSession, tenant: Tenant) -> date:
    """Today on the cooperative's clock."""
    return today_in(await zone_of(session, tenant))
