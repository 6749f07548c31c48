"""Papers expiring: one message per threshold per person, however often the scan runs; quiet
hours hold messages back; e-mail through a local SMTP sink and SMS through a local gateway,
sent by the same sender ``coopfleet notify`` runs."""

from __future__ import annotations

import json
import socket
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from email import message_from_bytes
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from devtools.notify_fakes import WebhookReceiver
from fleet.models import Cooperative
from notifications import papers
from notifications.fanout import fan_out
from notifications.models import NotificationMessage, NotificationRule
from notifications.quiet import release_time
from notifications.sender import MessageSender
from tests import factories

ZONE = "Asia/Ho_Chi_Minh"


@pytest.fixture
def smtp_sink() -> Iterator[tuple[int, list[bytes]]]:
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Sink:
        async def handle_DATA(self, server: object, session_: object, envelope: object) -> str:
            received.append(envelope.content)  # type: ignore[attr-defined]
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port, received
    controller.stop()


async def paper_world(session: AsyncSession) -> tuple[Cooperative, int, int]:
    """A member owning a vehicle whose badge lapses in 40 days, and a driver (with an account
    named by phone) whose licence lapses then too."""
    coop = await factories.make_coop(session)
    member = await factories.make_member(session, coop, email="chuxe@htx.vn")
    expiry = date.today() + timedelta(days=40)
    await factories.make_vehicle(session, coop, owner_member_id=member.id, badge_expiry=expiry)
    driver = await factories.make_driver(session, coop, licence_expiry=expiry)
    await factories.make_user(session, coop, role="driver", driver=driver, login=driver.phone)
    return coop, member.id, driver.id


async def test_each_threshold_sends_one_message_per_person(session: AsyncSession) -> None:
    coop, member_id, driver_id = await paper_world(session)
    for channel in ("email", "sms"):
        session.add(
            NotificationRule(
                cooperative_id=coop.id,
                event_kind="papers_expiring",
                channel=channel,
                audience="subject",
            )
        )
    await session.flush()
    now = datetime.now(UTC)
    for day in range(46):  # the scan every day for 46 days, twice a day
        today = date.today() + timedelta(days=day)
        for _ in range(2):
            events = await papers.events_of(session, coop.id, today, [30, 7, 1], now)
            await fan_out(session, events, now)
    rows = (
        await session.execute(
            select(NotificationMessage).where(NotificationMessage.cooperative_id == coop.id)
        )
    ).scalars()
    sent = Counter((m.recipient, m.channel) for m in rows)
    member = f"member:{member_id}"
    driver_user = next(k for k, _ in sent if k.startswith("user:"))
    # the badge: its member by e-mail and SMS; the licence: the driver by SMS (no e-mail known)
    # and the driver's member (none here): three thresholds each, 30, 7 and 1 days
    assert sent == {(member, "email"): 3, (member, "sms"): 3, (driver_user, "sms"): 3}
    keys = (
        await session.execute(
            select(NotificationMessage.dedupe_key).where(
                NotificationMessage.recipient == member, NotificationMessage.channel == "email"
            )
        )
    ).scalars()
    assert sorted(int(k.split("|")[0].rsplit(":", 1)[1]) for k in keys) == [1, 7, 30]
    assert driver_id  # the licence's holder is the driver's account


def test_quiet_hours_release_at_their_end_on_the_cooperatives_clock() -> None:
    zone = ZoneInfo(ZONE)
    at = datetime(2026, 12, 4, 23, 30, tzinfo=zone)
    assert release_time(at, ZONE, time(22), time(6)) == datetime(2026, 12, 5, 6, tzinfo=zone)
    early = datetime(2026, 12, 5, 5, 0, tzinfo=zone)
    assert release_time(early, ZONE, time(22), time(6)) == datetime(2026, 12, 5, 6, tzinfo=zone)
    noon = datetime(2026, 12, 5, 12, 0, tzinfo=zone)
    assert release_time(noon, ZONE, time(22), time(6)) == noon
    assert release_time(noon, ZONE, time(11), time(13)) == datetime(2026, 12, 5, 13, tzinfo=zone)
    assert release_time(noon, ZONE, None, None) == noon


