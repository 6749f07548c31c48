"""``coopfleet notify``: the process that turns events into messages and webhook deliveries
and sends them.

Its own loop rather than procrastinate jobs: every message and delivery is already a row with
its state, so the rows are the queue (claimed with ``FOR UPDATE SKIP LOCKED`` under a lease:
any number of processes, nothing lost when one dies), and a job per message would double
every write. Webhooks need one sender per subscription at a time, in order; a lease on the
subscription row says so in one UPDATE. Five loops share one event loop: the outbox's
two lanes (offers; the rest), the papers' daily thresholds, messages, webhooks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.config import Settings
from core.db import create_engine_from_settings, session_factory
from notifications import papers
from notifications.fanout import fan_out
from notifications.sender import MessageSender
from notifications.webhooks import WebhookSender
from worker import notify_sources

log = logging.getLogger(__name__)
PAPERS_EVERY_S = 300.0  # thresholds are days: a scan every few minutes is plenty


async def fan_out_once(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, lane: str
) -> int:
    """One batch of a lane of the outbox into messages and deliveries, in one transaction;
    rows read."""
    async with sessions() as session:
        rows = await notify_sources.claim(session, settings.notify_batch, lane)
        if not rows:
            await session.rollback()
            return 0
        events = await notify_sources.events(session, rows)
        counts = await fan_out(session, events, datetime.now(UTC))
        await session.commit()
    log.debug(
        "outbox: %s rows, %s messages, %s deliveries",
        len(rows),
        counts.messages,
        counts.deliveries,
    )
    return len(rows)


async def papers_once(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> int:
    """Papers crossing a notice threshold (a message each, once: the keys say so)."""
    async with sessions() as session:
        events = await papers.due_events(session, settings.papers_notice_days)
        counts = await fan_out(session, events, datetime.now(UTC))
        await session.commit()
    log.debug("papers: %s messages", counts.messages)
    return 0  # never busy: the next scan waits its interval


async def _loop(stop: asyncio.Event, step: Callable[[], Awaitable[int]], pause: float) -> None:
    """Run ``step`` again at once while it finds work, else after ``pause`` (or at stop)."""
    while not stop.is_set():
        try:
            busy = await step()
        except Exception:
            log.exception("notify step failed; retrying")
            busy = 0
        if not busy:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)


async def run(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Until SIGTERM/SIGINT (or ``stop``); the sends in flight finish first."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    engine = create_engine_from_settings(settings)
    sessions = session_factory(engine)
    # webhooks on a pool of their own: fifty receivers' tasks never make an offer's push wait
    # for a connection
    webhook_engine = create_engine_from_settings(settings)
    # aiohttp, not httpx: 100 requests in flight cost httpx's pool ~20 ms each here (49/s to a
    # local server), aiohttp ~0.5 ms (2,000/s); every send refuses redirects, which could lead
    # past the address check
    client = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=2 * settings.notify_concurrency),
        timeout=aiohttp.ClientTimeout(total=settings.webhook_timeout_seconds),
        trust_env=False,
    )
    messages = MessageSender(settings, sessions, client)
    webhooks = WebhookSender(settings, session_factory(webhook_engine), client)
    poll = settings.notify_poll_seconds
    log.info("notify: started")
    try:
        await asyncio.gather(
            _loop(stop, lambda: fan_out_once(sessions, settings, notify_sources.OFFERS), poll),
            _loop(stop, lambda: fan_out_once(sessions, settings, notify_sources.OTHERS), poll),
            _loop(stop, lambda: papers_once(sessions, settings), PAPERS_EVERY_S),
            _loop(stop, messages.run_once, poll),
            _loop(stop, webhooks.run_once, poll),
        )
    finally:
        await messages.drain()
        await webhooks.drain()
        await client.close()
        await engine.dispose()
        await webhook_engine.dispose()
        log.info("notify: stopped")
