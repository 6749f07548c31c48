"""An event as the notify process sees it: plain values read from the domain that raised it
(offers, order steps, journey events, papers, plans), so this package imports none of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WEBHOOK_SCHEMA_VERSION = 1
WEBHOOK_TYPES = (
    "order.created",
    "order.status_changed",
    "order.delivered",
    "event.raised",
    "plan.accepted",
    "union.monthly_export",  # the union's export of the month just ended (worker.union_push)
)


@dataclass(frozen=True, slots=True)
class Subject:
    """Whom the event concerns, for rules whose audience is ``subject``."""

    user_ids: tuple[int, ...] = ()
    driver_id: int | None = None
    member_id: int | None = None
    phone: str | None = None  # a customer's phone, when the order names one


@dataclass(frozen=True, slots=True)
class Event:
    """``key`` names the event for good (one message per person and channel, one delivery per
    webhook); ``kind`` picks the notification rules and texts, ``webhook_type`` the webhooks."""

    cooperative_id: int
    key: str
    occurred_at: datetime
    kind: str | None = None
    webhook_type: str | None = None
    values: Mapping[str, object] = field(default_factory=dict)
    data: Mapping[str, Any] = field(default_factory=dict)
    subject: Subject = field(default_factory=Subject)
    url: str | None = None
    expires_at: datetime | None = None


def webhook_body(event: Event) -> dict[str, Any]:
    """The versioned JSON body every receiver gets (docs/integrations.md)."""
    return {
        "id": event.key,
        "type": event.webhook_type,
        "version": WEBHOOK_SCHEMA_VERSION,
        "occurred_at": event.occurred_at.isoformat(),
        "cooperative_id": event.cooperative_id,
        "data": dict(event.data),
    }
