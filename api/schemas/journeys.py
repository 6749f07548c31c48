"""What the journey routes answer: trips, stops, events, acknowledgements."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from api.schemas.geojson import Geometry


class TripRead(BaseModel):
    id: int
    vehicle_id: int
    driver_id: int | None
    started_at: datetime
    ended_at: datetime
    is_open: bool
    distance_m: int
    odometer_m: int | None
    duration_s: int
    moving_s: int
    idle_s: int
    max_speed_kmh: float
    avg_speed_kmh: float
    start_point: Geometry
    end_point: Geometry


class StopProperties(BaseModel):
    id: int
    vehicle_id: int
    driver_id: int | None
    started_at: datetime
    ended_at: datetime
    is_open: bool
    duration_s: int
    engine_on_s: int


class JourneyStopRead(StopProperties):
    """A stop as JSON: its place as a GeoJSON point."""

    point: Geometry


class EventProperties(BaseModel):
    """An event without its point (the feature's geometry in GeoJSON)."""

    id: int
    kind: str
    source: str
    vehicle_id: int | None
    driver_id: int | None
    started_at: datetime
    ended_at: datetime | None
    details: dict[str, Any]
    live: bool
    created_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: int | None
    ack_note: str | None
    excuse_reason: str | None
    excused_by: int | None
    excused_at: datetime | None


class EventRead(EventProperties):
    point: Geometry | None
