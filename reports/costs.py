"""What each vehicle (or each member's vehicles) cost in a period, against what it earned.

Costs: fuel (the fills of the period), maintenance (the lines of work orders closed in it),
insurance, badge, fees and other expenses recorded on the vehicle, and the cooperative's
management fee per vehicle, pro rata by the days of each month the period covers. Revenue: the
price of the vehicle's orders delivered in the period (settled jobs). Cost per km over the km of
the daily rollups; margin = revenue − costs. Posting these costs to the owner member's ledger
account is not done here (see docs/maintenance.md).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from reports.export import Column
from reports.pdf import table_document
from reports.period import Period

COLUMNS: list[Column] = [
    ("key", "Mã"),
    ("label", "Biển số / thành viên"),
    ("vehicles", "Số xe"),
    ("km", "Quãng đường (km)"),
    ("fuel_litres", "Nhiên liệu (lít)"),
    ("fuel_vnd", "Nhiên liệu (VND)"),
    ("maintenance_vnd", "Bảo dưỡng, sửa chữa (VND)"),
    ("insurance_vnd", "Bảo hiểm (VND)"),
    ("badge_vnd", "Phù hiệu (VND)"),
    ("fees_vnd", "Phí (VND)"),
    ("other_vnd", "Chi phí khác (VND)"),
    ("total_cost_vnd", "Tổng chi phí (VND)"),
    ("cost_per_km_vnd", "Chi phí/km (VND)"),
    ("revenue_vnd", "Doanh thu (VND)"),
    ("margin_vnd", "Chênh lệch (VND)"),
]
MONEY = ("fuel_vnd", "maintenance_vnd", "insurance_vnd", "badge_vnd", "fees_vnd", "other_vnd")


class CostRow(BaseModel):
    key: str  # the plate, or the member's number
    label: str
    vehicle_id: int | None
    member_id: int | None
    vehicles: int
    km: float
    fuel_litres: float
    fuel_vnd: int
    maintenance_vnd: int
    insurance_vnd: int
    badge_vnd: int
    fees_vnd: int
    other_vnd: int
    total_cost_vnd: int
    cost_per_km_vnd: int | None
    revenue_vnd: int
    margin_vnd: int


class CostReport(BaseModel):
    period: dict[str, date]
    group: str
    rows: list[CostRow]
    totals: dict[str, int | float]


_SQL = """
WITH v AS (
    SELECT v.id, v.plate, v.owner_member_id, m.member_no, m.full_name
    FROM vehicles v LEFT JOIN members m ON m.id = v.owner_member_id
    WHERE v.cooperative_id = :coop
), act AS (
    SELECT vehicle_id, sum(distance_m) AS distance_m FROM daily_activity
    WHERE cooperative_id = :coop AND day BETWEEN :first AND :last GROUP BY 1
), fuel AS (
    SELECT f.vehicle_id, sum(f.litres) AS litres, sum(f.amount_vnd) AS amount_vnd
    FROM fuel_fills f JOIN cooperatives c ON c.id = f.cooperative_id
    WHERE f.cooperative_id = :coop
      AND (f.filled_at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
    GROUP BY 1
), upkeep AS (
    SELECT w.vehicle_id, sum(l.amount_vnd) AS amount_vnd
    FROM work_orders w JOIN work_order_lines l ON l.work_order_id = w.id
    WHERE w.cooperative_id = :coop AND w.status = 'closed'
      AND w.closed_on BETWEEN :first AND :last
    GROUP BY 1
), spent AS (
    SELECT vehicle_id,
           sum(amount_vnd) FILTER (WHERE kind = 'insurance') AS insurance_vnd,
           sum(amount_vnd) FILTER (WHERE kind = 'badge') AS badge_vnd,
           sum(amount_vnd) FILTER (WHERE kind = 'fee') AS fees_vnd,
           sum(amount_vnd) FILTER (WHERE kind = 'other') AS other_vnd
    FROM vehicle_expenses
    WHERE cooperative_id = :coop AND spent_on BETWEEN :first AND :last GROUP BY 1
), done AS (
    SELECT o.vehicle_id, sum(o.price_vnd) AS revenue_vnd
    FROM orders o
    JOIN order_events e ON e.order_id = o.id AND e.to_status = 'delivered'
    JOIN cooperatives c ON c.id = o.cooperative_id
    WHERE o.cooperative_id = :coop AND o.status = 'delivered'
      AND (e.at AT TIME ZONE c.time_zone)::date BETWEEN :first AND :last
    GROUP BY 1
)
SELECT v.id, v.plate, v.owner_member_id, v.member_no, v.full_name,
       coalesce(act.distance_m, 0), coalesce(fuel.litres, 0), coalesce(fuel.amount_vnd, 0),
       coalesce(upkeep.amount_vnd, 0), coalesce(spent.insurance_vnd, 0),
       coalesce(spent.badge_vnd, 0), coalesce(spent.fees_vnd, 0), coalesce(spent.other_vnd, 0),
       coalesce(done.revenue_vnd, 0), c.management_fee_vnd
FROM v
LEFT JOIN act ON act.vehicle_id = v.id
LEFT JOIN fuel ON fuel.vehicle_id = v.id
LEFT JOIN upkeep ON upkeep.vehicle_id = v.id
LEFT JOIN spent ON spent.vehicle_id = v.id
LEFT JOIN done ON done.vehicle_id = v.id
JOIN cooperatives c ON c.id = :coop
ORDER BY v.plate
"""


def fee_for(period: Period, monthly_fee_vnd: int) -> int:
    """The monthly fee for the days of each month the period covers (a whole month: the fee)."""
    total, day = 0.0, period.first
    while day <= period.last:
        month_days = calendar.monthrange(day.year, day.month)[1]
        month_end = date(day.year, day.month, month_days)
        covered = (min(month_end, period.last) - day).days + 1
        total += monthly_fee_vnd * covered / month_days
        day = month_end + timedelta(days=1)
    return round(total)


def _row(key: str, label: str, values: dict[str, Any]) -> CostRow:
    total = sum(int(values[k]) for k in MONEY)
    km = round(float(values["km"]), 1)
    return CostRow(
        key=key,
        label=label,
        vehicle_id=values.get("vehicle_id"),
        member_id=values.get("member_id"),
        vehicles=int(values["vehicles"]),
        km=km,
        fuel_litres=round(float(values["fuel_litres"]), 2),
        **{k: int(values[k]) for k in MONEY},
        total_cost_vnd=total,
        cost_per_km_vnd=round(total / km) if km > 0 else None,
        revenue_vnd=int(values["revenue_vnd"]),
        margin_vnd=int(values["revenue_vnd"]) - total,
    )


async def vehicle_costs(
    session: AsyncSession, tenant: Tenant, period: Period, group: str = "vehicle"
) -> CostReport:
    """Per vehicle, or per member (their vehicles summed; vehicles without an owner under
    ``-``)."""
    result = await session.execute(
        text(_SQL), {"coop": tenant.cooperative_id, "first": period.first, "last": period.last}
    )
    per_vehicle: list[tuple[Any, dict[str, Any]]] = []
    for r in result:
        fee = fee_for(period, int(r[14]))
        per_vehicle.append(
            (
                r,
                {
                    "vehicle_id": r[0],
                    "vehicles": 1,
                    "km": float(r[5]) / 1000,
                    "fuel_litres": float(r[6]),
                    "fuel_vnd": int(r[7]),
                    "maintenance_vnd": int(r[8]),
                    "insurance_vnd": int(r[9]),
                    "badge_vnd": int(r[10]),
                    "fees_vnd": int(r[11]) + fee,
                    "other_vnd": int(r[12]),
                    "revenue_vnd": int(r[13]),
                },
            )
        )
    if group == "vehicle":
        rows = [_row(r[1], r[1], values) for r, values in per_vehicle]
    else:
        summed: dict[int | None, dict[str, Any]] = {}
        labels: dict[int | None, tuple[str, str]] = {}
        for r, values in per_vehicle:
            member = r[2]
            labels[member] = (r[3] or "-", r[4] or "-")
            into = summed.setdefault(
                member, {k: 0 for k in values if k != "vehicle_id"} | {"member_id": member}
            )
            for k, value in values.items():
                if k != "vehicle_id":
                    into[k] += value
        rows = [
            _row(labels[m][0], labels[m][1], values)
            for m, values in sorted(summed.items(), key=lambda item: labels[item[0]][0])
        ]
    totals: dict[str, int | float] = {
        k: sum(getattr(row, k) for row in rows)
        for k in ("km", "fuel_litres", *MONEY, "total_cost_vnd", "revenue_vnd", "margin_vnd")
    }
    return CostReport(
        period={"start_day": period.first, "end_day": period.last},
        group=group,
        rows=rows,
        totals=totals,
    )


PDF_COLUMNS = ("label", "km", "fuel_vnd", "maintenance_vnd", "total_cost_vnd", "cost_per_km_vnd",
               "revenue_vnd", "margin_vnd")  # fmt: skip


def to_pdf(report: CostReport, cooperative: str) -> bytes:
    """The report's main columns as a PDF (the CSV and XLSX carry every column)."""
    headers = dict(COLUMNS)
    first, last = report.period["start_day"], report.period["end_day"]
    rows = [[_pdf_cell(getattr(row, key)) for key in PDF_COLUMNS] for row in report.rows]
    totals = report.totals
    return table_document(
        f"Chi phí theo {'xe' if report.group == 'vehicle' else 'thành viên'}",
        [
            cooperative,
            f"Từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}",
            f"Tổng chi phí: {int(totals['total_cost_vnd']):,} VND — doanh thu:"
            f" {int(totals['revenue_vnd']):,} VND — chênh lệch: {int(totals['margin_vnd']):,} VND",
        ],
        [headers[key] for key in PDF_COLUMNS],
        rows,
    )


def _pdf_cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
