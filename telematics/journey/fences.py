"""A cooperative's depots and zones in memory, for per-position membership tests.

The geometries come from PostGIS (depot points with a radius, zone multipolygons); testing
thousands of positions a second against them is done here, with a bounding-box test first so a
position far from every fence costs a few comparisons.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shapely import Geometry, prepare
from shapely.geometry import Point

from telematics.checks import haversine_m

_METRES_PER_DEGREE = 111_320.0


@dataclass(frozen=True, slots=True)
class Fence:
    key: str  # "depot:<id>" or "zone:<id>"
    name: str
    bbox: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat
    speed_limit_kmh: int | None
    area: Geometry | None = None  # zones
    centre: tuple[float, float] | None = None  # depots: lon, lat
    radius_m: float = 0.0

    def contains(self, lon: float, lat: float) -> bool:
        west, south, east, north = self.bbox
        if not (west <= lon <= east and south <= lat <= north):
            return False
        if self.centre is not None:
            return haversine_m(lat, lon, self.centre[1], self.centre[0]) <= self.radius_m
        assert self.area is not None
        return bool(self.area.contains(Point(lon, lat)))


def depot_fence(depot_id: int, name: str, lon: float, lat: float, radius_m: float) -> Fence:
    dlat = radius_m / _METRES_PER_DEGREE
    dlon = dlat / max(0.01, math.cos(math.radians(lat)))
    return Fence(
        key=f"depot:{depot_id}",
        name=name,
        bbox=(lon - dlon, lat - dlat, lon + dlon, lat + dlat),
        speed_limit_kmh=None,
        centre=(lon, lat),
        radius_m=radius_m,
    )


def zone_fence(zone_id: int, name: str, area: Geometry, speed_limit_kmh: int | None) -> Fence:
    prepare(area)
    west, south, east, north = area.bounds
    return Fence(
        key=f"zone:{zone_id}",
        name=name,
        bbox=(west, south, east, north),
        speed_limit_kmh=speed_limit_kmh,
        area=area,
    )


@dataclass(frozen=True, slots=True)
class Fences:
    fences: tuple[Fence, ...] = ()

    def containing(self, lon: float, lat: float) -> tuple[Fence, ...]:
        return tuple(f for f in self.fences if f.contains(lon, lat))
