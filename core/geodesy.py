"""Distances on the Earth's surface: the one great-circle (haversine) formula of the project.

Scalar, for single pairs (ingest checks, geofences, suggestions); ``routing.matrix`` keeps a
NumPy form of the same formula for whole tables, with this radius, and ``routing.solver``
stays pure and computes nothing geographic."""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8  # the mean radius (IUGG)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres along the great circle between two points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The same for (longitude, latitude) pairs, GeoJSON's order."""
    return haversine_m(a[1], a[0], b[1], b[0])
