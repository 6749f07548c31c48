"""Driver suggestions for one order with 3,000 drivers online (target: p99 ≤ 50 ms).

``python -m bench.suggest`` builds a throwaway database with the demo cooperative (3,000
drivers, each assigned a vehicle), gives every vehicle a latest position around Biên Hòa and
``--history-days`` (30) of closed trips, eight a day (what speeds are calibrated from and
driving time is judged on), creates orders at random places and asks
``GET /orders/{id}/suggestions`` through the API (in process). Printed: p50/p99 of the whole
request, and of the bare KNN query alone in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

import httpx
import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from api.app import settle_heap
from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from devtools.throwaway import database, place_demo_fleet

REQUESTS = 500


def _place(rng: random.Random) -> tuple[float, float]:
    return 106.6 + rng.random() * 0.8, 10.7 + rng.random() * 0.6


def _point(lon: float, lat: float) -> dict[str, object]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _on_shift(url: str, rng: random.Random) -> int:
    """Every demo vehicle at a random place, every assigned driver on shift."""
    coop = place_demo_fleet(url, lambda _: _place(rng))
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO shifts (cooperative_id, driver_id, vehicle_id)"
            " SELECT cooperative_id, driver_id, vehicle_id FROM vehicle_assignments"
            " WHERE cooperative_id = %s AND ends_at IS NULL",
            (coop,),
        )
    return coop


def _history(url: str, coop: int, days: int) -> int:
    """Eight closed 50-minute trips a day, two hours apart, per assigned driver for ``days``
    days, ending before now."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        added = conn.execute(
            "INSERT INTO trips (cooperative_id, vehicle_id, driver_id, started_at, ended_at,"
            " start_geom, end_geom, distance_m, duration_s, moving_s, idle_s, max_speed_kmh,"
            " avg_speed_kmh)"
            " SELECT a.cooperative_id, a.vehicle_id, a.driver_id, t.at, t.at + interval '50 min',"
            " ST_SetSRID(ST_MakePoint(106.8, 10.9), 4326), ST_SetSRID(ST_MakePoint(106.9, 10.9),"
            " 4326), 25000, 3000, 2700, 300, 70, 30 + (a.vehicle_id %% 7)"
            " FROM vehicle_assignments a, LATERAL (SELECT now() - make_interval(days => d)"
            "   - make_interval(hours => 2 * h) AS at"
            "   FROM generate_series(0, %s - 1) d, generate_series(1, 8) h) t"
            " WHERE a.cooperative_id = %s AND a.ends_at IS NULL",
            (days, coop),
        ).rowcount
        conn.execute("ANALYZE trips")
    return added


async def _run(url: str, coop: int, rng: random.Random) -> tuple[list[float], list[float]]:
    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40)
    engine = create_async_engine(url, pool_size=5)
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="bench@suggest.vn"
    )
    app = committed_app(settings, engine)
    settle_heap()  # as the server does once started
    request_s, knn_s = [], []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        order_ids = []
        for n in range(20):
            lon, lat = _place(rng)
            body = {
                "reference": f"B-{n}",
                "customer_name": "Bench",
                "weight_kg": 1000,
                "pickup": {"address": "Điểm lấy", "location": _point(lon, lat)},
                "dropoff": {"address": "Điểm giao", "location": _point(106.7, 10.8)},
            }
            made = await client.post("/api/v1/orders", json=body, headers=headers)
            order_ids.append(made.json()["id"])
        for i in range(REQUESTS):
            started = time.perf_counter()
            answer = await client.get(
                f"/api/v1/orders/{order_ids[i % 20]}/suggestions", headers=headers
            )
            request_s.append(time.perf_counter() - started)
            assert answer.status_code == 200 and answer.json()["drivers"], answer.text
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        for _ in range(REQUESTS):
            lon, lat = _place(rng)
            started = time.perf_counter()
            conn.execute(
                "SELECT vehicle_id FROM vehicle_state WHERE cooperative_id = %s"
                " ORDER BY geom <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326) LIMIT 100",
                (coop, lon, lat),
            ).fetchall()
            knn_s.append(time.perf_counter() - started)
    await engine.dispose()
    return request_s, knn_s


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--history-days", type=int, default=30, help="days of past trips")
    args = parser.parse_args()
    with database("suggest", demo=True) as url:
        rng = random.Random(7)
        coop = _on_shift(url, rng)
        trips = _history(url, coop, args.history_days)
        request_s, knn_s = asyncio.run(_run(url, coop, rng))
    print(
        f"{REQUESTS} suggestion requests, 3,000 drivers online, {trips:,} past trips,"
        " shortlist 100:"
    )
    print(
        f"  request p50 {_pct(request_s, 0.5):.1f} ms, p99 {_pct(request_s, 0.99):.1f} ms,"
        f" mean {statistics.mean(request_s) * 1000:.1f} ms (target p99 ≤ 50 ms)"
    )
    print(f"  bare KNN query p50 {_pct(knn_s, 0.5):.1f} ms, p99 {_pct(knn_s, 0.99):.1f} ms")


if __name__ == "__main__":
    main()
