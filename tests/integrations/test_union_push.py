"""The union's export pushed by webhook: one signed delivery per subscribed webhook and month,
queued for the notify process (which sends and retries it like any other)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Settings
from notifications.models import WebhookDelivery, WebhookSubscription
from tests import factories
from tests.conftest import CoopWorld
from worker.runtime import Runtime
from worker.union_push import WEBHOOK_TYPE, push_month


async def test_each_subscribed_webhook_gets_the_month_once(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    engine: AsyncEngine,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
) -> None:
    await factories.make_vehicle(session, coop_a.coop)
    subscribed = WebhookSubscription(
        cooperative_id=coop_a.coop.id,
        url="https://union.example.vn/hook",
        secret="s" * 32,
        event_types=[WEBHOOK_TYPE, "order.created"],
    )
    other_types = WebhookSubscription(
        cooperative_id=coop_b.coop.id,
        url="https://b.example.vn/hook",
        secret="s" * 32,
        event_types=["order.created"],
    )
    session.add_all([subscribed, other_types])
    await session.commit()
    runtime = Runtime(settings, engine, sessions)
    assert await push_month(runtime, "2026-11") == [coop_a.coop.id]
    assert await push_month(runtime, "2026-11") == [coop_a.coop.id]  # again: not twice
    ours = (subscribed.id, other_types.id)  # other tests' committed deliveries share the database
    deliveries = (
        await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.subscription_id.in_(ours))
        )
    ).all()
    assert [(d.subscription_id, d.event_type) for d in deliveries] == [
        (subscribed.id, WEBHOOK_TYPE)
    ]
    body = deliveries[0].payload
    assert body["type"] == WEBHOOK_TYPE and body["cooperative_id"] == coop_a.coop.id
    data = body["data"]
    assert (data["format"], data["version"], data["month"]) == (
        "coopfleet.union-export",
        1,
        "2026-11",
    )
    assert data["vehicles"]["total"] == 1 and "vehicle_list" not in data
    assert data["vehicle_list_url"].endswith("table=vehicles")
