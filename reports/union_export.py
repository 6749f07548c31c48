"""The export for the cooperative union and the transport authorities: a cooperative's figures
for one month, versioned (``VERSION``) so receivers can rely on its shape (docs/integrations.md).

Members, vehicles and their papers, drivers and their licences (papers as of the export's day,
in the cooperative's zone), the month's activity from the daily rollups and its compliance
counts from journey events. Aggregates, plus the vehicle list the badge registry needs; no
person's name, phone or identity number leaves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from core.timeutil import utcnow
from reports.compliance import KINDS
from reports.export import Column, to_csv
from reports.period import Period

FORMAT = "coopfleet.union-export"
VERSION = 1
EXPIRING_DAYS = 30
PAPERS = ("badge", "inspection", "insurance")

_COOPERATIVE = """
SELECT id, name, tax_code, address, phone, time_zone,
       (now() AT TIME ZONE time_zone)::date AS today
FROM cooperatives WHERE id = :coop
"""
_MEMBERS = "SELECT status, count(*) AS n FROM members WHERE cooperative_id = :coop GROUP BY 1"
_VEHICLES = """
SELECT plate, kind, status, payload_kg, seats, badge_number, badge_type, badge_expiry,
       inspection_expiry, insurance_expiry
FROM vehicles WHERE cooperative_id = :coop ORDER BY plate
"""
_DRIVERS = """
SELECT status, licence_class, licence_expiry FROM drivers WHERE cooperative_id = :coop
"""
_ACTIVITY = """
SELECT count(DISTINCT vehicle_id) AS vehicles_active, count(DISTINCT driver_id) AS drivers_active,
       coalesce(sum(distance_m), 0) AS distance_m, coalesce(sum(moving_s), 0) AS moving_s,
       coalesce(sum(engine_s), 0) AS engine_s, coalesce(sum(trips), 0) AS trips
FROM daily_activity WHERE cooperative_id = :coop AND day BETWEEN :first AND :last
"""
_COMPLIANCE = """
SELECT j.kind, count(*) AS n FROM journey_events j JOIN cooperatives c ON c.id = j.cooperative_id
WHERE j.cooperative_id = :coop AND j.kind = ANY(:kinds)
  AND (j.started_at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
GROUP BY 1
"""


def paper_state(expiry: date | None, today: date) -> str:
    """valid, expiring (within EXPIRING_DAYS), lapsed or missing; valid through its expiry day."""
    if expiry is None:
        return "missing"
    if expiry < today:
        return "lapsed"
    if expiry <= today + timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "valid"


def _tally(states: list[str]) -> dict[str, int]:
    return {key: states.count(key) for key in ("valid", "expiring", "lapsed", "missing")}


def _counts(values: list[str]) -> dict[str, int]:
    return {key: values.count(key) for key in sorted(set(values))}


async def build(session: AsyncSession, tenant: Tenant, month: str) -> dict[str, Any]:
    """The export for ``month`` (YYYY-MM) as a JSON-ready dict."""
    period = Period.month(month)
    params: dict[str, Any] = {"coop": tenant.cooperative_id}
    coop = (await session.execute(text(_COOPERATIVE), params)).mappings().one()
    today: date = coop["today"]
    members = {r.status: int(r.n) for r in (await session.execute(text(_MEMBERS), params))}
    vehicles = [dict(r) for r in (await session.execute(text(_VEHICLES), params)).mappings()]
    drivers = [dict(r) for r in (await session.execute(text(_DRIVERS), params)).mappings()]
    in_month = {**params, "first": period.first, "last": period.last}
    activity = (await session.execute(text(_ACTIVITY), in_month)).mappings().one()
    events = {
        r.kind: int(r.n)
        for r in await session.execute(text(_COMPLIANCE), {**in_month, "kinds": list(KINDS)})
    }
    for vehicle in vehicles:
        for paper in PAPERS:
            vehicle[f"{paper}_state"] = paper_state(vehicle[f"{paper}_expiry"], today)
    return {
        "format": FORMAT,
        "version": VERSION,
        "generated_at": utcnow(),
        "month": f"{period.first:%Y-%m}",
        "papers_as_of": today,
        "cooperative": {k: coop[k] for k in ("id", "name", "tax_code", "address", "phone")},
        "members": {"total": sum(members.values()), "by_status": members},
        "vehicles": {
            "total": len(vehicles),
            "by_kind": _counts([v["kind"] for v in vehicles]),
            "by_status": _counts([v["status"] for v in vehicles]),
            "papers": {p: _tally([v[f"{p}_state"] for v in vehicles]) for p in PAPERS},
        },
        "drivers": {
            "total": len(drivers),
            "by_status": _counts([d["status"] for d in drivers]),
            "by_licence_class": _counts([d["licence_class"] for d in drivers]),
            "licences": _tally([paper_state(d["licence_expiry"], today) for d in drivers]),
        },
        "activity": {
            "vehicles_active": int(activity["vehicles_active"]),
            "drivers_active": int(activity["drivers_active"]),
            "distance_km": round(int(activity["distance_m"]) / 1000, 1),
            "moving_hours": round(int(activity["moving_s"]) / 3600, 1),
            "engine_hours": round(int(activity["engine_s"]) / 3600, 1),
            "trips": int(activity["trips"]),
        },
        "compliance": {kind: events.get(kind, 0) for kind in KINDS},
        "vehicle_list": vehicles,
    }


FIGURES: list[Column] = [("section", "Mục"), ("item", "Chỉ tiêu"), ("value", "Giá trị")]
VEHICLES: list[Column] = [
    ("plate", "Biển số"),
    ("kind", "Loại xe"),
    ("status", "Trạng thái"),
    ("payload_kg", "Tải trọng (kg)"),
    ("seats", "Số chỗ"),
    ("badge_number", "Số phù hiệu"),
    ("badge_type", "Loại phù hiệu"),
    ("badge_expiry", "Hạn phù hiệu"),
    ("badge_state", "Tình trạng phù hiệu"),
    ("inspection_expiry", "Hạn đăng kiểm"),
    ("inspection_state", "Tình trạng đăng kiểm"),
    ("insurance_expiry", "Hạn bảo hiểm"),
    ("insurance_state", "Tình trạng bảo hiểm"),
]


def figures_rows(export: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's figures flattened to (section, item, value) rows, dotted item paths."""
    rows: list[dict[str, Any]] = [
        {"section": "export", "item": key, "value": _plain(export[key])}
        for key in ("format", "version", "month", "papers_as_of", "generated_at")
    ]
    for section in ("cooperative", "members", "vehicles", "drivers", "activity", "compliance"):
        rows += [
            {"section": section, "item": item, "value": value}
            for item, value in _flatten(export[section], "")
        ]
    return rows


def jsonable(value: Any) -> Any:
    """The export with dates and times as ISO 8601 text (a webhook's stored body)."""
    if isinstance(value, dict):
        return {key: jsonable(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [jsonable(inner) for inner in value]
    return _plain(value)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def _flatten(value: Any, prefix: str) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out: list[tuple[str, Any]] = []
        for key, inner in value.items():
            out += _flatten(inner, f"{prefix}.{key}" if prefix else str(key))
        return out
    return [(prefix, _plain(value))]


def to_csv_figures(export: dict[str, Any]) -> bytes:
    return to_csv(FIGURES, figures_rows(export))


def to_csv_vehicles(export: dict[str, Any]) -> bytes:
    rows = [{k: _plain(v) for k, v in row.items()} for row in export["vehicle_list"]]
    return to_csv(VEHICLES, rows)
