"""The thresholds that cut a track into trips and stops and raise events.

Operational choices of ours, not law (the law lives in fleet.legal): each is named, documented in
docs/journey.md and can be changed per installation.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class JourneyRules:
    moving_speed_kmh: float = 5.0  # at or above: the vehicle moves (GPS drift stays below)
    min_stop_s: int = 180  # a halt shorter than this (a traffic light, a queue) stays in the trip
    min_trip_m: float = 200.0  # a "trip" shorter than this is drift or manoeuvring inside a stop
    gap_stop_s: int = 600  # silence this long after the ignition went off is a stop
    overspeed_tolerance_kmh: float = 3.0  # above limit + tolerance counts as overspeed
    overspeed_min_s: int = 20  # shorter excursions are GPS spikes, not violations
    harsh_accel_ms2: float = 3.0
    harsh_brake_ms2: float = 4.0
    harsh_max_interval_s: float = 3.0  # speed deltas over longer intervals say nothing
    idle_event_s: int = 600  # engine on and standing still this long raises an idle event
    geofence_dwell_s: int = 1800  # inside a depot or zone this long raises a dwell event
    transmission_tolerance: float = 1.5  # silence > legal interval x this = not transmitting
    path_step_m: float = 30.0  # trip paths keep a point at most every this many metres
    path_tolerance_m: float = 10.0  # Douglas-Peucker tolerance of stored trip paths


DEFAULT_RULES = JourneyRules()
