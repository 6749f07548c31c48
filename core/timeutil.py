"""Time helpers: storage is UTC, display is the cooperative's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_in(zone: str) -> date:
    """Today's date in a cooperative's time zone (expiry dates are local calendar dates)."""
    return datetime.now(ZoneInfo(zone)).date()


def is_valid_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
