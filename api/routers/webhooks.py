"""Outgoing webhooks: admins subscribe receivers to event types, read each one's delivery log,
enable it again after an automatic disable and redeliver by hand (docs/integrations.md)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import AdminTenant, PageDep, SessionDep, SettingsDep
from core.listing import paginate
from fleet.schemas import Page
from fleet.validators import BigId, Id
from notifications import webhook_admin
from notifications.models import WebhookDelivery, WebhookSubscription
from notifications.schemas import (
    DeliveryRead,
    WebhookCreated,
    WebhookIn,
    WebhookPatch,
    WebhookRead,
)

router = APIRouter(tags=["webhooks"])
DeliveryStatus = Annotated[
    str | None, Query(pattern="^(pending|delivered|failed)$", alias="status")
]


@router.post(
    "/webhooks",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    summary="Subscribe a receiver to events",
)
async def create_webhook(
    body: WebhookIn, tenant: AdminTenant, session: SessionDep, settings: SettingsDep
) -> Any:
    """The answer holds the signing secret, shown this once. A private or loopback target is
    422 on ``url`` unless the installation allows them."""
    return await webhook_admin.create(session, tenant, settings, body)


@router.get("/webhooks", response_model=Page[WebhookRead], summary="The receivers")
async def list_webhooks(tenant: AdminTenant, session: SessionDep, page: PageDep) -> Any:
    """Each subscription with its state (``disabled_reason`` when it stopped)."""
    result = await paginate(
        session,
        webhook_admin.listing(tenant),
        page,
        sortable={"created_at": WebhookSubscription.created_at},
        tiebreak=WebhookSubscription.id,
    )
    return result.as_page()


@router.get("/webhooks/{webhook_id}", response_model=WebhookRead, summary="One receiver")
async def get_webhook(webhook_id: Id, tenant: AdminTenant, session: SessionDep) -> Any:
    """Another cooperative's id is 404."""
    return await webhook_admin.get(session, tenant, webhook_id)


@router.patch("/webhooks/{webhook_id}", response_model=WebhookRead, summary="Change a receiver")
async def change_webhook(
    webhook_id: Id,
    body: WebhookPatch,
    tenant: AdminTenant,
    session: SessionDep,
    settings: SettingsDep,
) -> Any:
    """``enabled: true`` after an automatic disable sends what waited, in order."""
    return await webhook_admin.change(session, tenant, settings, webhook_id, body)


@router.delete(
    "/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a receiver"
)
async def delete_webhook(webhook_id: Id, tenant: AdminTenant, session: SessionDep) -> None:
    """Its delivery log goes with it."""
    await webhook_admin.remove(session, tenant, webhook_id)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response_model=Page[DeliveryRead],
    summary="A receiver's delivery log",
)
async def list_deliveries(
    webhook_id: Id,
    tenant: AdminTenant,
    session: SessionDep,
    page: PageDep,
    status_: DeliveryStatus = None,
) -> Any:
    """Every event sent or waiting, with attempts, the last error and status code."""
    statement = await webhook_admin.deliveries(session, tenant, webhook_id, status_)
    if page.sort is None:
        statement = statement.order_by(WebhookDelivery.id.desc())
    result = await paginate(
        session,
        statement,
        page,
        sortable={"created_at": WebhookDelivery.created_at},
        tiebreak=WebhookDelivery.id.desc(),
    )
    return result.as_page()


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryRead,
    summary="Send a delivery again",
)
async def redeliver(
    webhook_id: Id, delivery_id: BigId, tenant: AdminTenant, session: SessionDep
) -> Any:
    """Queued at once; ``coopfleet notify`` sends it in order with the receiver's others."""
    return await webhook_admin.redeliver(session, tenant, webhook_id, delivery_id)
