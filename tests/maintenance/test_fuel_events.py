"""Refuels and drains in noisy tank levels: found at the right fix, none on noise alone."""

from __future__ import annotations

from devtools.tank_levels import FIXES_PER_DAY, Step, day_of_levels
from maintenance.fuel_events import DRAIN, REFUEL, detect


def test_a_60_l_refuel_and_a_25_l_drain_are_found_within_one_fix() -> None:
    for seed in range(40):
        fixes = day_of_levels(
            seed, steps=(Step(at=900, litres=60.0, fixes=3), Step(at=2000, litres=-25.0, fixes=2))
        )
        events = detect(fixes)
        assert [e.kind for e in events] == [REFUEL, DRAIN], (seed, events)
        refuel, drain = events
        assert abs(refuel.index - 901) <= 1, (seed, refuel)  # the middle of a 3-fix fill
        assert abs(drain.index - 2000) <= 1, (seed, drain)
        assert (refuel.lon, refuel.lat) == (fixes[refuel.index].lon, fixes[refuel.index].lat)
        assert abs(refuel.litres - 60.0) <= 5.0 and abs(drain.litres - 25.0) <= 5.0


def test_a_sudden_one_fix_step_is_placed_on_that_fix() -> None:
    for seed in range(20):
        fixes = day_of_levels(seed, steps=(Step(at=1234, litres=60.0, fixes=1),))
        [refuel] = detect(fixes)
        assert refuel.index == 1234 or abs(refuel.index - 1234) <= 1


def test_no_event_on_noise_alone() -> None:
    for seed in range(100):
        assert detect(day_of_levels(1000 + seed)) == [], seed


def test_what_driving_burns_over_a_long_silence_is_no_drain() -> None:
    fixes = day_of_levels(7, fixes=200)
    later = [type(f)(f.t + 3 * 3600, f.lon, f.lat, f.fuel_l - 30.0) for f in fixes[100:]]
    assert detect(fixes[:100] + later) == []  # 30 L in 3 hours on the road: burnt
    assert len(fixes) < FIXES_PER_DAY
