"""The derive worker's database side: marks to handle, positions to read, facts to write.

Facts are keyed naturally (a vehicle's trip or stop by its start; an event by source, subject,
kind and start), so writing them again is harmless and a recomputed window replaces exactly what
it covers. Acknowledgements and excuses on events survive a recompute.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from shapely import LineString

from telematics.journey.facts import DayActivity, Event, Fix, Kind, Stop, Trip

Conn = psycopg.Connection[tuple[Any, ...]]
PATH_TOLERANCE_DEG = 10.0 / 111_320.0  # trip paths are simplified to within ~10 m


def ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


@dataclass(slots=True)
class Pending:
    """New positions of one vehicle since it was last derived."""

    vehicle_id: int
    cooperative_id: int
    dirty_from: float
    stored_at: float  # when the oldest of them was stored
    mark_ids: list[int] = field(default_factory=list)


def pending(
    conn: Conn,
    workers: int = 1,
    worker: int = 0,
    cooperatives: Sequence[int] | None = None,
    limit: int = 200_000,
) -> list[Pending]:
    """Marks of this worker's share of vehicles (``vehicle_id % workers == worker``)."""
    rows = conn.execute(
        "SELECT id, vehicle_id, cooperative_id, dirty_from, stored_at FROM derive_marks"
        " WHERE vehicle_id %% %s = %s AND (%s::int[] IS NULL OR cooperative_id = ANY(%s))"
        " ORDER BY id LIMIT %s",
        (workers, worker, cooperatives, cooperatives, limit),
    ).fetchall()
    by_vehicle: dict[int, Pending] = {}
    for mark_id, vehicle_id, coop_id, dirty_from, stored_at in rows:
        found = by_vehicle.get(vehicle_id)
        if found is None:
            found = by_vehicle[vehicle_id] = Pending(
                vehicle_id, coop_id, dirty_from.timestamp(), stored_at.timestamp()
            )
        found.dirty_from = min(found.dirty_from, dirty_from.timestamp())
        found.stored_at = min(found.stored_at, stored_at.timestamp())
        found.mark_ids.append(mark_id)
    return list(by_vehicle.values())


_FIX_COLUMNS = (
    "extract(epoch FROM device_time)::float8, ST_X(geom), ST_Y(geom), speed_kmh, ignition,"
    " odometer_m, driver_card"
)


def _fix(row: Sequence[Any]) -> Fix:
    return Fix(row[0], row[1], row[2], row[3], row[4], row[5], row[6])


def read_fixes(conn: Conn, since: dict[int, float]) -> dict[int, list[Fix]]:
    """Each vehicle's positions after its own time, in order; the smallest time bounds the
    partitions scanned."""
    if not since:
        return {}
    ids = list(since)
    lower = ts(min(since.values()))
    out: dict[int, list[Fix]] = {v: [] for v in ids}
    with conn.cursor(binary=True) as cur:
        cur.execute(
            f"SELECT p.vehicle_id, {_FIX_COLUMNS} FROM positions p"  # noqa: S608 (constant)
            " JOIN unnest(%s::int[], %s::timestamptz[]) AS q(vid, since)"
            "   ON p.vehicle_id = q.vid AND p.device_time > q.since"
            " WHERE p.device_time > %s ORDER BY p.vehicle_id, p.device_time",
            (ids, [ts(since[v]) for v in ids], lower),
        )
        for row in cur:
            out[row[0]].append(_fix(row[1:]))
    return out


@dataclass(frozen=True, slots=True)
class Anchor:
    """Where a recompute starts: inside a stored stop (``fix``), or from nothing."""

    since: float  # facts starting at or after this are replaced
    fix: Fix | None
    driver_id: int | None


def anchor(conn: Conn, vehicle_id: int, dirty_from: float, min_stop_s: int) -> Anchor:
    """The latest stored stop that began well before the new data (its start is then settled),
    else the vehicle's first fact, else the new data itself."""
    row = conn.execute(
        "SELECT started_at, driver_id FROM stops WHERE vehicle_id = %s AND started_at <= %s"
        " ORDER BY started_at DESC LIMIT 1",
        (vehicle_id, ts(dirty_from - min_stop_s)),
    ).fetchone()
    if row is not None:
        started = row[0]
        fix_row = conn.execute(
            f"SELECT {_FIX_COLUMNS} FROM positions"  # noqa: S608 (a constant)
            " WHERE vehicle_id = %s AND device_time = %s",
            (vehicle_id, started),
        ).fetchone()
        if fix_row is not None:
            return Anchor(started.timestamp(), _fix(fix_row), row[1])
    first = conn.execute(
        "SELECT least((SELECT min(started_at) FROM trips WHERE vehicle_id = %s),"
        " (SELECT min(started_at) FROM stops WHERE vehicle_id = %s))",
        (vehicle_id, vehicle_id),
    ).fetchone()
    start = dirty_from
    if first is not None and first[0] is not None:
        start = min(start, first[0].timestamp())
    return Anchor(start, None, None)


