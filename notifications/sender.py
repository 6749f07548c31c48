"""Sending the queued messages: claim the due rows under a lease (``FOR UPDATE SKIP LOCKED``,
so any number of notify processes share the work and a crashed one's rows come back when the
lease ends), send them concurrently, record each outcome on its row."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from notifications import mail, push, sms
from notifications.models import PushSubscription
from notifications.outcome import Outcome, backoff_seconds
from notifications.vapid import VapidSigner

GONE = (404, 410)  # the push service no longer knows the subscription
EXPIRED = Outcome(False, "expired before it could be sent", permanent=True)
BATCHES_IN_FLIGHT = 4

_CLAIM = text(
    """
    UPDATE notification_messages SET lease_until = now() + make_interval(secs => :lease),
        attempts = attempts + 1
    WHERE id IN (
        SELECT id FROM notification_messages
        WHERE status IN ('queued', 'failed') AND next_attempt_at <= now()
          AND (lease_until IS NULL OR lease_until < now())
        ORDER BY next_attempt_at, id LIMIT :limit FOR UPDATE SKIP LOCKED)
    RETURNING id, cooperative_id, channel, user_id, address, payload, attempts, expires_at
    """
)

_RECORD = text(
    """
    UPDATE notification_messages AS m SET status = r.status, last_error = r.error,
        lease_until = NULL,
        sent_at = CASE WHEN r.status = 'sent' THEN now() ELSE m.sent_at END,
        next_attempt_at = now() + make_interval(secs => r.delay)
    FROM unnest(CAST(:ids AS bigint[]), CAST(:statuses AS text[]), CAST(:errors AS text[]),
                CAST(:delays AS float8[])) AS r(id, status, error, delay)
    WHERE m.id = r.id
    """
)


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    cooperative_id: int
    channel: str
    user_id: int | None
    address: str | None
    payload: dict[str, Any]
    attempts: int
    expires_at: datetime | None


class MessageSender:
    """One per notify process: its HTTP client, VAPID signer and limit of sends in flight."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        client: aiohttp.ClientSession,
    ) -> None:
        self.settings, self.sessions, self.client = settings, sessions, client
        self.signer = VapidSigner(settings)
        self.limit = asyncio.Semaphore(settings.notify_concurrency)
        self.batches: set[asyncio.Task[None]] = set()

    async def run_once(self) -> int:
        """Claim one batch of due messages and start sending it; how many were claimed.

        Batches overlap (up to ``BATCHES_IN_FLIGHT``): a batch waiting on a slow SMTP server
        does not hold back the pushes claimed after it. Their leases keep them claimed."""
        self.batches = {task for task in self.batches if not task.done()}
        if len(self.batches) >= BATCHES_IN_FLIGHT:
            return 0
        async with self.sessions() as session:
            rows = await session.execute(
                _CLAIM,
                {"lease": self.settings.notify_lease_seconds, "limit": self.settings.notify_batch},
            )
            claimed = [Claimed(*row) for row in rows]
            endpoints = await self._endpoints(session, claimed)
            await session.commit()
        if not claimed:
            return 0
        self.batches.add(asyncio.create_task(self._send_batch(claimed, endpoints)))
        return len(claimed)

    async def drain(self) -> None:
        """Wait for the batches being sent (at shutdown, and in tests)."""
        if self.batches:
            await asyncio.gather(*self.batches, return_exceptions=True)
        self.batches.clear()

    async def _send_batch(
        self, claimed: Sequence[Claimed], endpoints: dict[int, list[push.Endpoint]]
    ) -> None:
        outcomes = await asyncio.gather(*(self._send(m, endpoints) for m in claimed))
        await self._record(claimed, outcomes)

    async def _endpoints(
        self, session: AsyncSession, claimed: Sequence[Claimed]
    ) -> dict[int, list[push.Endpoint]]:
        user_ids = {m.user_id for m in claimed if m.channel == "push" and m.user_id is not None}
        found: dict[int, list[push.Endpoint]] = {}
        if user_ids:
            rows = await session.execute(
                select(PushSubscription).where(PushSubscription.user_id.in_(user_ids))
            )
            for sub in rows.scalars():
                endpoint = push.Endpoint(sub.id, sub.endpoint, sub.p256dh, sub.auth)
                found.setdefault(sub.user_id, []).append(endpoint)
        return found

    async def _send(self, message: Claimed, endpoints: dict[int, list[push.Endpoint]]) -> Outcome:
        now = datetime.now(UTC)
        if message.expires_at is not None and message.expires_at <= now:
            return EXPIRED
        async with self.limit:
            if message.channel == "email" and message.address:
                return await mail.send(self.settings, message.address, message.payload)
            if message.channel == "sms" and message.address:
                return await sms.send(self.client, self.settings, message.address, message.payload)
            if message.channel == "push" and message.user_id is not None:
                return await self._push(message, endpoints.get(message.user_id, []), now)
        return Outcome(False, "no address for this channel", permanent=True)

    async def _push(
        self, message: Claimed, endpoints: list[push.Endpoint], now: datetime
    ) -> Outcome:
        """To each of the person's browsers; sent when one took it. A subscription its push
        service calls gone (404/410) is forgotten."""
        if not endpoints:
            return Outcome(False, "the person has no push subscription", permanent=True)
        outcomes = await asyncio.gather(
            *(
                push.send(
                    self.client,
                    self.signer,
                    endpoint,
                    message.payload,
                    ttl=push.ttl_seconds(message.expires_at, now),
                    urgent=message.payload.get("kind") == "offer",
                    allow_private=self.settings.webhooks_allow_private,
                )
                for endpoint in endpoints
            )
        )
        gone = [
            e.id for e, o in zip(endpoints, outcomes, strict=True) if o.status_code in (404, 410)
        ]
        if gone:
            async with self.sessions() as session:
                await session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
                await session.commit()
        if any(o.ok for o in outcomes):
            return Outcome(True)
        permanent = all(o.permanent for o in outcomes)
        return Outcome(False, "; ".join(sorted({o.error or "" for o in outcomes})), permanent)

    async def _record(self, claimed: Sequence[Claimed], outcomes: Sequence[Outcome]) -> None:
        settings = self.settings
        statuses, errors, delays = [], [], []
        for message, outcome in zip(claimed, outcomes, strict=True):
            if outcome.ok:
                status = "sent"
            elif outcome is EXPIRED:
                status = "expired"
            elif outcome.permanent or message.attempts >= settings.notify_max_attempts:
                status = "given_up"
            else:
                status = "failed"
            statuses.append(status)
            errors.append(None if outcome.ok else outcome.error)
            delays.append(
                backoff_seconds(
                    message.attempts,
                    settings.notify_retry_base_seconds,
                    settings.notify_retry_max_seconds,
                )
                if status == "failed"
                else 0.0
            )
        async with self.sessions() as session:
            await session.execute(
                _RECORD,
                {
                    "ids": [m.id for m in claimed],
                    "statuses": statuses,
                    "errors": errors,
                    "delays": delays,
                },
            )
            await session.commit()
