"""Ingestion through a real Mosquitto into a real PostGIS: round trips, dead letters, partitions."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from core.config import Settings
from tests.telematics.conftest import (
    UNKNOWN_VEHICLE_ID,
    Fleet,
    RunningWorker,
    count,
    wait_for,
)

Publish = Callable[[str, bytes], None]


def fix(
    when: datetime, lat: float = 10.9574, lon: float = 106.8426, **extra: Any
) -> dict[str, Any]:
    return {"time": when.isoformat().replace("+00:00", "Z"), "lat": lat, "lon": lon, **extra}


def encode(body: Any) -> bytes:
    return json.dumps(body).encode()


def stored(settings: Settings, fleet: Fleet) -> int:
    return count(
        settings, "SELECT count(*) FROM positions WHERE cooperative_id = %s", fleet.coop_id
    )


def dead(settings: Settings, fleet: Fleet, reason: str) -> int:
    return count(
        settings,
        "SELECT count(*) FROM dead_letters WHERE reason = %s AND topic LIKE %s",
        reason,
        f"coopfleet/{fleet.coop_id}/%",
    )


def test_single_and_batch_messages_round_trip(
    settings: Settings, fleet: Fleet, worker: RunningWorker, publisher: Publish
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    publisher(
        fleet.topic(0),
        encode(
            fix(
                now,
                speed=42.5,
                heading=90,
                ign=True,
                odo=1234567,
                driver="DC-1",
                sats=9,
                hdop=0.8,
                alt=12.5,
                fuel=80.5,
            )
        ),
    )
    backlog = [fix(now - timedelta(seconds=30 * k), lat=10.95 + k / 1000) for k in range(1, 6)]
    publisher(fleet.topic(1), encode({"positions": backlog}))
    wait_for(lambda: stored(settings, fleet) == 6)
    row = count(  # the single fix kept every field
        settings,
        "SELECT count(*) FROM positions WHERE vehicle_id = %s AND speed_kmh = 42.5"
        " AND heading = 90 AND ignition AND odometer_m = 1234567 AND driver_card = 'DC-1'"
        " AND satellites = 9 AND abs(ST_X(geom) - 106.8426) < 1e-9",
        fleet.vehicle_ids[0],
    )
    assert row == 1
    newest = count(
        settings,
        "SELECT extract(epoch FROM device_time)::bigint FROM vehicle_state WHERE vehicle_id = %s",
        fleet.vehicle_ids[1],
    )
    assert newest == int((now - timedelta(seconds=30)).timestamp())


def test_redelivered_duplicates_are_harmless(
    settings: Settings, fleet: Fleet, worker: RunningWorker, publisher: Publish
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    message = encode(fix(now))
    for _ in range(3):
        publisher(fleet.topic(0), message)
    wait_for(lambda: worker.worker.stats.messages >= 3)
    assert stored(settings, fleet) == 1
    assert worker.worker.stats.duplicates == 2


def test_older_data_never_moves_vehicle_state_back(
    settings: Settings, fleet: Fleet, worker: RunningWorker, publisher: Publish
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    publisher(fleet.topic(0), encode(fix(now, lat=10.96)))
    wait_for(lambda: stored(settings, fleet) == 1)
    publisher(fleet.topic(0), encode(fix(now - timedelta(minutes=10), lat=10.95)))
    wait_for(lambda: stored(settings, fleet) == 2)
    lat_e6 = count(
        settings,
        "SELECT round(ST_Y(geom) * 1e6) FROM vehicle_state WHERE vehicle_id = %s",
        fleet.vehicle_ids[0],
    )
    assert lat_e6 == 10_960_000


def test_late_data_lands_in_its_own_days_partition(
    settings: Settings, fleet: Fleet, worker: RunningWorker, publisher: Publish
) -> None:
    three_days_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
    publisher(fleet.topic(2), encode({"positions": [fix(three_days_ago)]}))
    wait_for(lambda: stored(settings, fleet) == 1)
    partition = f"positions_p{three_days_ago:%Y%m%d}"
    assert (
        count(
            settings, f"SELECT count(*) FROM {partition} WHERE cooperative_id = %s", fleet.coop_id
        )
        == 1
    )


def test_each_kind_of_bad_input_is_dead_lettered_and_good_neighbours_land(
    settings: Settings, fleet: Fleet, worker: RunningWorker, publisher: Publish
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = fleet.topic(0)
    foreign_topic = f"coopfleet/{fleet.foreign_coop_id}/vehicles/{fleet.vehicle_ids[0]}/telemetry"
    unknown_topic = f"coopfleet/{fleet.coop_id}/vehicles/{UNKNOWN_VEHICLE_ID}/telemetry"
    cases: list[tuple[str, bytes, str]] = [
        (t0, b"{not json", "malformed_json"),
        (t0, encode({"time": fix(now)["time"], "lat": "north", "lon": 106.8}), "invalid_field"),
        (t0, encode({"lat": 10.9, "lon": 106.8}), "invalid_field"),
        (t0, encode(fix(now, lat=95.0)), "out_of_range"),
        (
            t0,
            b'{"time": "' + fix(now)["time"].encode() + b'", "lat": 1e999, "lon": 106.8}',
            "not_finite",
        ),
        (
            t0,
            b'{"time": "' + fix(now)["time"].encode() + b'", "lat": NaN, "lon": 106.8}',
            "malformed_json",
        ),  # JSON has no NaN: a device sending one sends broken JSON
        (t0, encode(fix(now + timedelta(minutes=30))), "future_time"),
        (t0, encode(fix(now - timedelta(days=500))), "too_old"),
        (t0, encode(fix(now, device="SOMEONE-ELSE")), "topic_mismatch"),
        (foreign_topic, encode(fix(now)), "topic_mismatch"),
        (unknown_topic, encode(fix(now)), "unknown_vehicle"),
        (t0, encode({"positions": []}), "empty_batch"),
        (t0, b'{"positions": [' + b",".join([encode(fix(now))] * 9000) + b"]}", "oversized"),
    ]
    for topic, payload, _ in cases:
        publisher(topic, payload)
    # a good fix, then one 50 km away a second later: the second is an impossible jump
    publisher(fleet.topic(1), encode(fix(now - timedelta(seconds=2))))
    publisher(fleet.topic(1), encode(fix(now - timedelta(seconds=1), lat=11.4)))
    # a batch with one bad position among good ones keeps the good ones
    mixed = [fix(now - timedelta(seconds=s)) for s in (10, 20, 30)]
    mixed.insert(1, fix(now - timedelta(seconds=15), lon=200.0))
    publisher(fleet.topic(2), encode({"positions": mixed}))

    expected: dict[str, int] = {}
    for _, _, reason in cases:
        expected[reason] = expected.get(reason, 0) + 1
    expected["impossible_jump"] = 1
    expected["out_of_range"] += 1
    wait_for(lambda: worker.worker.stats.messages >= len(cases) + 3)
    wait_for(lambda: stored(settings, fleet) == 4)
    for reason, n in expected.items():
        if reason in ("topic_mismatch", "unknown_vehicle"):
            continue  # counted below: their topics do not all carry this cooperative
        assert dead(settings, fleet, reason) == n, reason
    assert (
        count(
            settings,
            "SELECT count(*) FROM dead_letters WHERE reason = 'topic_mismatch'"
            " AND cooperative_id = %s",
            fleet.coop_id,
        )
        == 2
    )
    assert (
        count(
            settings,
            "SELECT count(*) FROM dead_letters WHERE reason = 'unknown_vehicle' AND topic = %s",
            unknown_topic,
        )
        == 1
    )
    # the raw payload is kept for inspection
    assert (
        count(settings, "SELECT count(*) FROM dead_letters WHERE payload = %s", b"{not json") >= 1
    )
