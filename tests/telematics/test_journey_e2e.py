"""End to end: a device publishes over MQTT, the ingest worker stores, the derive cycle turns the
positions into a trip and an overspeed event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from core.config import Settings
from telematics.journey.derive import Deriver
from telematics.journey.facts import Kind
from tests.journey.tracks import Track
from tests.telematics.conftest import Fleet, RunningWorker, count, wait_for
from tests.telematics.test_ingest import Publish, encode


def test_published_track_becomes_a_trip_and_an_event(
    settings: Settings, fleet: Fleet, worker: RunningWorker, publisher: Publish
) -> None:
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    track = Track(start, 106.80, 10.95, every_s=5).stand(60)
    track.drive_for(600, 60).drive_for(120, 110).drive_for(300, 60).stand(600)
    body = {
        "positions": [
            {
                "time": datetime.fromtimestamp(f.t, UTC).isoformat().replace("+00:00", "Z"),
                "lat": f.lat,
                "lon": f.lon,
                "speed": f.speed_kmh,
                "ign": f.ignition,
            }
            for f in track.fixes
        ]
    }
    publisher(fleet.topic(0), encode(body))
    vehicle = fleet.vehicle_ids[0]
    sql = "SELECT count(*) FROM positions WHERE vehicle_id = %s"
    wait_for(lambda: count(settings, sql, vehicle) == len(track.fixes))
    with psycopg.connect(settings.sync_database_url) as conn:
        report = Deriver(conn, cooperatives=[fleet.coop_id]).run_until_idle()
    assert report.fixes == len(track.fixes)
    trips = "SELECT count(*) FROM trips WHERE vehicle_id = %s AND NOT is_open"
    assert count(settings, trips, vehicle) == 1
    overspeed = "SELECT count(*) FROM journey_events WHERE vehicle_id = %s AND kind = %s"
    assert count(settings, overspeed, vehicle, Kind.OVERSPEED) == 1
