"""Recurring monthly charges: the management fee per vehicle (by kind), capital contribution
instalments, badge and insurance fees paid on a member's behalf — one entry per rule, month and
vehicle (or member), posted on the month's first day. Run by the worker; posting twice is a
no-op (``source_key``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.models import Cooperative, Member, Vehicle
from ledger.chart import CHARGE_ACCOUNT, Account, Charge, Source, label
from ledger.models import ChargeRule
from ledger.posting import Draft, Line, post


@dataclass(frozen=True, slots=True)
class Rule:
    id: int | None  # None: the cooperative's flat management_fee_vnd, when it has no rule
    charge: Charge
    per_vehicle: bool
    vehicle_kind: str | None
    amount_vnd: int


async def rules_for(session: AsyncSession, cooperative_id: int, month: date) -> list[Rule]:
    """The rules in force on the month's first day. A cooperative without a management-fee
    rule charges its ``management_fee_vnd`` per vehicle (as the member report always did)."""
    rows = await session.scalars(
        select(ChargeRule)
        .where(
            ChargeRule.cooperative_id == cooperative_id,
            ChargeRule.starts_on <= month,
            or_(ChargeRule.ends_on.is_(None), ChargeRule.ends_on >= month),
        )
        .order_by(ChargeRule.id)
    )
    rules = [
        Rule(r.id, Charge(r.charge), r.per_vehicle, r.vehicle_kind, r.amount_vnd) for r in rows
    ]
    if not any(r.charge is Charge.MANAGEMENT_FEE for r in rules):
        flat = await session.scalar(
            select(Cooperative.management_fee_vnd).where(Cooperative.id == cooperative_id)
        )
        if flat:
            rules.append(Rule(None, Charge.MANAGEMENT_FEE, True, None, int(flat)))
    return rules


async def post_monthly_charges(session: AsyncSession, cooperative_id: int, month: date) -> int:
    """Post the month's charges; returns how many entries were new."""
    rules = await rules_for(session, cooperative_id, month)
    if not rules:
        return 0
    vehicles = (
        await session.execute(
            select(Vehicle.id, Vehicle.plate, Vehicle.kind, Vehicle.owner_member_id)
            .where(
                Vehicle.cooperative_id == cooperative_id,
                Vehicle.status != "retired",
                Vehicle.owner_member_id.is_not(None),
            )
            .order_by(Vehicle.id)
        )
    ).all()
    members = (
        await session.execute(
            select(Member.id, Member.member_no)
            .where(Member.cooperative_id == cooperative_id, Member.status == "active")
            .order_by(Member.id)
        )
    ).all()
    drafts: list[Draft] = []
    for rule in rules:
        name = label(rule.charge)
        credit = CHARGE_ACCOUNT[rule.charge]
        rule_key = rule.id if rule.id is not None else "flat"
        if rule.per_vehicle:
            for v in vehicles:
                if rule.vehicle_kind is not None and v.kind != rule.vehicle_kind:
                    continue
                drafts.append(
                    _draft(month, f"charge:{rule_key}:{month:%Y-%m}:v{v.id}",
                           f"{name} {month:%m/%Y} — {v.plate}", v.owner_member_id, credit,
                           rule.amount_vnd)
                )  # fmt: skip
        else:
            for m in members:
                drafts.append(
                    _draft(month, f"charge:{rule_key}:{month:%Y-%m}:m{m.id}",
                           f"{name} {month:%m/%Y}", m.id, credit, rule.amount_vnd)
                )  # fmt: skip
    return len(await post(session, cooperative_id, drafts))


def _draft(month: date, key: str, memo: str, member_id: int, credit: Account, amount: int) -> Draft:
    return Draft(
        posted_on=month,
        source=Source.CHARGE,
        source_key=key,
        memo=memo,
        lines=(Line(Account.MEMBER, amount, member_id), Line(credit, -amount)),
    )
