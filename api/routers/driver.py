"""The driver's phone: me, shift, jobs and their steps, messages (poll or SSE), proof."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import (
    APIRouter,
    File,
    Form,
    Request,
    UploadFile,
    WebSocket,
)
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sse_starlette.sse import EventSourceResponse

from api.deps import (
    AnyTenant,
    DriverTenant,
    EditorTenant,
    OfficeTenant,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    socket_tenant,
)
from api.idempotency import IdempotencyKey, once
from api.schemas.driver import (
    DriverCredentialsRead,
    MessageRead,
    OrderProofRead,
    ProofFileRead,
    ProofRead,
)
from api.schemas.streams import EVENT_STREAM
from api.streams import (
    MESSAGES,
    Reader,
    ResumedAfter,
    hub_of,
    open_socket,
    pump_socket,
    sse_response,
)
from core.storage import PROOF_IMAGE_TYPES, Spooled, discard, spool, storage_from
from core.tenancy import Tenant, scoped
from fleet import shifts, users
from fleet.enums import Role
from fleet.geo import GeoJSONPoint
from fleet.validators import BigId, Cursor, Id
from operations import driver_day
from operations.driver_day import DriverHomeRead, JobRead, ShiftRead
from routing import jobs
from routing import orders as order_service
from routing.lifecycle import FailureReason
from routing.models import DriverMessage, ProofFile
from routing.schemas import OrderRead

router = APIRouter(tags=["driver app"])
office = APIRouter(tags=["orders"])


class ShiftIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "plate": "60C-123.45",
                    "planned_end_at": "2026-11-26T11:00:00+07:00",
                    "end_location": {"type": "Point", "coordinates": [106.8425, 10.9447]},
                }
            ]
        }
    )

    plate: str | None = Field(default=None, max_length=16)  # None: the vehicle assigned to me
    planned_end_at: datetime | None = None  # None: 10 h after the start
    end_location: GeoJSONPoint | None = None  # None: the route ends where it starts


class BreakIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"on": True}]})

    on: bool


class StepIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "status": "at_pickup",
                    "device_time": "2026-11-26T01:12:30Z",
                    "location": {"type": "Point", "coordinates": [106.8722, 10.9571]},
                }
            ]
        }
    )

    status: str
    device_time: datetime | None = None  # when it happened on the phone (kept for late sends)
    location: GeoJSONPoint | None = None
    reason: FailureReason | None = None
    note: str | None = Field(default=None, max_length=1000)


def _shift(shift: Any) -> dict[str, Any] | None:
    """The shift as JSON for the idempotent shift routes (their answers are stored)."""
    answer: dict[str, Any] | None = jsonable_encoder(driver_day.shift_read(shift))
    return answer


class PinIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"password": "mat-khau-hien-tai", "pin": "482913"}]}
    )

    password: str = Field(min_length=1, max_length=200)  # the current password, to set a PIN
    pin: str = Field(pattern=r"^\d{6}$")


@router.post("/pin", status_code=204, summary="Set my PIN")
async def set_pin(
    body: PinIn,
    tenant: DriverTenant,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> None:
    """After this, this phone (the device that signed in, sending its ``device_token``) may sign
    in with the phone number and the 6-digit PIN instead of the password; no other device can
    (same limits). Needs the current password."""
    await users.set_pin(
        session,
        tenant.user_id,
        principal.session_id,
        password=body.password,
        pin=body.pin,
        settings=settings,
    )


@office.post(
    "/drivers/{driver_id}/reset-credentials",
    response_model=DriverCredentialsRead,
    summary="Reset a driver's password and PIN",
)
async def reset_credentials(
    driver_id: Id, tenant: EditorTenant, session: SessionDep, settings: SettingsDep
) -> DriverCredentialsRead:
    """A new one-time password for the driver's account; the PIN is cleared, every session of
    the phone ends at once (its tokens stop working) and the driver must choose a new password
    at the next sign-in."""
    login, temporary = await users.reset_driver_credentials(session, tenant, driver_id, settings)
    return DriverCredentialsRead(login=login, temporary_password=temporary)


@router.get(
    "/me",
    response_model=DriverHomeRead,
    summary="My profile, vehicle, shift, papers and driving time",
)
async def me(tenant: DriverTenant, session: SessionDep) -> DriverHomeRead:
    """Everything the app's home screen needs in one call."""
    return await driver_day.home(session, tenant)


@router.post("/shift/start", response_model=ShiftRead, summary="Start my shift")
async def start_shift(
    body: ShiftIn, tenant: DriverTenant, session: SessionDep, key: IdempotencyKey = None
) -> Any:
    """With the vehicle assigned to me, or the one whose plate I give. Refused (409) with the
    reason when a paper has expired, the vehicle is someone else's or held by overdue safety
    maintenance, or a shift is open."""

    async def run() -> Any:
        shift = await driver_day.start_shift(
            session,
            tenant,
            body.plate,
            planned_end_at=body.planned_end_at,
            end_location=body.end_location.to_db() if body.end_location else None,
        )
        return _shift(shift)

    return await once(session, tenant, key, {"shift/start": body.model_dump()}, run)


