"""Stored quotes: one cooperative's price for one request, kept with its breakdown and a
validity; booking reads them back (an expired one is refused)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text
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


_INSERT = text(
    """
    INSERT INTO market_quotes (cooperative_id, tariff_id, request_key, vehicle_kind, load_kg,
        pickup, dropoff, window_start, window_end, distance_m, duration_s, total_vnd, lines,
        feasible, expires_at)
    SELECT u.coop, u.tariff, :key, :kind, :load,
        ST_SetSRID(ST_MakePoint(:plon, :plat), 4326), ST_SetSRID(ST_MakePoint(:dlon, :dlat), 4326),
        :wstart, :wend, :metres, :seconds, u.total, u.lines::jsonb, u.feasible, :expires
    FROM unnest(CAST(:coops AS int[]), CAST(:tariffs AS int[]), CAST(:totals AS bigint[]),
                CAST(:lines AS text[]), CAST(:feasible AS boolean[]))
         AS u(coop, tariff, total, lines, feasible)
    RETURNING id, cooperative_id
    """
)


async def store_many(
    session: AsyncSession,
    *,
    request_key: str,
    request: Request,
    distance_m: int,
    duration_s: int,
    priced: list[tuple[Tariff, Price, bool]],
    now: datetime,
) -> tuple[list[int], datetime]:
    """Keep each cooperative's price (its tariff, price and feasibility) in one statement
    whatever their number (measured: ORM rows for 20 cooperatives cost more than the rest of
    the quote); their ids in the order given, and the validity's end."""
    if not priced:
        return [], now + VALIDITY
    expires = now + VALIDITY
    rows = await session.execute(
        _INSERT,
        {
            "key": request_key,
            "kind": request.vehicle_kind,
            "load": request.load_kg,
            "plon": request.pickup[0],
            "plat": request.pickup[1],
            "dlon": request.dropoff[0],
            "dlat": request.dropoff[1],
            "wstart": request.window_start,
            "wend": request.window_end,
            "metres": distance_m,
            "seconds": duration_s,
            "expires": expires,
            "coops": [t.cooperative_id for t, _, _ in priced],
            "tariffs": [t.id for t, _, _ in priced],
            "totals": [p.total_vnd for _, p, _ in priced],
            "lines": [
                json.dumps([{"code": x.code, "amount_vnd": x.amount_vnd} for x in p.lines])
                for _, p, _ in priced
            ],
            "feasible": [f for _, _, f in priced],
        },
    )
    ids = {coop: quote_id for quote_id, coop in rows.all()}
    return [ids[t.cooperative_id] for t, _, _ in priced], expires


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
