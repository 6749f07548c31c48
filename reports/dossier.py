"""A vehicle's "managed by the cooperative" dossier: its papers, its activity day by day, its
trips, its dispatches and its events over a period — the record that shows real management."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant, get_scoped
from fleet.models import Member, Vehicle
from reports.period import Period

_DAYS = """
SELECT day, sum(distance_m) AS distance_m, sum(moving_s) AS moving_s, sum(engine_s) AS engine_s,
       sum(trips) AS trips, sum(nodata_s) AS nodata_s
FROM daily_activity WHERE vehicle_id = :v AND cooperative_id = :c AND day BETWEEN :f AND :l
GROUP BY day ORDER BY day
"""
_ORDERS = """
SELECT o.id, o.reference, o.status, o.driver_id, o.price_vnd, o.created_at, f.at AS finished_at
FROM orders o
LEFT JOIN LATERAL (
    SELECT max(e.at) AS at FROM order_events e
    WHERE e.order_id = o.id AND e.to_status IN ('delivered', 'failed', 'cancelled')
) f ON true
WHERE o.vehicle_id = :v AND o.cooperative_id = :c
  AND (coalesce(f.at, o.created_at)
       AT TIME ZONE (SELECT time_zone FROM cooperatives WHERE id = :c))::date BETWEEN :f AND :l
ORDER BY coalesce(f.at, o.created_at)
"""
_EVENTS = """
SELECT kind, count(*) AS n FROM journey_events j
WHERE j.vehicle_id = :v AND j.cooperative_id = :c
  AND (j.started_at AT TIME ZONE (SELECT time_zone FROM cooperatives WHERE id = :c))::date
      BETWEEN :f AND :l
GROUP BY kind ORDER BY kind
"""


async def dossier(
    session: AsyncSession, tenant: Tenant, vehicle_id: int, period: Period
) -> dict[str, Any]:
    vehicle = await get_scoped(session, Vehicle, vehicle_id, tenant, what="vehicle")
    owner = None
    if vehicle.owner_member_id is not None:
        member = await session.get(Member, vehicle.owner_member_id)
        owner = (
            None if member is None else {"member_no": member.member_no, "name": member.full_name}
        )
    params = {"v": vehicle.id, "c": tenant.cooperative_id, "f": period.first, "l": period.last}
    days = [
        {
            "day": row["day"],
            "km": round(float(row["distance_m"]) / 1000, 1),
            "moving_hours": round(float(row["moving_s"]) / 3600, 2),
            "engine_hours": round(float(row["engine_s"]) / 3600, 2),
            "trips": int(row["trips"]),
            "hours_without_data": round(float(row["nodata_s"]) / 3600, 2),
        }
        for row in (await session.execute(text(_DAYS), params)).mappings()
    ]
    orders = [dict(r) for r in (await session.execute(text(_ORDERS), params)).mappings()]
    events = {
        r["kind"]: int(r["n"]) for r in (await session.execute(text(_EVENTS), params)).mappings()
    }
    return {
        "vehicle": {
            "id": vehicle.id,
            "plate": vehicle.plate,
            "kind": vehicle.kind,
            "owner": owner,
            "badge_number": vehicle.badge_number,
            "badge_expiry": vehicle.badge_expiry,
            "inspection_expiry": vehicle.inspection_expiry,
            "insurance_expiry": vehicle.insurance_expiry,
            "tracking_device_id": vehicle.tracking_device_id,
        },
        "period": {"start_day": period.first, "end_day": period.last},
        "summary": {
            "days_with_activity": sum(1 for d in days if d["km"] > 0),
            "km": round(sum(d["km"] for d in days), 1),
            "trips": sum(d["trips"] for d in days),
            "dispatches": len(orders),
            "delivered": sum(1 for o in orders if o["status"] == "delivered"),
            "hours_without_data": round(sum(d["hours_without_data"] for d in days), 2),
        },
        "days": days,
        "dispatches": orders,
        "events": events,
    }
