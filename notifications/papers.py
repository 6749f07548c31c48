"""Papers expiring: once a day's worth of checks, each licence, badge, inspection or insurance
crossing a notice threshold (30, 7, 1 days by default) becomes one event per threshold. The
event's key names the paper, its expiry date and the threshold, so however often the scan runs
a person gets one message per threshold (a renewed paper has a new date and starts again)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from core.timeutil import today_in
from fleet.documents import expiring
from fleet.models import Cooperative, Driver, Vehicle
from notifications import texts
from notifications.events import Event, Subject
from notifications.models import NotificationRule

KIND = "papers_expiring"


def threshold(days_left: int, notice_days: Sequence[int]) -> int | None:
    """The tightest notice threshold ``days_left`` is within (None: not yet, or lapsed)."""
    if days_left < 0:
        return None
    crossed = [days for days in notice_days if days_left <= days]
    return min(crossed) if crossed else None


async def _subjects(
    session: AsyncSession, cooperative_id: int, driver_ids: set[int], vehicle_ids: set[int]
) -> dict[tuple[str, int], Subject]:
    """The driver (and their member) of a licence, the owning member of a vehicle's papers."""
    found: dict[tuple[str, int], Subject] = {}
    if driver_ids:
        rows = await session.execute(
            select(Driver.id, Driver.member_id).where(
                Driver.cooperative_id == cooperative_id, Driver.id.in_(driver_ids)
            )
        )
        for driver_id, member_id in rows:
            found[("driver", driver_id)] = Subject(driver_id=driver_id, member_id=member_id)
    if vehicle_ids:
        rows = await session.execute(
            select(Vehicle.id, Vehicle.owner_member_id).where(
                Vehicle.cooperative_id == cooperative_id, Vehicle.id.in_(vehicle_ids)
            )
        )
        for vehicle_id, member_id in rows:
            found[("vehicle", vehicle_id)] = Subject(member_id=member_id)
    return found


async def due_events(
    session: AsyncSession, notice_days: Sequence[int], now: datetime | None = None
) -> list[Event]:
    """Paper events of every cooperative with a rule for them."""
    now = now or datetime.now(UTC)
    cooperatives = await session.execute(
        select(Cooperative.id, Cooperative.time_zone)
        .where(
            Cooperative.id.in_(
                select(NotificationRule.cooperative_id).where(
                    NotificationRule.event_kind == KIND, NotificationRule.enabled
                )
            )
        )
        .order_by(Cooperative.id)
    )
    events: list[Event] = []
    for cooperative_id, zone in cooperatives:
        today = today_in(zone)
        events.extend(await events_of(session, cooperative_id, today, notice_days, now))
    return events


async def events_of(
    session: AsyncSession,
    cooperative_id: int,
    today: date,
    notice_days: Sequence[int],
    now: datetime,
) -> list[Event]:
    tenant = Tenant(cooperative_id, 0, "admin")
    documents = await expiring(session, tenant, today=today, within_days=max(notice_days))
    noticed = [(d, threshold(d.days_left, notice_days)) for d in documents]
    noticed = [(d, days) for d, days in noticed if days is not None]
    subjects = await _subjects(
        session,
        cooperative_id,
        {d.subject_id for d, _ in noticed if d.subject == "driver"},
        {d.subject_id for d, _ in noticed if d.subject == "vehicle"},
    )
    events = []
    for document, days in noticed:
        names = texts.words(texts.DOCUMENTS, document.document)
        events.append(
            Event(
                cooperative_id=cooperative_id,
                key=(
                    f"papers:{document.subject}:{document.subject_id}:{document.document}"
                    f":{document.expires_on.isoformat()}:{days}"
                ),
                occurred_at=now,
                kind=KIND,
                values={
                    "document_vi": names["vi"],
                    "document_en": names["en"],
                    "label": document.label,
                    "expires_on": document.expires_on.strftime("%d/%m/%Y"),
                    "days": document.days_left,
                },
                subject=subjects.get((document.subject, document.subject_id), Subject()),
            )
        )
    return events
