"""Where the vehicles are: latest positions, tracks, and the ingestion metrics."""

from __future__ import annotations

import hmac
import math
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel

from api.deps import AdminTenant, OfficeTenant, SessionDep, SettingsDep, oauth2_scheme
from api.schemas.geojson import Feature, FeatureCollection
from api.schemas.tracking import PositionProperties, TrackProperties
from core.errors import Forbidden, InvalidValue
from core.tenancy import get_scoped
from fleet.auth import authenticate
from fleet.enums import Role
from fleet.models import Vehicle
from fleet.validators import Id
from telematics import read
from telematics.contract import telemetry_topic
from telematics.credentials import device_password, device_username
from telematics.metrics import IngestMetrics, read_figures

router = APIRouter(tags=["tracking"])
metrics_router = APIRouter(tags=["health"])


def _floats(text: str, count: int, field: str) -> tuple[float, ...]:
    try:
        values = tuple(float(part) for part in text.split(","))
    except ValueError:
        values = ()
    if len(values) != count or not all(math.isfinite(value) for value in values):
        raise InvalidValue(f"{field} needs {count} comma-separated finite numbers", field=field)
    return values


@router.get(
    "/positions/latest",
    response_model=FeatureCollection[PositionProperties],
    response_model_exclude_unset=True,
    summary="Latest position of every vehicle (GeoJSON)",
)
async def latest_positions(
    tenant: OfficeTenant,
    session: SessionDep,
    bbox: Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat")] = None,
    near: Annotated[str | None, Query(description="lon,lat of a centre")] = None,
    radius_m: Annotated[float, Query(gt=0, le=500_000)] = 5_000,
    limit: Annotated[int, Query(ge=1, le=20_000)] = 10_000,
) -> dict[str, Any]:
    """Each vehicle's newest fix as a FeatureCollection; ``bbox`` or ``near`` narrow it."""
    area = read.Area(radius_m=radius_m if near else None)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = _floats(bbox, 4, "bbox")
        area = replace(area, bbox=(min_lon, min_lat, max_lon, max_lat))
    if near:
        lon, lat = _floats(near, 2, "near")
        area = replace(area, centre=(lon, lat))
    features = await read.latest_positions(session, tenant, area, limit=limit)
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/vehicles/{vehicle_id}/track",
    response_model=Feature[TrackProperties],
    summary="A vehicle's path over a period (GeoJSON)",
)
async def vehicle_track(
    vehicle_id: Id,
    tenant: OfficeTenant,
    session: SessionDep,
    start: datetime,
    end: datetime,
    simplify_m: Annotated[float, Query(ge=0, le=1000)] = 5,
) -> dict[str, Any]:
    """The positions between ``start`` and ``end`` (at most 31 days) as a simplified line."""
    return await read.track(session, tenant, vehicle_id, start, end, simplify_m=simplify_m)


async def metrics_reader(
    token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep, settings: SettingsDep
) -> None:
    """Prometheus presents ``COOPFLEET_METRICS_TOKEN`` as its bearer token; a signed-in platform
    admin may look too. The counters span every cooperative, so no cooperative's staff reads them.
    """
    expected = settings.metrics_token
    if expected and hmac.compare_digest(token.encode(), expected.encode()):
        return
    principal = await authenticate(session, token, settings)
    if principal.role is not Role.PLATFORM_ADMIN:
        raise Forbidden("the metrics need COOPFLEET_METRICS_TOKEN or the platform_admin role")


@metrics_router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}},
    summary="Prometheus metrics of the ingestion",
    dependencies=[Depends(metrics_reader)],
)
async def metrics(request: Request, session: SessionDep) -> Response:
    """Counters of the ingest workers (named, not by their MQTT client ids) and dead letters by
    reason (no tenant data), rendered by prometheus_client from this app's own registry."""
    ingest: IngestMetrics = request.app.state.ingest_metrics
    body = ingest.render(await read_figures(session))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class DeviceCredentials(BaseModel):
    """What a tracking device (or the installer) needs to publish for a vehicle."""

    host: str
    port: int
    username: str
    password: str
    client_id: str
    topic: str
    qos: int = 1


@router.get(
    "/vehicles/{vehicle_id}/device-credentials",
    response_model=DeviceCredentials,
    summary="MQTT settings for a vehicle's tracking device",
)
async def device_credentials(
    vehicle_id: Id, tenant: AdminTenant, session: SessionDep, settings: SettingsDep
) -> DeviceCredentials:
    """The broker account of one vehicle (admins only): it may publish only to its own topic.

    The password is derived from the installation secret; the broker accepts it after
    ``coopfleet mqtt-passwords`` has run since the vehicle was added.
    """
    vehicle = await get_scoped(session, Vehicle, vehicle_id, tenant)
    return DeviceCredentials(
        host=settings.mqtt_host,
        port=settings.mqtt_device_port,
        username=device_username(vehicle.id),
        password=device_password(settings.secret_key, vehicle.id),
        # The devices' listener replaces any client id with the username: say so.
        client_id=device_username(vehicle.id),
        topic=telemetry_topic(vehicle.cooperative_id, vehicle.id),
    )
