"""Delivering webhooks: at least once, in order per subscription, each receiver on its own.

A notify process leases a subscription whose oldest undelivered event is due (``FOR UPDATE
SKIP LOCKED``: one sender per subscription across processes) and posts its events one after
the other, oldest first; a failure stops that subscription until its retry is due, so the
receiver gets an order's steps in the order they happened. Subscriptions run side by side
with a timeout each, so a slow receiver slows only itself. Failing for longer than
``COOPFLEET_WEBHOOK_DISABLE_AFTER_SECONDS`` disables the subscription, with the reason."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from notifications import signing
from notifications.addresses import UnsafeTarget, check
from notifications.outcome import Outcome, backoff_seconds, transient

PAGE = 100  # deliveries read at once per subscription
USER_AGENT = "coopfleet-webhooks/1"

_CLAIM = text(
    """
    UPDATE webhook_subscriptions SET lease_until = now() + make_interval(secs => :lease)
    WHERE id IN (
        SELECT s.id FROM webhook_subscriptions s
        WHERE s.enabled AND (s.lease_until IS NULL OR s.lease_until < now())
          AND NOT (s.id = ANY(CAST(:busy AS integer[])))
          AND (SELECT d.next_attempt_at FROM webhook_deliveries d
               WHERE d.subscription_id = s.id AND d.status <> 'delivered'
               ORDER BY d.id LIMIT 1) <= now()
        LIMIT :limit FOR UPDATE SKIP LOCKED)
    RETURNING id, url, secret
    """
)
_PENDING = text(
    """
    SELECT id, event_type, payload, attempts, next_attempt_at <= now() AS due
    FROM webhook_deliveries WHERE subscription_id = :sub AND status <> 'delivered'
    ORDER BY id LIMIT :limit
    """
)
_DELIVERED = text(
    """
    UPDATE webhook_deliveries SET status = 'delivered', delivered_at = now(),
        last_attempt_at = now(), attempts = attempts + 1, last_error = NULL,
        last_status_code = CAST(:code AS smallint)
    WHERE id = ANY(CAST(:ids AS bigint[]));
    """
)
_HEALTHY = text("UPDATE webhook_subscriptions SET failing_since = NULL WHERE id = :sub")
_FAILED = text(
    """
    UPDATE webhook_deliveries SET status = 'failed', attempts = attempts + 1,
        last_attempt_at = now(), last_error = :error, last_status_code = :code,
        next_attempt_at = now() + make_interval(secs => :delay)
    WHERE id = :id
    """
)
_FAILING = text(
    """
    UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, now()),
        enabled = enabled AND coalesce(failing_since, now())
                              > now() - make_interval(secs => :limit),
        disabled_at = CASE WHEN coalesce(failing_since, now())
                              <= now() - make_interval(secs => :limit)
                           THEN now() END,
        disabled_reason = CASE WHEN coalesce(failing_since, now())
                                  <= now() - make_interval(secs => :limit)
            THEN 'failing since ' || to_char(failing_since AT TIME ZONE 'UTC',
                                            'YYYY-MM-DD HH24:MI:SS') || ' UTC ('
                 || :attempts || ' attempts of the oldest event); last error: ' || :error
            END
    WHERE id = :sub
    """
)
_RELEASE = text("UPDATE webhook_subscriptions SET lease_until = NULL WHERE id = :sub")


@dataclass(frozen=True, slots=True)
class Target:
    id: int
    url: str
    secret: str


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


async def post(
    client: aiohttp.ClientSession,
    target: Target,
    delivery_id: int,
    event_type: str,
    payload: dict[str, Any],
) -> Outcome:
    body = encode(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Coopfleet-Event": event_type,
        "X-Coopfleet-Delivery": str(delivery_id),
        signing.HEADER: signing.sign(target.secret, int(time.time()), body),
    }
    try:
        async with client.post(
            target.url, data=body, headers=headers, allow_redirects=False
        ) as answer:
            await answer.read()
            code = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Outcome(False, f"{type(exc).__name__}: {exc}"[:500])
    if 200 <= code < 300:
        return Outcome(True, status_code=code)
    return Outcome(False, f"the receiver answered {code}", not transient(code), code)


class WebhookSender:
    """Leases subscriptions and serves each in a task of its own."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        client: aiohttp.ClientSession,
    ) -> None:
        self.settings, self.sessions, self.client = settings, sessions, client
        # a subscription is served for half its lease; a request may not outlast the rest
        self.lease_s = max(settings.notify_lease_seconds, 4 * settings.webhook_timeout_seconds)
        self.busy: dict[int, asyncio.Task[None]] = {}
        self.stopping = False  # at shutdown: finish the request in flight, start no other

    async def run_once(self) -> int:
        """Start serving every due subscription not served yet; how many were started."""
        free = self.settings.notify_concurrency - len(self.busy)
        if free <= 0 or self.stopping:
            return 0
        async with self.sessions() as session:
            rows = await session.execute(
                _CLAIM, {"lease": self.lease_s, "busy": list(self.busy), "limit": free}
            )
            targets = [Target(*row) for row in rows]
            await session.commit()
        for target in targets:
            task = asyncio.create_task(self._serve(target))
            self.busy[target.id] = task
            task.add_done_callback(functools.partial(self._done, target.id))
        return len(targets)

    def _done(self, subscription_id: int, _: asyncio.Task[None]) -> None:
        self.busy.pop(subscription_id, None)

    async def drain(self) -> None:
        """Wait for the subscriptions being served (at shutdown): each ends after the request
        it has in flight, so a slow receiver holds the process back one timeout at most."""
        self.stopping = True
        if self.busy:
            await asyncio.gather(*self.busy.values(), return_exceptions=True)

    async def _serve(self, target: Target) -> None:
        deadline = time.monotonic() + self.lease_s / 2
        try:
            try:
                await check(target.url, allow_private=self.settings.webhooks_allow_private)
            except UnsafeTarget as exc:
                await self._first_failed(target, Outcome(False, f"target refused: {exc}"))
                return
            while time.monotonic() < deadline and not self.stopping:
                if not await self._serve_page(target, deadline):
                    return
        finally:
            async with self.sessions() as session:
                await session.execute(_RELEASE, {"sub": target.id})
                await session.commit()

    async def _serve_page(self, target: Target, deadline: float) -> bool:
        """Post pending deliveries oldest first; False once nothing more can go now."""
        async with self.sessions() as session:
            rows = (await session.execute(_PENDING, {"sub": target.id, "limit": PAGE})).all()
        delivered: list[int] = []
        code: int | None = None
        go_on = len(rows) == PAGE
        for delivery_id, event_type, payload, attempts, due in rows:
            if not due or time.monotonic() >= deadline or self.stopping:
                go_on = False
                break
            outcome = await post(self.client, target, delivery_id, event_type, payload)
            if outcome.ok:
                delivered.append(delivery_id)
                code = outcome.status_code
                continue
            await self._record(target, delivered, code, (delivery_id, attempts + 1, outcome))
            return False
        await self._record(target, delivered, code, None)
        return go_on

    async def _first_failed(self, target: Target, outcome: Outcome) -> None:
        async with self.sessions() as session:
            row = (await session.execute(_PENDING, {"sub": target.id, "limit": 1})).first()
        if row is not None:
            await self._record(target, [], None, (row[0], row[3] + 1, outcome))

    async def _record(
        self,
        target: Target,
        delivered: list[int],
        code: int | None,
        failure: tuple[int, int, Outcome] | None,
    ) -> None:
        settings = self.settings
        async with self.sessions() as session:
            if delivered:
                await session.execute(_DELIVERED, {"ids": delivered, "code": code})
                await session.execute(_HEALTHY, {"sub": target.id})
            if failure is not None:
                delivery_id, attempts, outcome = failure
                delay = backoff_seconds(
                    attempts, settings.notify_retry_base_seconds, settings.notify_retry_max_seconds
                )
                error = outcome.error or "failed"
                await session.execute(
                    _FAILED,
                    {
                        "id": delivery_id,
                        "error": error,
                        "code": outcome.status_code,
                        "delay": delay,
                    },
                )
                await session.execute(
                    _FAILING,
                    {
                        "sub": target.id,
                        "limit": settings.webhook_disable_after_seconds,
                        "attempts": str(attempts),
                        "error": error,
                    },
                )
            await session.commit()
