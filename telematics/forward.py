"""Position forwarders: a cooperative's stored positions sent on to another system.

Per cooperative, an admin names a target — an HTTP endpoint taking JSON, or an MQTT broker and
topic — and whether every stored position goes, or at most one every ``every_s`` seconds per
vehicle. The ingest path never sends anything: in the same transaction as a batch of positions, a
trigger on ``derive_marks`` (migration 0018) leaves one mark per enabled forwarder: the batch's
vehicles and, for each, the earliest device time it stored. A mark's ``xmin`` is the ingest
transaction's id, the same as the positions it wrote, so ``positions.xmin = mark.xmin`` (read
through the primary key from each vehicle's ``dirty_from``) finds exactly the rows that batch
stored, once committed. The marks are the forwarder's cursor: the worker
(``drain``) reads them in order, sends, and deletes them in the transaction that records the
send. A send that fails leaves them for the next try (backoff); a crash after a send but before
the commit sends them again: delivery is at least once, never lost, and a receiver de-duplicates
on (vehicle_id, device_time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    delete,
    func,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from telematics.forward_targets import PAYLOAD_VERSION, Sender, SendFailed, Target

log = logging.getLogger(__name__)
MARKS_PER_SEND = 2
"""Marks per send: a mark is one ingest batch of the cooperative (up to 5,000 positions)."""
BACKOFF_MAX_S = 300
GIVE_UP_AFTER = timedelta(hours=24)
"""A forwarder failing without a success this long is disabled and its waiting marks dropped."""


class PositionForwarder(Base):
    """One target receiving one cooperative's positions."""

    __tablename__ = "position_forwarders"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    url: Mapped[str] = mapped_column(String(500))  # http(s)://… or mqtt(s)://user:pass@host:port
    topic: Mapped[str | None] = mapped_column(String(200))  # MQTT: may hold {vehicle_id}, {plate}
    every_s: Mapped[int] = mapped_column(Integer, server_default="0")  # 0: every position
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_sent_at: Mapped[datetime | None]
    sent_count: Mapped[int] = mapped_column(BigInteger, server_default="0")
    failures: Mapped[int] = mapped_column(Integer, server_default="0")
    first_failed_at: Mapped[datetime | None]
    retry_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class ForwardMark(Base):
    """New positions of one ingest batch for one forwarder, written by the ingest
    transaction's trigger (one row per batch: the cost to ingestion is one INSERT); its
    ``xmin`` names that transaction."""

    __tablename__ = "position_forward_marks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    forwarder_id: Mapped[int] = mapped_column(
        ForeignKey("position_forwarders.id", ondelete="CASCADE"), index=True
    )
    vehicle_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer))
    dirty_froms: Mapped[list[datetime]] = mapped_column(ARRAY(DateTime(timezone=True)))


class ForwardState(Base):
    """The last position sent per vehicle, for ``every_s`` thinning."""

    __tablename__ = "position_forward_state"

    forwarder_id: Mapped[int] = mapped_column(
        ForeignKey("position_forwarders.id", ondelete="CASCADE"), primary_key=True
    )
    vehicle_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_device_time: Mapped[datetime]


# ---- the admin's side -------------------------------------------------------------------------


async def list_forwarders(session: AsyncSession, tenant: Tenant) -> list[PositionForwarder]:
    statement = scoped(select(PositionForwarder), tenant).order_by(PositionForwarder.id)
    return list((await session.scalars(statement)).all())


async def get_forwarder(session: AsyncSession, tenant: Tenant, ident: int) -> PositionForwarder:
    return await get_scoped(session, PositionForwarder, ident, tenant, what="forwarder")


async def create_forwarder(
    session: AsyncSession, tenant: Tenant, values: dict[str, Any]
) -> PositionForwarder:
    """A forwarder taking positions stored from now on (the caller checked the target)."""
    row = PositionForwarder(cooperative_id=tenant.cooperative_id, **values)
    session.add(row)
    await session.flush()
    return row


