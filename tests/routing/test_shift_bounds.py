"""A shift's planned end bounds new work but never strands committed work (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from geoalchemy2.shape import from_shape
from shapely.geometry import Point

from routing.lifecycle import OrderStatus
from routing.models import Order
from routing.planning import Candidate, build
from routing.solver import solve
from tests.solver.tiny import QUICK

pytestmark = pytest.mark.solver  # each case solves until it stops improving

T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
DEPOT = (106.87, 10.95)  # Biên Hòa
FAR = (106.70, 10.78)  # Quận 1, ~27 km away
COAST = (107.08, 10.35)  # Vũng Tàu, ~70 km further


def job(
    order_id: int, status: str, pickup: tuple[float, float], dropoff: tuple[float, float]
) -> Order:
    return Order(
        id=order_id,
        status=status,
        driver_id=7 if status != OrderStatus.NEW else None,
        pickup_location=from_shape(Point(*pickup), srid=4326),
        dropoff_location=from_shape(Point(*dropoff), srid=4326),
        pickup_from=None,
        pickup_to=None,
        dropoff_from=None,
        dropoff_to=None,
        pickup_service_s=300,
        dropoff_service_s=300,
        weight_kg=100,
        volume_m3=0.5,
        seats=0,
        priority=0,
        vehicle_kind=None,
        features=[],
    )


def driver(until: datetime) -> Candidate:
    return Candidate(7, 70, "truck", (8000, 30_000, 0), frozenset({"kind:truck"}), DEPOT, until)


def test_committed_work_is_kept_past_the_planned_end_and_nothing_new_is_added() -> None:
    on_board = job(1, OrderStatus.PICKED_UP, DEPOT, FAR)
    new = job(2, OrderStatus.NEW, FAR, COAST)
    built = build([new], [driver(T0 + timedelta(minutes=10))], T0, committed=[on_board])
    assert built.problem is not None
    [vehicle] = built.problem.vehicles
    assert vehicle.shift.end > 20 * 60  # stretched to when the delivery 27 km away is done
    result = solve(built.problem, time_limit_s=2, seed=1, options=QUICK)
    [route] = result.routes
    assert [(v.order, str(v.leg)) for v in route.visits] == [("1", "delivery")]
    assert [u.order for u in result.unserved] == ["2"]


def test_without_committed_work_a_shift_that_ends_soon_takes_nothing_far() -> None:
    new = job(2, OrderStatus.NEW, FAR, DEPOT)
    built = build([new], [driver(T0 + timedelta(minutes=30))], T0)
    assert built.problem is not None
    assert built.problem.vehicles[0].shift.end == 30 * 60
    result = solve(built.problem, time_limit_s=2, seed=1, options=QUICK)
    assert result.routes == () or all(not r.visits for r in result.routes)
    assert [u.order for u in result.unserved] == ["2"]
    later = build([new], [driver(T0 + timedelta(hours=4))], T0)
    assert later.problem is not None
    served = solve(later.problem, time_limit_s=2, seed=1, options=QUICK)
    assert [v.order for r in served.routes for v in r.visits] == ["2", "2"]
