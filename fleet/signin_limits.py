"""Sign-in limits: attempts counted per login, per client address and per known device.

Each counter is one ``login_failures`` row per (kind, key, fixed window), bumped by a single
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` *before* the password is checked and committed at
once, so concurrent guesses cannot all read "under the limit": with a limit of 5, exactly 5 of 20
simultaneous attempts reach the password check. A correct password then gives its attempt back
(the login's and the device's counts are forgotten, the address's is decremented), so only
failures stay counted. Fixed windows allow at most twice the limit across a window's edge.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, or_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import TooManyRequests
from core.timeutil import utcnow
from fleet.models import LoginFailure

LOGIN = "login"
ADDRESS = "address"
DEVICE = "device"


@dataclass(frozen=True, slots=True)
class Counter:
    """One thing whose failed sign-ins are limited: a login, a client address, a known device."""

    kind: str
    key: str
    limit: int


def window_start(now: datetime, seconds: int) -> datetime:
    """The start of the fixed window ``now`` falls in (windows are aligned on the epoch)."""
    epoch = math.floor(now.timestamp() / seconds) * seconds
    return datetime.fromtimestamp(epoch, UTC)


async def take(session: AsyncSession, counters: Sequence[Counter], window_seconds: int) -> datetime:
    """Count one attempt on every counter; TooManyRequests if any is now past its limit.

    Returns the window counted in (for ``give_back``). The caller commits either way.
    """
    now = utcnow()
    start = window_start(now, window_seconds)
    if not counters:
        return start
    values = [{"kind": c.kind, "key": c.key[:254], "at": start, "count": 1} for c in counters]
    statement = (
        insert(LoginFailure)
        .values(values)
        .on_conflict_do_update(
            index_elements=[LoginFailure.kind, LoginFailure.key, LoginFailure.at],
            set_={"count": LoginFailure.count + 1},
        )
        .returning(LoginFailure.kind, LoginFailure.count)
    )
    counts = {kind: count for kind, count in (await session.execute(statement)).all()}
    if any(counts[c.kind] > c.limit for c in counters):
        retry_after = max(
            1, math.ceil((start + timedelta(seconds=window_seconds) - now).total_seconds())
        )
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {math.ceil(retry_after / 60)} minutes",
            field="username",
            retry_after=retry_after,
        )
    return start


async def give_back(session: AsyncSession, counters: Sequence[Counter], start: datetime) -> None:
    """A correct password: forget the login's and device's failures, return the address's
    attempt (many people may sign in from one address; only its failures count)."""
    forget = [c for c in counters if c.kind != ADDRESS]
    if forget:
        await session.execute(
            delete(LoginFailure).where(
                or_(
                    *(
                        and_(LoginFailure.kind == c.kind, LoginFailure.key == c.key[:254])
                        for c in forget
                    )
                )
            )
        )
    for counter in counters:
        if counter.kind == ADDRESS:
            await session.execute(
                update(LoginFailure)
                .where(
                    LoginFailure.kind == ADDRESS,
                    LoginFailure.key == counter.key[:254],
                    LoginFailure.at == start,
                    LoginFailure.count > 0,
                )
                .values(count=LoginFailure.count - 1)
            )
