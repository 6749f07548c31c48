"""Costs per vehicle or member against the revenue of settled jobs: JSON, CSV, XLSX or PDF,
with the report writers the other reports use."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from api.deps import SessionDep, require
from core.tenancy import Tenant
from fleet.enums import Role
from fleet.models import Cooperative
from reports import costs, export
from reports.costs import CostReport
from reports.period import Period

router = APIRouter(prefix="/reports", tags=["reports"])
DirectorTenant = Annotated[Tenant, Depends(require(Role.ADMIN, Role.DIRECTOR))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Day = Annotated[date, Query(ge=date(1970, 1, 1), le=date(2999, 12, 31))]


@router.get(
    "/vehicle-costs",
    response_model=CostReport,
    responses={
        200: {
            "content": {"text/csv": {}, XLSX: {}, "application/pdf": {}},
            "description": "the report as JSON, or as a CSV, XLSX or PDF download (``format``)",
        }
    },
    summary="Costs per vehicle or member",
)
async def vehicle_costs(
    tenant: DirectorTenant,
    session: SessionDep,
    start_day: Day,
    end_day: Day,
    group: Literal["vehicle", "member"] = "vehicle",
    format: Annotated[
        Literal["json", "csv", "xlsx", "pdf"], Query(description="json, csv, xlsx or pdf")
    ] = "json",
) -> Any:
    """Fuel, maintenance (work orders closed in the period), insurance, badge, fees (recorded
    ones and the management fee pro rata) and other costs; km from the daily rollups, cost per
    km, revenue of the orders delivered in the period and the margin."""
    report = await costs.vehicle_costs(session, tenant, Period(start_day, end_day), group)
    if format == "json":
        return report
    rows = [row.model_dump() for row in report.rows]
    name = f"costs-{group}-{start_day}-{end_day}"
    if format == "csv":
        body, media = export.to_csv(costs.COLUMNS, rows), "text/csv; charset=utf-8"
    elif format == "xlsx":
        body, media = export.to_xlsx(f"costs-{group}", costs.COLUMNS, rows), XLSX
    else:
        cooperative = await session.get(Cooperative, tenant.cooperative_id)
        body = costs.to_pdf(report, cooperative.name if cooperative else "")
        media = "application/pdf"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )
