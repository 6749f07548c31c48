"""Push streams: who listens to what in this process, woken by PostgreSQL notifications, cut off
when their session ends, and capped per user and per cooperative.

An idle stream costs no query: it waits on an event that the process's one LISTEN connection
(``api.notify``) sets when a trigger (migration 0014) says something was written for it; it
then reads what is new with one query. Sign-out, a password or credentials reset, a disabled
account and a deleted session are notified too, and end the stream at once. Behind that, every
``stream_recheck_seconds`` one query checks the sessions of all the process's streams together
(expired, or revoked while the listener was reconnecting), so the database work does not grow
with the number of connections. After the listener (re)connects every stream reads once, which
catches what was written while nobody listened; while it cannot connect, every stream reads at
that slow pace instead.

The caps are counted per API process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Header, WebSocket
from fastapi.encoders import jsonable_encoder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse
from starlette.background import BackgroundTask
from starlette.datastructures import State

from api.notify import Listener
from core.config import Settings
from core.errors import TooManyRequests
from core.timeutil import utcnow
from fleet.auth import Principal
from fleet.models import AuthSession, User

log = logging.getLogger(__name__)

MESSAGES, EVENTS, LIVE = "messages", "events", "live"
CHANNELS = {"coopfleet_messages": MESSAGES, "coopfleet_events": EVENTS}
SESSIONS_CHANNEL = "coopfleet_sessions"
BATCH = 200  # rows read at a time; a full batch is followed at once by the next
KEEPALIVE_S = 15  # an SSE comment this often keeps proxies from closing a quiet stream
CLOSE_SIGNED_OUT = 4401
CLOSE_TOO_MANY = 4429
CLOSE_GOING_AWAY = 1001

Topic = tuple[str, int, int | None]
"""What a stream follows: (kind, cooperative, driver or None)."""
Reader = Callable[[int, int], Awaitable[list[dict[str, Any]]]]
"""Rows after an id, oldest first, at most so many."""


class TooManyStreams(TooManyRequests):
    """Past a cap on open streams (its own code: the sign-in limit's text would mislead)."""

    code = "too_many_streams"


@dataclass(eq=False)
class Subscription:
    """One open stream: woken when something may be new for it, ended when its session is."""

    topic: Topic
    user_id: int
    session_id: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    close_code: int = CLOSE_SIGNED_OUT  # what a WebSocket is told when this ends

    def end(self, close_code: int = CLOSE_SIGNED_OUT) -> None:
        self.close_code = close_code
        self.ended.set()
        self.wake.set()


class StreamHub:
    """The process's open streams, by topic, session and user."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.recheck_s = settings.stream_recheck_seconds
        self.per_user = settings.streams_per_user
        self.per_cooperative = settings.streams_per_cooperative
        self.listener = Listener(
            settings.sync_database_url,
            [*CHANNELS, SESSIONS_CHANNEL],
            self._notified,
            self._wake_all,
        )
        self._by_topic: defaultdict[Topic, set[Subscription]] = defaultdict(set)
        self._by_session: defaultdict[str, set[Subscription]] = defaultdict(set)
        self._by_user: defaultdict[int, set[Subscription]] = defaultdict(set)
        self._per_cooperative: Counter[int] = Counter()
        self._sweeper: asyncio.Task[None] | None = None

    def start(self) -> None:
        self.listener.start()
        self._sweeper = asyncio.create_task(self._recheck_forever(), name="stream-recheck")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.listener.stop()
        for subscriptions in list(self._by_topic.values()):
            for subscription in subscriptions:
                subscription.end(CLOSE_GOING_AWAY)  # the server stops: not a sign-out

    def open(self, principal: Principal, topic: Topic) -> Subscription:
        """Register a stream, or raise TooManyStreams past the caps (nothing is registered)."""
        if len(self._by_user[principal.user_id]) >= self.per_user:
            raise TooManyStreams(
                f"at most {self.per_user} open streams per user; close one first",
                limit=self.per_user,
            )
        cooperative = topic[1]
        if self._per_cooperative[cooperative] >= self.per_cooperative:
            raise TooManyStreams(
                f"at most {self.per_cooperative} open streams per cooperative",
                limit=self.per_cooperative,
            )
        subscription = Subscription(topic, principal.user_id, principal.session_id)
        self._by_topic[topic].add(subscription)
        self._by_session[subscription.session_id].add(subscription)
        self._by_user[subscription.user_id].add(subscription)
        self._per_cooperative[cooperative] += 1
        return subscription

    def close(self, subscription: Subscription) -> None:
        """Forget a stream; closing twice is harmless."""
        subscribers = self._by_topic.get(subscription.topic)
        if subscribers is None or subscription not in subscribers:
            return
        _discard(self._by_topic, subscription.topic, subscription)
        _discard(self._by_session, subscription.session_id, subscription)
        _discard(self._by_user, subscription.user_id, subscription)
        self._per_cooperative[subscription.topic[1]] -= 1
        if self._per_cooperative[subscription.topic[1]] <= 0:
            del self._per_cooperative[subscription.topic[1]]

    def count(self) -> int:
        return sum(len(subscriptions) for subscriptions in self._by_topic.values())

    def _notified(self, channel: str, payload: str) -> None:
        try:
            if channel == SESSIONS_CHANNEL:
                kind, _, ident = payload.partition(":")
                ended = self._by_session.get(ident, set())
                if kind == "u":
                    ended = self._by_user.get(int(ident), set())
                for subscription in list(ended):
                    subscription.end()
                return
            cooperative, _, driver = payload.partition(":")
            topic = (CHANNELS[channel], int(cooperative), int(driver) if driver else None)
        except (KeyError, ValueError):
            log.warning("unexpected notification %s %r", channel, payload)
            return
        for subscription in self._by_topic.get(topic, ()):
            subscription.wake.set()

    def _wake_all(self) -> None:
        """After a (re)connect: what was written meanwhile was not notified; read once."""
        for subscriptions in self._by_topic.values():
            for subscription in subscriptions:
                subscription.wake.set()

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self.recheck_s)
            if not self.listener.connected.is_set():
                self._wake_all()  # nobody hears the writes meanwhile: read at this pace
            try:
                await self.recheck()
            except Exception:  # the database may be restarting: the next round tries again
                log.exception("re-checking the streams' sessions failed")

    async def recheck(self) -> None:
        """End the streams whose session is revoked, expired or gone, or whose account is
        disabled: one query for all the process's streams."""
        session_ids = list(self._by_session)
        if not session_ids:
            return
        async with self.sessions() as session:
            live = set(
                await session.scalars(
                    select(AuthSession.id)
                    .join(User, User.id == AuthSession.user_id)
                    .where(
                        AuthSession.id.in_(session_ids),
                        AuthSession.revoked_at.is_(None),
                        AuthSession.expires_at > utcnow(),
                        User.is_active,
                    )
                )
            )
        for session_id in session_ids:
            if session_id not in live:
                for subscription in list(self._by_session.get(session_id, ())):
                    subscription.end()


def _discard(index: defaultdict[Any, set[Subscription]], key: object, item: Subscription) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(item)
        if not members:
            del index[key]


def hub_of(state: State, settings: Settings) -> StreamHub:
    """The app's hub, started by the lifespan; an app served without one (in-process tests)
    starts it on first use."""
    hub: StreamHub | None = getattr(state, "streams", None)
    if hub is None:
        hub = StreamHub(settings, state.session_factory)
        hub.start()
        state.streams = hub
    return hub


async def updates(
    subscription: Subscription, read: Reader, cursor: int
) -> AsyncIterator[dict[str, Any]]:
    """Rows after ``cursor`` as they are written, until the session ends; nothing read is
    handed out once it has."""
    while not subscription.ended.is_set():
        subscription.wake.clear()  # before reading: a write during the read wakes us again
        rows = await read(cursor, BATCH)
        for row in rows:
            if subscription.ended.is_set():
                return
            cursor = row["id"]
            yield row
        if len(rows) < BATCH:
            await subscription.wake.wait()


def resumed_after(
    last_event_id: Annotated[str | None, Header(max_length=18, pattern=r"^[0-9]*$")] = None,
) -> int | None:
    """The id a reconnecting EventSource saw last (``Last-Event-ID``); None on a first connect."""
    return int(last_event_id) if last_event_id else None


# a stream route's parameter: where a reconnecting client resumes (it wins over ``after_id``)
ResumedAfter = Annotated[int | None, Depends(resumed_after)]


def sse_response(
    hub: StreamHub, subscription: Subscription, read: Reader, cursor: int, retry_ms: int
) -> EventSourceResponse:
    """The rows as Server-Sent Events (id: the row's id, event: its kind, data: the row as
    JSON); the stream ends when the session does, and always leaves the hub."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        try:
            yield ServerSentEvent(retry=retry_ms)
            async for row in updates(subscription, read, cursor):
                data = json.dumps(jsonable_encoder(row), ensure_ascii=False)
                yield ServerSentEvent(data=data, id=str(row["id"]), event=str(row["kind"]))
        finally:
            hub.close(subscription)

    return EventSourceResponse(
        events(),
        ping=KEEPALIVE_S,
        headers={"Cache-Control": "no-cache"},
        background=BackgroundTask(hub.close, subscription),  # also when never started
    )


async def open_socket(
    hub: StreamHub, websocket: WebSocket, principal: Principal, topic: Topic
) -> Subscription | None:
    """Register an accepted WebSocket, or close it with 4429 past the caps."""
    try:
        return hub.open(principal, topic)
    except TooManyStreams as refused:
        await websocket.close(code=CLOSE_TOO_MANY, reason=refused.message[:120])
        return None


async def drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a closed socket is noticed at once."""
    while True:
        await websocket.receive_text()


async def until_ended(
    websocket: WebSocket, subscription: Subscription, work: Awaitable[Any]
) -> None:
    """Run ``work`` until it ends, the client leaves or the session ends (then close 4401, or
    1001 when the server stops)."""
    tasks = {
        asyncio.ensure_future(work),
        asyncio.ensure_future(drain(websocket)),
        asyncio.ensure_future(subscription.ended.wait()),
    }
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await task
    if subscription.ended.is_set():
        with contextlib.suppress(RuntimeError):  # the client may have gone already
            signed_out = subscription.close_code == CLOSE_SIGNED_OUT
            reason = "signed out" if signed_out else "the server is stopping"
            await websocket.close(code=subscription.close_code, reason=reason)


async def pump_socket(
    hub: StreamHub, websocket: WebSocket, subscription: Subscription, read: Reader, cursor: int
) -> None:
    """Send each row as JSON until the client leaves or the session ends; leaves the hub."""

    async def send_all() -> None:
        async for row in updates(subscription, read, cursor):
            await websocket.send_json(jsonable_encoder(row))

    try:
        await until_ended(websocket, subscription, send_all())
    finally:
        hub.close(subscription)