def clear_from(conn: Conn, vehicle_id: int, since: float) -> list[tuple[int, float]]:
    """Remove a vehicle's segments from ``since`` on; returns (driver, start) of trips removed."""
    at = ts(since)
    removed = conn.execute(
        "DELETE FROM trips WHERE vehicle_id = %s AND started_at >= %s"
        " RETURNING driver_id, extract(epoch FROM started_at)::float8",
        (vehicle_id, at),
    ).fetchall()
    conn.execute("DELETE FROM stops WHERE vehicle_id = %s AND started_at >= %s", (vehicle_id, at))
    conn.execute(
        "DELETE FROM segment_days WHERE vehicle_id = %s AND segment_start >= %s", (vehicle_id, at)
    )
    return [(r[0], r[1]) for r in removed if r[0] is not None]


def _point(place: tuple[float, float] | None) -> str | None:
    return None if place is None else f"SRID=4326;POINT({place[0]} {place[1]})"


_STAGING = (
    """
    CREATE TEMP TABLE IF NOT EXISTS trips_in (
        cooperative_id int, vehicle_id int, driver_id int, started_at timestamptz,
        ended_at timestamptz, is_open boolean, start_geom text, end_geom text, distance_m int,
        odometer_m int, duration_s int, moving_s int, idle_s int, max_speed_kmh real,
        avg_speed_kmh real, path text
    ) ON COMMIT DELETE ROWS
    """,
    """
    CREATE TEMP TABLE IF NOT EXISTS stops_in (
        cooperative_id int, vehicle_id int, driver_id int, started_at timestamptz,
        ended_at timestamptz, is_open boolean, geom text, duration_s int, engine_on_s int
    ) ON COMMIT DELETE ROWS
    """,
    """
    CREATE TEMP TABLE IF NOT EXISTS segment_days_in (LIKE segment_days) ON COMMIT DELETE ROWS
    """,
)
_UPSERT_TRIPS = """
INSERT INTO trips (cooperative_id, vehicle_id, driver_id, started_at, ended_at, is_open,
                   start_geom, end_geom, distance_m, odometer_m, duration_s, moving_s, idle_s,
                   max_speed_kmh, avg_speed_kmh, path)
SELECT cooperative_id, vehicle_id, driver_id, started_at, ended_at, is_open,
       start_geom::geometry, end_geom::geometry, distance_m, odometer_m, duration_s, moving_s,
       idle_s, max_speed_kmh, avg_speed_kmh, path::geometry
FROM trips_in
ON CONFLICT (vehicle_id, started_at) DO UPDATE SET
    driver_id = EXCLUDED.driver_id, ended_at = EXCLUDED.ended_at, is_open = EXCLUDED.is_open,
    end_geom = EXCLUDED.end_geom, distance_m = EXCLUDED.distance_m,
    odometer_m = EXCLUDED.odometer_m, duration_s = EXCLUDED.duration_s,
    moving_s = EXCLUDED.moving_s, idle_s = EXCLUDED.idle_s,
    max_speed_kmh = EXCLUDED.max_speed_kmh, avg_speed_kmh = EXCLUDED.avg_speed_kmh,
    path = EXCLUDED.path
"""
_UPSERT_STOPS = """
INSERT INTO stops (cooperative_id, vehicle_id, driver_id, started_at, ended_at, is_open, geom,
                   duration_s, engine_on_s)
SELECT cooperative_id, vehicle_id, driver_id, started_at, ended_at, is_open, geom::geometry,
       duration_s, engine_on_s
FROM stops_in
ON CONFLICT (vehicle_id, started_at) DO UPDATE SET
    driver_id = EXCLUDED.driver_id, ended_at = EXCLUDED.ended_at, is_open = EXCLUDED.is_open,
    duration_s = EXCLUDED.duration_s, engine_on_s = EXCLUDED.engine_on_s
"""
_DAY_COLUMNS = (
    "vehicle_id, segment_start, segment_kind, day, driver_id, cooperative_id, distance_m,"
    " engine_s, moving_s,"
    " idle_s, nodata_s, trips, stops, first_move_at, last_move_at"
)
_UPSERT_DAYS = f"""
INSERT INTO segment_days ({_DAY_COLUMNS}) SELECT {_DAY_COLUMNS} FROM segment_days_in
ON CONFLICT (vehicle_id, segment_start, segment_kind, day, driver_id) DO UPDATE SET
    distance_m = EXCLUDED.distance_m, engine_s = EXCLUDED.engine_s,
    moving_s = EXCLUDED.moving_s, idle_s = EXCLUDED.idle_s, nodata_s = EXCLUDED.nodata_s,
    trips = EXCLUDED.trips, stops = EXCLUDED.stops, first_move_at = EXCLUDED.first_move_at,
    last_move_at = EXCLUDED.last_move_at
"""  # noqa: S608 (constant column list)


