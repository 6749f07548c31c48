"""Notifications: the browser's Web Push subscription (any signed-in user), the cooperative's
rules and its message log (admins). Sending happens in ``coopfleet notify``, never here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import AdminTenant, AnyTenant, PageDep, SessionDep, SettingsDep
from core.listing import paginate
from fleet.schemas import Page
from fleet.validators import Id
from notifications import push_subscriptions, rules
from notifications.models import NotificationMessage
from notifications.schemas import (
    Channel,
    EventKind,
    MessageRead,
    PushSubscriptionIn,
    PushSubscriptionRead,
    PushUnsubscribe,
    RuleIn,
    RulePatch,
    RuleRead,
    VapidKey,
)
from notifications.vapid import public_key

router = APIRouter(tags=["notifications"])
MessageStatus = Annotated[
    str | None, Query(pattern="^(queued|sent|failed|given_up|expired)$", alias="status")
]


@router.get("/push/vapid-key", response_model=VapidKey, summary="The Web Push server key")
async def vapid_key(tenant: AnyTenant, settings: SettingsDep) -> VapidKey:
    """``applicationServerKey`` for ``PushManager.subscribe``."""
    return VapidKey(public_key=public_key(settings))


@router.post(
    "/push/subscriptions",
    status_code=status.HTTP_201_CREATED,
    response_model=PushSubscriptionRead,
    summary="Receive Web Push messages in this browser",
)
async def subscribe(
    body: PushSubscriptionIn, tenant: AnyTenant, session: SessionDep, settings: SettingsDep
) -> Any:
    """The browser's PushSubscription JSON, for the signed-in user (driver or office staff)."""
    return await push_subscriptions.subscribe(session, tenant, settings, body)


@router.delete(
    "/push/subscriptions",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop Web Push messages to this browser",
)
async def unsubscribe(body: PushUnsubscribe, tenant: AnyTenant, session: SessionDep) -> None:
    """Only the caller's own subscription; another endpoint is 404."""
    await push_subscriptions.unsubscribe(session, tenant, body.endpoint)


@router.get(
    "/notification-rules", response_model=list[RuleRead], summary="Who is told of what, how"
)
async def list_rules(tenant: AdminTenant, session: SessionDep) -> Any:
    """The cooperative's rules, oldest first."""
    return await rules.listing(session, tenant)


@router.post(
    "/notification-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=RuleRead,
    summary="Add a notification rule",
)
async def create_rule(body: RuleIn, tenant: AdminTenant, session: SessionDep) -> Any:
    """An event kind to an audience (whom it concerns, a role, one account) over a channel."""
    return await rules.create(session, tenant, body)


@router.get("/notification-rules/{rule_id}", response_model=RuleRead, summary="One rule")
async def get_rule(rule_id: Id, tenant: AdminTenant, session: SessionDep) -> Any:
    """Another cooperative's rule is 404."""
    return await rules.get(session, tenant, rule_id)


@router.patch("/notification-rules/{rule_id}", response_model=RuleRead, summary="Change a rule")
async def update_rule(
    rule_id: Id, body: RulePatch, tenant: AdminTenant, session: SessionDep
) -> Any:
    """Enable, disable, change the language or the quiet hours."""
    return await rules.update(session, tenant, rule_id, body)


@router.delete(
    "/notification-rules/{rule_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a rule",
)
async def delete_rule(rule_id: Id, tenant: AdminTenant, session: SessionDep) -> None:
    """Messages already queued by it stay in the log."""
    await rules.delete(session, tenant, rule_id)


@router.get(
    "/notifications/messages",
    response_model=Page[MessageRead],
    summary="The message log",
)
async def list_messages(
    tenant: AdminTenant,
    session: SessionDep,
    page: PageDep,
    status_: MessageStatus = None,
    channel: Channel | None = None,
    event_kind: EventKind | None = None,
) -> dict[str, Any]:
    """Each message with its state and, when it failed, why; newest first by default."""
    statement = rules.messages(tenant, status=status_, channel=channel, event_kind=event_kind)
    sortable = {"created_at": NotificationMessage.created_at, "status": NotificationMessage.status}
    if page.sort is None:
        statement = statement.order_by(NotificationMessage.id.desc())
    result = await paginate(
        session, statement, page, sortable=sortable, tiebreak=NotificationMessage.id.desc()
    )
    return result.as_page()