@router.post("/shift/break", response_model=ShiftRead, summary="Start or end a break")
async def shift_break(
    body: BreakIn, tenant: DriverTenant, session: SessionDep, key: IdempotencyKey = None
) -> Any:
    """``on: true`` starts a break, ``false`` ends it; breaks are summed on the shift."""

    async def run() -> Any:
        return _shift(await shifts.set_break(session, tenant, body.on))

    return await once(session, tenant, key, {"shift/break": body.model_dump()}, run)


@router.post("/shift/end", response_model=ShiftRead, summary="End my shift")
async def end_shift(tenant: DriverTenant, session: SessionDep, key: IdempotencyKey = None) -> Any:
    """Ends the open shift (and a break in progress)."""

    async def run() -> Any:
        return _shift(await shifts.end(session, tenant))

    return await once(session, tenant, key, {"shift/end": True}, run)


@router.get("/jobs", response_model=list[JobRead], summary="My route")
async def my_jobs(request: Request, tenant: DriverTenant, session: SessionDep) -> list[JobRead]:
    """Accepted and in-progress jobs in order, each with both stops (address, point, window,
    contact, notes, ETA from the vehicle's latest position), the load and the proof required."""
    travel = await request.app.state.speeds.travel(session, tenant)
    return await driver_day.route(session, tenant, travel)


@router.post("/jobs/{order_id}/steps", response_model=OrderRead, summary="Report a step of a job")
async def job_step(
    order_id: Id,
    body: StepIn,
    tenant: DriverTenant,
    session: SessionDep,
    key: IdempotencyKey = None,
) -> Any:
    """en_route_pickup → at_pickup → picked_up → en_route_dropoff → at_dropoff → delivered, or
    failed with a reason. 409 lists the allowed next steps; delivered needs the required proof.
    Send an Idempotency-Key: a retry after a lost answer applies once."""

    async def run() -> Any:
        order = await jobs.step(
            session,
            tenant,
            order_id,
            body.status,
            device_time=body.device_time,
            location=body.location.to_db() if body.location else None,
            reason=body.reason,
            note=body.note,
        )
        return order_service.to_read(order)

    return await once(session, tenant, key, {"step": order_id, **body.model_dump()}, run)


@router.post("/jobs/{order_id}/proof", response_model=ProofRead, summary="Proof of delivery")
async def job_proof(
    order_id: Id,
    tenant: DriverTenant,
    session: SessionDep,
    settings: SettingsDep,
    photos: Annotated[list[UploadFile] | None, File(description="JPEG, PNG or HEIC")] = None,
    signature: Annotated[UploadFile | None, File(description="the signature image")] = None,
    recipient_name: Annotated[str | None, Form(max_length=120)] = None,
    note: Annotated[str | None, Form(max_length=1000)] = None,
    key: IdempotencyKey = None,
) -> Any:
    """Photos, a signature, the recipient's name and a note, at the stop. Images are checked by
    their content, not their name; each is at most ``COOPFLEET_UPLOAD_MAX_BYTES`` (10 MB by
    default), and one request carries at most ``COOPFLEET_PROOF_MAX_FILES`` files (10; more is
    422 naming ``photos``). Send an Idempotency-Key: a phone that resends after a lost answer
    stores the proof once (the key is bound to the files' SHA-256, not their names)."""
    uploads = [("photo", upload) for upload in photos or []]
    if signature is not None:
        uploads.append(("signature", signature))
    if len(uploads) > settings.proof_max_files:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "photos"),
                    "msg": f"at most {settings.proof_max_files} files per request",
                    "type": "too_long",
                }
            ]
        )
    limit = settings.upload_max_bytes
    files: list[tuple[str, Spooled]] = []
    try:
        for kind, upload in uploads:
            files.append((kind, await _read_limited(upload, limit)))

        async def run() -> ProofRead:
            stored = await jobs.add_proof(
                session,
                tenant,
                storage_from(settings),
                order_id,
                files,
                recipient_name=recipient_name,
                note=note,
                max_bytes=limit,
            )
            return ProofRead(order_id=order_id, files=[_file(f) for f in stored])

        request = {
            "proof": order_id,
            "files": [(kind, spooled.sha256, spooled.size) for kind, spooled in files],
            "recipient_name": recipient_name,
            "note": note,
        }
        return await once(session, tenant, key, request, run)
    finally:
        discard([spooled for _, spooled in files])


async def _read_limited(upload: UploadFile, limit: int) -> Spooled:
    """The upload copied to a temporary file in chunks, at most one byte past ``limit`` (which
    tells it is too large): ten 10 MB photos never sit in memory at once."""
    return await spool(upload.read, limit)


def _file(proof: ProofFile) -> ProofFileRead:
    return ProofFileRead(
        id=proof.id,
        kind=proof.kind,
        content_type=proof.content_type,
        size=proof.size,
        url=f"/api/v1/proof-files/{proof.id}",
    )