async def test_nothing_goes_out_in_quiet_hours_then_the_email_is_sent(
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    smtp_sink: tuple[int, list[bytes]],
) -> None:
    coop, _, _ = await paper_world(session)
    local = datetime.now(ZoneInfo(ZONE))
    session.add(
        NotificationRule(
            cooperative_id=coop.id,
            event_kind="papers_expiring",
            channel="email",
            audience="subject",
            language="en",
            quiet_from=(local - timedelta(hours=1)).time().replace(microsecond=0),
            quiet_to=(local + timedelta(hours=1)).time().replace(microsecond=0),
        )
    )
    await session.flush()
    now = datetime.now(UTC)
    today = date.today() + timedelta(days=33)  # 7 days left
    await fan_out(session, await papers.events_of(session, coop.id, today, [30, 7, 1], now), now)
    await session.commit()
    message = (
        await session.execute(
            select(NotificationMessage).where(NotificationMessage.cooperative_id == coop.id)
        )
    ).scalar_one()
    assert message.next_attempt_at > now + timedelta(minutes=55)  # the quiet hours' end

    port, received = smtp_sink
    mail_settings = settings.model_copy(update={"smtp_port": port, "smtp_from": "htx@htx.vn"})
    async with aiohttp.ClientSession() as client:
        sender = MessageSender(mail_settings, sessions, client)
        assert await sender.run_once() == 0  # quiet: nothing due
        await sender.drain()
        assert received == []
        # the quiet hours end
        await session.execute(
            update(NotificationMessage)
            .where(NotificationMessage.id == message.id)
            .values(next_attempt_at=now - timedelta(hours=1))
        )
        await session.commit()
        assert await sender.run_once() == 1
        await sender.drain()
    assert len(received) == 1
    mail = message_from_bytes(received[0])
    assert mail["To"] == "chuxe@htx.vn" and mail["Subject"] == "Papers expiring"
    assert "The operating badge" in mail.get_payload()
    await session.refresh(message)
    assert message.status == "sent" and message.sent_at is not None


async def test_sms_goes_through_the_template_gateway_and_failures_are_retried(
    session: AsyncSession, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    coop, member_id, _ = await paper_world(session)
    session.add(
        NotificationRule(
            cooperative_id=coop.id, event_kind="papers_expiring", channel="sms", audience="subject"
        )
    )
    await session.flush()
    now = datetime.now(UTC) - timedelta(minutes=5)  # due before the test transaction's now()
    today = date.today() + timedelta(days=39)
    await fan_out(session, await papers.events_of(session, coop.id, today, [30, 7, 1], now), now)
    await session.commit()

    gateway = WebhookReceiver()
    gateway.status = 503  # down for maintenance first
    gateway.start()
    sms_settings = settings.model_copy(
        update={
            "sms_url": gateway.url("/sms/send"),
            "sms_body_template": '{"phone": "{to}", "message": "{text}", "brand": "HTX"}',
            "sms_auth_header": "X-Api-Key: k-123",
            "notify_retry_base_seconds": 0.01,
        }
    )
    try:
        async with aiohttp.ClientSession() as client:
            sender = MessageSender(sms_settings, sessions, client)
            assert await sender.run_once() == 2  # the member and the driver
            await sender.drain()
            failed = (
                (
                    await session.execute(
                        select(NotificationMessage).where(
                            NotificationMessage.cooperative_id == coop.id
                        )
                    )
                )
                .scalars()
                .all()
            )
            assert {(m.status, m.last_error) for m in failed} == {
                ("failed", "SMS gateway answered 503")
            }
            await session.execute(
                update(NotificationMessage)
                .where(NotificationMessage.cooperative_id == coop.id)
                .values(next_attempt_at=now)
            )
            await session.commit()
            gateway.status = 200
            assert await sender.run_once() == 2
            await sender.drain()
    finally:
        gateway.stop()
    bodies = [json.loads(got.body) for got in gateway.received[-2:]]
    assert {b["brand"] for b in bodies} == {"HTX"}
    assert all(got.headers["X-Api-Key"] == "k-123" for got in gateway.received)
    assert any("Phù hiệu" in b["message"] for b in bodies)  # Vietnamese by default
    rows = (
        await session.execute(
            select(NotificationMessage).where(NotificationMessage.cooperative_id == coop.id)
        )
    ).scalars()
    for row in rows:
        await session.refresh(row)
        assert (row.status, row.attempts) == ("sent", 2)
    assert member_id
