"""Per-address and per-account limits on the market's public doors (quotes, sign-up), counted
in the sign-in limits' table (``fleet.signin_limits``: one atomic upsert per counter and fixed
window, so concurrent requests cannot all pass). Past a limit: 429 with Retry-After."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import TooManyRequests
from fleet import signin_limits
from fleet.signin_limits import Counter

QUOTE_ADDRESS = "mq_addr"
QUOTE_ACCOUNT = "mq_acct"
SIGNUP_ADDRESS = "ms_addr"
SIGNUP_CONTACT = "ms_cont"


async def take(
    session: AsyncSession, counters: list[Counter], window_seconds: int, *, field: str
) -> None:
    """Count one request on each counter; past any limit, 429 naming ``field``. The caller
    commits at once (a refused request rolls back, and must still have been counted)."""
    try:
        await signin_limits.take(session, counters, window_seconds)
    except TooManyRequests as refused:
        retry_after = refused.details.get("retry_after", window_seconds)
        raise TooManyRequests(
            f"too many requests; try again in {retry_after} s", field=field, retry_after=retry_after
        ) from None
