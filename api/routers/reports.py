"""Director reports as JSON, CSV or XLSX."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy import text

from api.deps import OfficeTenant, SessionDep
from core.timeutil import today_in
from reports import compliance, export, members, pdf, utilization
from reports.period import Period

router = APIRouter(prefix="/reports", tags=["reports"])
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv or xlsx")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _answer(report: dict[str, Any], name: str, columns: list[export.Column], format: str) -> Any:
    if format == "json":
        return jsonable_encoder(report)
    if format == "csv":
        body, media = export.to_csv(columns, report["rows"]), "text/csv; charset=utf-8"
    else:
        body, media = export.to_xlsx(name, columns, report["rows"]), XLSX
    period = report["period"]
    filename = f"{name}-{period['start_day']}-{period['end_day']}.{format}"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/utilization", summary="Utilization report")
async def utilization_report(
    tenant: OfficeTenant,
    session: SessionDep,
    start_day: date,
    end_day: date,
    group: Literal["vehicle", "driver", "member", "kind"] = "vehicle",
    format: Format = "json",
) -> Any:
    """Km, engine/moving/idle hours, idle share, days active, utilization (moving hours over
    10 available hours a day), trips, orders served, on-time share, revenue, revenue per km,
    events per 100 km; ranked, bottom 10 % flagged, with the previous period beside."""
    report = await utilization.utilization(session, tenant, Period(start_day, end_day), group)
    return _answer(report, f"utilization-{group}", export.UTILIZATION, format)


@router.get("/members", summary="Member statement for a month")
async def member_statement(
    tenant: OfficeTenant,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])],
    format: Format = "json",
) -> Any:
    """Per member: vehicles, km, moving hours, orders and revenue, and the management fee due."""
    report = await members.statement(session, tenant, Period.month(month))
    return _answer(report, "members", export.MEMBERS, format)


@router.get("/compliance", summary="Compliance report")
async def compliance_report(
    tenant: OfficeTenant,
    session: SessionDep,
    start_day: date,
    end_day: date,
    format: Format = "json",
) -> Any:
    """Driving-time warnings and violations per driver, overspeed per 100 km and transmission
    gaps per vehicle and driver, and papers expired or expiring within 30 days (JSON)."""
    report = await compliance.report(
        session, tenant, Period(start_day, end_day), today_in("Asia/Ho_Chi_Minh")
    )
    return _answer(report, "compliance", export.COMPLIANCE, format)


@router.get("/monthly.pdf", summary="The monthly report as a PDF")
async def monthly_pdf(
    tenant: OfficeTenant,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])],
) -> Response:
    """Totals, a chart of the ten vehicles that drove most, the least used vehicles and the
    compliance counts of the month, in Vietnamese."""
    period = Period.month(month)
    usage = await utilization.utilization(session, tenant, period, "vehicle")
    checks = await compliance.report(session, tenant, period, today_in("Asia/Ho_Chi_Minh"))
    name = await session.scalar(
        text("SELECT name FROM cooperatives WHERE id = :c"), {"c": tenant.cooperative_id}
    )
    body = pdf.monthly(str(name), month, usage, checks)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="monthly-{month}.pdf"'},
    )