async def _messages(session: SessionDep, tenant: Tenant, after: int, limit: int) -> list[Any]:
    rows = await session.execute(
        scoped(select(DriverMessage), tenant)
        .where(DriverMessage.driver_id == tenant.driver_id, DriverMessage.id > after)
        .order_by(DriverMessage.id)
        .limit(limit)
    )
    return [
        {"id": m.id, "kind": m.kind, "payload": m.payload, "created_at": m.created_at}
        for m in rows.scalars()
    ]


def _message_reader(factory: async_sessionmaker[AsyncSession], tenant: Tenant) -> Reader:
    """A stream's read of what is new: one query on a short-lived session."""

    async def read(after: int, limit: int) -> list[Any]:
        async with factory() as session:
            return await _messages(session, tenant, after, limit)

    return read


@router.get(
    "/messages", response_model=list[MessageRead], summary="My messages since an id (polling)"
)
async def poll_messages(
    tenant: DriverTenant, session: SessionDep, after_id: Cursor = 0, limit: int = 100
) -> list[Any]:
    """Offers and job changes after ``after_id``, oldest first: the same as the stream."""
    await order_service.expire_offers(session, tenant)
    return await _messages(session, tenant, after_id, min(max(limit, 1), 500))


@router.get(
    "/messages/stream",
    summary="My messages, pushed (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses=EVENT_STREAM,
)
async def stream_messages(
    request: Request,
    tenant: DriverTenant,
    principal: PrincipalDep,
    settings: SettingsDep,
    resumed: ResumedAfter,
    after_id: Cursor = 0,
) -> EventSourceResponse:
    """Each message as an SSE event whose id is the message id; reconnecting with
    ``Last-Event-ID`` resumes after it, so a dropped connection loses nothing. The stream ends
    when the session does (sign-out, reset, disabled account)."""
    cursor = after_id if resumed is None else resumed
    hub = hub_of(request.app.state, settings)
    subscription = hub.open(principal, (MESSAGES, tenant.cooperative_id, tenant.driver_id))
    return sse_response(
        hub, subscription, _message_reader(request.app.state.session_factory, tenant), cursor, 3000
    )


@router.websocket("/messages/ws")
async def messages_socket(
    websocket: WebSocket, token: str | None = None, after_id: int = 0
) -> None:
    """The push channel: sign in with ``?token=<access token>``; each message is sent as JSON
    with its id; reconnect with ``after_id`` = the last id received to miss nothing. The phone
    may send ``{"ack": id}``, which is only a keep-alive (the server keeps nothing per phone).
    Closes with 4401 when the session ends, 4429 past the open-stream caps."""
    signed = await socket_tenant(websocket, token, Role.DRIVER)
    if signed is None:
        return
    tenant, principal = signed
    hub = hub_of(websocket.app.state, websocket.app.state.settings)
    topic = (MESSAGES, tenant.cooperative_id, tenant.driver_id)
    subscription = await open_socket(hub, websocket, principal, topic)
    if subscription is not None:
        read = _message_reader(websocket.app.state.session_factory, tenant)
        await pump_socket(hub, websocket, subscription, read, after_id)


@office.get(
    "/orders/{order_id}/proof",
    response_model=OrderProofRead,
    summary="An order's proof of delivery",
)
async def order_proof(order_id: Id, tenant: OfficeTenant, session: SessionDep) -> OrderProofRead:
    """The recipient's name, the driver's note and the files, for the dispatcher."""
    order = await order_service.get(session, tenant, order_id)
    rows = await session.execute(
        scoped(select(ProofFile), tenant).where(ProofFile.order_id == order.id)
    )
    return OrderProofRead(
        order_id=order.id,
        recipient_name=order.recipient_name,
        note=order.proof_note,
        files=[_file(f) for f in rows.scalars()],
    )


@office.get(
    "/proof-files/{file_id}",
    response_class=Response,
    responses={
        200: {"content": {kind: {} for kind in PROOF_IMAGE_TYPES}, "description": "the image"}
    },
    summary="Download a proof file",
)
async def download_proof(
    file_id: BigId, tenant: AnyTenant, session: SessionDep, settings: SettingsDep
) -> Response:
    """The image itself, for office roles of the cooperative or the driver who took it."""
    proof = await jobs.proof_file(session, tenant, file_id)
    data = storage_from(settings).get(proof.storage_key)
    return Response(data, media_type=proof.content_type, headers=_download_headers(proof))


def _download_headers(proof: ProofFile) -> dict[str, str]:
    """Shown in the browser only if it is one of the image types uploads are sniffed as, else
    saved; never sniffed into something else; named by its id (never a name a phone sent)."""
    image = proof.content_type in PROOF_IMAGE_TYPES
    extension = proof.content_type.rpartition("/")[2] if image else "bin"
    disposition = "inline" if image else "attachment"
    return {
        "Cache-Control": "private",
        "Content-Disposition": f'{disposition}; filename="proof-{proof.id}.{extension}"',
        "X-Content-Type-Options": "nosniff",
    }
