"""The facts derived from a vehicle's positions, as plain values (times are epoch seconds, UTC)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True, slots=True)
class Fix:
    """One stored position, as the derivation needs it."""

    t: float
    lon: float
    lat: float
    speed_kmh: float | None = None
    ignition: bool | None = None
    odometer_m: int | None = None
    driver_card: str | None = None


class Kind:
    """Event kinds (stable: stored, filtered on, shown)."""

    OVERSPEED = "overspeed"
    HARSH_ACCELERATION = "harsh_acceleration"
    HARSH_BRAKING = "harsh_braking"
    GEOFENCE_ENTER = "geofence_enter"
    GEOFENCE_EXIT = "geofence_exit"
    GEOFENCE_DWELL = "geofence_dwell"
    NOT_TRANSMITTING = "not_transmitting"
    BACK_ONLINE = "back_online"
    IDLE = "idle"
    DRIVING_WARNING = "driving_time_warning"
    CONTINUOUS_DRIVING = "continuous_driving_violation"
    DAILY_DRIVING = "daily_driving_violation"
    WEEKLY_DRIVING = "weekly_driving_violation"

    VEHICLE = (
        OVERSPEED,
        HARSH_ACCELERATION,
        HARSH_BRAKING,
        GEOFENCE_ENTER,
        GEOFENCE_EXIT,
        GEOFENCE_DWELL,
        NOT_TRANSMITTING,
        BACK_ONLINE,
        IDLE,
    )
    DRIVER = (DRIVING_WARNING, CONTINUOUS_DRIVING, DAILY_DRIVING, WEEKLY_DRIVING)
    VIOLATIONS = (CONTINUOUS_DRIVING, DAILY_DRIVING, WEEKLY_DRIVING)
    ALL = VEHICLE + DRIVER


@dataclass(slots=True)
class DayActivity:
    """A segment's share of one local day with one driver (0: unknown); summed into rollups."""

    day: date
    driver_id: int
    distance_m: float = 0.0
    engine_s: float = 0.0
    moving_s: float = 0.0
    idle_s: float = 0.0
    nodata_s: float = 0.0
    trips: int = 0
    stops: int = 0
    first_move_t: float | None = None
    last_move_t: float | None = None

    def add(self, other: DayActivity) -> None:
        self.distance_m += other.distance_m
        self.engine_s += other.engine_s
        self.moving_s += other.moving_s
        self.idle_s += other.idle_s
        self.nodata_s += other.nodata_s
        self.trips += other.trips
        self.stops += other.stops
        firsts = [t for t in (self.first_move_t, other.first_move_t) if t is not None]
        lasts = [t for t in (self.last_move_t, other.last_move_t) if t is not None]
        self.first_move_t = min(firsts, default=None)
        self.last_move_t = max(lasts, default=None)


@dataclass(slots=True)
class Trip:
    start_t: float
    end_t: float
    start: tuple[float, float]  # lon, lat
    end: tuple[float, float]
    distance_m: float
    odometer_m: int | None  # odometer delta, when the device reports one
    moving_s: float
    idle_s: float
    max_speed_kmh: float
    driver_id: int | None
    path: list[tuple[float, float]]
    is_open: bool = False
    days: list[DayActivity] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.end_t - self.start_t

    @property
    def avg_speed_kmh(self) -> float:
        return self.distance_m / self.duration_s * 3.6 if self.duration_s > 0 else 0.0


@dataclass(slots=True)
class Stop:
    start_t: float
    end_t: float
    place: tuple[float, float]
    engine_on_s: float
    driver_id: int | None
    is_open: bool = False
    days: list[DayActivity] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return self.end_t - self.start_t


@dataclass(slots=True)
class Event:
    kind: str
    start_t: float
    place: tuple[float, float] | None
    driver_id: int | None
    end_t: float | None = None
    details: dict[str, Any] = field(default_factory=dict)
    vehicle_id: int | None = None  # for driver events: the vehicle driven at the time
