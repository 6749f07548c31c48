"""Maintenance figures: the due list and the fuel-event scan, each beside a raw baseline.

``python -m bench.maintenance`` builds a throwaway database with the demo cooperative (3,000
vehicles) and:

1. **Due list** (target p95 ≤ 500 ms): ``--days`` (400) of daily rollups per vehicle, a plan of
   five tasks (oil 10,000 km, tyres 40,000 km, brakes 20,000 km or 12 months — a safety item,
   engine service 500 engine hours, the legal inspection) each last done on a random recent day
   (closed work orders), then ``maintenance.due.due_list`` for the whole cooperative
   ``--runs`` times: p50/p95, beside the same bare SQL query fetched with psycopg.
2. **Fuel events**: a day of positions with a tank level every 30 s for every vehicle
   (synthetic noise only: ``devtools.tank_levels``), stored with COPY, then scanned as the
   worker's ``scan_fuel`` does, one run per ``--scan-minutes`` of device time: the scan's CPU
   seconds (this process: reads, detection, writes) for the day and its share of one core,
   beside the derive worker's figure in the README, and the events raised on noise alone
   (false positives per vehicle-day). The detector alone is also timed per vehicle-day, and
   its recall checked on ``--recall-days`` noisy days with a 60 L refuel and a 25 L drain.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from core.db import session_factory
from devtools.tank_levels import FIX_S, FIXES_PER_DAY, Step, day_of_levels
from devtools.throwaway import DEMO_COOPERATIVE, database
from maintenance import due, fuel_scan
from maintenance.fuel_events import detect

SERVED = (due.DUE_SOON, due.OVERDUE)  # what the due list shows by default
DERIVE_CPU_SHARE = "0.154–0.160 of one core for 3,000 vehicles at one fix a second (README)"
TASKS = (
    ("Thay dầu / oil", 10_000, None, None, False, False),
    ("Lốp / tyres", 40_000, None, None, False, False),
    ("Phanh / brakes", 20_000, None, 12, False, True),
    ("Bảo dưỡng máy / engine service", None, 500, None, False, False),
    ("Đăng kiểm / inspection", None, None, None, True, True),
)


def _plain(url: str) -> str:
    return url.replace("+psycopg", "")


def _rollups_and_plan(url: str, coop: int, days: int, today: date, seed: int) -> None:
    """The rollups, the plan and when each task was last done."""
    rng = random.Random(seed)
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id, distance_m,"
            " engine_s, moving_s, idle_s, nodata_s, trips, stops)"
            " SELECT v.id, d::date, 0, v.cooperative_id, 60000 + (random() * 240000)::int,"
            " 3600 + (random() * 32400)::int, 3600, 600, 0, 4, 4"
            " FROM vehicles v, generate_series(%s::date - %s + 1, %s::date, interval '1 day') d"
            " WHERE v.cooperative_id = %s",
            (today, days, today, coop),
        )
        task_ids = []
        for name, km, hours, months, inspection, safety in TASKS:
            task_ids.append(
                conn.execute(
                    "INSERT INTO maintenance_tasks (cooperative_id, name, every_km,"
                    " every_engine_h, every_months, legal_inspection, safety, starts_on)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
                    (coop, name, km, hours, months, inspection, safety, today - timedelta(days)),
                ).fetchone()[0]  # type: ignore[index]
            )
        vehicles = [
            r[0] for r in conn.execute("SELECT id FROM vehicles WHERE cooperative_id = %s", (coop,))
        ]
        rows = [
            (coop, v, t, today - timedelta(days=rng.randint(1, 150)))
            for v in vehicles
            for t in task_ids
        ]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO work_orders (cooperative_id, vehicle_id, task_id, status, title,"
                " closed_at, closed_on) VALUES (%s, %s, %s, 'closed', 'done', now(), %s)",
                rows,
            )
        conn.execute("VACUUM ANALYZE daily_activity")  # as autovacuum leaves it: index-only
        conn.execute("ANALYZE work_orders")
        conn.execute("ANALYZE maintenance_tasks")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _due_timings(url: str, coop: int, today: date, runs: int) -> tuple[list[float], int]:
    engine = create_async_engine(url, pool_size=2)
    sessions = session_factory(engine)
    timings, size = [], 0
    try:
        for _ in range(runs):
            async with sessions() as session:
                started = time.perf_counter()
                items = await due.due_list(session, coop, today, states=SERVED)
                timings.append((time.perf_counter() - started) * 1000)
                size = len(items)
    finally:
        await engine.dispose()
    return timings, size


def _bare_timings(url: str, coop: int, today: date, runs: int) -> list[float]:
    """The same query, fetched with psycopg: no ORM, no assessment in Python."""
    sql = str(due._DUE.text).replace(":coop", "%(coop)s").replace(":vehicles", "%(vehicles)s")
    for name in ("safety_only", "every_state", "share", "soon", "shortest_cycle"):
        sql = sql.replace(f":{name}", f"%({name})s")
    values = {
        "coop": coop,
        "vehicles": None,
        "safety_only": False,
        "every_state": False,
        "share": due.DUE_SOON_SHARE,
        "soon": today + timedelta(days=due.DUE_SOON_DAYS),
        "shortest_cycle": due.SHORTEST_INSPECTION_MONTHS,
    }
    timings = []
    with psycopg.connect(_plain(url)) as conn:
        for _ in range(runs):
            started = time.perf_counter()
            conn.execute(sql, values).fetchall()
            timings.append((time.perf_counter() - started) * 1000)
            conn.rollback()
    return timings


def _store_day(url: str, coop: int, day: date) -> tuple[int, int]:
    """A day of noisy levels for every vehicle, with COPY; (vehicles, fixes)."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
    with psycopg.connect(_plain(url), autocommit=True) as conn:
        conn.execute("SELECT coopfleet_ensure_positions_partition(%s)", (day,))
        vehicles = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM vehicles WHERE cooperative_id = %s ORDER BY id", (coop,)
            )
        ]
        fixes = 0
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY positions (cooperative_id, vehicle_id, device_time, received_at, geom,"
                " fuel_l) FROM STDIN"
            ) as copy,
        ):
            for vehicle_id in vehicles:
                for fix in day_of_levels(vehicle_id):
                    at = datetime.fromtimestamp(start + (fix.t - 1_764_547_200.0), UTC)
                    copy.write_row(
                        (coop, vehicle_id, at, at, f"SRID=4326;POINT({fix.lon} {fix.lat})",
                         fix.fuel_l)
                    )  # fmt: skip
                    fixes += 1
        end = datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
        conn.execute(
            "INSERT INTO vehicle_state (vehicle_id, cooperative_id, device_time, received_at,"
            " geom) SELECT id, cooperative_id, %s, %s, ST_SetSRID(ST_MakePoint(106.8, 10.9), 4326)"
            " FROM vehicles WHERE cooperative_id = %s",
            (end, end, coop),
        )
        conn.execute(
            "INSERT INTO fuel_scan_marks (vehicle_id, scanned_to) SELECT id, %s FROM vehicles"
            " WHERE cooperative_id = %s",
            (datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(seconds=1), coop),
        )
        conn.execute("ANALYZE positions")
    return len(vehicles), fixes


