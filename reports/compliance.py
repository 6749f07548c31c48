"""Compliance: driving-time verdicts per driver (each under its own day's rules, as stored),
overspeed per 100 km and transmission gaps per vehicle, and the papers that lapse."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from fleet.documents import expiring
from reports.period import Period

KINDS = (
    "driving_time_warning",
    "continuous_driving_violation",
    "daily_driving_violation",
    "weekly_driving_violation",
    "overspeed",
    "not_transmitting",
)

_SQL = """
WITH ev AS (
    SELECT {key} AS id, j.kind, count(*) AS n,
           sum(extract(epoch FROM (coalesce(j.ended_at, j.started_at) - j.started_at))) AS secs
    FROM journey_events j JOIN cooperatives c ON c.id = j.cooperative_id
    WHERE j.cooperative_id = :coop AND {key} IS NOT NULL AND j.kind = ANY(:kinds)
      AND (j.started_at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
    GROUP BY 1, 2
), km AS (
    SELECT {daily_key} AS id, sum(distance_m) / 1000.0 AS km FROM daily_activity
    WHERE cooperative_id = :coop AND day BETWEEN :first AND :last GROUP BY 1
)
SELECT s.id, s.label, coalesce(km.km, 0) AS km,
       coalesce(jsonb_object_agg(ev.kind, jsonb_build_array(ev.n, ev.secs))
                FILTER (WHERE ev.kind IS NOT NULL), '{{}}') AS counts
FROM ({subjects}) AS s
LEFT JOIN ev ON ev.id = s.id
LEFT JOIN km ON km.id = s.id
GROUP BY s.id, s.label, km.km
HAVING count(ev.kind) > 0 OR coalesce(km.km, 0) > 0
ORDER BY s.id
"""
SUBJECTS = {  # subject: (event column, rollup column, the subjects of the cooperative)
    "driver": (
        "j.driver_id",
        "driver_id",
        "SELECT id, full_name AS label FROM drivers WHERE cooperative_id = :coop",
    ),
    "vehicle": (
        "j.vehicle_id",
        "vehicle_id",
        "SELECT id, plate AS label FROM vehicles WHERE cooperative_id = :coop",
    ),
}


async def report(
    session: AsyncSession, tenant: Tenant, period: Period, today: date
) -> dict[str, Any]:
    rows = []
    for subject, (key, daily_key, subjects) in SUBJECTS.items():
        sql = _SQL.format(key=key, daily_key=daily_key, subjects=subjects)
        result = await session.execute(
            text(sql),
            {"coop": tenant.cooperative_id, "first": period.first, "last": period.last,
             "kinds": list(KINDS)},
        )  # fmt: skip
        for row in result.mappings():
            counts = row["counts"]
            km = float(row["km"])
            item: dict[str, Any] = {"subject": subject, "id": row["id"], "label": row["label"]}
            item["km"] = round(km, 1)
            for kind in KINDS:
                item[kind] = int(counts.get(kind, [0, 0])[0])
            item["overspeed_per_100_km"] = round(item["overspeed"] / km * 100, 2) if km else None
            silent = counts.get("not_transmitting", [0, 0])[1] or 0
            item["not_transmitting_minutes"] = round(float(silent) / 60, 1)
            rows.append(item)
    papers = await expiring(session, tenant, today=today, within_days=30)
    return {
        "period": {"start_day": period.first, "end_day": period.last},
        "rows": rows,
        "documents": papers,
    }
