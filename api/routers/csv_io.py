"""CSV import and export of members, drivers and vehicles.

``api.app`` includes this router before the registry's CRUD routers, so that
``/vehicles/export.csv`` is not taken for a vehicle id. This module deliberately does not use
``from __future__ import annotations``: FastAPI reads the filter dependency given to ``_routes``
from the handlers' annotations at runtime.
"""

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse

from api.deps import EditorTenant, OfficeTenant, SessionDep, SettingsDep
from api.routers.registry import (
    SearchQuery,
    driver_filters,
    member_filters,
    vehicle_filters,
)
from fleet.csv_io import (
    DRIVERS_CSV,
    MEMBERS_CSV,
    VEHICLES_CSV,
    CsvLimits,
    CsvSpec,
    ImportReport,
    export_csv,
    import_csv,
)

router = APIRouter()

CsvFile = Annotated[
    UploadFile,
    File(description="CSV in UTF-8 (a BOM is fine), comma or semicolon separated, header first"),
]
KeepValid = Annotated[bool, Query(description="import the valid rows even when some rows are bad")]


def answer(report: ImportReport, keep_valid: bool) -> Any:
    """The report, or 422 with it when rows (or the header) are bad and nothing was imported."""
    if report.errors and (report.header_rejected or not keep_valid):
        bad = len({error.row for error in report.errors})
        message = "the header is not usable" if report.header_rejected else f"{bad} bad rows"
        return JSONResponse(
            {
                "error": "validation_error",
                "message": f"{message}; nothing was imported",
                "field": "file",
                **asdict(report),
            },
            status_code=422,
        )
    return report


def _routes(spec: CsvSpec, path: str, filters: Callable[..., dict[str, Any]]) -> None:
    """``POST {path}/import`` and ``GET {path}/export.csv`` for one entity."""
    name = spec.entity.name
    tag = path.strip("/")

    @router.post(
        f"{path}/import",
        tags=[tag],
        response_model=ImportReport,
        summary=f"Import {name}s from a CSV file",
        responses={422: {"description": "some rows are bad (same report): nothing was imported"}},
    )
    async def import_file(
        tenant: EditorTenant,
        session: SessionDep,
        settings: SettingsDep,
        file: CsvFile,
        keep_valid: KeepValid = False,
    ) -> Any:
        """Check every row; when one is bad import nothing (422) unless ``keep_valid``.

        The columns are those of the export (references by ``member_no``), headers in any case or
        in Vietnamese, dates as YYYY-MM-DD or DD/MM/YYYY, an empty cell meaning "not given". The
        report lists each bad row as ``{row, column, message}``, ``row`` being the line in the
        file (the header is line 1). A bad header rejects the file even with ``keep_valid``.
        A file over ``COOPFLEET_CSV_MAX_BYTES`` or ``COOPFLEET_CSV_MAX_ROWS`` is refused (413).
        """
        limits = CsvLimits.from_settings(settings)
        content = await file.read(limits.max_bytes + 1)
        report = await import_csv(
            session, tenant, spec, content, keep_valid=keep_valid, limits=limits
        )
        return answer(report, keep_valid)

    @router.get(
        f"{path}/export.csv",
        tags=[tag],
        summary=f"Export {name}s as CSV",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a BOM"}},
    )
    async def export_file(
        tenant: OfficeTenant,
        session: SessionDep,
        found_by: Annotated[dict[str, Any], Depends(filters)],
        q: SearchQuery = None,
    ) -> StreamingResponse:
        """The cooperative's rows, filtered like the list, in the columns the import takes."""
        chunks = await export_csv(session, tenant, spec, filters=found_by, q=q)
        return StreamingResponse(
            chunks,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{tag}.csv"'},
        )


_routes(MEMBERS_CSV, "/members", member_filters)
_routes(DRIVERS_CSV, "/drivers", driver_filters)
_routes(VEHICLES_CSV, "/vehicles", vehicle_filters)
