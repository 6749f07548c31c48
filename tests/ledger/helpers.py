"""A small cooperative with a known month (November 2026), shared by the ledger's tests.

Hand-computed, in VND:
- rules: management fee 500,000 per truck and 800,000 per container tractor, capital
  contribution 200,000 per member; commission 10 % by default, 300,000 fixed for tractors.
- member A owns truck T1 and tractor C1; member B owns truck T2.
- 1 Nov charges: A 500,000 + 800,000 + 200,000 = 1,500,000; B 500,000 + 200,000 = 700,000.
- jobs: T1 2,000,000 (5 Nov; commission 200,000, A gets 1,800,000), C1 5,000,000 (10 Nov;
  300,000, A gets 4,700,000), T2 1,234,567 (12 Nov; 10 % = 123,456.7 → 123,457, B gets
  1,111,110).
- B pays 700,000 by bank on 20 Nov; the cooperative pays A 4,000,000 on 25 Nov.
- A closes at 1,500,000 + 4,000,000 − 6,500,000 = −1,000,000 (the cooperative owes A);
  B at 700,000 − 1,811,110 = −1,111,110.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from fleet.models import Cooperative, Member, Vehicle
from ledger import charges, entries, settlement
from ledger.models import ChargeRule, CommissionRule
from tests import factories

NOVEMBER = date(2026, 11, 1)


@dataclass
class SmallCoop:
    coop: Cooperative
    tenant: Tenant
    a: Member
    b: Member
    t1: Vehicle
    c1: Vehicle
    t2: Vehicle


async def small_coop(session: AsyncSession) -> SmallCoop:
    coop = await factories.make_coop(session)
    a = await factories.make_member(session, coop, full_name="Nguyễn Văn An")
    b = await factories.make_member(session, coop, full_name="Trần Thị Bình")
    t1 = await factories.make_vehicle(session, coop, owner_member_id=a.id)
    c1 = await factories.make_vehicle(session, coop, owner_member_id=a.id, kind="container_tractor")
    t2 = await factories.make_vehicle(session, coop, owner_member_id=b.id)
    session.add_all(
        [
            ChargeRule(cooperative_id=coop.id, charge="management_fee", per_vehicle=True,
                       vehicle_kind="truck", amount_vnd=500_000, starts_on=date(2026, 1, 1)),
            ChargeRule(cooperative_id=coop.id, charge="management_fee", per_vehicle=True,
                       vehicle_kind="container_tractor", amount_vnd=800_000,
                       starts_on=date(2026, 1, 1)),
            ChargeRule(cooperative_id=coop.id, charge="capital_contribution", per_vehicle=False,
                       amount_vnd=200_000, starts_on=date(2026, 1, 1)),
            CommissionRule(cooperative_id=coop.id, method="percent", value=1_000,
                           starts_on=date(2026, 1, 1)),
            CommissionRule(cooperative_id=coop.id, vehicle_kind="container_tractor",
                           method="fixed", value=300_000, starts_on=date(2026, 1, 1)),
        ]
    )  # fmt: skip
    await session.flush()
    accountant = await factories.make_user(session, coop, role="accountant")
    tenant = Tenant(coop.id, accountant.id, "accountant")
    return SmallCoop(coop, tenant, a, b, t1, c1, t2)


def jobs(world: SmallCoop) -> list[settlement.Job]:
    return [
        settlement.Job(1001, "DH-1", world.a.id, "truck", 2_000_000, 40_000, date(2026, 11, 5)),
        settlement.Job(
            1002, "DH-2", world.a.id, "container_tractor", 5_000_000, 90_000, date(2026, 11, 10)
        ),
        settlement.Job(1003, "DH-3", world.b.id, "truck", 1_234_567, 25_000, date(2026, 11, 12)),
    ]


async def post_the_month(session: AsyncSession, world: SmallCoop) -> None:
    await charges.post_monthly_charges(session, world.coop.id, NOVEMBER)
    await settlement.settle(session, world.coop.id, jobs(world))
    await entries.record_payment(
        session, world.tenant, member_id=world.b.id, amount_vnd=700_000,
        posted_on=date(2026, 11, 20), reference="FT2611200001",
    )  # fmt: skip
    await entries.record_payment(
        session, world.tenant, member_id=world.a.id, amount_vnd=4_000_000,
        posted_on=date(2026, 11, 25), payout=True, reference="FT2611250001",
    )  # fmt: skip
