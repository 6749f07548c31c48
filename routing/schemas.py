"""Orders as the API sees them: the pickup and drop-off as nested stops, GeoJSON points."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fleet.enums import VehicleKind
from fleet.geo import GeoJSONPoint
from fleet.validators import Feature, Id, Vnd, not_null
from routing.lifecycle import FailureReason, OrderStatus


class OrderKind(StrEnum):
    FREIGHT = "freight"
    PASSENGER_CHARTER = "passenger_charter"


class StopIn(BaseModel):
    address: str = Field(min_length=3, max_length=300)
    location: GeoJSONPoint
    window_from: datetime | None = None  # service may start from
    window_to: datetime | None = None  # service must start by
    service_s: int = Field(default=300, ge=0, le=24 * 3600)
    contact: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=20)
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _window(self) -> StopIn:
        if self.window_from and self.window_to and self.window_to < self.window_from:
            raise ValueError("window_to must not be before window_from")
        return self


class StopRead(StopIn):
    pass


_EXAMPLE: dict[str, Any] = {
    "reference": "DH-2026-000123",
    "kind": "freight",
    "customer_name": "Công ty TNHH Gỗ Đồng Nai",
    "customer_phone": "0912345678",
    "price_vnd": 3_500_000,
    "weight_kg": 4200,
    "volume_m3": 18.5,
    "vehicle_kind": "truck",
    "requires_photo": True,
    "pickup": {
        "address": "KCN Amata, Biên Hòa, Đồng Nai",
        "location": {"type": "Point", "coordinates": [106.8722, 10.9571]},
        "window_from": "2026-11-26T01:00:00Z",
        "window_to": "2026-11-26T03:00:00Z",
        "service_s": 1800,
        "contact": "Anh Tuấn",
        "phone": "0987654321",
    },
    "dropoff": {
        "address": "Cảng Cát Lái, TP. Thủ Đức",
        "location": {"type": "Point", "coordinates": [106.7906, 10.7617]},
        "window_to": "2026-11-26T08:00:00Z",
        "service_s": 1200,
    },
}


class OrderCreate(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    reference: str = Field(min_length=1, max_length=40)
    kind: OrderKind = OrderKind.FREIGHT
    customer_name: str = Field(min_length=1, max_length=200)
    customer_phone: str | None = Field(default=None, max_length=20)
    priority: int = Field(default=0, ge=0, le=9)
    price_vnd: Vnd = 0
    weight_kg: int = Field(default=0, ge=0, le=100_000)
    volume_m3: float = Field(default=0, ge=0, le=200)
    seats: int = Field(default=0, ge=0, le=80)
    vehicle_kind: VehicleKind | None = None
    features: list[Feature] = Field(default_factory=list, max_length=10)
    requires_photo: bool = False
    requires_signature: bool = False
    notes: str | None = Field(default=None, max_length=2000)
    pickup: StopIn
    dropoff: StopIn


class OrderUpdate(BaseModel):
    """Fields a dispatcher may change while the order is new or planned."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"price_vnd": 3_800_000}]})

    customer_name: str | None = Field(default=None, min_length=1, max_length=200)
    customer_phone: str | None = Field(default=None, max_length=20)
    priority: int | None = Field(default=None, ge=0, le=9)
    price_vnd: Vnd | None = None
    weight_kg: int | None = Field(default=None, ge=0, le=100_000)
    volume_m3: float | None = Field(default=None, ge=0, le=200)
    seats: int | None = Field(default=None, ge=0, le=80)
    vehicle_kind: VehicleKind | None = None
    requires_photo: bool | None = None
    requires_signature: bool | None = None
    notes: str | None = Field(default=None, max_length=2000)
    pickup: StopIn | None = None
    dropoff: StopIn | None = None

    _required = not_null(
        "customer_name",
        "priority",
        "price_vnd",
        "weight_kg",
        "volume_m3",
        "seats",
        "requires_photo",
        "requires_signature",
        "pickup",
        "dropoff",
    )


class OrderRead(BaseModel):
    id: int
    reference: str
    kind: str
    status: OrderStatus
    customer_name: str
    customer_phone: str | None
    priority: int
    price_vnd: int
    weight_kg: int
    volume_m3: float
    seats: int
    vehicle_kind: str | None
    features: list[str]
    requires_photo: bool
    requires_signature: bool
    notes: str | None
    pickup: StopRead
    dropoff: StopRead
    driver_id: int | None
    vehicle_id: int | None
    tracking_url: str
    created_at: datetime
    updated_at: datetime


class TransitionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "cancelled", "note": "Khách hủy đơn"}]}
    )

    status: OrderStatus
    reason: FailureReason | None = None
    note: str | None = Field(default=None, max_length=1000)


class OrderEventRead(BaseModel):
    id: int
    from_status: str | None
    to_status: str
    at: datetime
    device_time: datetime | None
    user_id: int | None
    driver_id: int | None
    location: GeoJSONPoint | None
    reason: str | None
    note: str | None


class OfferIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"driver_id": 42, "deadline_s": 120, "then_driver_ids": [57, 13]}]
        }
    )

    driver_id: Id
    deadline_s: int = Field(default=120, ge=15, le=3600)
    then_driver_ids: list[Id] = Field(
        default_factory=list, max_length=20, description="auto-dispatch: next drivers, in order"
    )


class OfferRead(BaseModel):
    id: int
    order_id: int
    driver_id: int
    then_driver_ids: list[int]
    status: str
    offered_at: datetime
    deadline: datetime
    answered_at: datetime | None
