"""Writing telemetry: one transaction per batch, positions through binary COPY.

Rows are copied into a temporary table, then inserted into the day-partitioned ``positions`` with
``ON CONFLICT DO NOTHING`` (a redelivered message is harmless) and folded into ``vehicle_state``
(only newer data moves a vehicle). Dead letters go in the same transaction, so a batch is stored
whole or not at all — which is what lets the worker acknowledge only after commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from telematics.checks import DeadLetter, Fix, Row, VehicleInfo

_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS positions_in (
    cooperative_id integer, vehicle_id integer, device_time timestamptz, received_at timestamptz,
    lon double precision, lat double precision, speed_kmh real, heading smallint,
    altitude_m real, satellites smallint, hdop real, ignition boolean, odometer_m bigint,
    driver_card text, fuel_l real
) ON COMMIT DELETE ROWS
"""
_COPY_TYPES = [
    "int4",
    "int4",
    "timestamptz",
    "timestamptz",
    "float8",
    "float8",
    "float4",
    "int2",
    "float4",
    "int2",
    "float4",
    "bool",
    "int8",
    "text",
    "float4",
]
# New rows (not duplicates) also leave a mark per vehicle for the derive worker (journey facts).
_INSERT_POSITIONS = """
WITH inserted AS (
    INSERT INTO positions (cooperative_id, vehicle_id, device_time, received_at, geom, speed_kmh,
                           heading, altitude_m, satellites, hdop, ignition, odometer_m,
                           driver_card, fuel_l)
    SELECT cooperative_id, vehicle_id, device_time, received_at,
           ST_SetSRID(ST_MakePoint(lon, lat), 4326), speed_kmh, heading, altitude_m, satellites,
           hdop, ignition, odometer_m, driver_card, fuel_l
    FROM positions_in
    ON CONFLICT DO NOTHING
    RETURNING vehicle_id, cooperative_id, device_time
), marked AS (
    INSERT INTO derive_marks (vehicle_id, cooperative_id, dirty_from)
    SELECT vehicle_id, min(cooperative_id), min(device_time) FROM inserted GROUP BY vehicle_id
)
SELECT count(*) FROM inserted
"""
_UPSERT_STATE = """
INSERT INTO vehicle_state AS s (vehicle_id, cooperative_id, device_time, received_at, geom,
                                speed_kmh, heading, ignition, odometer_m, driver_card)
SELECT DISTINCT ON (vehicle_id) vehicle_id, cooperative_id, device_time, received_at,
       ST_SetSRID(ST_MakePoint(lon, lat), 4326), speed_kmh, heading, ignition, odometer_m,
       driver_card
FROM positions_in
ORDER BY vehicle_id, device_time DESC
ON CONFLICT (vehicle_id) DO UPDATE SET
    device_time = EXCLUDED.device_time, received_at = EXCLUDED.received_at,
    geom = EXCLUDED.geom, speed_kmh = EXCLUDED.speed_kmh, heading = EXCLUDED.heading,
    ignition = EXCLUDED.ignition, odometer_m = EXCLUDED.odometer_m,
    driver_card = EXCLUDED.driver_card
WHERE s.device_time < EXCLUDED.device_time
"""
_COPY_DEAD = (
    "COPY dead_letters (received_at, topic, payload, reason, detail, cooperative_id, vehicle_id)"
    " FROM STDIN (FORMAT BINARY)"
)
_DEAD_TYPES = ["timestamptz", "text", "bytea", "text", "text", "int4", "int4"]
Conn = psycopg.Connection[tuple[Any, ...]]
_PARTITION_NAME = re.compile(r"^positions_p(\d{8})$")


@dataclass(frozen=True, slots=True)
class Written:
    inserted: int  # new rows; the rest of the batch were duplicates
    dead: int


def connect(dsn: str) -> Conn:
    """A connection for the write path (libpq URL, e.g. Settings.sync_database_url)."""
    conn = psycopg.connect(dsn, autocommit=False, connect_timeout=5)
    conn.execute("SET synchronous_commit = on")
    conn.commit()
    return conn


