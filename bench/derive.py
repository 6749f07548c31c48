"""Journey-facts derivation: does it keep up with ingestion, and how fast is a backfill?

Run ``python -m bench.derive`` (after ``make services``). It builds a throwaway database and
prints, per run:

- live: a writer process stores positions for N vehicles every second through the ingest write
  path (telematics.store, marks included); this process runs the derive cycle. Printed: the
  derive process's CPU share of one core, p50/p99 from a position's storage to its facts'
  commit, positions derived per second.
- backfill (``--backfill-hours``): a day (or less) of positions every 10 s for N vehicles, stored
  first, then derived from scratch; printed: positions/s and the time for the whole day.
- the raw baseline in the same run: reading the same positions with the same query, no derivation.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg

from bench.ingest import _libpq, _with_database
from core.config import get_settings
from migrations import upgrade
from telematics.checks import Row
from telematics.journey.derive import Deriver
from telematics.store import PositionStore, connect

BASE = 106.6, 10.8  # around Biên Hòa


def _setup(url: str, vehicles: int) -> list[int]:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('HTX bench', '3600000002')"
            " RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        rows = conn.execute(
            "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind, payload_kg)"
            " SELECT %s, '60C-' || lpad(n::text, 5, '0'), '60C' || n, 'truck', 5000"
            " FROM generate_series(1, %s) AS n RETURNING id",
            (coop, vehicles),
        ).fetchall()
        return [coop, *[r[0] for r in rows]]


def _rows(coop: int, ids: list[int], t: datetime, step: int, received: datetime) -> list[Row]:
    """One fix per vehicle at ``t``: vehicles drive east in 30-minute trips, 10-minute stops."""
    out: list[Row] = []
    cycle = step % 2400
    moving = cycle < 1800
    for n, vid in enumerate(ids):
        lon = BASE[0] + (n % 60) * 0.01 + (min(cycle, 1800) * 13.9 / 111_320.0)
        lat = BASE[1] + (n // 60) * 0.01
        speed = 50.0 + (n % 7) * 5 if moving else 0.0
        ignition = moving or cycle < 2100  # idling for 5 minutes after arriving
        out.append(
            (coop, vid, t, received, lon, lat, speed, None, None, None, None, ignition, None,
             None, None)
        )  # fmt: skip
    return out


def _writer(url: str, coop: int, ids: list[int], seconds: int, start: float) -> None:
    """Every second, one fix per vehicle, in 5 batches like the ingest workers' 200 ms ones."""
    with connect(_libpq(url)) as conn:
        store = PositionStore(conn)
        chunk = max(1, len(ids) // 5)
        for step in range(seconds):
            tick = start + step
            t = datetime.fromtimestamp(tick, UTC)
            for i in range(0, len(ids), chunk):
                store.write(_rows(coop, ids[i : i + chunk], t, step, datetime.now(UTC)), [])
                time.sleep(max(0.0, tick + (i // chunk + 1) * 0.2 - time.time()))


def live(url: str, vehicles: int, seconds: int) -> dict[str, float]:
    coop, *ids = _setup(url, vehicles)
    start = time.time() - 1
    writer = multiprocessing.Process(target=_writer, args=(url, coop, ids, seconds, start))
    writer.start()
    latencies: list[float] = []
    fixes = 0
    with psycopg.connect(_libpq(url)) as conn:
        deriver = Deriver(conn)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        while writer.is_alive():
            began = time.perf_counter()
            report = deriver.run_once()
            latencies += report.latencies_s
            fixes += report.fixes
            time.sleep(max(0.0, 1.0 - (time.perf_counter() - began)))
        writer.join()
        fixes += deriver.run_until_idle().fixes
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    latencies.sort()
    return {
        "vehicles": vehicles,
        "seconds": seconds,
        "positions_derived": fixes,
        "derive_cpu_share_of_a_core": cpu / wall,
        "latency_p50_s": latencies[len(latencies) // 2],
        "latency_p99_s": latencies[int(len(latencies) * 0.99)],
    }


_GENERATE_DAY = """
INSERT INTO positions (cooperative_id, vehicle_id, device_time, received_at, geom, speed_kmh,
                       ignition)
SELECT %(coop)s, v.id, %(start)s + s * interval '10 s', %(start)s + s * interval '10 s',
       ST_SetSRID(ST_MakePoint(
           106.6 + (v.n %% 60) * 0.01 + (CASE WHEN (s * 10 / 2400) %% 2 = 0
               THEN least((s * 10) %% 2400, 1800) ELSE 1800 - least((s * 10) %% 2400, 1800)
           END) * 13.9 / 111320.0,
           10.8 + (v.n / 60) * 0.01), 4326),
       CASE WHEN (s * 10) %% 2400 < 1800 THEN 50 + (v.n %% 7) * 5 ELSE 0 END,
       (s * 10) %% 2400 < 2100
FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM vehicles
      WHERE cooperative_id = %(coop)s) AS v,
     generate_series(0, %(steps)s - 1) AS s
"""


def _derive_share(url: str, workers: int, worker: int) -> None:
    with psycopg.connect(_libpq(url)) as conn:
        Deriver(conn, workers=workers, worker=worker, vehicles_per_cycle=100).run_until_idle(
            max_cycles=1_000_000
        )


def backfill(url: str, vehicles: int, hours: float, workers: int) -> dict[str, float]:
    """A day of fixes every 10 s (stored by SQL, with one mark per vehicle), then derived from
    nothing by ``workers`` processes; the raw baseline reads the same rows once."""
    coop, *ids = _setup(url, vehicles)
    start = datetime(2026, 10, 5, 17, 0, tzinfo=UTC)  # local midnight
    steps = int(hours * 360)
    began = time.perf_counter()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        for day in {(start + timedelta(hours=h)).date() for h in range(int(hours) + 2)}:
            conn.execute("SELECT coopfleet_ensure_positions_partition(%s)", (day,))
        conn.execute(_GENERATE_DAY, {"coop": coop, "start": start, "steps": steps})
        conn.execute(
            "INSERT INTO derive_marks (vehicle_id, cooperative_id, dirty_from)"
            " SELECT id, cooperative_id, %s FROM vehicles WHERE cooperative_id = %s",
            (start, coop),
        )
        conn.execute("VACUUM ANALYZE positions")
    stored_s = time.perf_counter() - began
    total = steps * len(ids)
    with psycopg.connect(_libpq(url)) as conn:
        began = time.perf_counter()
        with conn.cursor("raw", binary=True) as cur:
            cur.itersize = 50_000
            cur.execute(
                "SELECT vehicle_id, extract(epoch FROM device_time)::float8, ST_X(geom),"
                " ST_Y(geom), speed_kmh, ignition, odometer_m, driver_card FROM positions"
                " ORDER BY vehicle_id, device_time"
            )
            read_rows = sum(1 for _ in cur)
        raw_s = time.perf_counter() - began
    began = time.perf_counter()
    processes = [
        multiprocessing.Process(target=_derive_share, args=(url, workers, n))
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    derive_s = time.perf_counter() - began
    with psycopg.connect(_libpq(url)) as conn:
        trips = conn.execute("SELECT count(*) FROM trips").fetchone()[0]  # type: ignore[index]
        left = conn.execute("SELECT count(*) FROM derive_marks").fetchone()[0]  # type: ignore[index]
    return {
        "vehicles": vehicles,
        "hours": hours,
        "positions": total,
        "generate_s": stored_s,
        "derive_workers": workers,
        "derive_s": derive_s,
        "derived_per_s": total / derive_s,
        "trips": trips,
        "marks_left": left,
        "raw_read_s": raw_s,
        "raw_read_rows": read_rows,
        "derive_over_raw_read": derive_s / raw_s,
    }


def _with_db(fn: Callable[..., dict[str, float]], *args: object) -> dict[str, float]:
    base = get_settings().database_url
    name = f"coopfleet_bench_{uuid.uuid4().hex[:8]}"
    url = _with_database(base, name)
    with psycopg.connect(_libpq(_with_database(base, "postgres")), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(url)
        return fn(url, *args)
    finally:
        with psycopg.connect(_libpq(_with_database(base, "postgres")), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--vehicles", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=60, help="length of a live run")
    parser.add_argument("--runs", type=int, default=3, help="live runs (0: none)")
    parser.add_argument("--backfill-hours", type=float, default=0.0)
    parser.add_argument("--backfill-vehicles", type=int, default=3000)
    parser.add_argument("--backfill-workers", type=int, default=2)
    args = parser.parse_args()
    results = []
    for run in range(args.runs):
        result = _with_db(live, args.vehicles, args.seconds)
        results.append(result)
        print(f"live run {run + 1}: " + ", ".join(f"{k}={v:.3f}" for k, v in result.items()))
    if results:
        for key in ("derive_cpu_share_of_a_core", "latency_p99_s"):
            print(f"median {key}: {statistics.median(r[key] for r in results):.3f}")
    if args.backfill_hours:
        result = _with_db(
            backfill, args.backfill_vehicles, args.backfill_hours, args.backfill_workers
        )
        print("backfill: " + ", ".join(f"{k}={v:.3f}" for k, v in result.items()))


if __name__ == "__main__":
    main()
