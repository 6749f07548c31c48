"""Monthly utilization report speed: 3,000 vehicles × 400 days of rollups (targets: JSON p95
≤ 1 s, XLSX ≤ 3 s).

``python -m bench.reports`` builds a throwaway database with the demo cooperative, fills
``daily_activity`` with a row per vehicle and day for 400 days (1.2 M rows) and some events, then
asks ``GET /reports/utilization`` for one month by vehicle through the API (in process), as JSON
and as XLSX. The raw baseline is the bare aggregate SQL over the same month.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import httpx
import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from devtools.throwaway import database

RUNS = 20
MONTH = "start_day=2026-10-01&end_day=2026-10-31"

_FILL = """
INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id, distance_m, engine_s,
                            moving_s, idle_s, nodata_s, trips, stops)
SELECT v.id, d::date, coalesce(a.driver_id, 0), v.cooperative_id,
       (random() * 300000)::int, (random() * 36000)::int, (random() * 30000)::int,
       (random() * 6000)::int, 0, (random() * 8)::int, (random() * 10)::int
FROM vehicles v
LEFT JOIN vehicle_assignments a ON a.vehicle_id = v.id AND a.ends_at IS NULL
CROSS JOIN generate_series(date '2026-11-24' - 399, date '2026-11-24', interval '1 day') AS d
WHERE v.cooperative_id = %s
"""


def _fill(url: str) -> int:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        coop = conn.execute(
            "SELECT id FROM cooperatives WHERE name = 'HTX Vận tải Biên Hòa'"
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(_FILL, (coop,))
        conn.execute(
            "INSERT INTO journey_events (cooperative_id, source, subject_id, kind, vehicle_id,"
            " started_at) SELECT %s, 'vehicle', v.id, 'overspeed', v.id,"
            " timestamptz '2026-10-01' + (n || ' hours')::interval"
            " FROM vehicles v, generate_series(1, 20) AS n WHERE v.cooperative_id = %s",
            (coop, coop),
        )
        conn.execute("VACUUM ANALYZE")
        return int(coop)


async def _measure(url: str, coop: int) -> dict[str, list[float]]:
    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40)
    engine = create_async_engine(url, pool_size=5)
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="director", login="bench@reports.vn"
    )
    timings: dict[str, list[float]] = {"json": [], "xlsx": []}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=committed_app(settings, engine)),
        base_url="http://bench",
        timeout=60,
    ) as client:
        for fmt in ("json", "xlsx"):
            for _ in range(RUNS if fmt == "json" else 5):
                started = time.perf_counter()
                answer = await client.get(
                    f"/api/v1/reports/utilization?{MONTH}&group=vehicle&format={fmt}",
                    headers=headers,
                )
                timings[fmt].append(time.perf_counter() - started)
                assert answer.status_code == 200, answer.text
    await engine.dispose()
    raw = []
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        for _ in range(RUNS):
            started = time.perf_counter()
            conn.execute(
                "SELECT vehicle_id, sum(distance_m), sum(moving_s), sum(engine_s) FROM"
                " daily_activity WHERE cooperative_id = %s AND day BETWEEN '2026-10-01'"
                " AND '2026-10-31' GROUP BY vehicle_id",
                (coop,),
            ).fetchall()
            raw.append(time.perf_counter() - started)
    timings["raw"] = raw
    return timings


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    with database("reports", demo=True) as url:
        started = time.perf_counter()
        coop = _fill(url)
        print(
            f"filled 3,000 vehicles x 400 days of rollups in {time.perf_counter() - started:.0f} s"
        )
        timings = asyncio.run(_measure(url, coop))
    for key, target in (("json", "p95 ≤ 1 s"), ("xlsx", "≤ 3 s"), ("raw", "bare SQL aggregate")):
        values = timings[key]
        print(
            f"{key}: median {statistics.median(values):.3f} s, p95 {_p95(values):.3f} s"
            f" over {len(values)} runs ({target})"
        )


if __name__ == "__main__":
    main()
