"""The cooperative's money rules: recurring charges and commission on jobs. Rules are added
with a start date, never edited: a new rule from a later date takes over."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidValue
from core.tenancy import Tenant, scoped
from ledger.chart import Charge
from ledger.models import ChargeRule, CommissionRule

BASIS_POINTS_MAX = 10_000  # 100 %


async def add_charge_rule(
    session: AsyncSession,
    tenant: Tenant,
    *,
    charge: Charge,
    per_vehicle: bool,
    vehicle_kind: str | None,
    amount_vnd: int,
    starts_on: date,
    ends_on: date | None,
) -> ChargeRule:
    if ends_on is not None and ends_on < starts_on:
        raise InvalidValue("ends_on must not be before starts_on", field="ends_on")
    if vehicle_kind is not None and not per_vehicle:
        raise InvalidValue("a vehicle kind needs a per-vehicle charge", field="vehicle_kind")
    rule = ChargeRule(
        cooperative_id=tenant.cooperative_id, charge=charge.value, per_vehicle=per_vehicle,
        vehicle_kind=vehicle_kind, amount_vnd=amount_vnd, starts_on=starts_on, ends_on=ends_on,
    )  # fmt: skip
    session.add(rule)
    await session.flush()
    return rule


async def charge_rules(session: AsyncSession, tenant: Tenant) -> list[ChargeRule]:
    rows = await session.scalars(scoped(select(ChargeRule), tenant).order_by(ChargeRule.id))
    return list(rows)


async def add_commission_rule(
    session: AsyncSession,
    tenant: Tenant,
    *,
    vehicle_kind: str | None,
    method: str,
    value: int,
    starts_on: date,
) -> CommissionRule:
    if method == "percent" and value > BASIS_POINTS_MAX:
        raise InvalidValue("a percentage is at most 10000 basis points (100 %)", field="value")
    rule = CommissionRule(
        cooperative_id=tenant.cooperative_id, vehicle_kind=vehicle_kind, method=method,
        value=value, starts_on=starts_on,
    )  # fmt: skip
    session.add(rule)
    await session.flush()
    return rule


async def commission_rules(session: AsyncSession, tenant: Tenant) -> list[CommissionRule]:
    rows = await session.scalars(scoped(select(CommissionRule), tenant).order_by(CommissionRule.id))
    return list(rows)