async def update_forwarder(
    session: AsyncSession, row: PositionForwarder, values: dict[str, Any]
) -> PositionForwarder:
    """Change a forwarder; enabling it again clears its failures (positions stored while it was
    disabled are not sent)."""
    for name, value in values.items():
        setattr(row, name, value)
    if values.get("enabled"):
        row.failures, row.first_failed_at, row.retry_at = 0, None, None
    await session.flush()
    return row


async def delete_forwarder(session: AsyncSession, row: PositionForwarder) -> None:
    await session.delete(row)
    await session.flush()


async def waiting_marks(session: AsyncSession, forwarder_id: int) -> int:
    count = await session.scalar(
        select(func.count()).where(ForwardMark.forwarder_id == forwarder_id)
    )
    return int(count or 0)


# ---- the worker's side ------------------------------------------------------------------------

_DUE = """
SELECT f.id FROM position_forwarders f
WHERE f.enabled AND (f.retry_at IS NULL OR f.retry_at <= now())
  AND EXISTS (SELECT 1 FROM position_forward_marks m WHERE m.forwarder_id = f.id)
ORDER BY f.id
"""
_LOCK = """
SELECT id, cooperative_id, url, topic, every_s FROM position_forwarders
WHERE id = :id AND enabled FOR UPDATE SKIP LOCKED
"""
_MARKS = """
SELECT id FROM position_forward_marks WHERE forwarder_id = :id ORDER BY id LIMIT :limit
"""
# the rows each mark's transaction stored: its vehicles, each from its dirty_from, same xmin
_POSITIONS = """
SELECT p.vehicle_id, v.plate, p.device_time, p.received_at, ST_X(p.geom) AS lon,
       ST_Y(p.geom) AS lat, p.speed_kmh, p.heading, p.altitude_m, p.satellites, p.hdop,
       p.ignition, p.odometer_m, p.driver_card, p.fuel_l
FROM position_forward_marks m
CROSS JOIN LATERAL unnest(m.vehicle_ids, m.dirty_froms) AS u(vehicle_id, dirty_from)
JOIN positions p ON p.vehicle_id = u.vehicle_id AND p.device_time >= u.dirty_from
                AND p.xmin = m.xmin
JOIN vehicles v ON v.id = p.vehicle_id
WHERE m.id = ANY(:marks) AND p.cooperative_id = :coop
ORDER BY p.vehicle_id, p.device_time
"""
_DELETE_MARKS = text("DELETE FROM position_forward_marks WHERE id = ANY(:marks)")
_STATE = """
SELECT vehicle_id, last_device_time FROM position_forward_state
WHERE forwarder_id = :id AND vehicle_id = ANY(:vehicles)
"""
_SAVE_STATE = """
INSERT INTO position_forward_state (forwarder_id, vehicle_id, last_device_time)
SELECT :id, unnest(CAST(:vehicles AS integer[])), unnest(CAST(:times AS timestamptz[]))
ON CONFLICT (forwarder_id, vehicle_id) DO UPDATE
SET last_device_time = greatest(position_forward_state.last_device_time,
                                EXCLUDED.last_device_time)
"""


@dataclass(slots=True)
class Drained:
    """What one pass did, for logs and tests."""

    sent: int = 0
    skipped: int = 0  # thinned out by every_s
    failed: list[int] = field(default_factory=list)  # forwarder ids whose send failed


def thin(
    rows: list[dict[str, Any]], every_s: int, last: dict[int, datetime]
) -> tuple[list[dict[str, Any]], dict[int, datetime]]:
    """Keep every row (``every_s`` 0) or, per vehicle, a row only once ``every_s`` seconds have
    passed since the last one kept (late rows before it are dropped); rows come ordered by
    vehicle and device time. Returns the kept rows and each vehicle's new last time."""
    kept: list[dict[str, Any]] = []
    newest: dict[int, datetime] = {}
    step = timedelta(seconds=every_s)
    for row in rows:
        vehicle, at = row["vehicle_id"], row["device_time"]
        previous = newest.get(vehicle) or last.get(vehicle)
        if every_s and previous is not None and at < previous + step:
            continue
        kept.append(row)
        newest[vehicle] = at
    return kept, newest


