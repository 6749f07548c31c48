"""One travel-time model behind suggestions' ETAs and the route tables (routing.matrix)."""

from __future__ import annotations

from datetime import date

from routing.matrix import GreatCircle
from routing.suggest import Nearby, Need, rank

PICKUP = (106.8425, 10.9447)
PARKED = (106.7906, 10.7617)


def test_a_suggestions_eta_is_the_tables_duration_at_the_same_speeds() -> None:
    travel = GreatCircle.calibrated({"truck": 23.0})
    driver = Nearby(
        driver_id=1,
        vehicle_id=2,
        plate="60C-123.45",
        kind="truck",
        capacity=(None, None, None),
        features=frozenset(),
        driver_status="active",
        vehicle_status="active",
        expiries={},
        position=PARKED,
        headroom_s=None,
    )
    need = Need(pickup=PICKUP, kind=None, load=(0, 0.0, 0), features=frozenset())
    [best], _ = rank(need, [driver], date(2026, 12, 4), travel=travel)
    durations, distances = travel.table([PARKED, PICKUP], "truck")
    assert best.eta_s == int(durations[0, 1]) and best.distance_m == int(distances[0, 1])
    assert travel.speed_ms("truck") == 23.0 / 3.6
    assert travel.speed_ms(None) == travel.speed_ms("unknown kind") == 40.0 / 3.6
