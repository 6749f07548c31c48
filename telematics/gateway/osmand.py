"""The OsmAnd protocol over HTTP, as Traccar Client (Android, iOS) and OsmAnd send it.

Query-string form (GET or POST, or a form body): ``id`` (or ``deviceid``), ``lat``, ``lon`` (or
``location=lat,lon``), ``timestamp`` (seconds or milliseconds since 1970, or ISO 8601 / ``yyyy-MM-dd
HH:mm:ss`` in UTC), ``speed`` in knots, ``bearing`` (or ``heading``), ``altitude``, ``accuracy``,
``hdop``, ``batt``, ``valid``… JSON form (Traccar Client since version 9): ``{"device_id": …,
"location": {"timestamp": ISO 8601, "coords": {"latitude", "longitude", "speed" (m/s),
"heading", "altitude", "accuracy"}, "odometer", "battery": {…}}}``; ``location`` may be a list.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

import msgspec

from telematics.gateway.fix import KNOT_KMH, Fix, Refused, heading_or_none


def _number(params: Mapping[str, str], name: str, required: bool = False) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise Refused("invalid_field", f"{name} is required", name)
        return None
    try:
        number = float(value)
    except ValueError as exc:
        raise Refused("invalid_field", f"{name} is not a number: {value[:32]!r}", name) from exc
    if not math.isfinite(number):
        raise Refused("invalid_field", f"{name} is not finite", name)
    return number


def parse_time(value: str | int | float | None, name: str = "timestamp") -> datetime:
    """Seconds or milliseconds since 1970, or ISO 8601 (UTC unless a zone is given)."""
    if value is None or value == "":
        raise Refused("invalid_field", f"{name} is required", name)
    try:
        if isinstance(value, int | float) or str(value).replace(".", "", 1).isdigit():
            seconds = float(value)
            if seconds > 1e11:  # milliseconds
                seconds /= 1000
            return datetime.fromtimestamp(seconds, UTC)
        parsed = datetime.fromisoformat(str(value).replace(" ", "T", 1))
    except (ValueError, OverflowError, OSError) as exc:
        raise Refused("invalid_field", f"{name} is not a time: {str(value)[:40]!r}", name) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def decode_query(params: Mapping[str, str]) -> tuple[str, Fix]:
    """The query-string form: the device identifier and its fix."""
    identifier = params.get("id") or params.get("deviceid")
    if not identifier:
        raise Refused("invalid_field", "id is required", "id")
    if params.get("valid", "true").lower() in ("false", "0"):
        raise Refused("not_positioned", "the device says the fix is not valid", "valid")
    if "location" in params and "lat" not in params:
        parts = params["location"].split(",")
        if len(parts) != 2:
            raise Refused("invalid_field", "location is not lat,lon", "location")
        params = {**params, "lat": parts[0], "lon": parts[1]}
    lat = _number(params, "lat", required=True)
    lon = _number(params, "lon", required=True)
    assert lat is not None and lon is not None
    speed = _number(params, "speed")
    bearing = _number(params, "bearing")
    if bearing is None:
        bearing = _number(params, "heading")
    sats = _number(params, "sat")
    return identifier[:64], Fix(
        time=parse_time(params.get("timestamp")),
        lat=lat,
        lon=lon,
        speed=None if speed is None or speed < 0 else speed * KNOT_KMH,
        heading=heading_or_none(bearing),
        alt=_number(params, "altitude"),
        hdop=_number(params, "hdop"),
        sats=None if sats is None else int(sats),
    )


class _Coords(msgspec.Struct):
    latitude: float
    longitude: float
    speed: float | None = None  # m/s, negative when unknown
    heading: float | None = None  # negative when unknown
    altitude: float | None = None
    accuracy: float | None = None


class _Location(msgspec.Struct):
    timestamp: str | int
    coords: _Coords
    odometer: float | None = None  # metres


class _Body(msgspec.Struct):
    device_id: str
    location: _Location | list[_Location]


_body_decoder = msgspec.json.Decoder(_Body)


def decode_json(body: bytes) -> tuple[str, list[Fix]]:
    """The JSON form: the device identifier and its fixes (one, or the list it sent)."""
    try:
        parsed = _body_decoder.decode(body)
    except msgspec.ValidationError as exc:
        field = str(exc).rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in str(exc) else None
        raise Refused("invalid_field", str(exc), field or "body") from exc
    except msgspec.DecodeError as exc:
        raise Refused("malformed_json", str(exc), "body") from exc
    if not parsed.device_id:
        raise Refused("invalid_field", "device_id is required", "device_id")
    locations = parsed.location if isinstance(parsed.location, list) else [parsed.location]
    fixes = []
    for location in locations:
        coords = location.coords
        if not (math.isfinite(coords.latitude) and math.isfinite(coords.longitude)):
            raise Refused("invalid_field", "coordinates are not finite", "location.coords")
        speed = coords.speed
        fixes.append(
            Fix(
                time=parse_time(location.timestamp, "location.timestamp"),
                lat=coords.latitude,
                lon=coords.longitude,
                speed=None if speed is None or speed < 0 else speed * 3.6,
                heading=heading_or_none(coords.heading),
                alt=coords.altitude,
                odo=None if location.odometer is None else int(location.odometer),
            )
        )
    if not fixes:
        raise Refused("invalid_field", "location is an empty list", "location")
    return parsed.device_id[:64], fixes
