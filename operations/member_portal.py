"""The members' portal: what a member (xã viên) sees of their own — their vehicles with papers
and days left, this month's activity and jobs of those vehicles, their balance, and their
standing against the rules (papers, last month's violations), and the cooperative's messages
to them. Everything is narrowed to the
member's own vehicles: another member's vehicle answers 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, NotFound
from core.tenancy import Tenant, get_scoped, scoped
from fleet import eligibility
from fleet.cooperatives import local_today, zone_of
from fleet.models import Member, Vehicle
from ledger import reads
from ledger.bank import payment_code
from ledger.months import month_end
from ledger.posting import month_of

SOON_DAYS = 30  # a paper expiring within this many days is flagged ``soon``
VIOLATIONS = (
    "continuous_driving_violation",
    "daily_driving_violation",
    "weekly_driving_violation",
    "overspeed",
    "not_transmitting",
)


class PaperRead(BaseModel):
    document: str
    expires_on: date | None
    days_left: int | None
    soon: bool
    lapsed: bool


class MemberVehicleRead(BaseModel):
    id: int
    plate: str
    kind: str
    status: str
    papers: list[PaperRead]
    km_this_month: float
    trips_this_month: int
    jobs_this_month: int
    violations_last_month: dict[str, int]


class MemberHomeRead(BaseModel):
    member_id: int
    member_no: str
    full_name: str
    payment_code: str
    today: date
    month: str
    balance_vnd: int  # today: + owed to the cooperative, - owed to the member
    vehicles: list[MemberVehicleRead]


class MemberJobRead(BaseModel):
    order_id: int
    reference: str
    status: str
    plate: str
    price_vnd: int
    pickup_address: str
    dropoff_address: str


class MemberMessageRead(BaseModel):
    id: int
    created_at: datetime
    kind: str
    title: str
    body: str


def _member_of(tenant: Tenant) -> int:
    if tenant.member_id is None:
        raise Forbidden("this is the members' portal")
    return tenant.member_id


_ACTIVITY = text(
    """
SELECT vehicle_id, coalesce(sum(distance_m), 0) AS distance_m, coalesce(sum(trips), 0) AS trips
FROM daily_activity
WHERE cooperative_id = :coop AND vehicle_id = ANY(:vehicles) AND day BETWEEN :first AND :last
GROUP BY vehicle_id
"""
)
_JOBS_COUNT = text(
    """
SELECT o.vehicle_id, count(*) AS jobs FROM orders o
WHERE o.cooperative_id = :coop AND o.vehicle_id = ANY(:vehicles) AND o.status = 'delivered'
  AND EXISTS (SELECT 1 FROM order_events e WHERE e.order_id = o.id AND e.to_status = 'delivered'
              AND (e.at AT TIME ZONE :zone)::date BETWEEN :first AND :last)
GROUP BY o.vehicle_id
"""
)
_VIOLATIONS = text(
    """
SELECT vehicle_id, kind, count(*) AS n FROM journey_events
WHERE cooperative_id = :coop AND vehicle_id = ANY(:vehicles) AND kind = ANY(:kinds)
  AND (started_at AT TIME ZONE :zone)::date BETWEEN :first AND :last
GROUP BY vehicle_id, kind
"""
)
_JOBS = text(
    """
SELECT o.id, o.reference, o.status, v.plate, o.price_vnd, o.pickup_address, o.dropoff_address
FROM orders o JOIN vehicles v ON v.id = o.vehicle_id
WHERE o.cooperative_id = :coop AND v.owner_member_id = :member
  AND (o.created_at AT TIME ZONE :zone)::date BETWEEN :first AND :last
ORDER BY o.id DESC
LIMIT 500
"""
)


# The cooperative's messages to the member (notifications/): to their account or to them as a
# member, one per event whatever the channels it went by.
_MESSAGES = text(
    """
