"""Quiet hours: a message due inside them waits for their end, on the cooperative's clock."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo


def release_time(now: datetime, zone: str, start: time | None, end: time | None) -> datetime:
    """``now``, or the end of the quiet hours ``now`` falls in (``start`` 22:00 and ``end``
    06:00 span midnight)."""
    if start is None or end is None or start == end:
        return now
    local = now.astimezone(ZoneInfo(zone))
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside, day = start <= clock < end, local.date()
    else:
        inside = clock >= start or clock < end
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return now
    return datetime.combine(day, end, tzinfo=ZoneInfo(zone)).astimezone(UTC)
