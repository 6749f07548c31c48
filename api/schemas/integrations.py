"""Requests and answers of the machine-facing routes: API keys, the audit log, the union's
export, position forwarders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from fleet.api_keys import SCOPES
from fleet.schemas import ReadSchema, Schema, examples
from fleet.validators import not_null

KeyRole = Literal["admin", "dispatcher", "director"]


class ApiKeyCreate(Schema):
    model_config = examples(
        {"name": "Hệ thống kế toán", "role": "director", "scopes": ["reports:read"]}
    )

    name: Annotated[str, Field(min_length=1, max_length=120)]
    role: KeyRole
    scopes: Annotated[list[str], Field(min_length=1, max_length=len(SCOPES))]

    @field_validator("scopes")
    @classmethod
    def known_scopes(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(SCOPES))
        if unknown:
            raise ValueError(f"unknown scopes {unknown}; known: {sorted(SCOPES)}")
        return value


class ApiKeyRead(ReadSchema):
    id: int
    name: str
    role: str
    scopes: list[str]
    prefix: str = Field(description="the key's first characters, to recognise it")
    user_id: int = Field(description="the admin who created it; the key acts as theirs")
    created_at: datetime
    last_used_at: datetime | None = Field(description="updated at most once a minute")
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="the key itself: shown this once, never again")


class ScopeRead(BaseModel):
    scope: str
    grants: str


class AuditEntryRead(ReadSchema):
    id: int
    at: datetime
    entity: str
    entity_id: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    actor_kind: str
    actor_user_id: int | None
    actor_api_key_id: int | None


class AuditPage(BaseModel):
    items: list[AuditEntryRead]
    total: int
    limit: int
    offset: int


class ForwarderCreate(Schema):
    model_config = examples(
        {"name": "Sở GTVT", "url": "https://gps.example.vn/ingest", "every_s": 30},
        {
            "name": "Broker of the union",
            "url": "mqtts://htx:secret@mqtt.example.vn:8883",
            "topic": "htx/bienhoa/{plate}",
            "every_s": 0,
        },
    )

    name: Annotated[str, Field(min_length=1, max_length=120)]
    url: Annotated[str, Field(min_length=8, max_length=500)]
    topic: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    every_s: Annotated[int, Field(ge=0, le=86_400)] = 0
    enabled: bool = True


class ForwarderUpdate(Schema):
    model_config = examples({"every_s": 10}, {"enabled": True})

    name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    url: Annotated[str, Field(min_length=8, max_length=500)] | None = None
    topic: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    every_s: Annotated[int, Field(ge=0, le=86_400)] | None = None
    enabled: bool | None = None

    _required = not_null("name", "url", "every_s", "enabled")


class ForwarderRead(ReadSchema):
    id: int
    name: str
    url: str = Field(description="without its password")
    topic: str | None
    every_s: int
    enabled: bool
    created_at: datetime
    last_sent_at: datetime | None
    sent_count: int
    failures: int
    retry_at: datetime | None
    last_error: str | None
    waiting: int = Field(default=0, description="batches of positions waiting to be sent")


class PaperTally(BaseModel):
    valid: int
    expiring: int
    lapsed: int
    missing: int


class UnionVehicle(BaseModel):
    model_config = ConfigDict(extra="allow")

    plate: str
    kind: str
    status: str
    payload_kg: int | None
    seats: int | None
    badge_number: str | None
    badge_type: str | None
    badge_expiry: date | None
    badge_state: str
    inspection_expiry: date | None
    inspection_state: str
    insurance_expiry: date | None
    insurance_state: str


class UnionExport(BaseModel):
    """Version 1 of the export (docs/integrations.md#union-export)."""

    format: Literal["coopfleet.union-export"]
    version: Literal[1]
    generated_at: datetime
    month: str
    papers_as_of: date
    cooperative: dict[str, Any]
    members: dict[str, Any]
    vehicles: dict[str, Any]
    drivers: dict[str, Any]
    activity: dict[str, float | int]
    compliance: dict[str, int]
    vehicle_list: list[UnionVehicle]
