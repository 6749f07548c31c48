"""Tariffs: a cooperative's prices per vehicle kind, in versions. Adding a version never edits
the old ones (quotes keep the version that priced them); the one in force on a day is the latest
version whose validity covers it."""

from __future__ import annotations

from datetime import date, time

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidValue
from core.tenancy import Tenant, scoped
from fleet.enums import VehicleKind
from market.models import Tariff
from market.pricing import Rates

Vnd = Field(ge=0, le=1_000_000_000)
Pct = Field(default=0, ge=0, le=300)
Day = Field(ge=date(2000, 1, 1), le=date(2999, 12, 31))
HOUR_MINUTE = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"  # a local time of day (no offset: the JSON
# Schema "time" format asks for one, and the night span is in the cooperative's zone)


class TariffIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "vehicle_kind": "truck",
                    "capacity_kg": 5000,
                    "base_vnd": 300000,
                    "per_km_vnd": 18000,
                    "per_hour_vnd": 80000,
                    "minimum_vnd": 800000,
                    "night_pct": 20,
                    "holiday_pct": 30,
                    "waiting_per_hour_vnd": 100000,
                    "extra_stop_vnd": 100000,
                    "loading_help_vnd": 200000,
                    "valid_from": "2026-12-01",
                }
            ]
        },
    )

    vehicle_kind: VehicleKind
    capacity_kg: int | None = Field(default=None, ge=1, le=100_000)
    base_vnd: int = Vnd
    per_km_vnd: int = Vnd
    per_hour_vnd: int = Vnd
    minimum_vnd: int = Vnd
    night_pct: int = Pct
    holiday_pct: int = Pct
    waiting_per_hour_vnd: int = Field(default=0, ge=0, le=1_000_000_000)
    extra_stop_vnd: int = Field(default=0, ge=0, le=1_000_000_000)
    loading_help_vnd: int = Field(default=0, ge=0, le=1_000_000_000)
    night_start: str = Field(default="22:00", pattern=HOUR_MINUTE)  # local time, HH:MM
    night_end: str = Field(default="06:00", pattern=HOUR_MINUTE)
    valid_from: date = Day
    valid_to: date | None = Field(default=None, ge=date(2000, 1, 1), le=date(2999, 12, 31))


class TariffRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_kind: str
    version: int
    capacity_kg: int | None
    base_vnd: int
    per_km_vnd: int
    per_hour_vnd: int
    minimum_vnd: int
    night_pct: int
    holiday_pct: int
    waiting_per_hour_vnd: int
    extra_stop_vnd: int
    loading_help_vnd: int
    night_start: str
    night_end: str
    valid_from: date
    valid_to: date | None

    @field_validator("night_start", "night_end", mode="before")
    @classmethod
    def _hour_minute(cls, value: object) -> object:
        return value.strftime("%H:%M") if isinstance(value, time) else value


async def add_version(session: AsyncSession, tenant: Tenant, body: TariffIn) -> Tariff:
    """The next version for the cooperative and vehicle kind (the first is 1)."""
    if body.valid_to is not None and body.valid_to < body.valid_from:
        raise InvalidValue("valid_to is before valid_from", field="valid_to")
    latest = await session.scalar(
        scoped(select(func.max(Tariff.version)).select_from(Tariff), tenant).where(
            Tariff.vehicle_kind == body.vehicle_kind
        )
    )
    tariff = Tariff(
        cooperative_id=tenant.cooperative_id,
        version=(latest or 0) + 1,
        created_by=tenant.user_id,
        **body.model_dump(exclude={"night_start", "night_end"}),
        night_start=time.fromisoformat(body.night_start),
        night_end=time.fromisoformat(body.night_end),
    )
    session.add(tariff)
    await session.flush()
    return tariff


async def history(
    session: AsyncSession, tenant: Tenant, vehicle_kind: str | None = None
) -> list[Tariff]:
    """Every version, by vehicle kind and newest version first."""
    statement = scoped(select(Tariff), tenant).order_by(Tariff.vehicle_kind, Tariff.version.desc())
    if vehicle_kind is not None:
        statement = statement.where(Tariff.vehicle_kind == vehicle_kind)
    return list(await session.scalars(statement))


async def in_force(
    session: AsyncSession, cooperative_ids: list[int], vehicle_kind: str, day: date
) -> dict[int, Tariff]:
    """Per cooperative, the version in force on ``day`` for the vehicle kind (the highest
    version whose validity covers the day); cooperatives without one are left out. Read across
    cooperatives on purpose: the market compares their public prices."""
    statement = (
        select(Tariff)
        .where(
            Tariff.cooperative_id.in_(cooperative_ids),
            Tariff.vehicle_kind == vehicle_kind,
            Tariff.valid_from <= day,
            or_(Tariff.valid_to.is_(None), Tariff.valid_to >= day),
        )
        .order_by(Tariff.cooperative_id, Tariff.version)
    )
    return {t.cooperative_id: t for t in await session.scalars(statement)}  # the last wins


def rates_of(tariff: Tariff) -> Rates:
    """The figures the pure pricing takes."""
    return Rates(
        base_vnd=tariff.base_vnd,
        per_km_vnd=tariff.per_km_vnd,
        per_hour_vnd=tariff.per_hour_vnd,
        minimum_vnd=tariff.minimum_vnd,
        night_pct=tariff.night_pct,
        holiday_pct=tariff.holiday_pct,
        waiting_per_hour_vnd=tariff.waiting_per_hour_vnd,
        extra_stop_vnd=tariff.extra_stop_vnd,
        loading_help_vnd=tariff.loading_help_vnd,
        night_start=tariff.night_start,
        night_end=tariff.night_end,
    )
