"""Periodic jobs: offers past their deadline, positions' day partitions, the monthly report
e-mails, and retention of the tables that only grow."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text

from reports.delivery import deliver_all
from routing.orders import expire_offers
from telematics.store import connect, maintain_partitions
from worker.runtime import Runtime

log = logging.getLogger(__name__)
RETENTION_BATCH = 10_000  # rows per delete: short transactions, no long lock on a busy table


async def sweep_offers(runtime: Runtime) -> None:
    """Offers past their deadline move on (next driver, or back to dispatch)."""
    async with runtime.sessions() as session:
        await expire_offers(session)
        await session.commit()


async def maintain_positions(runtime: Runtime) -> None:
    """Day partitions ahead of time; whole days past the retention dropped (as the ingest
    workers also do at start, so a stopped ingest never leaves tomorrow without a table)."""
    settings = runtime.settings

    def run() -> tuple[list[date], list[date]]:
        with connect(settings.sync_database_url) as conn:
            return maintain_partitions(
                conn,
                today=datetime.now(UTC).date(),
                ahead_days=settings.positions_partitions_ahead_days,
                retention_days=settings.positions_retention_days,
            )

    created, dropped = await asyncio.to_thread(run)
    if created or dropped:
        log.info("positions partitions: created %s, dropped %s", created, dropped)


def previous_month(today: date) -> str:
    return (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")


async def send_reports(runtime: Runtime) -> None:
    """The month just ended, to every subscriber (``coopfleet send-reports`` sends any month)."""
    month = previous_month(datetime.now(UTC).date())
    async with runtime.sessions() as session:
        sent = await deliver_all(session, runtime.settings, month)
    log.info("sent the %s report to %s subscribers", month, len(sent))


def retention_rules(runtime: Runtime) -> dict[str, tuple[str, timedelta]]:
    """Table → (timestamp column, age past which its rows go)."""
    settings = runtime.settings
    return {
        "login_failures": ("at", timedelta(seconds=settings.login_window_seconds)),
        "idempotency_keys": (
            "created_at",
            timedelta(hours=settings.idempotency_keys_retention_hours),
        ),
        "driver_messages": ("created_at", timedelta(days=settings.driver_messages_retention_days)),
        "dead_letters": ("received_at", timedelta(days=settings.dead_letters_retention_days)),
    }


async def apply_retention(runtime: Runtime) -> dict[str, int]:
    """Delete what is past each table's retention, in batches; rows deleted per table."""
    deleted: dict[str, int] = {}
    for table, (column, age) in retention_rules(runtime).items():
        # names from the rules above, never from input; ctid batches need no primary key
        batch = text(
            f"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table}"  # noqa: S608
            f" WHERE {column} < now() - :age LIMIT :limit))"
        )
        deleted[table] = 0
        while True:
            async with runtime.sessions() as session:
                result = await session.execute(batch, {"age": age, "limit": RETENTION_BATCH})
                await session.commit()
            count = int(result.rowcount)  # type: ignore[attr-defined]
            deleted[table] += count
            if count < RETENTION_BATCH:
                break
    if any(deleted.values()):
        log.info("retention: deleted %s", deleted)
    return deleted
