"""Events become rows: a message per rule, person and channel, a delivery per webhook
subscription. Inserts skip what exists (the unique keys), so reading an event twice sends
nothing twice."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.models import Cooperative
from notifications import texts
from notifications.events import Event, webhook_body
from notifications.models import (
    NotificationMessage,
    NotificationRule,
    WebhookDelivery,
    WebhookSubscription,
)
from notifications.quiet import release_time
from notifications.recipients import Directory

INSERT_CHUNK = 1000  # rows per INSERT: well under PostgreSQL's 65,535 parameters


@dataclass(slots=True)
class FanOut:
    messages: int = 0
    deliveries: int = 0


def message_payload(event: Event, language: str) -> dict[str, object]:
    """The agreed push payload (and what e-mail and SMS say)."""
    assert event.kind is not None
    title, body = texts.render(event.kind, language, event.values)
    return {"kind": event.kind, "title": title, "body": body, "url": event.url, "tag": event.key}


@dataclass(slots=True)
class _Batch:
    """Rules, zones and subscriptions of the batch's cooperatives, read once per batch."""

    rules: dict[tuple[int, str], list[NotificationRule]]
    zones: dict[int, str]
    subscriptions: dict[int, list[tuple[int, list[str]]]]
    people: Directory

    @classmethod
    async def load(cls, session: AsyncSession, events: Sequence[Event]) -> _Batch:
        cooperative_ids = {event.cooperative_id for event in events}
        rules: dict[tuple[int, str], list[NotificationRule]] = {}
        found = await session.execute(
            select(NotificationRule).where(
                NotificationRule.cooperative_id.in_(cooperative_ids), NotificationRule.enabled
            )
        )
        for rule in found.scalars():
            rules.setdefault((rule.cooperative_id, rule.event_kind), []).append(rule)
        found_zones = await session.execute(
            select(Cooperative.id, Cooperative.time_zone).where(Cooperative.id.in_(cooperative_ids))
        )
        zones = {cooperative_id: zone for cooperative_id, zone in found_zones}
        subscriptions: dict[int, list[tuple[int, list[str]]]] = {}
        rows = await session.execute(
            select(
                WebhookSubscription.cooperative_id,
                WebhookSubscription.id,
                WebhookSubscription.event_types,
            ).where(
                WebhookSubscription.cooperative_id.in_(cooperative_ids),
                WebhookSubscription.enabled,
            )
        )
        for cooperative_id, subscription_id, types in rows:
            subscriptions.setdefault(cooperative_id, []).append((subscription_id, types))
        wanted = [
            rule
            for event in events
            if event.kind
            for rule in rules.get((event.cooperative_id, event.kind), [])
        ]
        people = await Directory.load(session, events, wanted) if wanted else Directory()
        return cls(rules, zones, subscriptions, people)


def _messages(batch: _Batch, event: Event, now: datetime) -> list[dict[str, object]]:
    assert event.kind is not None
    rows: list[dict[str, object]] = []
    for rule in batch.rules.get((event.cooperative_id, event.kind), []):
        zone = batch.zones.get(event.cooperative_id, "UTC")
        due = release_time(now, zone, rule.quiet_from, rule.quiet_to)
        for person in batch.people.for_rule(rule, event):
            address = person.address(rule.channel)
            if address is None:
                continue
            rows.append(
                {
                    "cooperative_id": event.cooperative_id,
                    "rule_id": rule.id,
                    "event_kind": event.kind,
                    "dedupe_key": f"{event.key}|{rule.channel}|{person.key}"[:200],
                    "channel": rule.channel,
                    "recipient": person.key,
                    "user_id": person.user_id,
                    "address": None if rule.channel == "push" else address,
                    "payload": message_payload(event, rule.language),
                    "next_attempt_at": due,
                    "expires_at": event.expires_at,
                }
            )
    return rows


def _deliveries(batch: _Batch, event: Event) -> list[dict[str, object]]:
    body = webhook_body(event)
    return [
        {
            "cooperative_id": event.cooperative_id,
            "subscription_id": subscription_id,
            "event_key": event.key[:200],
            "event_type": event.webhook_type,
            "payload": body,
        }
        for subscription_id, types in batch.subscriptions.get(event.cooperative_id, [])
        if event.webhook_type in types
    ]


async def fan_out(session: AsyncSession, events: Sequence[Event], now: datetime) -> FanOut:
    """Store the messages and deliveries of ``events`` (in their order: a receiver gets one
    order's steps in the order they happened); flushes, the caller commits."""
    counts = FanOut()
    if not events:
        return counts
    batch = await _Batch.load(session, events)
    messages: list[dict[str, object]] = []
    deliveries: list[dict[str, object]] = []
    for event in events:
        if event.kind:
            messages.extend(_messages(batch, event, now))
        if event.webhook_type:
            deliveries.extend(_deliveries(batch, event))
    for start in range(0, len(messages), INSERT_CHUNK):
        statement = insert(NotificationMessage).values(messages[start : start + INSERT_CHUNK])
        result = await session.execute(
            statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
        )
        counts.messages += int(result.rowcount)  # type: ignore[attr-defined]
    for start in range(0, len(deliveries), INSERT_CHUNK):
        statement = insert(WebhookDelivery).values(deliveries[start : start + INSERT_CHUNK])
        result = await session.execute(
            statement.on_conflict_do_nothing(index_elements=["subscription_id", "event_key"])
        )
        counts.deliveries += int(result.rowcount)  # type: ignore[attr-defined]
    return counts
