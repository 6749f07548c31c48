"""Synthetic tracks whose answers are known: drive legs at a set speed, stand, fall silent."""

from __future__ import annotations

import math
from datetime import datetime

from telematics.journey.facts import Fix


class Track:
    """Builds a vehicle's fixes in time order, every ``every_s`` seconds."""

    def __init__(self, start: datetime, lon: float, lat: float, every_s: float = 10.0) -> None:
        self.t = start.timestamp()
        self.lon, self.lat = lon, lat
        self.every_s = every_s
        self.fixes: list[Fix] = []
        self.card: str | None = None

    def _fix(self, speed: float, ignition: bool | None) -> None:
        self.fixes.append(Fix(self.t, self.lon, self.lat, speed, ignition, None, self.card))

    def drive_to(self, lon: float, lat: float, speed_kmh: float) -> Track:
        """Straight (in degrees) to a point at a constant speed; the last fix lands on it."""
        metres = _approx_m(self.lon, self.lat, lon, lat)
        seconds = metres / (speed_kmh / 3.6)
        steps = max(1, math.ceil(seconds / self.every_s))
        lon0, lat0, t0 = self.lon, self.lat, self.t
        for i in range(1, steps + 1):
            share = i / steps
            self.lon = lon0 + (lon - lon0) * share
            self.lat = lat0 + (lat - lat0) * share
            self.t = t0 + seconds * share
            self._fix(speed_kmh, True)
        return self

    def drive_for(self, seconds: float, speed_kmh: float, bearing_deg: float = 90.0) -> Track:
        metres = speed_kmh / 3.6 * seconds
        dlat = metres * math.cos(math.radians(bearing_deg)) / 111_320.0
        dlon = (
            metres
            * math.sin(math.radians(bearing_deg))
            / (111_320.0 * math.cos(math.radians(self.lat)))
        )
        return self.drive_to(self.lon + dlon, self.lat + dlat, speed_kmh)

    def stand(
        self, seconds: float, ignition: bool | None = False, every_s: float | None = None
    ) -> Track:
        step = every_s or self.every_s
        end = self.t + seconds
        while self.t + step <= end + 1e-9:
            self.t += step
            self._fix(0.0, ignition)
        if self.t < end:
            self.t = end
            self._fix(0.0, ignition)
        return self

    def silence(self, seconds: float) -> Track:
        self.t += seconds
        return self

    def fix(self, speed_kmh: float, ignition: bool | None = True) -> Track:
        self.t += self.every_s
        self._fix(speed_kmh, ignition)
        return self


def _approx_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    from telematics.checks import haversine_m

    return haversine_m(lat1, lon1, lat2, lon2)