class PositionStore:
    """The ingest worker's database side: partitions, batch writes, vehicle lookups."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.partitions: set[date] = set(existing_partitions(conn))
        conn.execute(_STAGING)
        conn.commit()

    def write(self, rows: Sequence[Row], dead: Sequence[DeadLetter]) -> Written:
        """Store one batch in one transaction."""
        self.ensure_partitions({row[2].date() for row in rows})
        inserted = 0
        with self.conn.transaction(), self.conn.cursor() as cur:
            if rows:
                with cur.copy("COPY positions_in FROM STDIN (FORMAT BINARY)") as copy:
                    copy.set_types(_COPY_TYPES)
                    for row in rows:
                        copy.write_row(row)
                inserted = cur.execute(_INSERT_POSITIONS).fetchone()[0]  # type: ignore[index]
                cur.execute(_UPSERT_STATE)
            if dead:
                with cur.copy(_COPY_DEAD) as copy:
                    copy.set_types(_DEAD_TYPES)
                    for letter in dead:
                        copy.write_row(
                            (
                                letter.received_at,
                                letter.topic,
                                letter.payload,
                                letter.reason,
                                letter.detail,
                                letter.cooperative_id,
                                letter.vehicle_id,
                            )
                        )
        return Written(inserted=inserted, dead=len(dead))

    def ensure_partitions(self, days: Iterable[date]) -> None:
        missing = sorted(set(days) - self.partitions)
        for day in missing:
            ensure_partition(self.conn, day)
            self.partitions.add(day)

    def vehicle(self, vehicle_id: int) -> VehicleInfo | None:
        row = self.conn.execute(
            "SELECT id, cooperative_id, tracking_device_id FROM vehicles WHERE id = %s",
            (vehicle_id,),
        ).fetchone()
        self.conn.commit()
        if row is None:
            return None
        return VehicleInfo(row[0], row[1], row[2])

    def vehicles(self) -> dict[int, VehicleInfo]:
        rows = self.conn.execute(
            "SELECT id, cooperative_id, tracking_device_id FROM vehicles"
        ).fetchall()
        self.conn.commit()
        return {r[0]: VehicleInfo(r[0], r[1], r[2]) for r in rows}

    def last_fixes(self) -> dict[int, Fix]:
        """Each vehicle's newest stored fix, to seed the jump check after a restart."""
        rows = self.conn.execute(
            "SELECT vehicle_id, extract(epoch FROM device_time), ST_Y(geom), ST_X(geom)"
            " FROM vehicle_state"
        ).fetchall()
        self.conn.commit()
        return {r[0]: Fix(float(r[1]), r[2], r[3]) for r in rows}


def ensure_partition(conn: Conn, day: date) -> None:
    """Create the partition of one UTC day if it is missing (safe against a concurrent worker)."""
    for attempt in range(3):
        try:
            with conn.transaction():
                conn.execute("SELECT coopfleet_ensure_positions_partition(%s)", (day,))
            return
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
            if attempt == 2:
                raise


def existing_partitions(conn: Conn) -> list[date]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
        " WHERE i.inhparent = 'positions'::regclass"
    ).fetchall()
    conn.commit()
    days = []
    for (name,) in rows:
        match = _PARTITION_NAME.match(str(name))
        if match:
            days.append(datetime.strptime(match[1], "%Y%m%d").replace(tzinfo=UTC).date())
    return days


def maintain_partitions(
    conn: Conn,
    *,
    today: date,
    ahead_days: int,
    retention_days: int,
) -> tuple[list[date], list[date]]:
    """Create partitions up to ``ahead_days`` ahead; drop whole days older than the retention."""
    existing = set(existing_partitions(conn))
    created = []
    for offset in range(-1, ahead_days + 1):
        day = today + timedelta(days=offset)
        if day not in existing:
            ensure_partition(conn, day)
            created.append(day)
    cutoff = today - timedelta(days=retention_days)
    dropped = []
    for day in sorted(existing):
        if day < cutoff:
            with conn.transaction():
                conn.execute(f"DROP TABLE IF EXISTS positions_p{day:%Y%m%d}")
            dropped.append(day)
    return created, dropped
