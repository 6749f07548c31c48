"""The market's public doors: instant quotes (no account needed), limited per client address."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import SessionDep, SettingsDep
from core.config import Settings
from fleet.signin_limits import Counter
from market import limits
from operations import market_quotes
from operations.market_quotes import QuoteAnswer, QuoteAsk
from routing.matrix import GreatCircle, OsrmTable, TravelTimes

router = APIRouter(tags=["market"])


def travel_times(settings: Settings) -> TravelTimes:
    """The configured road travel-time provider (OSRM when set, else the great circle)."""
    return OsrmTable(settings.osrm_url) if settings.osrm_url else GreatCircle()


@router.post("/market/quotes", response_model=QuoteAnswer, summary="Instant quotes")
async def ask_quotes(
    body: QuoteAsk, request: Request, session: SessionDep, settings: SettingsDep
) -> QuoteAnswer:
    """Every cooperative whose service area covers both ends and whose tariff in force prices
    the vehicle kind and load: its price with the breakdown, and whether a fit vehicle is on
    shift (a hint, not a promise). Each price is stored and may be booked for 30 minutes.
    Limited per client address (429 with Retry-After)."""
    address = request.client.host if request.client else "unknown"
    counter = Counter(limits.QUOTE_ADDRESS, address, settings.market_quotes_per_address)
    try:
        await limits.take(session, [counter], settings.market_limit_window_seconds, field="body")
    finally:
        await session.commit()
    return await market_quotes.quote(session, body, travel_times(settings))
