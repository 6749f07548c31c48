"""Member statement: each member's vehicles and their figures, and the month's money as the
ledger holds it (charges posted, earnings from settled jobs, payments, the closing balance):
read from the ledger, never recomputed here."""

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
), money AS (
    SELECT l.member_id AS id,
           sum(l.amount_vnd) FILTER (WHERE e.source = 'charge') AS charged_vnd,
           -sum(l.amount_vnd) FILTER (WHERE e.source = 'settlement') AS earned_vnd,
           -sum(l.amount_vnd) FILTER (WHERE e.source = 'payment') AS paid_vnd
    FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
    WHERE l.cooperative_id = :coop AND l.member_id IS NOT NULL
      AND l.posted_on BETWEEN :first AND :last
    GROUP BY 1
), balance AS (
    SELECT member_id AS id, sum(amount_vnd) AS closing_vnd FROM ledger_lines
    WHERE cooperative_id = :coop AND member_id IS NOT NULL AND posted_on <= :last
    GROUP BY 1
)
SELECT fleet.*, coalesce(act.distance_m, 0) AS distance_m, coalesce(act.moving_s, 0) AS moving_s,
       coalesce(done.orders, 0) AS orders, coalesce(done.revenue_vnd, 0) AS revenue_vnd,
       coalesce(money.charged_vnd, 0) AS charged_vnd, coalesce(money.earned_vnd, 0) AS earned_vnd,
       coalesce(money.paid_vnd, 0) AS paid_vnd, coalesce(balance.closing_vnd, 0) AS closing_vnd,
       c.management_fee_vnd
FROM fleet
LEFT JOIN act ON act.id = fleet.id
LEFT JOIN done ON done.id = fleet.id
LEFT JOIN money ON money.id = fleet.id
LEFT JOIN balance ON balance.id = fleet.id
JOIN cooperatives c ON c.id = :coop
ORDER BY fleet.member_no
"""


async def statement(session: AsyncSession, tenant: Tenant, period: Period) -> dict[str, Any]:
    """``fee_due_vnd`` is what the ledger charged the member in the month (management fee and
    the other recurring charges); ``fee_per_vehicle_vnd`` the cooperative's flat fee setting."""
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
                "fee_due_vnd": int(row["charged_vnd"]),
                "earnings_vnd": int(row["earned_vnd"]),
                "paid_vnd": int(row["paid_vnd"]),
                "closing_balance_vnd": int(row["closing_vnd"]),
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
