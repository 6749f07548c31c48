"""Which vehicle a device identifier belongs to: ``vehicles.tracking_device_id``, cached.

Identifiers are compared without leading zeros (a GT06 login carries the IMEI as 16 BCD digits, a
JT/T 808 header the phone number as 12), so ``865432100012345`` and ``0865432100012345`` name the
same device. An identifier registered in two cooperatives is refused (``ambiguous_device``): the
gateway cannot tell whose vehicle it is; a retired vehicle's device is refused
(``vehicle_retired``).

The cache follows the vehicles table within a second: ``watch`` LISTENs on
``coopfleet_vehicles`` (migration 0019's trigger names every vehicle whose device, status or
cooperative changed) and reads the table again, and again every ``refresh_seconds`` in case a
notification was missed while reconnecting. An identifier not found is looked up again at once
(at most every ``MISS_REFRESH_SECONDS``), so a device provisioned a moment ago is heard. Reads
are single-flight: however many devices miss at the same moment, one query runs and they all
wait for it (3,000 devices each starting its own read, one after the other, was the gateway's
largest cost in the 3,000-device benchmark). While the database cannot be read, known devices
go on from the cache and unknown ones are told to retry (``directory_unavailable``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import psycopg

from telematics.gateway.fix import Refused

MISS_REFRESH_SECONDS = 2.0
NOTIFY_SETTLE_SECONDS = 0.2  # notifications arriving together cost one read
CHANNEL = "coopfleet_vehicles"
log = logging.getLogger("coopfleet.gateway")


@dataclass(frozen=True, slots=True)
class Binding:
    vehicle_id: int
    cooperative_id: int
    device: str  # the identifier as stored on the vehicle (the contract's ``device``)
    retired: bool = False


def identifier_key(identifier: str) -> str:
    return identifier.strip().lstrip("0") or "0"


class Directory:
    def __init__(self, dsn: str, refresh_seconds: float) -> None:
        self.dsn = dsn
        self.refresh_seconds = refresh_seconds
        self._bindings: dict[str, Binding | None] = {}  # None: ambiguous
        self._loaded_at = -1e9
        self._reading: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.dsn) as conn:
            cursor = await conn.execute(
                "SELECT id, cooperative_id, tracking_device_id, status = 'retired' FROM vehicles"
                " WHERE tracking_device_id IS NOT NULL AND tracking_device_id <> ''"
            )
            rows = await cursor.fetchall()
        bindings: dict[str, Binding | None] = {}
        for vehicle_id, cooperative_id, device, retired in rows:
            key = identifier_key(device)
            bindings[key] = (
                None if key in bindings else Binding(vehicle_id, cooperative_id, device, retired)
            )
        self._bindings = bindings
        self._loaded_at = time.monotonic()

    async def refresh(self) -> None:
        """Read the table again; callers arriving during a read wait for that one."""
        reading = self._reading
        if reading is None or reading.done():
            reading = self._reading = asyncio.ensure_future(self._read())
        await asyncio.shield(reading)

    async def watch(self) -> None:
        """Follow the vehicles table until cancelled: at each notification, and at least every
        ``refresh_seconds``."""
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.dsn, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    await self.refresh()  # what changed before we listened
                    while True:
                        heard = [
                            n
                            async for n in conn.notifies(timeout=self.refresh_seconds, stop_after=1)
                        ]
                        if heard:  # the rest of a burst is read with it: one read for all
                            await asyncio.sleep(NOTIFY_SETTLE_SECONDS)
                            _ = [n async for n in conn.notifies(timeout=0.01)]
                        await self.refresh()
            except psycopg.Error as exc:
                log.warning("device directory not followed (%s); retrying", exc)
                await asyncio.sleep(MISS_REFRESH_SECONDS)

    async def lookup(self, identifier: str) -> Binding:
        """The vehicle of ``identifier``; else ``Refused`` (unknown, ambiguous, retired)."""
        key = identifier_key(identifier)
        if key not in self._bindings and time.monotonic() - self._loaded_at > MISS_REFRESH_SECONDS:
            try:
                await self.refresh()
            except psycopg.Error as exc:  # the database is away: serve from what is known
                log.warning("device directory not refreshed: %s", exc)
                self._loaded_at = time.monotonic()
                raise Refused(
                    "directory_unavailable", "the vehicles cannot be read; retry later", "id"
                ) from exc
        if key not in self._bindings:
            raise Refused("unknown_device", f"no vehicle has tracking device {identifier!r}", "id")
        binding = self._bindings[key]
        if binding is None:
            raise Refused(
                "ambiguous_device", f"tracking device {identifier!r} is on several vehicles", "id"
            )
        if binding.retired:
            raise Refused(
                "vehicle_retired", f"tracking device {identifier!r} is on a retired vehicle", "id"
            )
        return binding
