"""What the tracking routes answer: GeoJSON of latest positions and of a vehicle's path, and the
phone's position report."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class PositionProperties(BaseModel):
    vehicle_id: int
    plate: str
    kind: str
    status: str
    device_time: datetime
    received_at: datetime
    speed_kmh: float | None
    heading: int | None
    ignition: bool | None
    driver_card: str | None


class TrackProperties(BaseModel):
    vehicle_id: int
    plate: str
    points: int  # stored positions in the period
    shown_points: int  # left in the simplified line
    first: datetime | None
    last: datetime | None
    length_m: int


class RefusedPosition(BaseModel):
    reason: str
    detail: str | None


class PositionsReport(BaseModel):
    """How many positions went on to the broker, and why the others were refused."""

    accepted: int
    refused: list[RefusedPosition]
