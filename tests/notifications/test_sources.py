"""The outbox: migration 0016's triggers write a row in the transaction of each change (none
for a rolled-back one), and the notify process reads them into events; the address check."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from notifications.addresses import UnsafeTarget, check
from notifications.fanout import fan_out
from notifications.models import NotificationMessage, NotificationRule, OutboxEvent
from tests import factories
from tests.conftest import CoopWorld
from worker import notify_sources

ACCEPT = text("UPDATE plans SET status = 'accepted' WHERE id = :p")


async def outbox(session: AsyncSession, cooperative_id: int) -> list[tuple[str, int]]:
    rows = await session.execute(
        select(OutboxEvent.source, OutboxEvent.ref_id)
        .where(OutboxEvent.cooperative_id == cooperative_id)
        .order_by(OutboxEvent.id)
    )
    return [(source, ref) for source, ref in rows]


async def test_a_journey_event_becomes_an_overspeed_notice_and_a_webhook_event(
    session: AsyncSession, coop_a: CoopWorld
) -> None:
    coop = coop_a.coop
    vehicle = await factories.make_vehicle(session, coop)
    driver_id = coop_a.driver.user.driver_id
    event_id = await session.scalar(
        text(
            "INSERT INTO journey_events (cooperative_id, source, subject_id, kind, vehicle_id,"
            " driver_id, started_at, details) VALUES (:c, 'vehicle', :v, 'overspeed', :v, :d,"
            ' now(), \'{"max_kmh": 92.5, "limit_kmh": 60}\') RETURNING id'
        ),
        {"c": coop.id, "v": vehicle.id, "d": driver_id},
    )
    assert await outbox(session, coop.id) == [("journey_event", event_id)]
    session.add(
        NotificationRule(
            cooperative_id=coop.id,
            event_kind="overspeed",
            channel="push",
            audience="role",
            role="dispatcher",
        )
    )
    await session.flush()
    offers = await notify_sources.claim(session, 1000, notify_sources.OFFERS)
    assert offers is not None and {source for _, source, _ in offers} <= {"offer"}
    rows = await notify_sources.claim(session, 1000)  # the other lane
    assert rows is not None
    ours = [row for row in rows if row[1:] == ("journey_event", event_id)]
    events = await notify_sources.events(session, ours)
    assert [(e.kind, e.webhook_type) for e in events] == [("overspeed", "event.raised")]
    assert events[0].data["event"]["details"] == {"max_kmh": 92.5, "limit_kmh": 60}
    await fan_out(session, events, datetime.now(UTC))
    message = (
        await session.execute(
            select(NotificationMessage).where(NotificationMessage.cooperative_id == coop.id)
        )
    ).scalar_one()
    assert message.user_id == coop_a.dispatcher.user.id and message.channel == "push"
    assert "92.5" in message.payload["body"] and vehicle.plate in message.payload["body"]
    assert await outbox(session, coop.id) == []  # taken in this transaction


async def test_an_accepted_plan_and_a_rolled_back_change(
    session: AsyncSession, coop_a: CoopWorld
) -> None:
    coop_id = coop_a.coop.id
    plan_id = await session.scalar(
        text(
            "INSERT INTO plans (cooperative_id, status, time_limit_s, starts_at, orders)"
            " VALUES (:c, 'done', 10, now(), 7) RETURNING id"
        ),
        {"c": coop_id},
    )
    assert await outbox(session, coop_id) == []  # a plan is news once accepted
    await session.execute(
        text("UPDATE plans SET status = 'accepted' WHERE id = :p"), {"p": plan_id}
    )
    await session.execute(
        text("UPDATE plans SET status = 'accepted' WHERE id = :p"), {"p": plan_id}
    )
    assert await outbox(session, coop_id) == [("plan_accepted", plan_id)]
    events = await notify_sources.events(session, [(1, "plan_accepted", plan_id)])
    assert events[0].webhook_type == "plan.accepted" and events[0].data["plan"]["orders"] == 7

    savepoint = await session.begin_nested()
    await session.execute(text("UPDATE plans SET status = 'done' WHERE id = :p"), {"p": plan_id})
    await session.execute(
        text("UPDATE plans SET status = 'accepted' WHERE id = :p"), {"p": plan_id}
    )
    await savepoint.rollback()
    count = await session.scalar(select(func.count()).where(OutboxEvent.cooperative_id == coop_id))
    assert count == 1  # the rolled-back change left nothing to send


async def test_vanished_sources_are_skipped(session: AsyncSession) -> None:
    assert (
        await notify_sources.events(session, [(1, "offer", 2**62), (2, "order_event", 2**62)]) == []
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/x",
        "http://localhost/x",
        "http://0.0.0.0/x",
        "http://[::ffff:127.0.0.1]/x",  # loopback written as an IPv4-mapped IPv6 address
    ],
)
async def test_private_and_loopback_targets_are_refused(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        await check(url, allow_private=False)
    await check(url, allow_private=True)  # an installation that allows them, explicitly


@pytest.mark.parametrize("url", ["ftp://example.vn/x", "http://user:pw@example.vn/", "http:///x"])
async def test_malformed_targets_are_refused_even_when_private_ones_are_allowed(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        await check(url, allow_private=True)
