"""The derive cycle against real PostGIS: stored positions in, stored facts out."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from telematics.journey.derive import watch_transmission
from telematics.journey.facts import Kind
from tests.journey.conftest import JourneyFleet
from tests.journey.test_timeline import two_stop_route
from tests.journey.tracks import Track

FACTS = {
    "trips": "SELECT started_at, ended_at, is_open, distance_m, duration_s, moving_s, idle_s,"
    " driver_id, round(max_speed_kmh) FROM trips WHERE vehicle_id = %s ORDER BY started_at",
    "stops": "SELECT started_at, ended_at, is_open, duration_s, engine_on_s FROM stops"
    " WHERE vehicle_id = %s ORDER BY started_at",
    "events": "SELECT kind, started_at, ended_at, details FROM journey_events"
    " WHERE vehicle_id = %s AND source = 'vehicle' ORDER BY started_at, kind",
    "days": "SELECT day, driver_id, distance_m, engine_s, moving_s, idle_s, nodata_s, trips,"
    " stops FROM daily_activity WHERE vehicle_id = %s ORDER BY day, driver_id",
}


def facts(fleet: JourneyFleet, vehicle_id: int) -> dict[str, list[tuple[object, ...]]]:
    return {name: fleet.rows(sql, vehicle_id) for name, sql in FACTS.items()}


def test_known_route_has_three_trips_within_one_percent_of_the_geodesic(
    journey_fleet: JourneyFleet,
) -> None:
    vehicle = journey_fleet.vehicle_ids[0]
    journey_fleet.store(vehicle, two_stop_route().fixes)
    journey_fleet.deriver().run_until_idle()
    truths = journey_fleet.rows(
        "SELECT ST_Distance(ST_MakePoint(a, b)::geography, ST_MakePoint(c, d)::geography)"
        " FROM (VALUES (106.80, 10.95, 106.88, 10.96), (106.88, 10.96, 106.95, 11.02),"
        " (106.95, 11.02, 107.00, 11.00)) AS legs(a, b, c, d)"
    )
    trips = facts(journey_fleet, vehicle)["trips"]
    assert len(trips) == 3
    for trip, (truth,) in zip(trips, truths, strict=True):
        assert abs(trip[3] - truth) / truth < 0.01  # type: ignore[operator]
    paths = journey_fleet.rows(
        "SELECT ST_NPoints(path), ST_Length(path::geography) FROM trips WHERE vehicle_id = %s"
        " ORDER BY started_at",
        vehicle,
    )
    for (points, length), trip in zip(paths, trips, strict=True):
        assert points >= 2 and abs(length - trip[3]) / trip[3] < 0.01  # type: ignore[operator]
    day = facts(journey_fleet, vehicle)["days"]
    assert len(day) == 1 and day[0][7] == 3
    assert abs(day[0][2] - sum(t[3] for t in trips)) <= 3  # type: ignore[operator,misc]


def test_shuffled_late_delivery_gives_the_same_facts(journey_fleet: JourneyFleet) -> None:
    in_order, shuffled = journey_fleet.vehicle_ids[:2]
    track = Track(datetime(2026, 3, 2, 0, 30, tzinfo=UTC), 106.80, 10.95, every_s=5)
    track.stand(600).drive_to(106.88, 10.96, 50).stand(20 * 60).silence(25 * 60)
    track.drive_to(106.95, 11.02, 95).stand(30 * 60, ignition=True).drive_to(107.0, 11.0, 40)
    track.stand(600)
    fixes = track.fixes
    journey_fleet.store(in_order, fixes)
    journey_fleet.deriver().run_until_idle()

    deliveries = fixes[:]
    random.Random(7).shuffle(deliveries)
    chunks = [deliveries[i : i + 97] for i in range(0, len(deliveries), 97)]
    deriver = journey_fleet.deriver()
    for n, chunk in enumerate(chunks):
        journey_fleet.store(shuffled, chunk)
        if n % 3 == 0:
            deriver.run_until_idle()
        if n == len(chunks) // 2:
            deriver = journey_fleet.deriver()  # a restarted worker has nothing in memory
    deriver.run_until_idle()
    assert facts(journey_fleet, shuffled) == facts(journey_fleet, in_order)
    assert len(facts(journey_fleet, in_order)["trips"]) == 3


def test_deriving_again_changes_nothing(journey_fleet: JourneyFleet) -> None:
    vehicle = journey_fleet.vehicle_ids[0]
    fixes = two_stop_route().fixes
    journey_fleet.store(vehicle, fixes)
    journey_fleet.deriver().run_until_idle()
    before = facts(journey_fleet, vehicle)
    journey_fleet.store(vehicle, fixes[100:200])  # redelivered: duplicates leave no marks
    assert journey_fleet.rows(
        "SELECT count(*) FROM derive_marks WHERE vehicle_id = %s", vehicle
    ) == [(0,)]
    with journey_fleet.deriver().conn as conn:
        conn.execute(
            "INSERT INTO derive_marks (vehicle_id, cooperative_id, dirty_from) VALUES (%s, %s, %s)",
            (vehicle, journey_fleet.coop_id, datetime.fromtimestamp(fixes[150].t, UTC)),
        )
    journey_fleet.deriver().run_until_idle()
    assert facts(journey_fleet, vehicle) == before


def test_silent_while_moving_is_one_not_transmitting_event(journey_fleet: JourneyFleet) -> None:
    vehicle = journey_fleet.vehicle_ids[0]
    track = Track(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), 106.80, 10.95).stand(60)
    track.drive_for(600, 50).silence(20 * 60).drive_for(600, 50).stand(600)
    journey_fleet.store(vehicle, track.fixes)
    journey_fleet.deriver().run_until_idle()
    kinds = [e[0] for e in facts(journey_fleet, vehicle)["events"]]
    assert kinds.count(Kind.NOT_TRANSMITTING) == 1 and kinds.count(Kind.BACK_ONLINE) == 1


def test_overspeed_spike_yields_nothing(journey_fleet: JourneyFleet) -> None:
    vehicle = journey_fleet.vehicle_ids[0]
    track = Track(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), 106.80, 10.95, every_s=1).stand(10)
    track.drive_for(120, 60).drive_for(3, 130).drive_for(120, 60).stand(300)
    journey_fleet.store(vehicle, track.fixes)
    journey_fleet.deriver().run_until_idle()
    assert [e for e in facts(journey_fleet, vehicle)["events"] if e[0] == Kind.OVERSPEED] == []


def drive_hours(fleet: JourneyFleet, start: datetime, legs: Sequence[tuple[float, float]]) -> None:
    """Drive (hours) then rest (minutes), with driver 0's card in the reader."""
    track = Track(start, 106.0, 10.5, every_s=30)
    track.card = fleet.cards[0]
    track.stand(300, ignition=False)
    for hours, rest_min in legs:
        track.drive_for(hours * 3600, 45, bearing_deg=track.t % 360)
        track.stand(rest_min * 60, ignition=False)
    fleet.store(fleet.vehicle_ids[0], track.fixes)


