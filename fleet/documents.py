"""Documents with expiry dates: driving licences, operating badges, inspection, insurance."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Date, String, cast, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant, scoped
from fleet.eligibility import DRIVER_PAPERS, VEHICLE_PAPERS, Paper
from fleet.models import Driver, Vehicle
from fleet.schemas import ExpiringDocument

# the columns of fleet.eligibility's vehicle papers, in its order (one list of documents)
_COLUMNS = {
    "badge": Vehicle.badge_expiry,
    "inspection": Vehicle.inspection_expiry,
    "insurance": Vehicle.insurance_expiry,
}
_VEHICLE_DOCUMENTS = {document: _COLUMNS[document] for document in VEHICLE_PAPERS}


async def expiring(
    session: AsyncSession, tenant: Tenant, *, today: date, within_days: int
) -> list[ExpiringDocument]:
    """Documents already expired or expiring within ``within_days`` of ``today``, soonest first.

    Only active drivers and vehicles that are not retired count: a retired truck's lapsed
    insurance is no one's task.
    """
    horizon = today + timedelta(days=within_days)
    parts = [
        scoped(
            select(
                literal("driver", String).label("subject"),
                Driver.id.label("subject_id"),
                Driver.full_name.label("label"),
                literal(DRIVER_PAPERS[0], String).label("document"),
                cast(Driver.licence_expiry, Date).label("expires_on"),
            ),
            tenant,
        ).where(Driver.status == "active", Driver.licence_expiry <= horizon)
    ]
    for document, column in _VEHICLE_DOCUMENTS.items():
        parts.append(
            scoped(
                select(
                    literal("vehicle", String).label("subject"),
                    Vehicle.id.label("subject_id"),
                    Vehicle.plate.label("label"),
                    literal(document, String).label("document"),
                    cast(column, Date).label("expires_on"),
                ),
                tenant,
            ).where(Vehicle.status != "retired", column <= horizon)
        )
    combined = union_all(*parts).subquery()
    rows = await session.execute(
        select(combined).order_by(combined.c.expires_on, combined.c.subject, combined.c.subject_id)
    )
    result = []
    for row in rows:
        paper = Paper(row.document, row.expires_on)
        result.append(
            ExpiringDocument(
                subject=row.subject,
                subject_id=row.subject_id,
                label=row.label,
                document=row.document,
                expires_on=row.expires_on,
                days_left=(row.expires_on - today).days,
                status="expired" if paper.lapsed(today) else "expiring",
            )
        )
    return result
