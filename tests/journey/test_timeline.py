"""The per-vehicle state machine on synthetic tracks (pure, no database)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from telematics.checks import haversine_m
from telematics.journey.facts import Fix, Kind
from telematics.journey.fences import Fences, depot_fence
from telematics.journey.rules import JourneyRules
from telematics.journey.timeline import Timeline, VehicleContext
from tests.journey.tracks import Track

RULES = JourneyRules()
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 08:00 in Hồ Chí Minh City


def run(fixes: list[Fix], ctx: VehicleContext | None = None) -> Timeline:
    timeline = Timeline(ctx or VehicleContext(1, "Asia/Ho_Chi_Minh", 80.0), RULES)
    timeline.feed_all(fixes)
    return timeline


def two_stop_route() -> Track:
    track = Track(T0, 106.80, 10.95)
    track.stand(600)
    track.drive_to(106.88, 10.96, 50).stand(20 * 60)
    track.drive_to(106.95, 11.02, 60).stand(30 * 60, ignition=True)
    track.drive_to(107.00, 11.00, 40).stand(300)
    return track


def test_two_stops_make_three_trips_with_their_distances() -> None:
    timeline = run(two_stop_route().fixes)
    out = timeline.drain()
    trips = out.trips + ([out.open_trip] if out.open_trip else [])
    assert len(trips) == 3
    legs = [((106.80, 10.95), (106.88, 10.96)), ((106.88, 10.96), (106.95, 11.02))]
    legs.append(((106.95, 11.02), (107.00, 11.00)))
    for trip, (a, b) in zip(trips, legs, strict=True):
        truth = haversine_m(a[1], a[0], b[1], b[0])
        assert abs(trip.distance_m - truth) / truth < 0.01
        assert trip.start == a and trip.end == b
    assert len(out.stops) == 3  # the first three; the last is still open
    assert out.open_stop is not None and out.open_stop.start_t == trips[2].end_t
    assert out.stops[2].engine_on_s > 29 * 60  # idling at the third stop


def test_halts_shorter_than_a_stop_stay_in_the_trip() -> None:
    track = Track(T0, 106.80, 10.95).stand(300)
    track.drive_for(600, 40).stand(120, ignition=True).drive_for(600, 40).stand(900)
    out = run(track.fixes).drain()
    assert len(out.trips) == 1
    assert 110 <= out.trips[0].idle_s <= 130


def test_silence_with_ignition_off_is_a_stop_not_a_teleport() -> None:
    track = Track(T0, 106.80, 10.95).stand(300)
    track.drive_for(600, 40).stand(20, ignition=False).silence(3 * 3600)
    track.drive_for(600, 40).stand(600)
    out = run(track.fixes).drain()
    assert len(out.trips) == 2
    assert out.stops[-1].duration_s > 3 * 3600


def test_a_short_move_inside_a_stop_is_not_a_trip() -> None:
    track = Track(T0, 106.80, 10.95).stand(600)
    track.drive_for(10, 20).stand(900)  # 55 m of manoeuvring
    out = run(track.fixes).drain()
    assert out.trips == [] and out.open_trip is None
    assert out.stops == [] and out.open_stop is not None
    assert out.open_stop.start_t == track.fixes[0].t


def test_silent_twenty_minutes_while_moving_is_one_not_transmitting_event() -> None:
    track = Track(T0, 106.80, 10.95, every_s=10).stand(60)
    track.drive_for(600, 50).silence(20 * 60).drive_for(600, 50).stand(300)
    out = run(track.fixes).drain()
    silent = [e for e in out.events if e.kind == Kind.NOT_TRANSMITTING]
    assert len(silent) == 1
    assert silent[0].end_t is not None and silent[0].end_t - silent[0].start_t >= 20 * 60
    assert [e.kind for e in out.events].count(Kind.BACK_ONLINE) == 1


def test_parked_with_a_fix_every_fifteen_minutes_is_transmitting() -> None:
    track = Track(T0, 106.80, 10.95).stand(8 * 3600, every_s=15 * 60)
    assert run(track.fixes).drain().events == []


def test_an_overspeed_spike_is_not_a_violation_but_a_sustained_one_is() -> None:
    track = Track(T0, 106.80, 10.95, every_s=1).stand(10)
    track.drive_for(300, 60).drive_for(2, 120).drive_for(300, 60)
    assert [e for e in run(track.fixes).drain().events if e.kind == Kind.OVERSPEED] == []
    track.drive_for(60, 100).drive_for(300, 60)
    overspeed = [e for e in run(track.fixes).drain().events if e.kind == Kind.OVERSPEED]
    assert len(overspeed) == 1
    assert overspeed[0].details["max_kmh"] == 100.0
    assert overspeed[0].end_t is not None and 55 <= overspeed[0].end_t - overspeed[0].start_t <= 61


def test_zone_speed_limit_applies_inside_the_zone() -> None:
    town = depot_fence(7, "Town", 106.85, 10.95, 3000)
    ctx = VehicleContext(1, "Asia/Ho_Chi_Minh", 80.0, Fences((town,)))
    track = Track(T0, 106.80, 10.95, every_s=2).stand(10).drive_to(106.90, 10.95, 70)
    kinds = [e.kind for e in run(track.fixes, ctx).drain().events]
    assert kinds.count(Kind.OVERSPEED) == 0  # 70 < 80, and the depot has no limit
    assert kinds.count(Kind.GEOFENCE_ENTER) == 1 and kinds.count(Kind.GEOFENCE_EXIT) == 1


def test_harsh_braking() -> None:
    track = Track(T0, 106.80, 10.95, every_s=1).stand(5).drive_for(60, 60)
    track.fix(20).fix(0, True)  # 60 -> 20 km/h in a second: 11 m/s²
    kinds = [e.kind for e in run(track.fixes).drain().events]
    assert kinds.count(Kind.HARSH_BRAKING) == 1


def test_idle_with_engine_on() -> None:
    track = Track(T0, 106.80, 10.95).stand(60).drive_for(300, 40)
    track.stand(15 * 60, ignition=True).drive_for(300, 40)
    idle = [e for e in run(track.fixes).drain().events if e.kind == Kind.IDLE]
    assert len(idle) == 1 and idle[0].end_t is not None


def test_days_split_at_local_midnight() -> None:
    # departs 23:31 local (16:31 UTC), drives an hour across midnight
    start = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    track = Track(start, 106.80, 10.95).stand(60, ignition=False).drive_for(3600, 60).stand(600)
    out = run(track.fixes).drain()
    days = {d.day.isoformat(): d for d in out.trips[0].days}
    assert set(days) == {"2026-03-02", "2026-03-03"}
    assert abs(days["2026-03-02"].moving_s - 29 * 60) < 20
    assert abs(days["2026-03-03"].moving_s - 31 * 60) < 20
    assert all(d.engine_s >= d.moving_s for d in out.trips[0].days)  # moving: engine on
    total = sum(d.distance_m for d in out.trips[0].days)
    assert abs(total - out.trips[0].distance_m) < 1


def test_resuming_at_a_stop_gives_the_same_facts() -> None:
    fixes = two_stop_route().fixes
    whole = run(fixes)
    first = whole.drain()
    second_stop = first.stops[1]
    at = next(f for f in fixes if f.t == second_stop.start_t)
    resumed = Timeline(VehicleContext(1, "Asia/Ho_Chi_Minh", 80.0), RULES)
    resumed.resume_at_stop(at, None)
    resumed.feed_all(f for f in fixes if f.t > at.t)
    again = resumed.drain()
    assert again.stops[0].start_t == second_stop.start_t
    assert again.stops[0].end_t == second_stop.end_t
    assert [t.start_t for t in again.trips] == [t.start_t for t in first.trips[1:]]
    assert [t.distance_m for t in again.trips] == [t.distance_m for t in first.trips[1:]]
    assert again.open_trip == first.open_trip and again.open_stop == first.open_stop


def test_out_of_order_feed_ignores_stragglers() -> None:
    fixes = two_stop_route().fixes
    shuffled = fixes[:]
    random.Random(1).shuffle(shuffled)
    timeline = run(shuffled)
    assert timeline.last is not None and timeline.last.t == max(f.t for f in fixes)
