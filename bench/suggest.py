"""Driver suggestions for one order with 3,000 drivers online (target: p99 ≤ 50 ms).

``python -m bench.suggest`` builds a throwaway database with the demo cooperative (3,000
drivers, each assigned a vehicle), gives every vehicle a latest position around Biên Hòa, creates
orders at random places and asks ``GET /orders/{id}/suggestions`` through the API (in process).
Printed: p50/p99 of the whole request, and of the bare KNN query alone in the same run.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

import httpx
import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from bench.throwaway import database, place_demo_fleet
from core.config import Settings
from tests.conftest import committed_app, committed_bearer

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


async def _run(url: str, coop: int, rng: random.Random) -> tuple[list[float], list[float]]:
    settings = Settings(database_url=url, secret_key="bench-" + "k" * 40)
    engine = create_async_engine(url, pool_size=5)
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="bench@suggest.vn"
    )
    app = committed_app(settings, engine)
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
    with database("suggest", demo=True) as url:
        rng = random.Random(7)
        coop = _on_shift(url, rng)
        request_s, knn_s = asyncio.run(_run(url, coop, rng))
    print(f"{REQUESTS} suggestion requests, 3,000 drivers online, shortlist 100:")
    print(
        f"  request p50 {_pct(request_s, 0.5):.1f} ms, p99 {_pct(request_s, 0.99):.1f} ms,"
        f" mean {statistics.mean(request_s) * 1000:.1f} ms (target p99 ≤ 50 ms)"
    )
    print(f"  bare KNN query p50 {_pct(knn_s, 0.5):.1f} ms, p99 {_pct(knn_s, 0.99):.1f} ms")


if __name__ == "__main__":
    main()
