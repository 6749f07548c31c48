"""The union's export pushed by webhook each month: for every cooperative with a webhook
subscribed to ``union.monthly_export``, the month just ended becomes one event, delivered by
the notify process like any other (signed, retried, at least once; one per month and webhook).

The body carries the figures; the vehicle list stays behind the API
(``GET /union-export?month=…&format=csv&table=vehicles``, an API key with ``union:export``),
so a body stays small for a cooperative of thousands of vehicles.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select

from core.tenancy import Tenant
from notifications.events import Event
from notifications.fanout import fan_out
from notifications.models import WebhookSubscription
from reports import union_export
from worker.housekeeping import previous_month
from worker.runtime import Runtime

log = logging.getLogger(__name__)
WEBHOOK_TYPE = "union.monthly_export"
SCHEDULE = "0 2 1 * *"  # 09:00 in Việt Nam on the 1st, after the night's rollups


async def subscribed_cooperatives(runtime: Runtime) -> list[int]:
    async with runtime.sessions() as session:
        rows = await session.scalars(
            select(WebhookSubscription.cooperative_id)
            .where(
                WebhookSubscription.enabled,
                WebhookSubscription.event_types.contains([WEBHOOK_TYPE]),
            )
            .distinct()
        )
        return sorted(rows)


async def push_month(runtime: Runtime, month: str) -> list[int]:
    """Queue ``month``'s export for every subscribed cooperative (returned); a webhook that
    already has it is left alone (the event's key is the cooperative and the month)."""
    cooperatives = await subscribed_cooperatives(runtime)
    for cooperative_id in cooperatives:
        async with runtime.sessions() as session:
            tenant = Tenant(cooperative_id, 0, "system")
            export = union_export.jsonable(await union_export.build(session, tenant, month))
            export.pop("vehicle_list")
            export["vehicle_list_url"] = (
                f"/api/v1/union-export?month={month}&format=csv&table=vehicles"
            )
            event = Event(
                cooperative_id=cooperative_id,
                key=f"union-export:{cooperative_id}:{month}",
                occurred_at=datetime.now(UTC),
                webhook_type=WEBHOOK_TYPE,
                data=export,
            )
            await fan_out(session, [event], datetime.now(UTC))
            await session.commit()
    return cooperatives


async def push_union_exports(runtime: Runtime) -> None:
    month = previous_month(datetime.now(UTC).date())
    cooperatives = await push_month(runtime, month)
    log.info("union export of %s queued for cooperatives %s", month, cooperatives)
