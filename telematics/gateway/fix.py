"""What every decoder produces: a fix in UTC in the contract's units, or a refusal with why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec

KNOT_KMH = 1.852


class Refused(Exception):
    """Input a decoder will not turn into a fix; ``reason`` is a stable code (counted per
    protocol), ``field`` names the part at fault when there is one."""

    def __init__(self, reason: str, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.field = field


@dataclass(frozen=True, slots=True)
class Fix:
    """One position. Units: degrees, km/h, degrees from north, metres, litres; ``time`` in UTC."""

    time: datetime
    lat: float
    lon: float
    speed: float | None = None
    heading: int | None = None
    alt: float | None = None
    sats: int | None = None
    hdop: float | None = None
    ign: bool | None = None
    odo: int | None = None
    fuel: float | None = None
    alarm: int | None = None  # the device's alarm flags or code, as sent (not in the contract)


def device_time(
    year: int, month: int, day: int, hour: int, minute: int, second: int, utc_offset_minutes: int
) -> datetime:
    """A device's local clock reading to UTC; an impossible date is refused, not guessed."""
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as exc:
        raise Refused("bad_time", f"not a valid date and time: {exc}", "time") from exc
    return local - timedelta(minutes=utc_offset_minutes)


def _position(fix: Fix, device: str) -> dict[str, object]:
    fields: dict[str, object] = {
        "time": fix.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "lat": round(fix.lat, 7),
        "lon": round(fix.lon, 7),
        "speed": None if fix.speed is None else round(fix.speed, 2),
        "heading": fix.heading,
        "alt": fix.alt,
        "sats": fix.sats,
        "hdop": fix.hdop,
        "ign": fix.ign,
        "odo": fix.odo,
        "fuel": fix.fuel,
        "alarm": fix.alarm,
        "device": device,
    }
    return {key: value for key, value in fields.items() if value is not None}


def contract_payload(fixes: list[Fix], device: str) -> bytes:
    """The device contract's JSON (docs/telemetry.md): one position, or a batch for several.
    ``device`` is the tracking-device id, which ingestion checks against the vehicle's."""
    if len(fixes) == 1:
        return msgspec.json.encode(_position(fixes[0], device))
    return msgspec.json.encode({"positions": [_position(fix, device) for fix in fixes]})


def heading_or_none(value: float | None) -> int | None:
    """Degrees from north as the contract wants them (0–359), or None when the device has none."""
    if value is None or value < 0:
        return None
    return round(value) % 360
