"""Booking a quote: it becomes an order of the quoting cooperative (status ``new``, the price
fixed from the quote) through routing's order creation, visible at once to its dispatchers; and
cancelling one cancels the order. Over market and routing, hence here."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import StateConflict
from core.tenancy import Tenant
from market import bookings, payments, quotes
from market.bookings import BookAsk
from market.models import Booking, Quote, Shipper
from routing import orders
from routing.lifecycle import OrderStatus
from routing.schemas import OrderCreate


def _as_cooperative(cooperative_id: int) -> Tenant:
    """Acting inside the cooperative for the shipper: no user of the cooperative did it, so
    the order's events name no user (the column is nullable)."""
    return Tenant(cooperative_id=cooperative_id, user_id=cast(int, None), role="system")


def _order_body(quote: Quote, shipper: Shipper, booking_key: str) -> OrderCreate:
    pickup, dropoff = to_shape(quote.pickup), to_shape(quote.dropoff)
    return OrderCreate.model_validate(
        {
            "reference": booking_key,
            "customer_name": shipper.company or shipper.name,
            "customer_phone": shipper.contact if "@" not in shipper.contact else None,
            "price_vnd": quote.total_vnd,
            "weight_kg": quote.load_kg,
            "vehicle_kind": quote.vehicle_kind,
            "notes": f"Chợ vận tải / market booking, quote {quote.id}",
            "pickup": {
                "address": f"Điểm nhận / pickup {pickup.y:.5f}, {pickup.x:.5f}",
                "location": {"type": "Point", "coordinates": [pickup.x, pickup.y]},
                "window_from": quote.window_start,
                "window_to": quote.window_end,
            },
            "dropoff": {
                "address": f"Điểm giao / drop-off {dropoff.y:.5f}, {dropoff.x:.5f}",
                "location": {"type": "Point", "coordinates": [dropoff.x, dropoff.y]},
            },
        }
    )


async def book(session: AsyncSession, shipper: Shipper, ask: BookAsk, now: datetime) -> Booking:
    """The quote, unexpired and at the price the shipper saw, as an order of its cooperative;
    a quote already booked is 409."""
    quote = await quotes.bookable(session, ask.quote_id, ask.price_vnd, now)
    if await session.scalar(select(Booking.id).where(Booking.quote_id == quote.id)):
        raise StateConflict("this quote is already booked", field="quote_id")
    order = await orders.create(
        session,
        _as_cooperative(quote.cooperative_id),
        _order_body(quote, shipper, payments.reference_for(quote.id)),
    )
    booking = Booking(
        cooperative_id=quote.cooperative_id,
        shipper_id=shipper.id,
        quote_id=quote.id,
        order_id=order.id,
        price_vnd=quote.total_vnd,
        tracking_token=order.tracking_token,
        pickup_at=quote.window_start,
    )
    session.add(booking)
    await session.flush()
    return booking


async def cancel(session: AsyncSession, shipper_id: int, booking_id: int, now: datetime) -> Booking:
    """Cancel the shipper's booking and its order, if still early enough."""
    booking = await bookings.own(session, shipper_id, booking_id, lock=True)
    bookings.check_cancellable(booking, now)
    await orders.transition(
        session,
        _as_cooperative(booking.cooperative_id),
        booking.order_id,
        OrderStatus.CANCELLED,
        note="huỷ bởi chủ hàng / cancelled by the shipper",
    )
    booking.cancelled_at = now
    await session.flush()
    return booking


async def decline(session: AsyncSession, tenant: Tenant, booking_id: int, now: datetime) -> Booking:
    """The cooperative turns the booking down: its order is cancelled, and the shipper is
    offered the other cooperatives' quotes of the same request (``bookings.alternatives``)."""
    booking = await bookings.for_cooperative(session, tenant, booking_id, lock=True)
    bookings.check_open(booking)
    await orders.transition(
        session,
        tenant,
        booking.order_id,
        OrderStatus.CANCELLED,
        note="hợp tác xã từ chối / declined by the cooperative",
    )
    booking.declined_at = now
    await session.flush()
    return booking
