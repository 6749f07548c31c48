"""Director reports as JSON, CSV or XLSX."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import OfficeTenant, SessionDep, require
from api.schemas.reports import (
    ComplianceReport,
    MemberStatement,
    SubscriptionRead,
    UtilizationReport,
    VehicleDossier,
)
from core.tenancy import Tenant, get_scoped, scoped
from fleet.cooperatives import local_today
from fleet.enums import Role
from fleet.validators import Id
from reports import compliance, delivery, dossier, export, members, utilization
from reports.period import Period

router = APIRouter(prefix="/reports", tags=["reports"])
DirectorTenant = Annotated[Tenant, Depends(require(Role.ADMIN, Role.DIRECTOR))]
Format = Annotated[Literal["json", "csv", "xlsx"], Query(description="json, csv or xlsx")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SPREADSHEETS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/csv": {}, XLSX: {}},
        "description": "the report as JSON, or as a CSV or XLSX download (``format``)",
    }
}


def _answer(report: dict[str, Any], name: str, columns: list[export.Column], format: str) -> Any:
    if format == "json":
        return report
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


@router.get(
    "/utilization",
    response_model=UtilizationReport,
    responses=SPREADSHEETS,
    summary="Utilization report",
)
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


@router.get(
    "/members",
    response_model=MemberStatement,
    responses=SPREADSHEETS,
    summary="Member statement for a month",
)
async def member_statement(
    tenant: OfficeTenant,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])],
    format: Format = "json",
) -> Any:
    """Per member: vehicles, km, moving hours, orders and revenue, and the management fee due."""
    report = await members.statement(session, tenant, Period.month(month))
    return _answer(report, "members", export.MEMBERS, format)


@router.get(
    "/compliance",
    response_model=ComplianceReport,
    responses=SPREADSHEETS,
    summary="Compliance report",
)
async def compliance_report(
    tenant: OfficeTenant,
    session: SessionDep,
    start_day: date,
    end_day: date,
    format: Format = "json",
) -> Any:
    """Driving-time warnings and violations per driver, overspeed per 100 km and transmission
    gaps per vehicle and driver, and papers expired or expiring within 30 days (JSON)."""
    today = await local_today(session, tenant)
    report = await compliance.report(session, tenant, Period(start_day, end_day), today)
    return _answer(report, "compliance", export.COMPLIANCE, format)


@router.get(
    "/monthly.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the PDF"}},
    summary="The monthly report as a PDF",
)
async def monthly_pdf(
    tenant: OfficeTenant,
    session: SessionDep,
    month: Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", examples=["2026-11"])],
) -> Response:
    """Totals, a chart of the ten vehicles that drove most, the least used vehicles and the
    compliance counts of the month, in Vietnamese."""
    body = await delivery.monthly_pdf(session, tenant, month)
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="monthly-{month}.pdf"'},
    )


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "giamdoc@htx.vn"}]})

    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)


@router.post(
    "/subscriptions",
    status_code=201,
    response_model=SubscriptionRead,
    summary="Receive the monthly report by e-mail",
)
async def subscribe(
    body: SubscriptionIn, tenant: DirectorTenant, session: SessionDep
) -> SubscriptionRead:
    """The monthly PDF is sent to this address by `coopfleet send-reports` (run monthly)."""
    row = delivery.ReportSubscription(
        cooperative_id=tenant.cooperative_id, user_id=tenant.user_id, email=body.email
    )
    session.add(row)
    await session.flush()
    return SubscriptionRead(id=row.id, email=row.email)


@router.get(
    "/subscriptions",
    response_model=list[SubscriptionRead],
    summary="Who receives the monthly report",
)
async def subscriptions(tenant: DirectorTenant, session: SessionDep) -> list[SubscriptionRead]:
    """The cooperative's addresses for the monthly report."""
    rows = await session.execute(
        scoped(select(delivery.ReportSubscription), tenant).order_by(delivery.ReportSubscription.id)
    )
    return [SubscriptionRead(id=r.id, email=r.email) for r in rows.scalars()]


@router.delete("/subscriptions/{subscription_id}", status_code=204, summary="Stop the e-mails")
async def unsubscribe(subscription_id: Id, tenant: DirectorTenant, session: SessionDep) -> None:
    """Remove an address; another cooperative's id is 404."""
    row = await get_scoped(session, delivery.ReportSubscription, subscription_id, tenant)
    await session.delete(row)


@router.get(
    "/vehicles/{vehicle_id}/dossier",
    response_model=VehicleDossier,
    summary="A vehicle's management dossier",
)
async def vehicle_dossier(
    vehicle_id: Id, tenant: OfficeTenant, session: SessionDep, start_day: date, end_day: date
) -> Any:
    """Papers, activity day by day, trips, dispatches and events of one vehicle over the period:
    the record that shows the cooperative really manages it."""
    return await dossier.dossier(session, tenant, vehicle_id, Period(start_day, end_day))
