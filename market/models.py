"""Market tables: tariff versions per cooperative and vehicle kind, and stored quotes.

A tariff is never edited: a change is a new version (the history stays, quotes keep pointing at
the version that priced them). Amounts are VND integers, distances metres, times UTC.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


def _coop() -> Mapped[int]:
    return mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)


class Tariff(Base):
    """One version of a cooperative's tariff for a vehicle kind, in force from ``valid_from``
    (local date) to ``valid_to`` (inclusive, open when empty) unless a later version starts."""

    __tablename__ = "market_tariffs"
    __table_args__ = (UniqueConstraint("cooperative_id", "vehicle_kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    vehicle_kind: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer)
    capacity_kg: Mapped[int | None] = mapped_column(Integer)  # the largest load it is for
    base_vnd: Mapped[int] = mapped_column(BigInteger)
    per_km_vnd: Mapped[int] = mapped_column(BigInteger)
    per_hour_vnd: Mapped[int] = mapped_column(BigInteger)
    minimum_vnd: Mapped[int] = mapped_column(BigInteger)
    night_pct: Mapped[int] = mapped_column(SmallInteger)
    holiday_pct: Mapped[int] = mapped_column(SmallInteger)
    waiting_per_hour_vnd: Mapped[int] = mapped_column(BigInteger)
    extra_stop_vnd: Mapped[int] = mapped_column(BigInteger)
    loading_help_vnd: Mapped[int] = mapped_column(BigInteger)
    night_start: Mapped[time] = mapped_column(Time)
    night_end: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Quote(Base):
    """One cooperative's price for one request, valid until ``expires_at``; ``lines`` is the
    breakdown (code → VND) as priced."""

    __tablename__ = "market_quotes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    tariff_id: Mapped[int] = mapped_column(ForeignKey("market_tariffs.id", ondelete="CASCADE"))
    request_key: Mapped[str] = mapped_column(String(32), index=True)  # one per quote request
    vehicle_kind: Mapped[str] = mapped_column(String(24))
    load_kg: Mapped[int] = mapped_column(Integer)
    pickup: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    dropoff: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    window_start: Mapped[datetime]
    window_end: Mapped[datetime]
    distance_m: Mapped[int] = mapped_column(Integer)
    duration_s: Mapped[int] = mapped_column(Integer)
    total_vnd: Mapped[int] = mapped_column(BigInteger)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    feasible: Mapped[bool] = mapped_column(Boolean)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
