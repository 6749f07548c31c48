"""A signed-in user's browsers: subscribe (the same browser again only refreshes its keys, and
a browser someone else signs in on becomes theirs), unsubscribe."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.errors import InvalidValue, NotFound
from core.tenancy import Tenant
from notifications.addresses import UnsafeTarget, check
from notifications.models import PushSubscription
from notifications.schemas import PushSubscriptionIn


async def subscribe(
    session: AsyncSession, tenant: Tenant, settings: Settings, body: PushSubscriptionIn
) -> PushSubscription:
    try:
        await check(body.endpoint, allow_private=settings.webhooks_allow_private)
    except UnsafeTarget as exc:
        raise InvalidValue(f"push endpoint refused: {exc}", field="endpoint") from None
    values = {
        "cooperative_id": tenant.cooperative_id,
        "user_id": tenant.user_id,
        "p256dh": body.keys.p256dh,
        "auth": body.keys.auth,
    }
    statement = insert(PushSubscription).values(endpoint=body.endpoint, **values)
    await session.execute(statement.on_conflict_do_update(index_elements=["endpoint"], set_=values))
    row = await session.scalar(
        select(PushSubscription)
        .where(PushSubscription.endpoint == body.endpoint)
        .execution_options(populate_existing=True)
    )
    assert row is not None
    return row


async def unsubscribe(session: AsyncSession, tenant: Tenant, endpoint: str) -> None:
    """Only the caller's own subscription; any other endpoint is 404."""
    result = await session.execute(
        delete(PushSubscription).where(
            PushSubscription.endpoint == endpoint,
            PushSubscription.user_id == tenant.user_id,
            PushSubscription.cooperative_id == tenant.cooperative_id,
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise NotFound("no such push subscription of yours", field="endpoint")
