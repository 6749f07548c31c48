"""The ledger's background work: settling delivered jobs, posting the month's recurring
charges, and closing a month at an accountant's request — never inside a request.

Orders belong to routing and the ledger does not import it: the delivered jobs are read here
(the worker sits above both) and handed to ``ledger.settlement`` as plain values.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from ledger import charges, months, settlement
from ledger.posting import month_of
from worker.runtime import Runtime

log = logging.getLogger(__name__)

# Delivered jobs of one local month not settled yet, with the vehicle's owner and kind and the
# straight-line distance (for per-km commission rules).
_DELIVERED = text(
    """
SELECT o.id, o.reference, v.owner_member_id, v.kind, o.price_vnd,
       round(ST_Distance(o.pickup_location::geography, o.dropoff_location::geography))::bigint
           AS distance_m,
       (e.at AT TIME ZONE c.time_zone)::date AS delivered_on
FROM orders o
JOIN cooperatives c ON c.id = o.cooperative_id
JOIN vehicles v ON v.id = o.vehicle_id
JOIN LATERAL (
    SELECT max(at) AS at FROM order_events
    WHERE order_id = o.id AND to_status = 'delivered'
) e ON true
WHERE o.cooperative_id = :coop AND o.status = 'delivered' AND v.owner_member_id IS NOT NULL
  AND (e.at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
  AND NOT EXISTS (
      SELECT 1 FROM ledger_entries s
      WHERE s.cooperative_id = o.cooperative_id AND s.source_key = 'order:' || o.id
  )
"""
)


async def settle_month(session: AsyncSession, cooperative_id: int, month: date) -> int:
    """Settle the month's delivered jobs not settled yet; returns how many."""
    rows = await session.execute(
        _DELIVERED,
        {"coop": cooperative_id, "first": month, "last": months.month_end(month)},
    )
    jobs = [
        settlement.Job(r.id, r.reference, r.owner_member_id, r.kind, int(r.price_vnd),
                       int(r.distance_m or 0), r.delivered_on)
        for r in rows
    ]  # fmt: skip
    return await settlement.settle(session, cooperative_id, jobs)


async def bring_up_to_date(session: AsyncSession, cooperative_id: int, month: date) -> None:
    """What a month needs before it closes: its charges and its jobs' settlement."""
    await charges.post_monthly_charges(session, cooperative_id, month)
    await settle_month(session, cooperative_id, month)


async def close_month(
    runtime: Runtime, cooperative_id: int, month: str, user_id: int | None
) -> None:
    """The accountant's close (deferred by the API): charges and settlement brought up to date,
    then the month frozen. A refusal (already closed, unbalanced) is logged, not retried."""
    first = date.fromisoformat(f"{month}-01")
    async with runtime.sessions() as session:
        await bring_up_to_date(session, cooperative_id, first)
        await session.commit()
    async with runtime.sessions() as session:
        try:
            await months.close_month(session, cooperative_id, first, closed_by=user_id)
        except DomainError as refused:
            log.warning("close of %s for cooperative %s refused: %s", month, cooperative_id,
                        refused.message)  # fmt: skip
            return
        await session.commit()
    log.info("closed %s for cooperative %s", month, cooperative_id)


async def keep_up(runtime: Runtime) -> None:
    """Periodic: this month's charges and every open month's new deliveries (this month and the
    last, which stays open until an accountant closes it), for each cooperative."""
    today = datetime.now(UTC).date()
    current = month_of(today)
    previous = month_of(current - timedelta(days=1))
    async with runtime.sessions() as session:
        cooperatives = list(await session.scalars(text("SELECT id FROM cooperatives ORDER BY id")))
    for cooperative_id in cooperatives:
        async with runtime.sessions() as session:
            closed = set(await months.closed(session, cooperative_id))
            for month in (previous, current):
                if month not in closed:
                    await bring_up_to_date(session, cooperative_id, month)
            await session.commit()
