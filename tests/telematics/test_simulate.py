"""The simulated fleet behaves like vehicles, and its messages pass ingestion cleanly."""

from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime
from typing import Any

from core.config import Settings
from devtools.mqtt_wire import DevicePool
from devtools.simulate import Fleet, build_fleet, road_like_path, run
from telematics.checks import haversine_m
from tests.telematics.conftest import Fleet as CommittedFleet
from tests.telematics.conftest import RunningWorker, count, wait_for

NOON_LOCAL = datetime(2026, 11, 24, 5, 0, tzinfo=UTC).timestamp()  # 12:00 in Hồ Chí Minh City
MIDNIGHT_LOCAL = datetime(2026, 11, 24, 17, 0, tzinfo=UTC).timestamp()  # 00:00 local


def _fleet(n: int = 20, **overrides: float) -> Fleet:
    rows = [(k + 1, 1, "truck", None) for k in range(n)]
    options: dict[str, Any] = {
        "interval_s": 1.0,
        "offline_share": 0.0,
        "offline_minutes": 5.0,
        "bad_share": 0.0,
        **overrides,
    }
    return build_fleet(rows, [], seed=7, zone="Asia/Ho_Chi_Minh", **options)


def _drive(fleet: Fleet, start: float, seconds: int) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []
    for v in fleet.vehicles:
        v.next_report = v.last_moved = v.resume_at = start
    for tick in range(seconds):
        for v in fleet.vehicles:
            for _, payload in fleet.due(v, start + tick):
                sent.append(json.loads(payload))
    return sent


def test_road_like_path_ends_at_the_destination() -> None:
    import random

    path = road_like_path(random.Random(1), (10.95, 106.84), (10.77, 106.70))
    assert path[-1] == (10.77, 106.70)
    assert 4 <= len(path) <= 9


def test_daytime_vehicles_move_at_plausible_speeds() -> None:
    fleet = _fleet()
    messages = _drive(fleet, NOON_LOCAL, 900)
    speeds = [float(m["speed"]) for m in messages if "speed" in m]
    assert max(speeds) <= 110
    assert sum(s > 0 for s in speeds) > len(speeds) / 2  # most fixes are on the move by day
    assert all(not math.isnan(v.lat) for v in fleet.vehicles)


def test_consecutive_fixes_never_jump() -> None:
    fleet = _fleet(n=1)
    messages = _drive(fleet, NOON_LOCAL, 1200)
    for a, b in itertools.pairwise(messages):
        seconds = (
            datetime.fromisoformat(str(b["time"])) - datetime.fromisoformat(str(a["time"]))
        ).total_seconds()
        metres = haversine_m(
            float(a["lat"]),
            float(a["lon"]),
            float(b["lat"]),
            float(b["lon"]),
        )
        assert metres / seconds * 3.6 < 130


def test_parked_at_night_reports_every_fifteen_minutes() -> None:
    fleet = _fleet(n=3)
    for v in fleet.vehicles:
        v.lat, v.lon = v.home
    messages = _drive(fleet, MIDNIGHT_LOCAL, 3600)
    assert all(m["ign"] is False and m["speed"] == 0 for m in messages)
    assert 3 * 4 <= len(messages) <= 3 * 5


def test_offline_vehicle_sends_its_backlog_as_one_batch() -> None:
    fleet = _fleet(n=1, offline_share=60.0, offline_minutes=0.5)  # loses signal at once
    v = fleet.vehicles[0]
    v.next_report = v.last_moved = v.resume_at = NOON_LOCAL
    batches = []
    for tick in range(40):
        for _, payload in fleet.due(v, NOON_LOCAL + tick):
            body = json.loads(payload)
            if "positions" in body:
                batches.append(body["positions"])
        fleet.offline_share = 0.0
    assert batches, "the backlog was never sent"
    assert len(batches[0]) >= 25


def test_simulated_fleet_is_stored_without_dead_letters(
    settings: Settings, fleet: CommittedFleet, worker: RunningWorker
) -> None:
    rows = [(vid, fleet.coop_id, "truck", fleet.device_ids[vid]) for vid in fleet.vehicle_ids]
    sim = build_fleet(
        rows,
        [],
        seed=3,
        interval_s=0.5,
        zone="Asia/Ho_Chi_Minh",
        offline_share=0.0,
        offline_minutes=1.0,
        bad_share=0.0,
        night=None,  # the suite runs at any hour; at night every vehicle would be parked
    )
    for v in sim.vehicles:
        v.resume_at = 0.0
    sent = run(
        sim,
        DevicePool(settings.mqtt_host, settings.mqtt_device_port),
        duration_s=3.0,
        secret_key=settings.secret_key,
    )
    assert sent >= 3 * 3  # each vehicle starts within 2 s, then a fix every 0.5 s
    wait_for(lambda: worker.worker.stats.messages >= sent)
    stored = count(
        settings, "SELECT count(*) FROM positions WHERE cooperative_id = %s", fleet.coop_id
    )
    assert stored == sent
    assert worker.worker.stats.dead == 0
