"""The driver's phone: pre-trip and post-trip checklists (defects open a work order), photos
of defects, fuel fills with a receipt photo — always on the vehicle assigned to them now, and
only their own to read back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, UploadFile, status
from fastapi.exceptions import RequestValidationError

from api.deps import DriverTenant, SessionDep, SettingsDep
from api.idempotency import IdempotencyKey, once
from core.storage import Spooled, discard, spool, storage_from
from fleet.validators import BigId
from maintenance import checklists, fuel
from maintenance.checklists import ChecklistIn, ChecklistRead
from maintenance.fuel import FillIn, FillRead

router = APIRouter(tags=["driver app"])

Limit = Annotated[int, Query(ge=1, le=200)]


@router.post(
    "/checklists",
    response_model=ChecklistRead,
    status_code=status.HTTP_201_CREATED,
    summary="Submit a pre-trip or post-trip checklist",
)
async def submit_checklist(
    body: ChecklistIn, tenant: DriverTenant, session: SessionDep, key: IdempotencyKey = None
) -> Any:
    """Each item ``ok`` or not, with a note; any item not ok is a defect and opens a work order
    on the vehicle (it is then in maintenance, out of dispatch). Photos follow with
    ``POST /driver/checklists/{id}/photos``. No vehicle assigned: 409 naming ``vehicle``."""

    async def run() -> Any:
        checklist = await checklists.submit(session, tenant, body)
        return (await checklists.reads(session, tenant, [checklist]))[0]

    return await once(session, tenant, key, {"checklists": body.model_dump()}, run)


@router.get("/checklists", response_model=list[ChecklistRead], summary="My checklists")
async def my_checklists(
    tenant: DriverTenant, session: SessionDep, limit: Limit = 20
) -> list[ChecklistRead]:
    """My latest checklists, newest first, with their defects and work orders."""
    return await checklists.listing(session, tenant, limit=limit)


@router.post(
    "/checklists/{checklist_id}/photos",
    response_model=ChecklistRead,
    summary="Add photos of defects to my checklist",
)
async def checklist_photos(
    checklist_id: BigId,
    tenant: DriverTenant,
    session: SessionDep,
    settings: SettingsDep,
    photos: Annotated[list[UploadFile], File(description="JPEG, PNG or HEIC")],
) -> ChecklistRead:
    """Images checked by their content, each at most ``COOPFLEET_UPLOAD_MAX_BYTES``, at most
    ``COOPFLEET_PROOF_MAX_FILES`` per request (more: 422 naming ``photos``); another driver's
    checklist is a 404."""
    if len(photos) > settings.proof_max_files:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "photos"),
                    "msg": f"at most {settings.proof_max_files} files per request",
                    "type": "too_long",
                }
            ]
        )
    spooled: list[Spooled] = []
    try:
        for upload in photos:
            spooled.append(await spool(upload.read, settings.upload_max_bytes))
        await checklists.add_photos(
            session,
            tenant,
            storage_from(settings),
            checklist_id,
            spooled,
            max_bytes=settings.upload_max_bytes,
        )
    finally:
        discard(spooled)
    found = await checklists.visible(session, tenant, checklist_id)
    return (await checklists.reads(session, tenant, [found]))[0]


@router.post(
    "/fuel-fills",
    response_model=FillRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a fuel fill",
)
async def record_fill(
    body: FillIn, tenant: DriverTenant, session: SessionDep, key: IdempotencyKey = None
) -> Any:
    """Litres, amount, station and odometer, on the vehicle assigned to me (none: 409 naming
    ``vehicle``); the receipt photo follows with ``POST /driver/fuel-fills/{id}/receipt``."""

    async def run() -> Any:
        return fuel.to_read(await fuel.record(session, tenant, body))

    return await once(session, tenant, key, {"fuel-fills": body.model_dump()}, run)


@router.get("/fuel-fills", response_model=list[FillRead], summary="My fuel fills")
async def my_fills(tenant: DriverTenant, session: SessionDep, limit: Limit = 20) -> list[FillRead]:
    """My latest fills, newest first."""
    return [fuel.to_read(f) for f in await fuel.fills(session, tenant, limit=limit)]


@router.post(
    "/fuel-fills/{fill_id}/receipt", response_model=FillRead, summary="Attach a receipt photo"
)
async def fill_receipt(
    fill_id: BigId,
    tenant: DriverTenant,
    session: SessionDep,
    settings: SettingsDep,
    receipt: Annotated[UploadFile, File(description="JPEG, PNG or HEIC")],
) -> FillRead:
    """One image, checked by its content; another driver's fill is a 404."""
    spooled = [await spool(receipt.read, settings.upload_max_bytes)]
    try:
        fill = await fuel.attach_receipt(
            session,
            tenant,
            storage_from(settings),
            fill_id,
            spooled[0],
            max_bytes=settings.upload_max_bytes,
        )
    finally:
        discard(spooled)
    return fuel.to_read(fill)
