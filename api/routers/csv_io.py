"""CSV import and export of members, drivers and vehicles."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Query, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import EditorTenant, OfficeTenant, SessionDep
from fleet.csv_io import MAX_BYTES, SPECS, export_rows, import_csv

router = APIRouter(tags=["csv"])
Resource = Literal["members", "drivers", "vehicles"]


@router.post("/{resource}/import", summary="Import rows from a CSV file")
async def import_file(
    resource: Resource,
    tenant: EditorTenant,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV, UTF-8 (with or without BOM), , or ;")],
    keep_valid: Annotated[
        bool, Query(description="import the valid rows even if some are bad")
    ] = False,
) -> Any:
    """Validate every row; if any is bad and ``keep_valid`` is false, import nothing (422).

    The report lists each bad row as ``{row, column, message}``, ``row`` being the line in the
    file (the header is line 1). Columns are those of ``GET /{resource}/export.csv``; members
    are referenced by ``member_no``; Vietnamese headers and DD/MM/YYYY dates are accepted.
    """
    content = await file.read(MAX_BYTES + 1)
    report = await import_csv(session, tenant, SPECS[resource], content, keep_valid=keep_valid)
    body = {
        "imported": report.imported,
        "rejected": report.rejected,
        "errors": [asdict(error) for error in report.errors],
    }
    if report.errors and not keep_valid:
        await session.rollback()
        rows = len({error.row for error in report.errors})
        return JSONResponse(
            {
                "error": "validation_error",
                "field": "file",
                "message": f"{rows} bad rows; nothing was imported",
                **body,
            },
            status_code=422,
        )
    return body


@router.get("/{resource}/export.csv", summary="Export rows as CSV")
async def export_file(
    resource: Resource,
    tenant: OfficeTenant,
    session: SessionDep,
    status: str | None = None,
    kind: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
) -> StreamingResponse:
    """The cooperative's rows (filtered like the list endpoint) in the import's columns."""
    filters: dict[str, Any] = {"status": status}
    if resource == "vehicles":
        filters["kind"] = kind
    chunks = await export_rows(session, tenant, SPECS[resource], filters=filters, q=q)
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{resource}.csv"'},
    )
