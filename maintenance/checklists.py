"""Drivers' pre-trip and post-trip checklists. Any item not ok is a defect: it opens a work
order on the vehicle (which puts it in maintenance, so dispatch stops sending it) naming the
defects. Photos go through the proof-file storage, checked by their content."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound, StateConflict
from core.storage import Spooled, Storage, sniff_image
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from fleet.assignments import current_vehicle_of
from maintenance import work_orders
from maintenance.models import Checklist, ChecklistPhoto

# what a checklist covers (stable keys; the apps show them in the driver's language)
ITEMS = ("brakes", "tyres", "lights", "steering", "mirrors", "wipers", "horn", "seat_belts",
         "fluids", "body", "tachograph", "fire_extinguisher")  # fmt: skip
KINDS = ("pre", "post")  # before the first trip / after the last


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item: str = Field(min_length=1, max_length=32)
    ok: bool
    note: str | None = Field(default=None, max_length=300)

    @field_validator("item")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in ITEMS:
            raise ValueError(f"unknown item; known: {', '.join(ITEMS)}")
        return value


class ChecklistIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "kind": "pre",
                    "items": [
                        {"item": "brakes", "ok": True},
                        {"item": "lights", "ok": False, "note": "đèn phanh trái không sáng"},
                    ],
                }
            ]
        },
    )

    kind: str = Field(pattern="^(pre|post)$")
    items: list[ItemIn] = Field(min_length=1, max_length=len(ITEMS))

    @field_validator("items")
    @classmethod
    def _once_each(cls, value: list[ItemIn]) -> list[ItemIn]:
        names = [i.item for i in value]
        if len(set(names)) != len(names):
            raise ValueError("each item once")
        return value


class ChecklistRead(BaseModel):
    id: int
    vehicle_id: int
    driver_id: int
    kind: str
    submitted_at: datetime
    items: list[ItemIn]
    defects: list[str]
    work_order_id: int | None
    photo_ids: list[int]


def store_image(storage: Storage, upload: Spooled, field: str, max_bytes: int) -> tuple[str, str]:
    """(content type, storage key) of an image checked by its content and size."""
    if upload.size > max_bytes:
        raise InvalidInput(f"{field} is over {max_bytes} bytes, the limit", field=field)
    content_type = sniff_image(upload.head)
    if content_type is None:
        raise InvalidInput(f"{field} is not a JPEG, PNG or HEIC image", field=field)
    return content_type, storage.put_file(upload, "." + content_type.split("/")[1])


async def submit(session: AsyncSession, tenant: Tenant, body: ChecklistIn) -> Checklist:
    """The driver's check of the vehicle assigned to them now (409 naming ``vehicle`` when
    none); defects open a work order."""
    assert tenant.driver_id is not None
    vehicle = await current_vehicle_of(session, tenant, tenant.driver_id)
    if vehicle is None:
        raise StateConflict("no vehicle is assigned to you", field="vehicle")
    checklist = Checklist(
        cooperative_id=tenant.cooperative_id,
        vehicle_id=vehicle.id,
        driver_id=tenant.driver_id,
        kind=body.kind,
        items=[item.model_dump() for item in body.items],
        submitted_at=utcnow(),
    )
    session.add(checklist)
    await session.flush()
    defects = [item for item in body.items if not item.ok]
    if defects:
        words = ", ".join(f"{d.item} ({d.note})" if d.note else d.item for d in defects)
        order = await work_orders.open_order(
            session,
            tenant,
            vehicle.id,
            title=f"Defects at the {body.kind}-trip check: {words}"[:200],
            checklist_id=checklist.id,
        )
        checklist.work_order_id = order.id
        await session.flush()
    return checklist


async def visible(session: AsyncSession, tenant: Tenant, checklist_id: int) -> Checklist:
    """Office roles see the cooperative's checklists, a driver only their own."""
    checklist = await get_scoped(session, Checklist, checklist_id, tenant, what="checklist")
    if tenant.role == "driver" and checklist.driver_id != tenant.driver_id:
        raise NotFound(f"checklist {checklist_id} not found", field="id")
    return checklist


async def add_photos(
    session: AsyncSession,
    tenant: Tenant,
    storage: Storage,
    checklist_id: int,
    uploads: list[Spooled],
    *,
    max_bytes: int,
) -> list[ChecklistPhoto]:
    checklist = await visible(session, tenant, checklist_id)
    stored = []
    for upload in uploads:
        content_type, key = store_image(storage, upload, "photos", max_bytes)
        photo = ChecklistPhoto(
            cooperative_id=tenant.cooperative_id,
            checklist_id=checklist.id,
            content_type=content_type,
            size=upload.size,
            sha256=upload.sha256,
            storage_key=key,
        )
        session.add(photo)
        stored.append(photo)
    await session.flush()
    return stored


async def photo(session: AsyncSession, tenant: Tenant, photo_id: int) -> ChecklistPhoto:
    found = await get_scoped(session, ChecklistPhoto, photo_id, tenant, what="photo")
    await visible(session, tenant, found.checklist_id)  # a driver: only their own
    return found


async def listing(
    session: AsyncSession,
    tenant: Tenant,
    *,
    vehicle_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[ChecklistRead]:
    query = scoped(select(Checklist), tenant).order_by(Checklist.id.desc())
    if tenant.role == "driver":
        query = query.where(Checklist.driver_id == tenant.driver_id)
    if vehicle_id is not None:
        query = query.where(Checklist.vehicle_id == vehicle_id)
    found = list(await session.scalars(query.limit(limit).offset(offset)))
    return await reads(session, tenant, found)


async def reads(
    session: AsyncSession, tenant: Tenant, found: list[Checklist]
) -> list[ChecklistRead]:
    photos: dict[int, list[int]] = {c.id: [] for c in found}
    for photo_id, checklist_id in await session.execute(
        scoped(select(ChecklistPhoto.id, ChecklistPhoto.checklist_id), tenant).where(
            ChecklistPhoto.checklist_id.in_(list(photos))
        )
    ):
        photos[checklist_id].append(photo_id)
    return [
        ChecklistRead(
            id=c.id,
            vehicle_id=c.vehicle_id,
            driver_id=c.driver_id,
            kind=c.kind,
            submitted_at=c.submitted_at,
            items=[ItemIn.model_validate(i) for i in c.items],
            defects=[i["item"] for i in c.items if not i["ok"]],
            work_order_id=c.work_order_id,
            photo_ids=sorted(photos[c.id]),
        )
        for c in found
    ]
