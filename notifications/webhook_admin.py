"""Webhook subscriptions as admins manage them: create (the secret shown once), change, enable
again after an automatic disable, read the delivery log, redeliver by hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.errors import InvalidValue, NotFound
from core.tenancy import Tenant, get_scoped, scoped
from notifications import signing
from notifications.addresses import UnsafeTarget, check
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.schemas import WebhookIn, WebhookPatch


async def _checked(url: str, settings: Settings) -> str:
    try:
        await check(url, allow_private=settings.webhooks_allow_private)
    except UnsafeTarget as exc:
        raise InvalidValue(f"webhook target refused: {exc}", field="url") from None
    return url


async def create(
    session: AsyncSession, tenant: Tenant, settings: Settings, body: WebhookIn
) -> WebhookSubscription:
    row = WebhookSubscription(
        cooperative_id=tenant.cooperative_id,
        url=await _checked(body.url, settings),
        secret=signing.new_secret(),
        event_types=sorted(set(body.event_types)),
        description=body.description,
        created_by=tenant.user_id,
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


def listing(tenant: Tenant) -> Select[Any]:
    return scoped(select(WebhookSubscription), tenant)


async def get(session: AsyncSession, tenant: Tenant, webhook_id: int) -> WebhookSubscription:
    return await get_scoped(session, WebhookSubscription, webhook_id, tenant, what="webhook")


async def change(
    session: AsyncSession,
    tenant: Tenant,
    settings: Settings,
    webhook_id: int,
    body: WebhookPatch,
) -> WebhookSubscription:
    """Enabling a subscription again clears why it stopped; its pending events go out."""
    row = await get(session, tenant, webhook_id)
    changes = body.model_dump(exclude_unset=True)
    for field in ("url", "event_types", "enabled"):
        if field in changes and changes[field] is None:
            raise InvalidValue(f"{field} cannot be null", field=field)
    if "url" in changes:
        row.url = await _checked(changes["url"], settings)
    if "event_types" in changes:
        row.event_types = sorted(set(changes["event_types"]))
    if "description" in changes:
        row.description = changes["description"]
    if changes.get("enabled") is True and not row.enabled:
        row.enabled, row.disabled_reason, row.disabled_at = True, None, None
        row.failing_since = None
    elif changes.get("enabled") is False and row.enabled:
        row.enabled, row.disabled_reason = False, "disabled by an admin"
    await session.flush()
    await session.refresh(row)
    return row


async def remove(session: AsyncSession, tenant: Tenant, webhook_id: int) -> None:
    await session.delete(await get(session, tenant, webhook_id))
    await session.flush()


async def deliveries(
    session: AsyncSession, tenant: Tenant, webhook_id: int, status: str | None
) -> Select[Any]:
    """The subscription's delivery log (newest first unless sorted), for paging."""
    await get(session, tenant, webhook_id)
    statement = scoped(select(WebhookDelivery), tenant).where(
        WebhookDelivery.subscription_id == webhook_id
    )
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    return statement


async def redeliver(
    session: AsyncSession, tenant: Tenant, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """Send a delivery again now (delivered or not); in order with the subscription's others."""
    await get(session, tenant, webhook_id)
    delivery = await session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != webhook_id:
        raise NotFound(f"delivery {delivery_id} not found", field="delivery_id")
    await session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(status="pending", next_attempt_at=WebhookDelivery.created_at)
    )
    await session.refresh(delivery)
    return delivery