def driver_events(fleet: JourneyFleet) -> list[tuple[object, ...]]:
    return fleet.rows(
        "SELECT kind, started_at FROM journey_events WHERE source = 'driver' AND subject_id = %s"
        " ORDER BY started_at, kind",
        fleet.driver_ids[0],
    )


def test_four_hours_ten_minutes_warns_and_violates_at_the_right_minutes(
    journey_fleet: JourneyFleet,
) -> None:
    start = datetime(2026, 8, 3, 0, 0, tzinfo=UTC)
    drive_hours(journey_fleet, start, [(4 + 10 / 60, 30)])
    journey_fleet.deriver().run_until_idle()
    departure = journey_fleet.rows(
        "SELECT started_at, driver_id FROM trips WHERE vehicle_id = %s",
        journey_fleet.vehicle_ids[0],
    )
    assert len(departure) == 1 and departure[0][1] == journey_fleet.driver_ids[0]
    t0 = departure[0][0]
    assert driver_events(journey_fleet) == [
        (Kind.DRIVING_WARNING, t0 + timedelta(hours=3, minutes=55)),  # type: ignore[operator]
        (Kind.CONTINUOUS_DRIVING, t0 + timedelta(hours=4)),  # type: ignore[operator]
    ]


def test_breaks_of_fifteen_minutes_keep_a_driver_compliant(journey_fleet: JourneyFleet) -> None:
    start = datetime(2026, 8, 3, 0, 0, tzinfo=UTC)
    drive_hours(journey_fleet, start, [(3 + 50 / 60, 15.5), (3 + 50 / 60, 30)])
    journey_fleet.deriver().run_until_idle()
    assert (
        len(
            journey_fleet.rows(
                "SELECT 1 FROM trips WHERE vehicle_id = %s", journey_fleet.vehicle_ids[0]
            )
        )
        == 2
    )
    assert driver_events(journey_fleet) == []


def test_each_day_is_judged_by_its_own_rules(journey_fleet: JourneyFleet) -> None:
    legs = [(3.5, 30), (3.5, 30), (3.5, 30), (0.75, 60)]  # 11 h 15 of driving, breaks kept
    drive_hours(journey_fleet, datetime(2026, 6, 15, 23, 0, tzinfo=UTC), legs)  # 06:00 local
    drive_hours(journey_fleet, datetime(2026, 7, 15, 23, 0, tzinfo=UTC), legs)
    journey_fleet.deriver().run_until_idle()
    events = driver_events(journey_fleet)
    assert [e[0] for e in events] == [Kind.DAILY_DRIVING]
    assert events[0][1].date() == datetime(2026, 6, 16).date()  # type: ignore[attr-defined]


def test_live_watch_flags_a_silent_vehicle_once(journey_fleet: JourneyFleet) -> None:
    vehicle = journey_fleet.vehicle_ids[1]
    now = datetime.now(UTC)
    track = Track(now - timedelta(minutes=30), 106.8, 10.9, every_s=10).stand(10).drive_for(300, 50)
    journey_fleet.store(vehicle, track.fixes, received_at=now - timedelta(minutes=25))
    with journey_fleet.deriver().conn as conn:
        assert watch_transmission(conn, now.timestamp(), 1.5) >= 1
        assert watch_transmission(conn, now.timestamp(), 1.5) == 0
    live = journey_fleet.rows(
        "SELECT kind, ended_at FROM journey_events WHERE vehicle_id = %s AND live", vehicle
    )
    assert live == [(Kind.NOT_TRANSMITTING, None)]


def test_a_track_starting_with_one_standing_fix(journey_fleet: JourneyFleet) -> None:
    """The first stop and the first trip then begin at the same fix: both are kept."""
    vehicle = journey_fleet.vehicle_ids[0]
    track = Track(datetime(2026, 3, 2, 1, 0, tzinfo=UTC), 106.80, 10.95).fix(0, True)
    track.drive_for(600, 40).stand(600)
    journey_fleet.store(vehicle, track.fixes)
    journey_fleet.deriver().run_until_idle()
    found = facts(journey_fleet, vehicle)
    assert len(found["trips"]) == 1 and len(found["stops"]) == 2
    assert found["days"][0][7] == 1 and found["days"][0][8] == 2  # trips, stops of the day