async def _scan_day(url: str, day: date, minutes: int) -> tuple[float, float, int, int]:
    """The day scanned as the worker would, a run per ``minutes`` of device time; (CPU s,
    wall s, runs, events)."""
    engine = create_async_engine(url, pool_size=2)
    sessions = session_factory(engine)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    cpu0, wall0, events, runs = time.process_time(), time.perf_counter(), 0, 0
    try:
        until = start
        while until < start + timedelta(days=1, minutes=minutes):
            until += timedelta(minutes=minutes)
            async with sessions() as session:
                events += await fuel_scan.scan(session, until=until)
                await session.commit()
            runs += 1
    finally:
        await engine.dispose()
    return time.process_time() - cpu0, time.perf_counter() - wall0, runs, events


def _recall(days: int) -> tuple[int, int]:
    """Noisy days with a 60 L refuel (3 fixes) and a 25 L drain (2 fixes): both found within
    one fix of where they happened."""
    found = 0
    for seed in range(days):
        fixes = day_of_levels(50_000 + seed, steps=(Step(900, 60.0, 3), Step(2000, -25.0, 2)))
        events = detect(fixes)
        hits = [(e.kind, e.index) for e in events]
        if (
            len(hits) == 2
            and hits[0][0] == "refuel"
            and abs(hits[0][1] - 901) <= 1
            and hits[1][0] == "drain"
            and abs(hits[1][1] - 2000) <= 1
        ):
            found += 1
    return found, days


