"""The device contract: MQTT topics and the JSON payload of a position (see docs/telemetry.md).

Decoding uses msgspec structs: typed, strict and several times faster than json + pydantic, which
matters at tens of thousands of messages per second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

TOPIC_ROOT = "coopfleet"
TELEMETRY_SUFFIX = "telemetry"
SHARED_GROUP = "ingest"


def telemetry_topic(cooperative_id: int, vehicle_id: int) -> str:
    return f"{TOPIC_ROOT}/{cooperative_id}/vehicles/{vehicle_id}/{TELEMETRY_SUFFIX}"


def status_topic(cooperative_id: int, vehicle_id: int) -> str:
    return f"{TOPIC_ROOT}/{cooperative_id}/vehicles/{vehicle_id}/status"


def telemetry_subscriptions(
    group: str = SHARED_GROUP, cooperatives: list[int] | None = None
) -> tuple[str, ...]:
    """Shared-subscription filters for ingest workers: every cooperative, or the ones named."""
    scopes = [str(c) for c in cooperatives] if cooperatives else ["+"]
    return tuple(
        f"$share/{group}/{TOPIC_ROOT}/{scope}/vehicles/+/{TELEMETRY_SUFFIX}" for scope in scopes
    )


def parse_topic(topic: str) -> tuple[int, int] | None:
    """``coopfleet/{coop}/vehicles/{vehicle}/telemetry`` -> (coop, vehicle), else None."""
    parts = topic.split("/")
    if (
        len(parts) != 5
        or parts[0] != TOPIC_ROOT
        or parts[2] != "vehicles"
        or parts[4] != TELEMETRY_SUFFIX
        or not parts[1].isdigit()
        or not parts[3].isdigit()
    ):
        return None
    return int(parts[1]), int(parts[3])


UtcTime = Annotated[datetime, msgspec.Meta(tz=True)]
EpochMillis = Annotated[int, msgspec.Meta(ge=0)]


class Position(msgspec.Struct, forbid_unknown_fields=False, frozen=True):
    """One fix from a device. Units: degrees, km/h, degrees from north, metres, litres."""

    time: UtcTime | EpochMillis
    lat: float
    lon: float
    speed: float | None = None
    heading: int | None = None
    alt: float | None = None
    sats: int | None = None
    hdop: float | None = None
    ign: bool | None = None
    odo: int | None = None  # odometer, metres
    driver: str | None = None  # driver card id
    fuel: float | None = None  # litres in tank
    device: str | None = None  # tracking-device id, checked against the vehicle's


class Batch(msgspec.Struct, frozen=True):
    """A device's backlog after a period without signal, oldest first or in any order."""

    positions: list[Position]


position_decoder = msgspec.json.Decoder(Position)
batch_decoder = msgspec.json.Decoder(Batch)
