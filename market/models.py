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


class Shipper(Base):
    """Someone who books trips: a person or a company, known by a verified phone or e-mail.
    Not a cooperative's user: shippers book across cooperatives."""

    __tablename__ = "market_shippers"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact: Mapped[str] = mapped_column(String(254), unique=True)  # normalized phone or e-mail
    name: Mapped[str] = mapped_column(String(200))
    company: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class SignupCode(Base):
    """A verification code sent to a contact (kept as a keyed hash), with its attempts."""

    __tablename__ = "market_signup_codes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    contact: Mapped[str] = mapped_column(String(254), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class Booking(Base):
    """A quote booked by a shipper: the order it became, at the quote's price."""

    __tablename__ = "market_bookings"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    shipper_id: Mapped[int] = mapped_column(
        ForeignKey("market_shippers.id", ondelete="CASCADE"), index=True
    )
    quote_id: Mapped[int] = mapped_column(
        ForeignKey("market_quotes.id", ondelete="CASCADE"), unique=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    tracking_token: Mapped[str] = mapped_column(String(64))  # the order's customer link
    pickup_at: Mapped[datetime]  # the window's start, for the cancellation rule
    cancelled_at: Mapped[datetime | None]
    declined_at: Mapped[datetime | None]  # by the cooperative: the shipper takes another quote
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rating_comment: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PaymentAccount(Base):
    """The bank account a cooperative's shippers pay by transfer (VietQR)."""

    __tablename__ = "market_payment_accounts"

    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), primary_key=True
    )
    bank_bin: Mapped[str] = mapped_column(String(6))
    account: Mapped[str] = mapped_column(String(19))
    account_name: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
