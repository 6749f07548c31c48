"""``coopfleet simulate``: a fleet that drives around Đồng Nai and Hồ Chí Minh City over MQTT.

Each vehicle connects with its own credentials and behaves like a tracked vehicle: parked at a
depot at night with the ignition off (a fix every 15 minutes, the legal maximum while stopped),
trips by day along curved road-like paths at speeds that suit its kind, stops with the engine off
or idling, brief halts in traffic. Some vehicles lose signal for a while and then send their
backlog as one batch; a small share of messages can be made bad on purpose, to exercise the
dead-letter path. It is the demo's live data source.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from devtools.mqtt_wire import DevicePool
from telematics.contract import telemetry_topic
from telematics.credentials import device_password, device_username

# Places trips go between: industrial parks, ports, city centres (lat, lon).
PLACES = [
    (10.9574, 106.8426),  # Biên Hòa centre
    (10.9530, 106.8830),  # KCN Amata
    (10.9290, 106.8640),  # KCN Biên Hòa 2
    (10.7350, 106.9100),  # KCN Nhơn Trạch
    (10.7800, 106.9500),  # Long Thành
    (10.9500, 107.0000),  # Trảng Bom
    (10.8900, 107.1200),  # Dầu Giây
    (10.9400, 107.2400),  # Long Khánh
    (10.7760, 106.7010),  # Quận 1, TP.HCM
    (10.7620, 106.7560),  # Cảng Cát Lái
    (10.8500, 106.7720),  # Thủ Đức
    (10.8050, 106.6400),  # Tân Bình
    (10.9800, 106.6500),  # Thủ Dầu Một
    (10.5800, 107.0500),  # Cái Mép
]
CRUISE_KMH = {
    "truck": 48,
    "container_tractor": 42,
    "van": 52,
    "coach": 60,
    "bus": 28,
    "taxi": 38,
    "contract_car": 55,
}
STOPPED_INTERVAL_S = 15 * 60
NIGHT = (22, 5)  # local hours between which vehicles park at their depot
EARTH_M_PER_DEG = 111_320.0


@dataclass
class SimVehicle:
    vehicle_id: int
    cooperative_id: int
    kind: str
    device_id: str | None
    lat: float
    lon: float
    home: tuple[float, float]
    rng: random.Random
    heading: float = 0.0
    speed: float = 0.0
    ignition: bool = False
    odometer_m: float = 0.0
    path: list[tuple[float, float]] = field(default_factory=list)
    resume_at: float = 0.0  # when a stop or a halt ends
    next_report: float = 0.0
    offline_until: float = 0.0
    backlog: list[dict[str, object]] = field(default_factory=list)
    last_moved: float = 0.0

    @property
    def topic(self) -> str:
        return telemetry_topic(self.cooperative_id, self.vehicle_id)


def road_like_path(
    rng: random.Random, start: tuple[float, float], end: tuple[float, float]
) -> list[tuple[float, float]]:
    """Waypoints from start to end that bend like a road: offsets across the straight line."""
    (lat1, lon1), (lat2, lon2) = start, end
    legs = rng.randint(4, 9)
    length = math.hypot(lat2 - lat1, lon2 - lon1)
    points = []
    for k in range(1, legs):
        t = k / legs
        bend = math.sin(math.pi * t) * rng.uniform(-0.12, 0.12) * length
        lat = lat1 + (lat2 - lat1) * t - (lon2 - lon1) / max(length, 1e-9) * bend
        lon = lon1 + (lon2 - lon1) * t + (lat2 - lat1) / max(length, 1e-9) * bend
        points.append((lat, lon))
    points.append(end)
    return points


def _bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dx = (lon2 - lon1) * math.cos(math.radians(lat1))
    return (math.degrees(math.atan2(dx, lat2 - lat1)) + 360.0) % 360.0


class Fleet:
    """The simulated vehicles and what each does next."""

    def __init__(
        self,
        vehicles: list[SimVehicle],
        *,
        interval_s: float,
        zone: str,
        offline_share: float,
        offline_minutes: float,
        bad_share: float,
        night: tuple[int, int] | None = NIGHT,
    ) -> None:
        self.vehicles = vehicles
        self.interval_s = interval_s
        self.zone = ZoneInfo(zone)
        self.offline_share = offline_share
        self.offline_minutes = offline_minutes
        self.bad_share = bad_share
        self.night = night

    def is_night(self, now: float) -> bool:
        """Whether vehicles park at this hour (local ``night`` start to end; never if None)."""
        if self.night is None:
            return False
        hour = datetime.fromtimestamp(now, self.zone).hour
        return hour >= self.night[0] or hour < self.night[1]

    def advance(self, v: SimVehicle, now: float) -> None:
        """Move the vehicle from ``v.last_moved`` to ``now``."""
        elapsed = max(0.0, now - v.last_moved)
        v.last_moved = now
        if now < v.resume_at:
            return
        if not v.path:
            self._plan_next(v, now)
            return
        v.ignition = True
        cruise = CRUISE_KMH.get(v.kind, 45) * v.rng.uniform(0.75, 1.25)
        v.speed = max(5.0, min(110.0, 0.7 * v.speed + 0.3 * cruise + v.rng.gauss(0, 3)))
        if v.rng.random() < 0.004 * elapsed:  # a red light or a jam
            v.speed, v.resume_at = 0.0, now + v.rng.uniform(10, 60)
            return
        remaining = v.speed / 3.6 * elapsed
        while remaining > 0 and v.path:
            lat, lon = v.path[0]
            dy = (lat - v.lat) * EARTH_M_PER_DEG
            dx = (lon - v.lon) * EARTH_M_PER_DEG * math.cos(math.radians(v.lat))
            gap = math.hypot(dx, dy)
            v.heading = _bearing(v.lat, v.lon, lat, lon)
            if gap <= remaining:
                v.lat, v.lon = lat, lon
                v.path.pop(0)
                remaining -= gap
                v.odometer_m += gap
            else:
                v.lat += (lat - v.lat) * remaining / gap
                v.lon += (lon - v.lon) * remaining / gap
                v.odometer_m += remaining
                remaining = 0.0
        if not v.path:  # arrived: a stop, engine off or idling
            v.speed = 0.0
            v.ignition = v.rng.random() < 0.3
            v.resume_at = now + v.rng.uniform(5 * 60, 40 * 60)

    def _plan_next(self, v: SimVehicle, now: float) -> None:
        if self.is_night(now):
            v.speed, v.ignition = 0.0, False
            if (v.lat, v.lon) != v.home:
                v.path = road_like_path(v.rng, (v.lat, v.lon), v.home)
            else:
                v.resume_at = now + v.rng.uniform(20 * 60, 60 * 60)
            return
        target = v.rng.choice(PLACES)
        jitter = (v.rng.uniform(-0.02, 0.02), v.rng.uniform(-0.02, 0.02))
        v.path = road_like_path(
            v.rng, (v.lat, v.lon), (target[0] + jitter[0], target[1] + jitter[1])
        )

    def fix(self, v: SimVehicle, now: float) -> dict[str, object]:
        stamp = datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds")
        return {
            "time": stamp.replace("+00:00", "Z"),
            "lat": round(v.lat, 6),
            "lon": round(v.lon, 6),
            "speed": round(v.speed, 1),
            "heading": round(v.heading) % 360,
            "sats": v.rng.randint(7, 14),
            "hdop": round(v.rng.uniform(0.6, 1.6), 1),
            "ign": v.ignition,
            "odo": round(v.odometer_m),
            **({"device": v.device_id} if v.device_id else {}),
        }

    def due(self, v: SimVehicle, now: float) -> list[tuple[str, bytes]]:
        """The messages this vehicle sends now (none, one fix, or its backlog as a batch)."""
        if now < v.next_report:
            return []
        self.advance(v, now)
        if v.path and now >= v.resume_at:
            v.next_report = now + self.interval_s
        else:  # stopped: the law asks for a fix at least every 15 minutes
            v.next_report = min(now + STOPPED_INTERVAL_S, max(v.resume_at, now + self.interval_s))
        position = self.fix(v, now)
        if now < v.offline_until:
            v.backlog.append(position)
            return []
        if v.rng.random() < self.offline_share * self.interval_s / 60:
            v.offline_until = now + self.offline_minutes * 60
            v.backlog.append(position)
            return []
        messages = []
        if v.backlog:
            messages.append((v.topic, json.dumps({"positions": v.backlog}).encode()))
            v.backlog = []
        payload = json.dumps(position).encode()
        if v.rng.random() < self.bad_share:
            payload = self.spoil(v, position)
        messages.append((v.topic, payload))
        return messages

    @staticmethod
    def spoil(v: SimVehicle, position: dict[str, object]) -> bytes:
        """One of the ways devices send garbage."""
        kind = v.rng.randrange(4)
        if kind == 0:
            return json.dumps(position).encode()[:-7]  # cut short
        if kind == 1:
            return json.dumps({**position, "lat": 123.0}).encode()
        if kind == 2:
            return json.dumps({**position, "time": "2099-01-01T00:00:00Z"}).encode()
        return json.dumps({**position, "lat": "ten"}).encode()


def build_fleet(
    rows: Sequence[tuple[int, int, str, str | None]],
    depots: list[tuple[float, float]],
    *,
    seed: int,
    interval_s: float,
    zone: str,
    offline_share: float,
    offline_minutes: float,
    bad_share: float,
    night: tuple[int, int] | None = NIGHT,
) -> Fleet:
    """Vehicles spread over the depots (or the known places), deterministic for a seed."""
    homes = depots or PLACES
    vehicles = []
    now = time.time()
    for index, (vehicle_id, coop_id, kind, device_id) in enumerate(rows):
        rng = random.Random(seed * 1_000_003 + vehicle_id)
        home = homes[index % len(homes)]
        lat = home[0] + rng.uniform(-0.01, 0.01)
        lon = home[1] + rng.uniform(-0.01, 0.01)
        vehicles.append(
            SimVehicle(
                vehicle_id,
                coop_id,
                kind,
                device_id,
                lat,
                lon,
                (lat, lon),
                rng,
                odometer_m=rng.uniform(1e7, 5e8),
                next_report=now + rng.uniform(0, 2),
                last_moved=now,
                resume_at=now + rng.uniform(0, 120),
            )
        )
    return Fleet(
        vehicles,
        interval_s=interval_s,
        zone=zone,
        offline_share=offline_share,
        offline_minutes=offline_minutes,
        bad_share=bad_share,
        night=night,
    )


def run(fleet: Fleet, pool: DevicePool, *, duration_s: float | None, secret_key: str) -> int:
    """Connect every vehicle, then publish in real time; returns the number of messages sent."""
    for v in fleet.vehicles:
        pool.open(
            str(v.vehicle_id),
            f"sim-{v.vehicle_id}",
            device_username(v.vehicle_id),
            device_password(secret_key, v.vehicle_id),
        )
    pool.wait_connected(timeout=60)
    started = time.time()
    sent = 0
    try:
        while duration_s is None or time.time() - started < duration_s:
            now = time.time()
            for v in fleet.vehicles:
                for topic, payload in fleet.due(v, now):
                    pool.publish(str(v.vehicle_id), topic, payload)
                    sent += 1
            pool.pump(0.05)
    finally:
        pool.flush(timeout=30)
        pool.close()
    return sent


def load_rows(
    dsn: str, *, cooperative_id: int | None, limit: int
) -> tuple[list[tuple[int, int, str, str | None]], list[tuple[float, float]]]:
    """Active vehicles to simulate, and the depots they start from."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        vehicles = conn.execute(
            "SELECT id, cooperative_id, kind, tracking_device_id FROM vehicles"
            " WHERE status = 'active' AND (%(coop)s::int IS NULL OR cooperative_id = %(coop)s)"
            " ORDER BY id LIMIT %(limit)s",
            {"coop": cooperative_id, "limit": limit},
        ).fetchall()
        depots = conn.execute(
            "SELECT ST_Y(location), ST_X(location) FROM depots ORDER BY id"
        ).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in vehicles], [(float(a), float(b)) for a, b in depots]
