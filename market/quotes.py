"""Stored quotes: one cooperative's price for one request, kept with its breakdown and a
validity; booking reads them back (an expired one is refused)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, StateConflict
from market.models import Quote, Tariff
from market.pricing import Price

VALIDITY = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class Request:
    """What the shipper asked (plain values: times UTC, points (lon, lat))."""

    pickup: tuple[float, float]
    dropoff: tuple[float, float]
    window_start: datetime
    window_end: datetime
    load_kg: int
    vehicle_kind: str


def new_request_key() -> str:
    return secrets.token_hex(16)


async def store_many(
    session: AsyncSession,
    *,
    request_key: str,
    request: Request,
    distance_m: int,
    duration_s: int,
    priced: list[tuple[Tariff, Price, bool]],
    now: datetime,
) -> list[Quote]:
    """Keep each cooperative's price (its tariff, price and feasibility), valid for
    ``VALIDITY`` from ``now``, in one flush; in the order given."""
    rows = [
        Quote(
            cooperative_id=tariff.cooperative_id,
            tariff_id=tariff.id,
            request_key=request_key,
            vehicle_kind=request.vehicle_kind,
            load_kg=request.load_kg,
            pickup=f"SRID=4326;POINT({request.pickup[0]} {request.pickup[1]})",
            dropoff=f"SRID=4326;POINT({request.dropoff[0]} {request.dropoff[1]})",
            window_start=request.window_start,
            window_end=request.window_end,
            distance_m=distance_m,
            duration_s=duration_s,
            total_vnd=price.total_vnd,
            lines=[{"code": line.code, "amount_vnd": line.amount_vnd} for line in price.lines],
            feasible=feasible,
            expires_at=now + VALIDITY,
        )
        for tariff, price, feasible in priced
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def bookable(session: AsyncSession, quote_id: int, price_vnd: int, now: datetime) -> Quote:
    """The quote, if it may still be booked at ``price_vnd``: unknown is 404 naming
    ``quote_id``, expired or another price 409."""
    quote = await session.get(Quote, quote_id, with_for_update=True)
    if quote is None:
        raise NotFound(f"quote {quote_id} not found", field="quote_id")
    if quote.expires_at <= now:
        raise StateConflict("the quote has expired: ask for a new one", field="quote_id")
    if quote.total_vnd != price_vnd:
        raise StateConflict("the price differs from the quote's", field="price_vnd")
    return quote
