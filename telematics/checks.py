"""From raw MQTT messages to position rows and dead letters: decode, then named checks in order.

Pure: no I/O, no clock (``now`` is passed in). A rejected message or position becomes a
``DeadLetter`` with a stable reason code; good neighbours in the same batch still pass.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import msgspec

from core.geodesy import haversine_m as haversine_m  # re-exported: the checks' distance
from telematics.contract import Position, batch_decoder, parse_topic, position_decoder

DEAD_PAYLOAD_LIMIT = 64 * 1024  # bytes of a rejected payload kept for inspection


class Reason:
    """Dead-letter reason codes (stable: dashboards and alerts key on them)."""

    OVERSIZED = "oversized"
    BAD_TOPIC = "bad_topic"
    UNKNOWN_VEHICLE = "unknown_vehicle"
    TOPIC_MISMATCH = "topic_mismatch"
    MALFORMED_JSON = "malformed_json"
    INVALID_FIELD = "invalid_field"
    OUT_OF_RANGE = "out_of_range"
    NOT_FINITE = "not_finite"
    FUTURE_TIME = "future_time"
    TOO_OLD = "too_old"
    IMPOSSIBLE_JUMP = "impossible_jump"
    EMPTY_BATCH = "empty_batch"


@dataclass(frozen=True, slots=True)
class Rules:
    max_payload_bytes: int = 512 * 1024
    max_batch_positions: int = 10_000
    future_tolerance: timedelta = timedelta(minutes=5)
    retention: timedelta = timedelta(days=400)
    max_speed_kmh: float = 250.0
    jump_min_distance_m: float = 500.0  # GPS error: smaller jumps are never called impossible


@dataclass(frozen=True, slots=True)
class VehicleInfo:
    vehicle_id: int
    cooperative_id: int
    device_id: str | None


@dataclass(slots=True)
class Fix:
    """The newest accepted fix of a vehicle, for the jump check."""

    epoch: float
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class RawMessage:
    topic: str
    payload: bytes
    received_at: datetime


@dataclass(frozen=True, slots=True)
class DeadLetter:
    topic: str
    payload: bytes
    reason: str
    detail: str
    received_at: datetime
    cooperative_id: int | None = None
    vehicle_id: int | None = None


# The column order of ``positions_in`` (telematics.store); one tuple per accepted position.
Row = tuple[
    int,
    int,
    datetime,
    datetime,
    float,
    float,
    float | None,
    int | None,
    float | None,
    int | None,
    float | None,
    bool | None,
    int | None,
    str | None,
    float | None,
]


@dataclass(slots=True)
class Checked:
    rows: list[Row] = field(default_factory=list)
    dead: list[DeadLetter] = field(default_factory=list)


def _as_datetime(value: datetime | int) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    return datetime.fromtimestamp(value / 1000, UTC)


class Checker:
    """Applies the checks with the directory of vehicles and the last fix of each."""

    def __init__(self, rules: Rules, lookup: Callable[[int], VehicleInfo | None]) -> None:
        self.rules = rules
        self.lookup = lookup
        self.last: dict[int, Fix] = {}

    def remember(self, vehicle_id: int, fix: Fix) -> None:
        """Seed the jump check (e.g. from ``vehicle_state`` when a vehicle is first seen)."""
        current = self.last.get(vehicle_id)
        if current is None or fix.epoch > current.epoch:
            self.last[vehicle_id] = fix

    def check(self, messages: list[RawMessage], now: datetime) -> Checked:
        out = Checked()
        for message in messages:
            self._check_message(message, now, out)
        return out

    def _check_message(self, message: RawMessage, now: datetime, out: Checked) -> None:
        def reject(reason: str, detail: str, vehicle: VehicleInfo | None = None) -> None:
            out.dead.append(
                DeadLetter(
                    topic=message.topic[:512],
                    payload=message.payload[:DEAD_PAYLOAD_LIMIT],
                    reason=reason,
                    detail=detail,
                    received_at=message.received_at,
                    cooperative_id=vehicle.cooperative_id if vehicle else None,
                    vehicle_id=vehicle.vehicle_id if vehicle else None,
                )
            )

        size = len(message.payload)
        if size > self.rules.max_payload_bytes:
            reject(Reason.OVERSIZED, f"{size} bytes > {self.rules.max_payload_bytes}")
            return
        ids = parse_topic(message.topic)
        if ids is None:
            reject(Reason.BAD_TOPIC, "expected coopfleet/{coop}/vehicles/{vehicle}/telemetry")
            return
        coop_id, vehicle_id = ids
        vehicle = self.lookup(vehicle_id)
        if vehicle is None:
            reject(Reason.UNKNOWN_VEHICLE, f"no vehicle {vehicle_id}")
            return
        if vehicle.cooperative_id != coop_id:
            reject(
                Reason.TOPIC_MISMATCH,
                f"vehicle {vehicle_id} is not in cooperative {coop_id}",
                vehicle,
            )
            return
        try:
            if b'"positions"' in message.payload:
                positions = batch_decoder.decode(message.payload).positions
                if not positions:
                    reject(Reason.EMPTY_BATCH, "batch has no positions", vehicle)
                    return
                if len(positions) > self.rules.max_batch_positions:
                    reject(Reason.OVERSIZED, f"{len(positions)} positions in one batch", vehicle)
                    return
            else:
                positions = [position_decoder.decode(message.payload)]
        except msgspec.ValidationError as exc:
            detail = str(exc)
            # msgspec refuses 1e999 and friends while decoding: that is a non-finite number
            reason = (
                Reason.NOT_FINITE
                if detail.startswith("Number out of range")
                else (Reason.INVALID_FIELD)
            )
            reject(reason, detail, vehicle)
            return
        except msgspec.DecodeError as exc:
            reject(Reason.MALFORMED_JSON, str(exc), vehicle)
            return
        batch = len(positions) > 1
        for position in positions:
            problem = self._check_position(position, vehicle, now)
            if problem is None:
                out.rows.append(self._row(position, vehicle, message.received_at))
                continue
            reason, detail = problem
            if batch:  # keep just the bad position, not the whole backlog
                out.dead.append(
                    DeadLetter(
                        message.topic,
                        msgspec.json.encode(position),
                        reason,
                        detail,
                        message.received_at,
                        vehicle.cooperative_id,
                        vehicle.vehicle_id,
                    )
                )
            else:
                reject(reason, detail, vehicle)

    def _check_position(
        self, p: Position, vehicle: VehicleInfo, now: datetime
    ) -> tuple[str, str] | None:
        numbers = (p.lat, p.lon, p.speed, p.alt, p.hdop, p.fuel)
        if not all(x is None or math.isfinite(x) for x in numbers):
            return Reason.NOT_FINITE, "a number is NaN or infinite"
        if not (-90.0 <= p.lat <= 90.0 and -180.0 <= p.lon <= 180.0):
            return Reason.OUT_OF_RANGE, f"lat {p.lat}, lon {p.lon} outside the globe"
        if p.lat == 0.0 and p.lon == 0.0:
            return Reason.OUT_OF_RANGE, "lat 0, lon 0: the device has no fix"
        if p.speed is not None and not 0.0 <= p.speed <= 400.0:
            return Reason.OUT_OF_RANGE, f"speed {p.speed} km/h"
        if p.heading is not None and not 0 <= p.heading <= 360:
            return Reason.OUT_OF_RANGE, f"heading {p.heading}"
        if p.sats is not None and not 0 <= p.sats <= 99:
            return Reason.OUT_OF_RANGE, f"satellites {p.sats}"
        if p.device is not None and vehicle.device_id is not None and p.device != vehicle.device_id:
            return Reason.TOPIC_MISMATCH, f"device {p.device} is not vehicle {vehicle.vehicle_id}'s"
        when = _as_datetime(p.time)
        if when > now + self.rules.future_tolerance:
            return Reason.FUTURE_TIME, f"device time {when.isoformat()} is in the future"
        if when < now - self.rules.retention:
            return Reason.TOO_OLD, f"device time {when.isoformat()} is older than the retention"
        epoch = when.timestamp()
        last = self.last.get(vehicle.vehicle_id)
        if last is not None and epoch > last.epoch:
            distance = haversine_m(last.lat, last.lon, p.lat, p.lon)
            speed = distance / (epoch - last.epoch) * 3.6
            if distance > self.rules.jump_min_distance_m and speed > self.rules.max_speed_kmh:
                return Reason.IMPOSSIBLE_JUMP, f"{distance:.0f} m in {epoch - last.epoch:.0f} s"
        if last is None or epoch > last.epoch:
            self.last[vehicle.vehicle_id] = Fix(epoch, p.lat, p.lon)
        return None

    @staticmethod
    def _row(p: Position, vehicle: VehicleInfo, received_at: datetime) -> Row:
        return (
            vehicle.cooperative_id,
            vehicle.vehicle_id,
            _as_datetime(p.time),
            received_at,
            p.lon,
            p.lat,
            p.speed,
            p.heading,
            p.alt,
            p.sats,
            p.hdop,
            p.ign,
            p.odo,
            p.driver,
            p.fuel,
        )
