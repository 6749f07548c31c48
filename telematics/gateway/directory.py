"""Which vehicle a device identifier belongs to: ``vehicles.tracking_device_id``, cached.

Identifiers are compared without leading zeros (a GT06 login carries the IMEI as 16 BCD digits, a
JT/T 808 header the phone number as 12), so ``865432100012345`` and ``0865432100012345`` name the
same device. An identifier registered in two cooperatives is refused (``ambiguous_device``): the
gateway cannot tell whose vehicle it is. The whole table is read again every
``refresh_seconds``, and at once (at most every few seconds) when an identifier is not found, so
a device provisioned a moment ago is heard without a restart. While the database cannot be read,
known devices go on from the cache and unknown ones are told to retry (``directory_unavailable``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import psycopg

from telematics.gateway.fix import Refused

MISS_REFRESH_SECONDS = 2.0
log = logging.getLogger("coopfleet.gateway")


@dataclass(frozen=True, slots=True)
class Binding:
    vehicle_id: int
    cooperative_id: int
    device: str  # the identifier as stored on the vehicle (the contract's ``device``)


def identifier_key(identifier: str) -> str:
    return identifier.strip().lstrip("0") or "0"


class Directory:
    def __init__(self, dsn: str, refresh_seconds: float) -> None:
        self.dsn = dsn
        self.refresh_seconds = refresh_seconds
        self._bindings: dict[str, Binding | None] = {}  # None: ambiguous
        self._loaded_at = -1e9
        self._lock = asyncio.Lock()

    async def refresh(self) -> None:
        async with self._lock:
            async with await psycopg.AsyncConnection.connect(self.dsn) as conn:
                cursor = await conn.execute(
                    "SELECT id, cooperative_id, tracking_device_id FROM vehicles"
                    " WHERE tracking_device_id IS NOT NULL AND tracking_device_id <> ''"
                )
                rows = await cursor.fetchall()
            bindings: dict[str, Binding | None] = {}
            for vehicle_id, cooperative_id, device in rows:
                key = identifier_key(device)
                bindings[key] = (
                    None if key in bindings else Binding(vehicle_id, cooperative_id, device)
                )
            self._bindings = bindings
            self._loaded_at = time.monotonic()

    async def lookup(self, identifier: str) -> Binding:
        """The vehicle of ``identifier``; else ``Refused`` (unknown or ambiguous device)."""
        key = identifier_key(identifier)
        age = time.monotonic() - self._loaded_at
        if age > self.refresh_seconds or (key not in self._bindings and age > MISS_REFRESH_SECONDS):
            try:
                await self.refresh()
            except psycopg.Error as exc:  # the database is away: serve from what is known
                log.warning("device directory not refreshed: %s", exc)
                self._loaded_at = time.monotonic() - self.refresh_seconds + MISS_REFRESH_SECONDS
                if key not in self._bindings:
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
        return binding
