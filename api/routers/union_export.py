"""The export for the cooperative union and the authorities (``reports.union_export``)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import OfficeTenant, SessionDep
from api.schemas.integrations import UnionExport
from reports import union_export

router = APIRouter(tags=["integrations"])
Month = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM", examples=["2026-11"])]
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "JSON, or CSV with ``format=csv``"}
}


@router.get(
    "/union-export",
    response_model=UnionExport,
    responses=CSV_ANSWER,
    summary="The cooperative's figures for the union",
)
async def export_for_union(
    tenant: OfficeTenant,
    session: SessionDep,
    month: Month,
    format: Annotated[Literal["json", "csv"], Query(description="json or csv")] = "json",
    table: Annotated[
        Literal["figures", "vehicles"], Query(description="CSV only: the figures or the vehicles")
    ] = "figures",
) -> Any:
    """Members, vehicles and papers, drivers and licences, the month's activity and compliance
    counts, versioned (docs/integrations.md). API keys need the ``union:export`` scope."""
    data = await union_export.build(session, tenant, month)
    if format == "json":
        return data
    body = (
        union_export.to_csv_figures(data)
        if table == "figures"
        else union_export.to_csv_vehicles(data)
    )
    filename = f"union-export-{data['month']}-{table}.csv"
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
