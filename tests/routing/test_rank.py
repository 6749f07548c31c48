"""Ranking drivers for one order (pure): what the shift has left must cover the whole job."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from routing.suggest import Nearby, Need, rank

PICKUP = (106.8722, 10.9571)  # Biên Hòa
DROPOFF = (106.7906, 10.7617)  # Cát Lái, about 23 km away


def nearby(driver_id: int, shift_left_s: float | None) -> Nearby:
    return Nearby(
        driver_id=driver_id,
        vehicle_id=driver_id * 10,
        plate=f"60C-{driver_id:03d}.00",
        kind="truck",
        capacity=(8000, None, None),
        features=frozenset(),
        driver_status="active",
        vehicle_status="active",
        expiries={},
        position=(106.875, 10.960),  # a few hundred metres from the pickup
        headroom_s=None,
        shift_left_s=shift_left_s,
    )


def test_a_shift_ending_before_the_drop_off_is_done_excludes_the_driver() -> None:
    need = Need(PICKUP, "truck", (1000, 0.0, 0), frozenset(), DROPOFF, service_s=1200)
    drivers = [nearby(1, 20 * 60), nearby(2, 3 * 3600), nearby(3, None)]
    best, excluded = rank(need, drivers, date(2026, 11, 25))
    assert [s.driver_id for s in best] == [2, 3]
    [out] = excluded
    assert out.driver_id == 1
    assert out.reason.startswith("shift ends in 20 min, before the job would be done (in ")
    # the same driver qualifies for a job without a drop-off leg to cover
    near_only = replace(need, dropoff=None, service_s=0)
    best, excluded = rank(near_only, drivers, date(2026, 11, 25))
    assert {s.driver_id for s in best} == {1, 2, 3} and excluded == []