def _bench_due(url: str, coop: int, args: argparse.Namespace) -> None:
    today = date.today()
    started = time.perf_counter()
    _rollups_and_plan(url, coop, args.days, today, args.seed)
    took = time.perf_counter() - started
    print(f"rollups: 3,000 vehicles × {args.days} days in {took:.0f} s")
    timings, size = asyncio.run(_due_timings(url, coop, today, args.runs))
    bare = _bare_timings(url, coop, today, args.runs)
    print(
        f"due list (15,000 task × vehicle pairs, {size:,} due soon or overdue, {args.runs} runs):"
        f" p50 {statistics.median(timings):.0f} ms, p95 {_percentile(timings, 0.95):.0f} ms"
        " (target p95 ≤ 500 ms)"
    )
    print(
        f"  bare SQL (psycopg, same query): p50 {statistics.median(bare):.0f} ms,"
        f" p95 {_percentile(bare, 0.95):.0f} ms; ratio of p50s"
        f" {statistics.median(timings) / statistics.median(bare):.2f}"
    )


def _bench_fuel(url: str, coop: int, args: argparse.Namespace) -> None:
    day = date.today() - timedelta(days=2)
    started = time.perf_counter()
    vehicles, fixes = _store_day(url, coop, day)
    print(
        f"fuel: {vehicles:,} vehicles × a day of levels every {FIX_S} s = {fixes:,} fixes"
        f" stored in {time.perf_counter() - started:.0f} s (noise only)"
    )
    cpu, wall, runs, events = asyncio.run(_scan_day(url, day, args.scan_minutes))
    print(
        f"  scan_fuel, a run per {args.scan_minutes} min of device time ({runs} runs):"
        f" {cpu:.1f} s CPU in this process ({wall:.1f} s wall) for the day ="
        f" {cpu / 86_400:.5f} of one core; {cpu / fixes * 1e6:.1f} µs CPU per fix"
    )
    print(f"  beside it, the derive worker: {DERIVE_CPU_SHARE} (≈ 52 µs CPU per fix)")
    print(
        f"  false positives on noise alone: {events} events over {vehicles:,} vehicle-days"
        f" = {events / vehicles:.5f} per vehicle-day"
    )


def _bench_detector(args: argparse.Namespace) -> None:
    days = [day_of_levels(90_000 + s) for s in range(50)]
    started = time.process_time()
    for levels in days:
        detect(levels)
    per_day = (time.process_time() - started) / len(days)
    print(
        f"detector alone: {per_day * 1000:.2f} ms CPU per vehicle-day of {FIXES_PER_DAY:,}"
        f" fixes ({per_day / FIXES_PER_DAY * 1e6:.2f} µs per fix)"
    )
    found, tried = _recall(args.recall_days)
    print(f"recall: 60 L refuel and 25 L drain both found within one fix on {found}/{tried} days")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=400)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--scan-minutes", type=int, default=5)
    parser.add_argument("--recall-days", type=int, default=200)
    parser.add_argument("--skip-due", action="store_true")
    parser.add_argument("--skip-fuel", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with database("maintenance", demo=True) as url:
        with psycopg.connect(_plain(url)) as conn:
            row = conn.execute(
                "SELECT id FROM cooperatives WHERE name = %s", (DEMO_COOPERATIVE,)
            ).fetchone()
        assert row is not None
        coop = int(row[0])
        if not args.skip_due:
            _bench_due(url, coop, args)
        if not args.skip_fuel:
            _bench_fuel(url, coop, args)
    _bench_detector(args)


if __name__ == "__main__":
    main()
