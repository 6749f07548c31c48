"""Periodic maintenance jobs: fuel events from the tank levels stored since the last run, and
the due notices of every cooperative (one per task, vehicle and cycle)."""

from __future__ import annotations

import logging

from sqlalchemy import text

from core.timeutil import today_in
from maintenance import due, fuel_scan
from worker.runtime import Runtime

log = logging.getLogger(__name__)


async def scan_fuel(runtime: Runtime) -> None:
    """Refuels and possible drains in the fixes stored since each vehicle's mark."""
    async with runtime.sessions() as session:
        stored = await fuel_scan.scan(session)
        await session.commit()
    if stored:
        log.info("fuel events: %s new", stored)


async def raise_notices(runtime: Runtime) -> None:
    """Notices for tasks that fell due, each cooperative on its own day."""
    async with runtime.sessions() as session:
        coops = list(await session.execute(text("SELECT id, time_zone FROM cooperatives")))
        raised = 0
        for coop_id, zone in coops:
            raised += await due.raise_notices(session, coop_id, today_in(zone))
        await session.commit()
    if raised:
        log.info("maintenance notices: %s new", raised)