SELECT * FROM (
    SELECT DISTINCT ON (coalesce(payload->>'tag', id::text)) id, created_at, event_kind,
           coalesce(payload->>'title', '') AS title, coalesce(payload->>'body', '') AS body
    FROM notification_messages
    WHERE cooperative_id = :coop AND (user_id = :user OR recipient = :recipient)
    ORDER BY coalesce(payload->>'tag', id::text), id DESC
) one_per_event
ORDER BY id DESC
LIMIT 50
"""
)


async def home(session: AsyncSession, tenant: Tenant) -> MemberHomeRead:
    member_id = _member_of(tenant)
    member = await get_scoped(session, Member, member_id, tenant, what="member")
    today = await local_today(session, tenant)
    zone = await zone_of(session, tenant)
    first = month_of(today)
    last_first = month_of(first - timedelta(days=1))
    vehicles = list(
        await session.scalars(
            scoped(select(Vehicle), tenant)
            .where(Vehicle.owner_member_id == member.id, Vehicle.status != "retired")
            .order_by(Vehicle.plate)
        )
    )
    ids = [v.id for v in vehicles]
    month = {"coop": tenant.cooperative_id, "vehicles": ids, "first": first, "last": today}
    activity = {r.vehicle_id: r for r in await session.execute(_ACTIVITY, month)}
    jobs = {
        r.vehicle_id: r.jobs for r in await session.execute(_JOBS_COUNT, {**month, "zone": zone})
    }
    violations: dict[int, dict[str, int]] = {}
    last = {"coop": tenant.cooperative_id, "vehicles": ids, "first": last_first,
            "last": first - timedelta(days=1), "kinds": list(VIOLATIONS), "zone": zone}  # fmt: skip
    for row in await session.execute(_VIOLATIONS, last):
        violations.setdefault(row.vehicle_id, {})[row.kind] = row.n
    balance = await reads.statement(session, tenant.cooperative_id, member.id, first)
    return MemberHomeRead(
        member_id=member.id,
        member_no=member.member_no,
        full_name=member.full_name,
        payment_code=payment_code(member.member_no),
        today=today,
        month=f"{first:%Y-%m}",
        balance_vnd=balance.closing_vnd,
        vehicles=[
            MemberVehicleRead(
                id=v.id,
                plate=v.plate,
                kind=v.kind,
                status=v.status,
                papers=[
                    PaperRead(
                        document=p.document,
                        expires_on=p.expires_on,
                        days_left=None if p.expires_on is None else (p.expires_on - today).days,
                        soon=p.due(today, SOON_DAYS),
                        lapsed=p.lapsed(today),
                    )
                    for p in eligibility.vehicle_papers(v)
                ],
                km_this_month=round(int(activity[v.id].distance_m) / 1000, 1)
                if v.id in activity
                else 0.0,
                trips_this_month=int(activity[v.id].trips) if v.id in activity else 0,
                jobs_this_month=int(jobs.get(v.id, 0)),
                violations_last_month={k: violations.get(v.id, {}).get(k, 0) for k in VIOLATIONS},
            )
            for v in vehicles
        ],
    )


async def vehicle(session: AsyncSession, tenant: Tenant, vehicle_id: int) -> MemberVehicleRead:
    """One of the member's vehicles; another member's (or cooperative's) is 404."""
    found = await get_scoped(session, Vehicle, vehicle_id, tenant, what="vehicle")
    if found.owner_member_id != _member_of(tenant):
        raise NotFound(f"vehicle {vehicle_id} not found", field="id")
    mine = await home(session, tenant)
    return next(v for v in mine.vehicles if v.id == found.id)


async def jobs(session: AsyncSession, tenant: Tenant, first: date) -> list[MemberJobRead]:
    """Orders of the member's vehicles created in a month (newest first, at most 500)."""
    params = {"coop": tenant.cooperative_id, "member": _member_of(tenant), "first": first,
              "last": month_end(first), "zone": await zone_of(session, tenant)}  # fmt: skip
    return [
        MemberJobRead(order_id=r.id, reference=r.reference, status=r.status, plate=r.plate,
                      price_vnd=r.price_vnd, pickup_address=r.pickup_address,
                      dropoff_address=r.dropoff_address)
        for r in await session.execute(_JOBS, params)
    ]  # fmt: skip


async def messages(session: AsyncSession, tenant: Tenant) -> list[MemberMessageRead]:
    """The cooperative's latest 50 messages to the member, newest first."""
    params = {"coop": tenant.cooperative_id, "user": tenant.user_id,
              "recipient": f"member:{_member_of(tenant)}"}  # fmt: skip
    return [
        MemberMessageRead(id=r.id, created_at=r.created_at, kind=r.event_kind, title=r.title,
                          body=r.body)
        for r in await session.execute(_MESSAGES, params)
    ]  # fmt: skip
