"""Calibrated travel speeds per cooperative, kept a few minutes in the API process.

The median over a month of closed trips (720,000 of them for 3,000 vehicles) took about 0.6 s
per request in ``bench.suggest``, more than ten times what a suggestion may take (p99 ≤ 50 ms);
a month's median moves slowly, so suggestions and planning read it at most every few minutes.
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from routing.matrix import GreatCircle
from telematics.journey.read import trip_speeds_by_kind

SPEEDS_TTL_S = 600.0


class SpeedCache:
    """Each cooperative's calibrated great-circle travel times, read again after ``ttl_s``."""

    def __init__(self, ttl_s: float = SPEEDS_TTL_S) -> None:
        self.ttl_s = ttl_s
        self._kept: dict[int, tuple[float, GreatCircle]] = {}

    async def travel(self, session: AsyncSession, tenant: Tenant) -> GreatCircle:
        now = time.monotonic()
        kept = self._kept.get(tenant.cooperative_id)
        if kept is None or now - kept[0] >= self.ttl_s:
            measured = await trip_speeds_by_kind(session, tenant)
            kept = (now, GreatCircle.calibrated(measured))
            self._kept[tenant.cooperative_id] = kept
        return kept[1]
