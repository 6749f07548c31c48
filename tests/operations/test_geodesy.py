"""One great-circle distance (core.geodesy) behind the ingest checks, suggestions and tables."""

from __future__ import annotations

import math

from core.geodesy import EARTH_RADIUS_M, haversine_m, metres_between
from routing.matrix import GreatCircle
from telematics import checks

BIEN_HOA = (106.8425, 10.9447)  # lon, lat
CAT_LAI = (106.7906, 10.7617)


def test_a_degree_of_meridian_and_the_order_of_coordinates() -> None:
    assert math.isclose(haversine_m(0.0, 0.0, 1.0, 0.0), EARTH_RADIUS_M * math.pi / 180)
    assert metres_between(BIEN_HOA, CAT_LAI) == haversine_m(
        BIEN_HOA[1], BIEN_HOA[0], CAT_LAI[1], CAT_LAI[0]
    )
    assert 20_000 < metres_between(BIEN_HOA, CAT_LAI) < 22_000


def test_the_checks_and_the_travel_tables_use_it() -> None:
    assert checks.haversine_m is haversine_m
    travel = GreatCircle(detour=1.0)
    _, metres = travel.table([BIEN_HOA, CAT_LAI])
    assert abs(int(metres[0, 1]) - metres_between(BIEN_HOA, CAT_LAI)) <= 1
