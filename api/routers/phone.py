"""Positions from drivers' phones over HTTP, relayed into the MQTT ingestion path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import anyio
from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from api.deps import DriverTenant, SessionDep
from api.schemas.tracking import PositionsReport
from core.errors import InvalidInput, StateConflict
from core.tenancy import get_scoped
from fleet.assignments import current_vehicle_of
from fleet.models import Driver
from telematics.checks import VehicleInfo
from telematics.contract import telemetry_topic
from telematics.relay import BrokerUnavailable, Relay, check_for_vehicle
from telematics.tables import dead_letters

router = APIRouter(prefix="/driver", tags=["driver"])
MAX_BODY = 512 * 1024


@router.post(
    "/positions",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PositionsReport,
    summary="Send positions from the phone",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object"},
                    "example": {
                        "positions": [
                            {
                                "time": "2026-11-24T03:15:07Z",
                                "lat": 10.9574,
                                "lon": 106.8426,
                                "speed": 38.5,
                                "heading": 90,
                            },
                        ]
                    },
                }
            },
        }
    },
)
async def send_positions(request: Request, tenant: DriverTenant, session: SessionDep) -> Any:
    """Positions of the driver's current vehicle, in the device contract (docs/telemetry.md).

    202 once the broker holds the accepted positions; each refused one is listed with its reason
    (and kept in the dead letters). A phone that gets 503, or no answer, sends the same
    positions again: duplicates are ignored.
    """
    body = await request.body()
    if len(body) > MAX_BODY:
        raise InvalidInput(f"at most {MAX_BODY // 1024} KiB per request", field="positions")
    assert tenant.driver_id is not None
    vehicle = await current_vehicle_of(session, tenant, tenant.driver_id)
    if vehicle is None:
        raise StateConflict("you have no vehicle assigned; start a shift first", field="vehicle")
    info = VehicleInfo(vehicle.id, vehicle.cooperative_id, vehicle.tracking_device_id)
    now = datetime.now(UTC)
    # The positions are the signed-in driver's driving: their own card (or none, and then the
    # vehicle's assignment decides), never the card the phone sent, which could be a colleague's.
    card = (await get_scoped(session, Driver, tenant.driver_id, tenant)).driver_card_id
    payload, accepted, refused = check_for_vehicle(info, body, now, now, driver_card=card)
    if refused:
        await session.execute(
            dead_letters.insert(),
            [
                {
                    "received_at": d.received_at,
                    "topic": d.topic,
                    "payload": d.payload,
                    "reason": d.reason,
                    "detail": d.detail,
                    "cooperative_id": d.cooperative_id,
                    "vehicle_id": d.vehicle_id,
                }
                for d in refused
            ],
        )
    answer = {
        "accepted": accepted,
        "refused": [{"reason": d.reason, "detail": d.detail} for d in refused],
    }
    if payload is None:
        await session.commit()  # the dead letters stay even though the request fails
        return JSONResponse(
            {
                "error": "validation_error",
                "field": "positions",
                "message": "no position was acceptable",
                **answer,
            },
            status_code=422,
        )
    relay: Relay | None = getattr(request.app.state, "relay", None)
    if relay is None:
        raise BrokerUnavailable("the message broker is not configured; retry later")
    topic = telemetry_topic(vehicle.cooperative_id, vehicle.id)
    await anyio.to_thread.run_sync(relay.publish, topic, payload)
    return answer
