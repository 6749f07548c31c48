"""How well the fleet is used, by vehicle, driver, member (owner) or vehicle kind.

Utilization = moving hours / available hours, where a vehicle (or driver) is available
``AVAILABLE_HOURS_PER_DAY`` hours on each day of the period (docs/reports.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from reports.period import Period

AVAILABLE_HOURS_PER_DAY = 10
GROUPS = {
    "vehicle": ("a.vehicle_id", "v.plate"),
    "driver": ("a.driver_id", "d.full_name"),
    "member": ("v.owner_member_id", "m.full_name"),
    "kind": ("v.kind", "v.kind"),
}
ORDER_KEYS = {
    "vehicle": "o.vehicle_id",
    "driver": "o.driver_id",
    "member": "ov.owner_member_id",
    "kind": "ov.kind",
}
EVENT_KEYS = {
    "vehicle": "j.vehicle_id",
    "driver": "j.driver_id",
    "member": "ev.owner_member_id",
    "kind": "ev.kind",
}


def _sql(group: str) -> str:
    key, label = GROUPS[group]
    return f"""
    WITH act AS (
        SELECT {key} AS k, min({label}) AS label, sum(a.distance_m) AS distance_m,
               sum(a.engine_s) AS engine_s, sum(a.moving_s) AS moving_s,
               sum(a.idle_s) AS idle_s, sum(a.trips) AS trips,
               count(DISTINCT (a.vehicle_id, a.day)) FILTER (WHERE a.moving_s > 0) AS days_active,
               count(DISTINCT a.vehicle_id) AS vehicles
        FROM daily_activity a
        JOIN vehicles v ON v.id = a.vehicle_id
        LEFT JOIN drivers d ON d.id = a.driver_id
        LEFT JOIN members m ON m.id = v.owner_member_id
        WHERE a.cooperative_id = :coop AND a.day BETWEEN :first AND :last
          AND {key} IS NOT NULL AND {key}::text <> '0'
        GROUP BY {key}
    ), done AS (
        SELECT {ORDER_KEYS[group]} AS k, count(*) AS orders, sum(o.price_vnd) AS revenue_vnd,
               count(*) FILTER (WHERE o.dropoff_to IS NULL OR e.at <= o.dropoff_to) AS on_time
        FROM orders o
        JOIN order_events e ON e.order_id = o.id AND e.to_status = 'delivered'
        LEFT JOIN vehicles ov ON ov.id = o.vehicle_id
        JOIN cooperatives c ON c.id = o.cooperative_id
        WHERE o.cooperative_id = :coop AND o.status = 'delivered'
          AND (e.at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
        GROUP BY 1
    ), ev AS (
        SELECT {EVENT_KEYS[group]} AS k, count(*) AS events
        FROM journey_events j
        LEFT JOIN vehicles ev ON ev.id = j.vehicle_id
        JOIN cooperatives c ON c.id = j.cooperative_id
        WHERE j.cooperative_id = :coop AND j.kind NOT IN ('back_online', 'geofence_enter',
              'geofence_exit', 'geofence_dwell')
          AND (j.started_at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
        GROUP BY 1
    )
    SELECT act.k::text AS key, act.label, act.vehicles, act.distance_m, act.engine_s,
           act.moving_s, act.idle_s, act.trips, act.days_active,
           coalesce(done.orders, 0) AS orders, coalesce(done.revenue_vnd, 0) AS revenue_vnd,
           coalesce(done.on_time, 0) AS on_time, coalesce(ev.events, 0) AS events
    FROM act
    LEFT JOIN done ON done.k::text = act.k::text
    LEFT JOIN ev ON ev.k::text = act.k::text
    ORDER BY act.k::text
    """  # noqa: S608 (group keys come from a fixed table)


def _figures(raw: dict[str, Any], days: int, group: str) -> dict[str, Any]:
    row = {k: float(v) if isinstance(v, Decimal) else v for k, v in raw.items()}  # sums
    km = row["distance_m"] / 1000
    units = 1 if group == "driver" else max(1, row["vehicles"])  # a driver is one person
    available_h = AVAILABLE_HOURS_PER_DAY * days * units
    moving_h = row["moving_s"] / 3600
    engine_h = row["engine_s"] / 3600
    return {
        "key": row["key"],
        "label": row["label"],
        "km": round(km, 1),
        "engine_hours": round(engine_h, 2),
        "moving_hours": round(moving_h, 2),
        "idle_hours": round(row["idle_s"] / 3600, 2),
        "idle_share": round(row["idle_s"] / row["engine_s"], 4) if row["engine_s"] else 0.0,
        "days_active": int(row["days_active"]),
        "utilization": round(moving_h / available_h, 4),
        "trips": int(row["trips"]),
        "orders_served": int(row["orders"]),
        "on_time_share": round(row["on_time"] / row["orders"], 4) if row["orders"] else None,
        "revenue_vnd": int(row["revenue_vnd"]),
        "revenue_per_km_vnd": round(row["revenue_vnd"] / km) if km else None,
        "events_per_100_km": round(row["events"] / km * 100, 2) if km else None,
    }


async def _rows(
    session: AsyncSession, tenant: Tenant, period: Period, group: str
) -> list[dict[str, Any]]:
    result = await session.execute(
        text(_sql(group)),
        {"coop": tenant.cooperative_id, "first": period.first, "last": period.last},
    )
    return [_figures(dict(row), period.days, group) for row in result.mappings()]


_BY_DAY = """
SELECT day, sum(distance_m) AS distance_m, sum(moving_s) AS moving_s,
       count(DISTINCT vehicle_id) FILTER (WHERE moving_s > 0) AS active_vehicles
FROM daily_activity
WHERE cooperative_id = :coop AND day BETWEEN :first AND :last AND vehicle_id <> 0
GROUP BY day ORDER BY day
"""


async def by_day(session: AsyncSession, tenant: Tenant, period: Period) -> list[dict[str, Any]]:
    """The whole fleet day by day: km, moving hours, vehicles that moved, and utilization over
    the vehicles with any activity in the period (the chart of utilization over time)."""
    fleet = await session.scalar(
        text(
            "SELECT count(DISTINCT vehicle_id) FROM daily_activity WHERE cooperative_id = :coop"
            " AND day BETWEEN :first AND :last AND vehicle_id <> 0"
        ),
        {"coop": tenant.cooperative_id, "first": period.first, "last": period.last},
    )
    result = await session.execute(
        text(_BY_DAY),
        {"coop": tenant.cooperative_id, "first": period.first, "last": period.last},
    )
    available_h = (fleet or 1) * AVAILABLE_HOURS_PER_DAY
    return [
        {
            "day": row["day"],
            "km": round(row["distance_m"] / 1000, 1),
            "moving_hours": round(row["moving_s"] / 3600, 2),
            "active_vehicles": int(row["active_vehicles"]),
            "utilization": round(row["moving_s"] / 3600 / available_h, 4),
        }
        for row in result.mappings()
    ]


async def utilization(
    session: AsyncSession, tenant: Tenant, period: Period, group: str
) -> dict[str, Any]:
    """Rows ranked by utilization (the bottom 10 % flagged), totals, averages, and the previous
    period's figures of each row for comparison."""
    rows = await _rows(session, tenant, period, group)
    before = {r["key"]: r for r in await _rows(session, tenant, period.previous(), group)}
    rows.sort(key=lambda r: (-r["utilization"], r["key"]))
    flagged = max(1, len(rows) // 10) if rows else 0
    for rank, row in enumerate(rows, start=1):
        row["rank"] = rank
        row["bottom_10_percent"] = rank > len(rows) - flagged
        previous = before.get(row["key"])
        row["previous_km"] = previous["km"] if previous else None
        row["previous_utilization"] = previous["utilization"] if previous else None
    totals = {
        name: round(sum(r[name] for r in rows), 2)
        for name in ("km", "engine_hours", "moving_hours", "idle_hours", "trips", "orders_served")
    }
    totals["revenue_vnd"] = sum(r["revenue_vnd"] for r in rows)
    count = len(rows) or 1
    averages = {
        "km": round(totals["km"] / count, 1),
        "utilization": round(sum(r["utilization"] for r in rows) / count, 4),
    }
    return {
        "period": {"start_day": period.first, "end_day": period.last, "days": period.days},
        "group": group,
        "available_hours_per_day": AVAILABLE_HOURS_PER_DAY,
        "rows": rows,
        "totals": totals,
        "averages": averages,
        "days": await by_day(session, tenant, period),
    }
