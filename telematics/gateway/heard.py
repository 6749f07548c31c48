"""Devices heard: what the gateway saw of each (protocol, identifier), for the admins' console
page (``GET /api/v1/gateway/devices``), written a few times a minute, never once per frame.

The gateway adds to an in-memory tally as it reads (bound or not: an unknown identifier is
refused and never stored as a position, but it is listed, so a mistyped IMEI shows up), and
``run`` writes the tally every ``flush_seconds`` in one upsert into ``gateway_devices``
(migration 0019): counts add up, the binding and address are the latest. At most
``max_pending`` identifiers are kept between writes (a flood of made-up ids cannot grow the
gateway's memory; the rest are counted as ``heard_dropped``), and rows silent for
``KEEP_DAYS`` are deleted.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from telematics.gateway.directory import Binding

log = logging.getLogger("coopfleet.gateway")
IDENTIFIER_MAX = 64  # as vehicles.tracking_device_id
KEEP_DAYS = 7
PRUNE_EVERY = 100  # writes

UPSERT = """
INSERT INTO gateway_devices AS d (protocol, identifier, cooperative_id, vehicle_id,
    remote_address, first_heard_at, last_heard_at, messages, fixes, refused, last_refusal)
SELECT * FROM unnest(%s::text[], %s::text[], %s::integer[], %s::integer[], %s::text[],
    %s::timestamptz[], %s::timestamptz[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[])
ON CONFLICT (protocol, identifier) DO UPDATE SET
    cooperative_id = EXCLUDED.cooperative_id,
    vehicle_id = EXCLUDED.vehicle_id,
    remote_address = coalesce(EXCLUDED.remote_address, d.remote_address),
    last_heard_at = greatest(d.last_heard_at, EXCLUDED.last_heard_at),
    messages = d.messages + EXCLUDED.messages,
    fixes = d.fixes + EXCLUDED.fixes,
    refused = d.refused + EXCLUDED.refused,
    last_refusal = coalesce(EXCLUDED.last_refusal, d.last_refusal)
"""


@dataclass(slots=True)
class Tally:
    binding: Binding | None
    address: str | None
    first: datetime
    last: datetime
    messages: int = 0
    fixes: int = 0
    refused: int = 0
    last_refusal: str | None = None


class HeardLog:
    def __init__(self, dsn: str, flush_seconds: float = 5.0, max_pending: int = 20_000) -> None:
        self.dsn = dsn
        self.flush_seconds = flush_seconds
        self.max_pending = max_pending
        self.dropped = 0
        self._pending: dict[tuple[str, str], Tally] = {}
        self._writes = 0

    def hear(
        self,
        protocol: str,
        identifier: str,
        address: str | None,
        binding: Binding | None,
        *,
        messages: int = 1,
        fixes: int = 0,
        refusal: str | None = None,
    ) -> None:
        """Count what a device sent; ``binding`` None: the identifier is on no vehicle."""
        key = (protocol, identifier.strip()[:IDENTIFIER_MAX])
        now = datetime.now(UTC)
        tally = self._pending.get(key)
        if tally is None:
            if len(self._pending) >= self.max_pending:
                self.dropped += 1
                return
            tally = self._pending[key] = Tally(binding, address, now, now)
        tally.binding, tally.last = binding, now
        tally.address = address or tally.address
        tally.messages += messages
        tally.fixes += fixes
        if refusal is not None:
            tally.refused += 1
            tally.last_refusal = refusal

    async def flush(self) -> None:
        """Write the tally in one statement; kept for the next try if the database is away."""
        if not self._pending:
            return
        pending, self._pending = self._pending, {}
        rows = [
            (
                protocol,
                identifier,
                t.binding.cooperative_id if t.binding else None,
                t.binding.vehicle_id if t.binding else None,
                t.address,
                t.first,
                t.last,
                t.messages,
                t.fixes,
                t.refused,
                t.last_refusal,
            )
            for (protocol, identifier), t in pending.items()
        ]
        columns = [list(column) for column in zip(*rows, strict=True)]
        try:
            async with await psycopg.AsyncConnection.connect(self.dsn) as conn:
                await conn.execute(UPSERT, columns)
                self._writes += 1
                if self._writes % PRUNE_EVERY == 1:
                    await conn.execute(
                        "DELETE FROM gateway_devices"
                        " WHERE last_heard_at < now() - make_interval(days => %s)",
                        (KEEP_DAYS,),
                    )
        except psycopg.Error as exc:
            log.warning("devices heard not written (%s); kept for the next try", exc)
            for key, old in pending.items():
                newer = self._pending.setdefault(key, old)
                if newer is not old:
                    newer.first = old.first
                    newer.messages += old.messages
                    newer.fixes += old.fixes
                    newer.refused += old.refused

    async def run(self) -> None:
        """Write every ``flush_seconds`` until cancelled (then once more)."""
        try:
            while True:
                await asyncio.sleep(self.flush_seconds)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())
