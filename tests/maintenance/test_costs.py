"""Costs per vehicle and member against delivered orders, in every format; scoped."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintenance import work_orders
from maintenance.work_orders import CloseIn, LineIn
from reports.costs import fee_for
from reports.period import Period
from tests import factories
from tests.conftest import CoopWorld
from tests.maintenance.helpers import drive
from tests.routing.test_orders import make

V1 = "/api/v1"


def test_the_management_fee_is_pro_rata_by_the_days_of_each_month() -> None:
    assert fee_for(Period(date(2026, 11, 1), date(2026, 11, 30)), 300_000) == 300_000
    assert fee_for(Period(date(2026, 11, 16), date(2026, 12, 31)), 300_000) == 450_000


async def test_costs_per_vehicle_and_member(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    coop_a.coop.management_fee_vnd = 300_000
    owner = await factories.make_member(session, coop_a.coop)
    car = await factories.make_vehicle(session, coop_a.coop, owner_member_id=owner.id)
    tenant = coop_a.admin.tenant
    await drive(session, coop_a.coop.id, car.id, date(2026, 11, 1), 10, 100.0)  # 1,000 km
    order = await work_orders.open_order(session, tenant, car.id, title="Phanh")
    await work_orders.add_line(
        session, tenant, order.id, LineIn(kind="part", description="Má phanh", quantity=4,
                                          unit_price_vnd=350_000)
    )  # fmt: skip
    await work_orders.close_order(session, tenant, order.id, CloseIn(closed_on=date(2026, 11, 20)))
    await session.commit()
    admin = coop_a.admin.headers
    for body in (
        {"vehicle_id": car.id, "filled_at": "2026-11-02T08:00:00+07:00", "litres": 50,
         "amount_vnd": 1_000_000},
        {"vehicle_id": car.id, "filled_at": "2026-12-02T08:00:00+07:00", "litres": 50,
         "amount_vnd": 1_000_000},  # another month
    ):  # fmt: skip
        assert (await client.post(f"{V1}/fuel-fills", json=body, headers=admin)).status_code == 201
    spent = await client.post(
        f"{V1}/vehicle-expenses",
        json={"vehicle_id": car.id, "kind": "insurance", "spent_on": "2026-11-15",
              "amount_vnd": 4_800_000},
        headers=admin,
    )  # fmt: skip
    assert spent.status_code == 201, spent.text
    job = await make(client, coop_a)
    await session.execute(
        text(
            "UPDATE orders SET status = 'delivered', vehicle_id = :v, price_vnd = 9000000"
            " WHERE id = :o"
        ),
        {"v": car.id, "o": job["id"]},
    )
    await session.execute(
        text(
            "INSERT INTO order_events (cooperative_id, order_id, to_status, at)"
            " VALUES (:c, :o, 'delivered', '2026-11-10T10:00:00+07:00')"
        ),
        {"c": coop_a.coop.id, "o": job["id"]},
    )
    await session.commit()
    query = "start_day=2026-11-01&end_day=2026-11-30"
    answer = await client.get(f"{V1}/reports/vehicle-costs?{query}", headers=admin)
    assert answer.status_code == 200, answer.text
    [row] = [r for r in answer.json()["rows"] if r["vehicle_id"] == car.id]
    assert (row["fuel_vnd"], row["maintenance_vnd"], row["insurance_vnd"]) == (
        1_000_000, 1_400_000, 4_800_000,
    )  # fmt: skip
    assert row["fees_vnd"] == 300_000 and row["km"] == 1000.0
    total = 1_000_000 + 1_400_000 + 4_800_000 + 300_000
    assert (row["total_cost_vnd"], row["cost_per_km_vnd"]) == (total, 7_500)
    assert (row["revenue_vnd"], row["margin_vnd"]) == (9_000_000, 9_000_000 - total)
    members = await client.get(f"{V1}/reports/vehicle-costs?{query}&group=member", headers=admin)
    [mine] = [r for r in members.json()["rows"] if r["member_id"] == owner.id]
    assert (mine["key"], mine["vehicles"], mine["total_cost_vnd"]) == (owner.member_no, 1, total)
    for format, start in (("csv", b"\xef\xbb\xbf"), ("xlsx", b"PK"), ("pdf", b"%PDF")):
        download = await client.get(
            f"{V1}/reports/vehicle-costs?{query}&format={format}", headers=admin
        )
        assert download.status_code == 200 and download.content.startswith(start), format
    foreign = await client.get(f"{V1}/reports/vehicle-costs?{query}", headers=coop_b.admin.headers)
    assert car.id not in [r["vehicle_id"] for r in foreign.json()["rows"]]
    denied = await client.get(f"{V1}/reports/vehicle-costs?{query}", headers=coop_a.driver.headers)
    assert denied.status_code == 403
    elsewhere = await client.post(
        f"{V1}/vehicle-expenses",
        json={"vehicle_id": car.id, "kind": "fee", "spent_on": "2026-11-15", "amount_vnd": 1},
        headers=coop_b.admin.headers,
    )
    assert elsewhere.status_code == 404 and elsewhere.json()["field"] == "vehicle_id"
