"""ETAs along a driver's route: travel, windows waited for, service times added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from routing.jobs import etas
from routing.matrix import GreatCircle
from routing.models import Order


def job(order_id: int, status: str, pickup: tuple[float, float], dropoff: tuple[float, float],
        opens: datetime | None = None) -> Order:  # fmt: skip
    return Order(
        id=order_id,
        status=status,
        pickup_location=from_shape(Point(*pickup), srid=4326),
        dropoff_location=from_shape(Point(*dropoff), srid=4326),
        pickup_from=opens,
        dropoff_from=None,
        pickup_service_s=600,
        dropoff_service_s=300,
    )


def test_etas_follow_the_route() -> None:
    now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    here, a, b, c = (106.80, 10.95), (106.85, 10.95), (106.90, 10.95), (106.95, 10.95)
    late_opening = now + timedelta(hours=3)
    route = [job(1, "picked_up", a, b), job(2, "accepted", b, c, opens=late_opening)]
    times = etas(route, here, now, "truck")
    legs = GreatCircle().table([here, b, b, c], "truck")[0]
    assert (1, "pickup") not in times  # already on board
    assert times[(1, "dropoff")] == now + timedelta(seconds=int(legs[0, 1]))
    after_drop = times[(1, "dropoff")] + timedelta(seconds=300)
    assert times[(2, "pickup")] == after_drop  # same place, no driving
    leaves = late_opening + timedelta(seconds=600)  # waits for the window, then loads
    assert times[(2, "dropoff")] == leaves + timedelta(seconds=int(legs[2, 3]))
