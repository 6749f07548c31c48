"""What ``GET /gateway/devices`` answers: the devices the gateway heard, and the caller's vehicles
whose device it has not heard."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class DeviceHeardRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    protocol: str  # osmand, traccar, gt06, jt808
    identifier: str  # as the device sent it (IMEI, terminal phone number, Traccar id)
    bound: bool  # on a vehicle when last heard; False: refused, never stored as a position
    vehicle_id: int | None
    plate: str | None
    cooperative_id: int | None
    remote_address: str | None
    first_heard_at: datetime
    last_heard_at: datetime
    messages: int  # frames or requests
    fixes: int  # published to the pipeline
    refused: int
    last_refusal: str | None  # unknown_device, vehicle_retired, ambiguous_device, …


class SilentVehicleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    vehicle_id: int
    plate: str
    tracking_device_id: str


class DevicesHeardRead(BaseModel):
    since: datetime
    total: int  # devices heard since ``since`` (``items`` holds at most ``limit``)
    items: list[DeviceHeardRead]
    silent: list[SilentVehicleRead]  # the caller's vehicles not heard since ``since``


class TraccarForwardingRead(BaseModel):
    """What a cooperative's Traccar server needs to forward its positions to the gateway."""

    path: str  # on the gateway's HTTP port: forward.url = http://<gateway>:<port><path>
    header: str  # forward.header, as Traccar wants it ("Name: value")
    token: str
