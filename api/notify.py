"""One LISTEN connection per API process: PostgreSQL's notifications handed to a callback.

The connection is psycopg's own, outside the SQLAlchemy pool (a listening connection must stay
open and idle). When it drops, it is opened again after a short pause; ``on_connect`` runs after
each LISTEN, so the caller can re-read whatever was written while nobody listened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

import psycopg

log = logging.getLogger(__name__)

RETRY_S = (0.5, 1.0, 2.0, 5.0)  # pauses before opening the connection again, then every 5 s
APPLICATION_NAME = "coopfleet-listener"  # how it shows in pg_stat_activity


class Listener:
    """Listens on ``channels`` and calls ``on_notify(channel, payload)`` for each notification."""

    def __init__(
        self,
        dsn: str,
        channels: Sequence[str],
        on_notify: Callable[[str, str], None],
        on_connect: Callable[[], None],
    ) -> None:
        self.dsn = dsn
        self.channels = tuple(channels)
        self.on_notify = on_notify
        self.on_connect = on_connect
        self.connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notify-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        failures = 0
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError):
                log.warning("the notification listener lost its connection; opening it again")
            failures = 0 if self.connected.is_set() else failures + 1
            self.connected.clear()
            await asyncio.sleep(RETRY_S[min(failures, len(RETRY_S) - 1)])

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self.dsn, autocommit=True, application_name=APPLICATION_NAME
        ) as conn:
            for channel in self.channels:
                await conn.execute(f'LISTEN "{channel}"')
            self.connected.set()
            self.on_connect()
            async for note in conn.notifies():
                self.on_notify(note.channel, note.payload)
