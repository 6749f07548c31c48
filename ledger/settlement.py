"""Settling delivered jobs: the price splits into the vehicle owner's share (credited to their
account) and the cooperative's commission, by the cooperative's rule for the vehicle's kind.

Orders belong to routing, which the ledger does not import: the caller (a worker task) passes
each job as plain values (``Job``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.chart import Account, Source
from ledger.models import CommissionRule
from ledger.posting import Draft, Line, post


@dataclass(frozen=True, slots=True)
class Job:
    order_id: int
    reference: str
    owner_member_id: int
    vehicle_kind: str
    price_vnd: int
    distance_m: int
    delivered_on: date  # local day: the month it counts in


@dataclass(frozen=True, slots=True)
class Commission:
    method: str  # percent (value in basis points), fixed (VND), per_km (VND per km)
    value: int
    vehicle_kind: str | None = None
    starts_on: date = date(1970, 1, 1)


def commission_of(rule: Commission | None, price_vnd: int, distance_m: int) -> int:
    """The cooperative's share in VND, rounded half up, never more than the price."""
    if rule is None:
        return 0
    if rule.method == "percent":
        share = (price_vnd * rule.value + 5_000) // 10_000
    elif rule.method == "fixed":
        share = rule.value
    else:  # per_km: metres x VND per km
        share = (distance_m * rule.value + 500) // 1_000
    return max(0, min(price_vnd, share))


def rule_for(rules: list[Commission], kind: str, day: date) -> Commission | None:
    """The latest rule started by ``day`` for this kind, else the latest default (kind None)."""
    started = [r for r in rules if r.starts_on <= day]
    for wanted in (kind, None):
        matching = [r for r in started if r.vehicle_kind == wanted]
        if matching:
            return max(matching, key=lambda r: r.starts_on)
    return None


async def commission_rules(session: AsyncSession, cooperative_id: int) -> list[Commission]:
    rows = await session.scalars(
        select(CommissionRule).where(CommissionRule.cooperative_id == cooperative_id)
    )
    return [Commission(r.method, r.value, r.vehicle_kind, r.starts_on) for r in rows]


def settlement_draft(job: Job, rule: Commission | None) -> Draft:
    fee = commission_of(rule, job.price_vnd, job.distance_m)
    share = job.price_vnd - fee
    lines = [Line(Account.CUSTOMERS, job.price_vnd)]
    if share:
        lines.append(Line(Account.MEMBER, -share, job.owner_member_id))
    if fee:
        lines.append(Line(Account.COMMISSION_INCOME, -fee))
    return Draft(
        posted_on=job.delivered_on,
        source=Source.SETTLEMENT,
        source_key=f"order:{job.order_id}",
        memo=f"Chuyến {job.reference}: {job.price_vnd:,} − hoa hồng {fee:,}".replace(",", "."),
        reference=job.reference,
        lines=tuple(lines),
    )


async def settle(session: AsyncSession, cooperative_id: int, jobs: list[Job]) -> int:
    """Post the settlement of each job (free jobs have nothing to split); returns how many
    entries were new (a job settled before is skipped)."""
    rules = await commission_rules(session, cooperative_id)
    drafts = [
        settlement_draft(job, rule_for(rules, job.vehicle_kind, job.delivered_on))
        for job in jobs
        if job.price_vnd > 0
    ]
    return len(await post(session, cooperative_id, drafts))