def prepare(conn: Conn) -> None:
    """The temporary staging tables of this connection (once per connection)."""
    for ddl in _STAGING:
        conn.execute(ddl)


class FactBatch:
    """A cycle's trips, stops and day shares, written with one COPY and one upsert each."""

    def __init__(self) -> None:
        self.trips: list[tuple[Any, ...]] = []
        self.stops: list[tuple[Any, ...]] = []
        self.days: list[tuple[Any, ...]] = []
        self.touched: set[tuple[int, date]] = set()

    def add_trips(self, coop_id: int, vehicle_id: int, trips: Iterable[Trip]) -> None:
        for trip in trips:
            path = None
            if not trip.is_open and len(trip.path) >= 2:
                line = LineString(trip.path).simplify(PATH_TOLERANCE_DEG, preserve_topology=False)
                path = "SRID=4326;" + line.wkt
            self.trips.append(
                (
                    coop_id,
                    vehicle_id,
                    trip.driver_id,
                    ts(trip.start_t),
                    ts(trip.end_t),
                    trip.is_open,
                    _point(trip.start),
                    _point(trip.end),
                    round(trip.distance_m),
                    trip.odometer_m,
                    round(trip.duration_s),
                    round(trip.moving_s),
                    round(trip.idle_s),
                    trip.max_speed_kmh,
                    trip.avg_speed_kmh,
                    path,
                )
            )
            self._add_days(coop_id, vehicle_id, trip.start_t, "t", trip.days)

    def add_stops(self, coop_id: int, vehicle_id: int, stops: Iterable[Stop]) -> None:
        for stop in stops:
            self.stops.append(
                (
                    coop_id,
                    vehicle_id,
                    stop.driver_id,
                    ts(stop.start_t),
                    ts(stop.end_t),
                    stop.is_open,
                    _point(stop.place),
                    round(stop.duration_s),
                    round(stop.engine_on_s),
                )
            )
            self._add_days(coop_id, vehicle_id, stop.start_t, "s", stop.days)

    def _add_days(
        self,
        coop_id: int,
        vehicle_id: int,
        segment_start: float,
        kind: str,
        shares: Iterable[DayActivity],
    ) -> None:
        start = ts(segment_start)
        for d in shares:
            self.touched.add((vehicle_id, d.day))
            self.days.append(
                (
                    vehicle_id,
                    start,
                    kind,
                    d.day,
                    d.driver_id,
                    coop_id,
                    d.distance_m,
                    d.engine_s,
                    d.moving_s,
                    d.idle_s,
                    d.nodata_s,
                    d.trips,
                    d.stops,
                    ts(d.first_move_t) if d.first_move_t is not None else None,
                    ts(d.last_move_t) if d.last_move_t is not None else None,
                )
            )

    def flush(self, conn: Conn) -> None:
        with conn.cursor() as cur:
            for table, rows, upsert in (
                ("trips_in", self.trips, _UPSERT_TRIPS),
                ("stops_in", self.stops, _UPSERT_STOPS),
                ("segment_days_in", self.days, _UPSERT_DAYS),
            ):
                if not rows:
                    continue
                with cur.copy(f"COPY {table} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                cur.execute(upsert)
        roll_up(conn, self.touched)


def roll_up(conn: Conn, touched: Iterable[tuple[int, date]]) -> None:
    """Re-sum the daily rollups of the (vehicle, day) pairs whose segments changed."""
    pairs = sorted(set(touched))
    if not pairs:
        return
    vehicles = [p[0] for p in pairs]
    days = [p[1] for p in pairs]
    conn.execute(
        "DELETE FROM daily_activity a USING unnest(%s::int[], %s::date[]) AS t(v, d)"
        " WHERE a.vehicle_id = t.v AND a.day = t.d",
        (vehicles, days),
    )
    conn.execute(
        """
        INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id, distance_m,
                                    engine_s, moving_s, idle_s, nodata_s, trips, stops,
                                    first_move_at, last_move_at)
        SELECT s.vehicle_id, s.day, s.driver_id, min(s.cooperative_id), round(sum(s.distance_m)),
               round(sum(s.engine_s)), round(sum(s.moving_s)), round(sum(s.idle_s)),
               round(sum(s.nodata_s)), sum(s.trips), sum(s.stops), min(s.first_move_at),
               max(s.last_move_at)
        FROM segment_days s JOIN unnest(%s::int[], %s::date[]) AS t(v, d)
          ON s.vehicle_id = t.v AND s.day = t.d
        GROUP BY s.vehicle_id, s.day, s.driver_id
        """,
        (vehicles, days),
    )


def write_events(
    conn: Conn,
    coop_id: int,
    source: str,
    subject_id: int,
    events: Sequence[Event],
    replace_from: float | None = None,
    kinds: Sequence[str] = Kind.VEHICLE,
) -> list[int]:
    """Upsert events; with ``replace_from``, remove this subject's derived events from then on
    that were not raised again. Returns the ids of events new to the table."""
    new_ids: list[int] = []
    with conn.cursor() as cur:
        for e in events:
            vehicle_id = subject_id if source == "vehicle" else e.vehicle_id
            driver_id = e.driver_id if source == "vehicle" else subject_id
            place = _point(e.place)
            row = cur.execute(
                """
                INSERT INTO journey_events AS j (cooperative_id, source, subject_id, kind,
                    vehicle_id, driver_id, started_at, ended_at, geom, details)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s,
                        coalesce(%s::geometry, (SELECT geom FROM positions
                          WHERE vehicle_id = %s AND device_time <= %s
                            AND device_time > %s::timestamptz - interval '1 hour'
                          ORDER BY device_time DESC LIMIT 1)), %s)
                ON CONFLICT (source, subject_id, kind, started_at) DO UPDATE SET
                    ended_at = EXCLUDED.ended_at, details = EXCLUDED.details,
                    driver_id = EXCLUDED.driver_id, geom = EXCLUDED.geom
                RETURNING id, (xmax = 0) AS inserted
                """,
                (
                    coop_id,
                    source,
                    subject_id,
                    e.kind,
                    vehicle_id,
                    driver_id,
                    ts(e.start_t),
                    ts(e.end_t) if e.end_t is not None else None,
                    place,
                    vehicle_id,
                    ts(e.start_t),
                    ts(e.start_t),
                    json.dumps(e.details),
                ),
            ).fetchone()
            if row is not None and row[1]:
                new_ids.append(row[0])
        if replace_from is not None:
            keep_kinds = [e.kind for e in events]
            keep_starts = [ts(e.start_t) for e in events]
            cur.execute(
                """
                DELETE FROM journey_events j
                WHERE source = %s AND subject_id = %s AND started_at >= %s AND NOT live
                  AND kind = ANY(%s)
                  AND NOT EXISTS (SELECT 1 FROM unnest(%s::text[], %s::timestamptz[]) AS k(kind, s)
                                  WHERE k.kind = j.kind AND k.s = j.started_at)
                """,
                (source, subject_id, ts(replace_from), list(kinds), keep_kinds, keep_starts),
            )
    return new_ids


def forget_marks(conn: Conn, mark_ids: Sequence[int]) -> None:
    conn.execute("DELETE FROM derive_marks WHERE id = ANY(%s)", (list(mark_ids),))


def driver_drives(
    conn: Conn, driver_ids: Sequence[int], since: float
) -> dict[int, list[tuple[float, float, int]]]:
    out: dict[int, list[tuple[float, float, int]]] = {d: [] for d in driver_ids}
    for driver_id, start, end, vehicle_id in conn.execute(
        "SELECT driver_id, extract(epoch FROM started_at)::float8,"
        " extract(epoch FROM ended_at)::float8, vehicle_id FROM trips"
        " WHERE driver_id = ANY(%s) AND ended_at >= %s ORDER BY driver_id, started_at",
        (list(driver_ids), ts(since)),
    ):
        out[driver_id].append((start, end, vehicle_id))
    return out


def driver_cooperatives(conn: Conn, driver_ids: Sequence[int]) -> dict[int, tuple[int, str]]:
    return {
        row[0]: (row[1], row[2])
        for row in conn.execute(
            "SELECT d.id, d.cooperative_id, c.time_zone FROM drivers d"
            " JOIN cooperatives c ON c.id = d.cooperative_id WHERE d.id = ANY(%s)",
            (list(driver_ids),),
        )
    }
