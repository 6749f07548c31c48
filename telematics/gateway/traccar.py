"""Traccar's JSON position forwarding (``forward.type=json``): ``{"position": {...}, "device":
{...}}`` POSTed for each position Traccar receives, whatever protocol its device speaks.

The device is known by ``device.uniqueId`` (the identifier the device reports to Traccar); the
fix by ``position.fixTime`` (ISO 8601), ``latitude``, ``longitude``, ``altitude`` (m), ``speed``
(knots), ``course`` and ``valid``, with ``attributes`` such as ``ignition``, ``sat``, ``hdop``,
``totalDistance`` or ``odometer`` (metres) and ``fuel``.
"""

from __future__ import annotations

import math
from typing import Any

import msgspec

from telematics.gateway.fix import KNOT_KMH, Fix, Refused, heading_or_none
from telematics.gateway.osmand import parse_time


class _Position(msgspec.Struct):
    latitude: float
    longitude: float
    fixTime: str  # Traccar's name
    valid: bool = True
    altitude: float | None = None
    speed: float | None = None
    course: float | None = None
    attributes: dict[str, Any] = {}


class _Device(msgspec.Struct):
    uniqueId: str  # Traccar's name


class _Forwarded(msgspec.Struct):
    position: _Position
    device: _Device


_decoder = msgspec.json.Decoder(_Forwarded)


def _attribute(attributes: dict[str, Any], *names: str) -> float | None:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    return None


def decode(body: bytes) -> tuple[str, Fix]:
    """One forwarded position: the device's unique id and its fix."""
    try:
        forwarded = _decoder.decode(body)
    except msgspec.ValidationError as exc:
        text = str(exc)
        field = text.rsplit("at `$.", 1)[-1].rstrip("`") if "at `$." in text else "body"
        raise Refused("invalid_field", text, field) from exc
    except msgspec.DecodeError as exc:
        raise Refused("malformed_json", str(exc), "body") from exc
    position = forwarded.position
    if not forwarded.device.uniqueId:
        raise Refused("invalid_field", "device.uniqueId is required", "device.uniqueId")
    if not position.valid:
        raise Refused("not_positioned", "Traccar marks the position invalid", "position.valid")
    attributes = position.attributes
    ignition = attributes.get("ignition")
    odometer = _attribute(attributes, "odometer", "totalDistance")
    sats = _attribute(attributes, "sat")
    speed = position.speed
    return forwarded.device.uniqueId[:64], Fix(
        time=parse_time(position.fixTime, "position.fixTime"),
        lat=position.latitude,
        lon=position.longitude,
        speed=None if speed is None or speed < 0 else speed * KNOT_KMH,
        heading=heading_or_none(position.course),
        alt=position.altitude,
        sats=None if sats is None else int(sats),
        hdop=_attribute(attributes, "hdop"),
        ign=ignition if isinstance(ignition, bool) else None,
        odo=None if odometer is None else int(odometer),
        fuel=_attribute(attributes, "fuel"),
    )
