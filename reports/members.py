"""Member statement: each member's vehicles, their figures and the management fee due."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from reports.period import Period

_SQL = """
WITH fleet AS (
    SELECT m.id, m.member_no, m.full_name, count(v.id) AS vehicles
    FROM members m LEFT JOIN vehicles v ON v.owner_member_id = m.id AND v.status <> 'retired'
    WHERE m.cooperative_id = :coop
    GROUP BY m.id
), act AS (
    SELECT v.owner_member_id AS id, sum(a.distance_m) AS distance_m, sum(a.moving_s) AS moving_s
    FROM daily_activity a JOIN vehicles v ON v.id = a.vehicle_id
    WHERE a.cooperative_id = :coop AND a.day BETWEEN :first AND :last
    GROUP BY 1
), done AS (
    SELECT v.owner_member_id AS id, count(*) AS orders, sum(o.price_vnd) AS revenue_vnd
    FROM orders o
    JOIN vehicles v ON v.id = o.vehicle_id
    JOIN order_events e ON e.order_id = o.id AND e.to_status = 'delivered'
    JOIN cooperatives c ON c.id = o.cooperative_id
    WHERE o.cooperative_id = :coop AND o.status = 'delivered'
      AND (e.at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
    GROUP BY 1
)
SELECT fleet.*, coalesce(act.distance_m, 0) AS distance_m, coalesce(act.moving_s, 0) AS moving_s,
       coalesce(done.orders, 0) AS orders, coalesce(done.revenue_vnd, 0) AS revenue_vnd,
       c.management_fee_vnd
FROM fleet
LEFT JOIN act ON act.id = fleet.id
LEFT JOIN done ON done.id = fleet.id
JOIN cooperatives c ON c.id = :coop
ORDER BY fleet.member_no
"""


async def statement(session: AsyncSession, tenant: Tenant, period: Period) -> dict[str, Any]:
    """The fee is per vehicle per month, as the cooperative configured it (management_fee_vnd)."""
    result = await session.execute(
        text(_SQL), {"coop": tenant.cooperative_id, "first": period.first, "last": period.last}
    )
    rows = []
    for row in result.mappings():
        fee = int(row["management_fee_vnd"])
        rows.append(
            {
                "member_id": row["id"],
                "member_no": row["member_no"],
                "full_name": row["full_name"],
                "vehicles": row["vehicles"],
                "km": round(float(row["distance_m"]) / 1000, 1),
                "moving_hours": round(float(row["moving_s"]) / 3600, 2),
                "orders_served": row["orders"],
                "revenue_vnd": int(row["revenue_vnd"]),
                "fee_per_vehicle_vnd": fee,
                "fee_due_vnd": fee * row["vehicles"],
            }
        )
    return {
        "period": {"start_day": period.first, "end_day": period.last},
        "rows": rows,
        "totals": {
            "vehicles": sum(r["vehicles"] for r in rows),
            "revenue_vnd": sum(r["revenue_vnd"] for r in rows),
            "fee_due_vnd": sum(r["fee_due_vnd"] for r in rows),
        },
    }
