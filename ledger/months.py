"""Closing a month: the accountant's act that freezes it. Closing takes the month's exclusive
lock (posting takes it shared), checks the trial balance of everything up to the month's end is
zero, and records the period; from then on any entry dated in it is refused (409)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidValue
from ledger.models import LedgerLine, LedgerPeriod
from ledger.posting import lock_months, month_of


class MonthAlreadyClosed(Conflict):
    code = "month_closed"


class Unbalanced(Conflict):
    code = "ledger_unbalanced"


def month_end(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return following - timedelta(days=1)


async def close_month(
    session: AsyncSession, cooperative_id: int, month: date, *, closed_by: int | None
) -> None:
    if month != month_of(month):
        raise InvalidValue("a month starts on its first day", field="month")
    await lock_months(session, cooperative_id, {month}, exclusive=True)
    closed = await session.get(LedgerPeriod, (cooperative_id, month))
    if closed is not None:
        raise MonthAlreadyClosed(f"{month:%Y-%m} is already closed", field="month")
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount_vnd), 0)).where(
            LedgerLine.cooperative_id == cooperative_id, LedgerLine.posted_on <= month_end(month)
        )
    )
    if total:
        raise Unbalanced(f"the trial balance to {month_end(month)} is {total}, not 0")
    session.add(LedgerPeriod(cooperative_id=cooperative_id, month=month, closed_by=closed_by))
    await session.flush()


async def closed(session: AsyncSession, cooperative_id: int) -> list[date]:
    rows = await session.scalars(
        select(LedgerPeriod.month)
        .where(LedgerPeriod.cooperative_id == cooperative_id)
        .order_by(LedgerPeriod.month)
    )
    return list(rows)
