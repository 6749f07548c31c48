"""API and import schemas of the registry (never the ORM classes themselves)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fleet.enums import (
    BadgeType,
    LicenceClass,
    PersonStatus,
    Role,
    VehicleKind,
    VehicleStatus,
    ZoneKind,
)
from fleet.geo import GeoJSONArea, GeoJSONPoint
from fleet.validators import (
    Code,
    Email,
    Feature,
    Id,
    LongText,
    Name,
    NationalId,
    Phone,
    PlateText,
    ShortText,
    TaxCode,
    Vnd,
    not_null,
)

T = TypeVar("T")

FREIGHT_KINDS = frozenset({VehicleKind.TRUCK, VehicleKind.CONTAINER_TRACTOR, VehicleKind.VAN})
PASSENGER_KINDS = frozenset(
    {VehicleKind.COACH, VehicleKind.BUS, VehicleKind.TAXI, VehicleKind.CONTRACT_CAR}
)


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def examples(*items: dict[str, Any]) -> ConfigDict:
    """Request-body examples for the OpenAPI docs (merged into the schema's config)."""
    return ConfigDict(json_schema_extra={"examples": list(items)})


class ReadSchema(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total number of matching rows."""

    items: list[T]
    total: int
    limit: int
    offset: int


# --- cooperatives -------------------------------------------------------------------------


class CooperativeCreate(Schema):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    tax_code: TaxCode
    time_zone: str = "Asia/Ho_Chi_Minh"
    address: LongText | None = None
    phone: Phone | None = None
    management_fee_vnd: Vnd = 0

    model_config = examples(
        {
            "name": "HTX Vận tải Trảng Bom",
            "tax_code": "3603456789",
            "address": "Thị trấn Trảng Bom, Đồng Nai",
            "phone": "02513861234",
            "management_fee_vnd": 300000,
        }
    )

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from core.timeutil import is_valid_zone

        if not is_valid_zone(value):
            raise ValueError(f"unknown time zone '{value}' (expected e.g. Asia/Ho_Chi_Minh)")
        return value


class CooperativeUpdate(Schema):
    model_config = examples(
        {"address": "Số 1 Phạm Văn Thuận, Biên Hòa", "management_fee_vnd": 350000}
    )

    name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    address: LongText | None = None
    phone: Phone | None = None
    management_fee_vnd: Vnd | None = None

    _required = not_null("name", "management_fee_vnd")


class CooperativeRead(ReadSchema):
    id: int
    name: str
    tax_code: str
    time_zone: str
    address: str | None
    phone: str | None
    management_fee_vnd: int
    created_at: datetime


# --- members ------------------------------------------------------------------------------


class MemberCreate(Schema):
    member_no: Code
    full_name: Name
    phone: Phone | None = None
    email: Email | None = None
    national_id: NationalId | None = None
    address: LongText | None = None
    join_date: date
    status: PersonStatus = PersonStatus.ACTIVE
    capital_contribution_vnd: Vnd = 0

    model_config = examples(
        {
            "member_no": "TV-0001",
            "full_name": "Nguyễn Văn An",
            "phone": "0912345678",
            "national_id": "075089001234",
            "address": "Phường Tân Phong, Biên Hòa, Đồng Nai",
            "join_date": "2021-03-15",
            "capital_contribution_vnd": 20000000,
        }
    )


class MemberUpdate(Schema):
    model_config = examples({"phone": "0903123456", "status": "suspended"})

    member_no: Code | None = None
    full_name: Name | None = None
    phone: Phone | None = None
    email: Email | None = None
    national_id: NationalId | None = None
    address: LongText | None = None
    join_date: date | None = None
    status: PersonStatus | None = None
    capital_contribution_vnd: Vnd | None = None

    _required = not_null(
        "member_no", "full_name", "join_date", "status", "capital_contribution_vnd"
    )


class MemberRead(ReadSchema):
    id: int
    member_no: str
    full_name: str
    phone: str | None
    email: str | None
    national_id: str | None
    address: str | None
    join_date: date
    status: str
    capital_contribution_vnd: int
    created_at: datetime


# --- drivers ------------------------------------------------------------------------------


class DriverCreate(Schema):
    full_name: Name
    phone: Phone
    national_id: NationalId | None = None
    date_of_birth: date | None = None
    licence_number: Annotated[str, Field(pattern=r"^\d{12}$")]
    licence_class: LicenceClass
    licence_expiry: date
    driver_card_id: Code | None = None
    member_id: Id | None = None
    status: PersonStatus = PersonStatus.ACTIVE

    model_config = examples(
        {
            "full_name": "Trần Thị Bích",
            "phone": "0987654321",
            "national_id": "075190004321",
            "licence_number": "750123456789",
            "licence_class": "C",
            "licence_expiry": "2029-06-30",
            "driver_card_id": "DC-75-000123",
            "member_id": 1,
        }
    )


class DriverUpdate(Schema):
    model_config = examples({"licence_class": "CE", "licence_expiry": "2031-12-31"})

    full_name: Name | None = None
    phone: Phone | None = None
    national_id: NationalId | None = None
    date_of_birth: date | None = None
    licence_number: Annotated[str, Field(pattern=r"^\d{12}$")] | None = None
    licence_class: LicenceClass | None = None
    licence_expiry: date | None = None
    driver_card_id: Code | None = None
    member_id: Id | None = None
    status: PersonStatus | None = None

    _required = not_null(
        "full_name", "phone", "licence_number", "licence_class", "licence_expiry", "status"
    )


class DriverRead(ReadSchema):
    id: int
    full_name: str
    phone: str
    national_id: str | None
    date_of_birth: date | None
    licence_number: str
    licence_class: str
    licence_expiry: date
    driver_card_id: str | None
    member_id: int | None
    status: str
    created_at: datetime


# --- vehicles -----------------------------------------------------------------------------


class VehicleFields(Schema):
    """Fields shared by create and update; every one optional here."""

    payload_kg: Annotated[int, Field(ge=0, le=100_000)] | None = None
    volume_m3: Annotated[float, Field(ge=0, le=200)] | None = None
    seats: Annotated[int, Field(ge=0, le=100)] | None = None
    make: ShortText | None = None
    model: ShortText | None = None
    year: Annotated[int, Field(ge=1970, le=2100)] | None = None
    features: list[Feature] | None = None
    owner_member_id: Id | None = None
    badge_number: Code | None = None
    badge_type: BadgeType | None = None
    badge_expiry: date | None = None
    inspection_expiry: date | None = None
    insurance_expiry: date | None = None
    tracking_device_id: (
        Annotated[str, Field(min_length=1, max_length=64, pattern=r"^\S+$")] | None
    ) = None


class VehicleCreate(VehicleFields):
    plate: PlateText
    kind: VehicleKind
    status: VehicleStatus = VehicleStatus.ACTIVE

    model_config = examples(
        {
            "plate": "60C-123.45",
            "kind": "truck",
            "payload_kg": 8000,
            "volume_m3": 36.5,
            "make": "Hino",
            "model": "FG8JP7A",
            "year": 2021,
            "owner_member_id": 1,
            "badge_number": "PH-60-012345",
            "badge_type": "freight",
            "badge_expiry": "2027-05-31",
            "inspection_expiry": "2027-01-15",
            "insurance_expiry": "2027-03-01",
            "tracking_device_id": "GT06-865432100012345",
        }
    )

    @model_validator(mode="after")
    def _capacity_fits_kind(self) -> VehicleCreate:
        if self.kind in FREIGHT_KINDS and self.payload_kg is None:
            raise ValueError(f"payload_kg is required for a {self.kind.value}")
        if self.kind in PASSENGER_KINDS and self.seats is None:
            raise ValueError(f"seats is required for a {self.kind.value}")
        return self


class VehicleUpdate(VehicleFields):
    model_config = examples({"status": "maintenance", "inspection_expiry": "2027-06-30"})

    plate: PlateText | None = None
    kind: VehicleKind | None = None
    status: VehicleStatus | None = None

    _required = not_null("features", "plate", "kind", "status")


class VehicleRead(ReadSchema):
    id: int
    plate: str
    kind: str
    payload_kg: int | None
    volume_m3: float | None
    seats: int | None
    make: str | None
    model: str | None
    year: int | None
    features: list[str]
    owner_member_id: int | None
    badge_number: str | None
    badge_type: str | None
    badge_expiry: date | None
    inspection_expiry: date | None
    insurance_expiry: date | None
    tracking_device_id: str | None
    status: str
    created_at: datetime


# --- assignments --------------------------------------------------------------------------


class AssignmentCreate(Schema):
    driver_id: Id
    note: LongText | None = None

    model_config = examples({"driver_id": 12, "note": "Thay tài xế nghỉ phép"})


class AssignmentRead(ReadSchema):
    id: int
    vehicle_id: int
    driver_id: int
    starts_at: datetime
    ends_at: datetime | None
    note: str | None


# --- places -------------------------------------------------------------------------------


class DepotCreate(Schema):
    name: Name
    address: LongText | None = None
    location: GeoJSONPoint
    radius_m: Annotated[int, Field(ge=10, le=20_000)] = 200

    model_config = examples(
        {
            "name": "Bãi xe Amata",
            "address": "KCN Amata, Long Bình, Biên Hòa, Đồng Nai",
            "location": {"type": "Point", "coordinates": [106.8833, 10.9530]},
            "radius_m": 300,
        }
    )


class DepotUpdate(Schema):
    model_config = examples({"radius_m": 400})

    name: Name | None = None
    address: LongText | None = None
    location: GeoJSONPoint | None = None
    radius_m: Annotated[int, Field(ge=10, le=20_000)] | None = None

    _required = not_null("name", "location", "radius_m")


class DepotRead(ReadSchema):
    id: int
    name: str
    address: str | None
    location: GeoJSONPoint
    radius_m: int


class ZoneCreate(Schema):
    name: Name
    kind: ZoneKind
    speed_limit_kmh: Annotated[int, Field(ge=5, le=150)] | None = None
    area: GeoJSONArea

    model_config = examples(
        {
            "name": "Nội thành Biên Hòa",
            "kind": "city",
            "speed_limit_kmh": 50,
            "area": {
                "type": "Polygon",
                "coordinates": [
                    [
                        [106.80, 10.93],
                        [106.87, 10.93],
                        [106.87, 10.98],
                        [106.80, 10.98],
                        [106.80, 10.93],
                    ]
                ],
            },
        }
    )


class ZoneUpdate(Schema):
    model_config = examples({"speed_limit_kmh": 40})

    name: Name | None = None
    kind: ZoneKind | None = None
    speed_limit_kmh: Annotated[int, Field(ge=5, le=150)] | None = None
    area: GeoJSONArea | None = None

    _required = not_null("name", "kind", "area")


class ZoneRead(ReadSchema):
    id: int
    name: str
    kind: str
    speed_limit_kmh: int | None
    area: GeoJSONArea


class GeoFeature(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any]
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[GeoFeature]


# --- documents ----------------------------------------------------------------------------


class ExpiringDocument(BaseModel):
    subject: Literal["driver", "vehicle"]
    subject_id: int
    label: str  # the driver's name or the vehicle's plate
    document: Literal["licence", "badge", "inspection", "insurance"]
    expires_on: date
    days_left: int
    status: Literal["expired", "expiring"]


# --- users --------------------------------------------------------------------------------

Password = Annotated[str, Field(min_length=8, max_length=128)]


class UserCreate(Schema):
    login: Annotated[str, Field(min_length=3, max_length=254, pattern=r"^\S+$")]
    full_name: Name
    role: Role
    password: Password
    driver_id: Id | None = None
    member_id: Id | None = None  # a member account (the portal); its login is their phone
    language: Literal["vi", "en"] = "vi"

    model_config = examples(
        {
            "login": "dieuphoi2@htxbienhoa.vn",
            "full_name": "Lý Thu Hà",
            "role": "dispatcher",
            "password": "mat-khau-du-dai",
        }
    )


class UserUpdate(Schema):
    model_config = examples({"is_active": False}, {"password": "mat-khau-moi-123"})

    full_name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    is_active: bool | None = None
    language: Literal["vi", "en"] | None = None

    _required = not_null("full_name", "role", "password", "is_active", "language")


class UserRead(ReadSchema):
    id: int
    cooperative_id: int | None
    login: str
    full_name: str
    role: str
    driver_id: int | None
    member_id: int | None = None
    is_active: bool
    language: str
    must_change_password: bool  # set by someone else: change it before anything else


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int  # seconds until the access token expires
    must_change_password: bool = False  # only /auth/password, /auth/me, /auth/logout until changed
    device_token: str | None = None  # sign-in only: send it back on this device's next sign-ins


class RefreshRequest(Schema):
    model_config = examples({"refresh_token": "3f2a9c…e1.Qm9ndXMtZXhhbXBsZS1zZWNyZXQ"})

    refresh_token: Annotated[str, Field(min_length=10, max_length=200)]


class PasswordChange(Schema):
    model_config = examples({"current_password": "demo1234", "new_password": "mat-khau-moi-123"})

    current_password: Annotated[str, Field(max_length=128)]
    new_password: Password
