"""Bookings as their shipper sees them: only their own (another's is 404), cancellation by time
before pickup, one rating of 1–5 with a comment."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, StateConflict
from core.tenancy import Tenant
from market.models import Booking, Quote

FREE_CANCELLATION_BEFORE = timedelta(hours=2)
_COLUMNS = (
    "id",
    "cooperative_id",
    "quote_id",
    "order_id",
    "price_vnd",
    "pickup_at",
    "cancelled_at",
    "declined_at",
    "rating",
    "rating_comment",
    "created_at",
)


class BookAsk(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"quote_id": 1, "price_vnd": 2_150_000}]}
    )

    quote_id: int = Field(ge=1, le=2**62)
    price_vnd: int = Field(ge=0, le=10**12)  # the price the shipper saw: a changed one is refused


class RatingIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"stars": 5, "comment": "Đúng giờ / on time"}]},
    )

    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


class BookingRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @model_validator(mode="before")
    @classmethod
    def _tracking(cls, value: Any) -> Any:
        if isinstance(value, Booking):
            return {
                **{c: getattr(value, c) for c in _COLUMNS},
                "tracking_path": f"/api/v1/track/{value.tracking_token}",
            }
        return value

    id: int
    cooperative_id: int
    quote_id: int
    order_id: int
    price_vnd: int
    tracking_path: str  # the order's customer tracking link (public, by its token)
    pickup_at: datetime
    cancelled_at: datetime | None
    declined_at: datetime | None
    rating: int | None
    rating_comment: str | None
    created_at: datetime


async def mine(session: AsyncSession, shipper_id: int) -> list[Booking]:
    """The shipper's bookings, newest first."""
    statement = select(Booking).where(Booking.shipper_id == shipper_id).order_by(Booking.id.desc())
    return list(await session.scalars(statement))


async def own(
    session: AsyncSession, shipper_id: int, booking_id: int, *, lock: bool = False
) -> Booking:
    """One of the shipper's bookings; anyone else's (or none) is 404."""
    booking = await session.get(Booking, booking_id, with_for_update=lock)
    if booking is None or booking.shipper_id != shipper_id:
        raise NotFound(f"booking {booking_id} not found", field="booking_id")
    return booking


class Alternative(BaseModel):
    """Another cooperative's price from the same quote request, still bookable."""

    quote_id: int
    cooperative_id: int
    total_vnd: int
    expires_at: datetime


async def for_cooperative(
    session: AsyncSession, tenant: Tenant, booking_id: int, *, lock: bool = False
) -> Booking:
    """A booking of the caller's cooperative; another's is 404."""
    booking = await session.get(Booking, booking_id, with_for_update=lock)
    if booking is None or booking.cooperative_id != tenant.cooperative_id:
        raise NotFound(f"booking {booking_id} not found", field="booking_id")
    return booking


def check_open(booking: Booking) -> None:
    if booking.cancelled_at is not None or booking.declined_at is not None:
        raise StateConflict("the booking is cancelled or declined", field="booking_id")


async def alternatives(session: AsyncSession, booking: Booking, now: datetime) -> list[Alternative]:
    """The other cooperatives' unexpired, unbooked quotes of the same request, cheapest first
    (what a shipper whose booking was declined is offered next)."""
    booked = await session.get(Quote, booking.quote_id)
    if booked is None:
        return []
    taken = select(Booking.quote_id)
    rows = await session.scalars(
        select(Quote)
        .where(
            Quote.request_key == booked.request_key,
            Quote.cooperative_id != booking.cooperative_id,
            Quote.expires_at > now,
            Quote.id.not_in(taken),
        )
        .order_by(Quote.total_vnd, Quote.id)
    )
    return [
        Alternative(
            quote_id=q.id,
            cooperative_id=q.cooperative_id,
            total_vnd=q.total_vnd,
            expires_at=q.expires_at,
        )
        for q in rows
    ]


def check_cancellable(booking: Booking, now: datetime) -> None:
    """Free cancellation until 2 hours before the pickup window opens; after that, 409 (the
    cooperative has sent, or is sending, a vehicle: the shipper phones it)."""
    check_open(booking)
    if booking.pickup_at - now < FREE_CANCELLATION_BEFORE:
        raise StateConflict(
            "too late to cancel online: less than 2 hours before pickup", field="booking_id"
        )


def rate(booking: Booking, body: RatingIn) -> None:
    if booking.rating is not None:
        raise StateConflict("already rated", field="booking_id")
    booking.rating = body.stars
    booking.rating_comment = body.comment
