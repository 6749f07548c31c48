"""Journey facts: trips, stops, events (with a live feed), daily rollups, driving-time status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ConfigDict, Field
from sse_starlette.sse import EventSourceResponse

from api.deps import AnyTenant, EditorTenant, OfficeTenant, PrincipalDep, SessionDep, SettingsDep
from api.schemas.geojson import FeatureCollection
from api.schemas.journeys import (
    EventProperties,
    EventRead,
    JourneyStopRead,
    StopProperties,
    TripRead,
)
from api.schemas.streams import EVENT_STREAM
from api.streams import EVENTS, ResumedAfter, hub_of, sse_response
from core.errors import NotFound
from core.tenancy import Tenant, get_scoped
from fleet.enums import Role
from fleet.models import Driver, Vehicle
from fleet.validators import BigId, Cursor, Id
from operations.driver_day import DrivingTimeRead
from operations.vehicle_panel import DailyActivityRead
from telematics.journey import read
from telematics.journey.facts import Kind

router = APIRouter(tags=["journeys"])
Trips = list[TripRead] | FeatureCollection[TripRead]
Stops = list[JourneyStopRead] | FeatureCollection[StopProperties]
Events = list[EventRead] | FeatureCollection[EventProperties]
Format = Annotated[Literal["json", "geojson"], Query(description="json, or GeoJSON features")]


def _features(rows: list[dict[str, Any]], geometry: str) -> dict[str, Any]:
    features = []
    for row in rows:
        props = {k: v for k, v in row.items() if k not in ("path", "point")}
        features.append(
            {
                "type": "Feature",
                "geometry": row.get(geometry),
                "properties": jsonable_encoder(props),
            }
        )
    return {"type": "FeatureCollection", "features": features}


async def _own_driver(session: SessionDep, tenant: Tenant, driver_id: Id) -> None:
    """Office roles see any driver of the cooperative; a driver only themself (else 404)."""
    if tenant.role == Role.DRIVER and tenant.driver_id != driver_id:
        raise NotFound(f"driver {driver_id} not found", field="id")
    await get_scoped(session, Driver, driver_id, tenant)


async def _vehicle(vehicle_id: Id, tenant: OfficeTenant, session: SessionDep) -> dict[str, int]:
    """The vehicle whose trips or stops are read (office roles; another cooperative's: 404)."""
    await get_scoped(session, Vehicle, vehicle_id, tenant)
    return {"vehicle_id": vehicle_id}


async def _driver(driver_id: Id, tenant: AnyTenant, session: SessionDep) -> dict[str, int]:
    """The driver whose trips or stops are read (a driver: only themself)."""
    await _own_driver(session, tenant, driver_id)
    return {"driver_id": driver_id}


@dataclass(frozen=True, slots=True)
class Window:
    """The period and the form of a trips or stops answer."""

    start: datetime
    end: datetime
    format: Format = "json"


VehicleSubject = Annotated[dict[str, int], Depends(_vehicle)]
DriverSubject = Annotated[dict[str, int], Depends(_driver)]
WindowDep = Annotated[Window, Depends()]
TRIPS: dict[str, Any] = {"response_model": Trips, "response_model_exclude_unset": True}
STOPS: dict[str, Any] = {"response_model": Stops, "response_model_exclude_unset": True}


async def _segments(
    session: SessionDep,
    tenant: Tenant,
    kind: Literal["trips", "stops"],
    window: Window,
    subject: dict[str, int],
) -> Any:
    """Trips (with their paths in GeoJSON) or stops of one vehicle or driver, as JSON or GeoJSON."""
    geojson = window.format == "geojson"
    start, end = window.start, window.end
    if kind == "trips":
        rows = await read.trips(session, tenant, start, end, with_path=geojson, **subject)
    else:
        rows = await read.stops(session, tenant, start, end, **subject)
    return _features(rows, "path" if kind == "trips" else "point") if geojson else rows


@router.get("/vehicles/{vehicle_id}/trips", **TRIPS, summary="A vehicle's trips over a period")
async def vehicle_trips(
    subject: VehicleSubject, tenant: OfficeTenant, session: SessionDep, window: WindowDep
) -> Any:
    """Trips overlapping ``start``–``end`` (at most 93 days); GeoJSON carries each trip's path."""
    return await _segments(session, tenant, "trips", window, subject)


@router.get("/drivers/{driver_id}/trips", **TRIPS, summary="A driver's trips over a period")
async def driver_trips(
    subject: DriverSubject, tenant: AnyTenant, session: SessionDep, window: WindowDep
) -> Any:
    """Trips the driver drove (card or assignment); a driver may read only their own."""
    return await _segments(session, tenant, "trips", window, subject)


@router.get("/vehicles/{vehicle_id}/stops", **STOPS, summary="A vehicle's stops over a period")
async def vehicle_stops(
    subject: VehicleSubject, tenant: OfficeTenant, session: SessionDep, window: WindowDep
) -> Any:
    """Stops overlapping the period, with duration and engine-on (idling) time."""
    return await _segments(session, tenant, "stops", window, subject)


@router.get("/drivers/{driver_id}/stops", **STOPS, summary="A driver's stops over a period")
async def driver_stops(
    subject: DriverSubject, tenant: AnyTenant, session: SessionDep, window: WindowDep
) -> Any:
    """Stops made while the driver was at the wheel; a driver may read only their own."""
    return await _segments(session, tenant, "stops", window, subject)


@router.get(
    "/events",
    response_model=Events,
    response_model_exclude_unset=True,
    summary="Journey events and alerts",
)
async def list_events(
    tenant: OfficeTenant,
    session: SessionDep,
    kind: Annotated[list[str] | None, Query(description=f"any of {', '.join(Kind.ALL)}")] = None,
    vehicle_id: Id | None = None,
    driver_id: Id | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    acknowledged: bool | None = None,
    after_id: Annotated[Cursor | None, Query(description="only events newer than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    format: Format = "json",
) -> Any:
    """Overspeed, harsh driving, geofence, not transmitting, idling and driving-time events."""
    rows = await read.events(
        session,
        tenant,
        kinds=kind,
        vehicle_id=vehicle_id,
        driver_id=driver_id,
        start=start,
        end=end,
        acknowledged=acknowledged,
        after_id=after_id,
        limit=limit,
    )
    return _features(rows, "point") if format == "geojson" else rows


@router.get(
    "/events/stream",
    summary="Live feed of new events (Server-Sent Events)",
    response_class=EventSourceResponse,
    responses=EVENT_STREAM,
)
async def event_stream(
    request: Request,
    tenant: OfficeTenant,
    principal: PrincipalDep,
    settings: SettingsDep,
    resumed: ResumedAfter,
    after_id: Cursor | None = None,
) -> EventSourceResponse:
    """Each new event of the cooperative as an SSE message whose id is the event id; a client
    reconnecting with ``Last-Event-ID`` resumes where it left off and misses nothing. The
    stream ends when the session does (sign-out, reset, disabled account)."""
    cursor = after_id if resumed is None else resumed
    factory = request.app.state.session_factory
    if cursor is None:  # from now on: after the newest event
        async with factory() as session:
            newest = await read.events(session, tenant, limit=1)
        cursor = newest[0]["id"] if newest else 0
    hub = hub_of(request.app.state, settings)
    subscription = hub.open(principal, (EVENTS, tenant.cooperative_id, None))

    async def events_after(after: int, limit: int) -> list[dict[str, Any]]:
        async with factory() as session:
            return await read.events(session, tenant, after_id=after, limit=limit)

    return sse_response(hub, subscription, events_after, cursor, 2000)


class AckIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "Đã gọi tài xế"}]})

    note: str | None = Field(default=None, max_length=500)


class ExcuseIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Tắc đường do tai nạn trên QL1A"}]}
    )

    reason: str = Field(min_length=3, max_length=500)


@router.post(
    "/events/{event_id}/acknowledge", response_model=EventRead, summary="Acknowledge an event"
)
async def acknowledge_event(
    event_id: BigId,
    tenant: EditorTenant,
    session: SessionDep,
    body: AckIn,
) -> EventRead:
    """Mark an alert as seen, with an optional note; it then leaves the unacknowledged list."""
    return EventRead.model_validate(await read.acknowledge(session, tenant, event_id, body.note))


@router.post(
    "/events/{event_id}/excuse", response_model=EventRead, summary="Record a force-majeure reason"
)
async def excuse_event(
    event_id: BigId,
    tenant: EditorTenant,
    session: SessionDep,
    body: ExcuseIn,
) -> EventRead:
    """Attach a force-majeure reason to a driving-time violation (409 where the rules of the
    violation's day allow no excuse, or for other kinds of event)."""
    return EventRead.model_validate(await read.excuse(session, tenant, event_id, body.reason))


@router.get(
    "/rollups/daily",
    response_model=list[DailyActivityRead],
    summary="Daily activity per vehicle or per driver",
)
async def daily_rollups(
    tenant: OfficeTenant,
    session: SessionDep,
    start_day: date,
    end_day: date,
    group: Literal["vehicle", "driver"] = "vehicle",
    vehicle_id: Id | None = None,
    driver_id: Id | None = None,
) -> list[dict[str, Any]]:
    """Km (metres), engine, moving, idle and no-data seconds, trips, stops, first and last
    movement and events by kind, per local day of the cooperative."""
    return await read.daily(
        session,
        tenant,
        start_day,
        end_day,
        group=group,
        vehicle_id=vehicle_id,
        driver_id=driver_id,
    )


@router.get(
    "/drivers/{driver_id}/driving-time",
    response_model=DrivingTimeRead,
    summary="A driver's driving time now",
)
async def driving_time(driver_id: Id, tenant: AnyTenant, session: SessionDep) -> DrivingTimeRead:
    """Continuous driving so far, time left before the 4-hour limit, today's and this week's
    totals, under the rules in force today."""
    await _own_driver(session, tenant, driver_id)
    return DrivingTimeRead(**await read.driving_status(session, tenant, driver_id))