async def drain(
    sessions: async_sessionmaker[AsyncSession], *, allow_private: bool, max_rounds: int = 20
) -> Drained:
    """Send what waits for every due forwarder, a batch of marks at a time; private targets
    only where the installation allows them (``COOPFLEET_WEBHOOKS_ALLOW_PRIVATE``)."""
    outcome = Drained()
    async with sessions() as session:
        due = [int(i) for i in (await session.scalars(text(_DUE))).all()]
    async with Sender() as sender:
        for forwarder_id in due:
            for _ in range(max_rounds):
                more = await _send_one_batch(sessions, sender, forwarder_id, allow_private, outcome)
                if not more:
                    break
    return outcome


async def _send_one_batch(
    sessions: async_sessionmaker[AsyncSession],
    sender: Sender,
    forwarder_id: int,
    allow_private: bool,
    outcome: Drained,
) -> bool:
    """One batch of one forwarder, in one transaction holding its row; True when a full batch
    was sent (more may wait)."""
    async with sessions() as session:
        found = (await session.execute(text(_LOCK), {"id": forwarder_id})).mappings().first()
        if found is None:  # another worker holds it, or it was disabled meanwhile
            return False
        marks = list(
            (
                await session.scalars(text(_MARKS), {"id": forwarder_id, "limit": MARKS_PER_SEND})
            ).all()
        )
        if not marks:
            return False
        result = await session.execute(
            text(_POSITIONS), {"marks": marks, "coop": found["cooperative_id"]}
        )
        names = list(result.keys())
        rows = [dict(zip(names, row, strict=True)) for row in result.all()]
        every_s = int(found["every_s"])
        last: dict[int, datetime] = {}
        if every_s:
            vehicles = sorted({row["vehicle_id"] for row in rows})
            state = await session.execute(text(_STATE), {"id": forwarder_id, "vehicles": vehicles})
            last = {int(v): t for v, t in state.all()}
        kept, newest = thin(rows, every_s, last)
        target = Target(url=found["url"], topic=found["topic"], allow_private=allow_private)
        try:
            if kept:
                await sender.send(target, found["cooperative_id"], forwarder_id, kept)
        except SendFailed as exc:
            await session.rollback()
            await _record_failure(sessions, forwarder_id, str(exc))
            outcome.failed.append(forwarder_id)
            return False
        await session.execute(_DELETE_MARKS, {"marks": marks})
        if every_s and newest:
            await session.execute(
                text(_SAVE_STATE),
                {"id": forwarder_id, "vehicles": list(newest), "times": list(newest.values())},
            )
        await session.execute(
            text(
                "UPDATE position_forwarders SET last_sent_at = now(), sent_count = sent_count + "
                ":n, failures = 0, first_failed_at = NULL, retry_at = NULL, last_error = NULL "
                "WHERE id = :id"
            ),
            {"id": forwarder_id, "n": len(kept)},
        )
        await session.commit()
    outcome.sent += len(kept)
    outcome.skipped += len(rows) - len(kept)
    return len(marks) == MARKS_PER_SEND


async def _record_failure(
    sessions: async_sessionmaker[AsyncSession], forwarder_id: int, reason: str
) -> None:
    """Back off exponentially (2, 4 … 300 s); past GIVE_UP_AFTER without a success, disable the
    forwarder and drop what waits, so marks do not pile up for a target that is gone."""
    async with sessions() as session:
        row = await session.get(PositionForwarder, forwarder_id, with_for_update=True)
        if row is None:
            return
        now = utcnow()
        row.failures += 1
        row.first_failed_at = row.first_failed_at or now
        row.last_error = reason[:1000]
        row.retry_at = now + timedelta(seconds=min(2**row.failures, BACKOFF_MAX_S))
        if now - row.first_failed_at > GIVE_UP_AFTER:
            row.enabled = False
            since = f"{row.first_failed_at:%Y-%m-%d %H:%M} UTC"
            row.last_error = f"disabled after failing since {since}: {row.last_error}"
            await session.execute(
                delete(ForwardMark).where(ForwardMark.forwarder_id == forwarder_id)
            )
        await session.commit()
    log.warning("position forwarder %s failed: %s", forwarder_id, reason)


__all__ = ["PAYLOAD_VERSION", "Drained", "PositionForwarder", "drain", "thin"]
