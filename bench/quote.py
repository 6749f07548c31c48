"""Instant quotes under load: p99 of ``POST /market/quotes`` with 20 cooperatives' tariffs and
service zones and the demo fleet on shift, at 50 concurrent shippers (target p99 ≤ 150 ms).

``python -m bench.quote`` builds a throwaway database with the demo (3,000 vehicles), opens its
day (about 60 % of the drivers on shift), adds 19 more cooperatives with a service area over
Đồng Nai and Hồ Chí Minh City and a truck tariff each (the demo cooperative gets one too), then
lets 50 shippers ask quotes at once, in process through the API (committed sessions), between
random points of the area; one shipper alone first, to tell the service time from the queueing.
Beside it, in the same run: the bare travel-time lookup the quote makes (``GreatCircle.table``
on two points) and the bare zone query. The machine is shared: quote medians of several runs.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import text

from core.config import Settings
from core.db import create_engine_from_settings, session_factory, unit_of_work
from core.tenancy import Tenant
from core.timeutil import utcnow
from devtools.apps import committed_app
from devtools.demo_day import demo_dispatcher, open_day
from devtools.throwaway import database
from market import tariffs, zones
from market.tariffs import TariffIn
from routing.matrix import GreatCircle

AREA = "SRID=4326;MULTIPOLYGON(((106.5 10.5,107.5 10.5,107.5 11.2,106.5 11.2,106.5 10.5)))"
TARIFF = {
    "vehicle_kind": "truck",
    "base_vnd": 300_000,
    "per_km_vnd": 18_000,
    "per_hour_vnd": 80_000,
    "minimum_vnd": 800_000,
    "night_pct": 20,
    "holiday_pct": 30,
    "valid_from": date(2026, 1, 1),
}


def point(rng: random.Random) -> tuple[float, float]:
    return (rng.uniform(106.6, 107.4), rng.uniform(10.6, 11.1))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def line(label: str, samples_s: list[float]) -> str:
    ms = [s * 1000 for s in samples_s]
    return (
        f"{label:<28} n {len(ms):>5}  p50 {statistics.median(ms):7.2f} ms  "
        f"p95 {percentile(ms, 0.95):7.2f} ms  p99 {percentile(ms, 0.99):7.2f} ms"
    )


async def prepare(settings: Settings, cooperatives: int) -> None:
    engine = create_engine_from_settings(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            demo = await demo_dispatcher(session)
            day = await open_day(session, demo, utcnow(), waiting=0, seed=1)
            ids = [demo.cooperative_id]
            for n in range(cooperatives - 1):
                new = await session.execute(
                    text("INSERT INTO cooperatives (name, tax_code) VALUES (:n, :t) RETURNING id"),
                    {"n": f"HTX Vận tải thử {n + 1}", "t": f"99{n:08d}"},
                )
                ids.append(int(new.scalar_one()))
            for n, coop in enumerate(ids):
                await session.execute(
                    text(
                        "INSERT INTO zones (cooperative_id, name, kind, area)"
                        " VALUES (:c, 'Vùng phục vụ', 'service_area', ST_GeomFromEWKT(:a))"
                    ),
                    {"c": coop, "a": AREA},
                )
                tenant = Tenant(cooperative_id=coop, user_id=demo.user_id, role="admin")
                rates = {**TARIFF, "per_km_vnd": 15_000 + 250 * n}
                await tariffs.add_version(session, tenant, TariffIn.model_validate(rates))
        print(f"{len(ids)} cooperatives with a service area and a truck tariff; {day}")
    finally:
        await engine.dispose()


async def shippers(settings: Settings, count: int, each: int, seed: int) -> list[float]:
    engine = create_engine_from_settings(settings)
    app = committed_app(settings, engine)
    transport = httpx.ASGITransport(app=app)
    rng = random.Random(seed)
    start = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    samples: list[float] = []
    offers: list[int] = []

    async def one(http: httpx.AsyncClient) -> None:
        for _ in range(each):
            body = {
                "pickup": {"type": "Point", "coordinates": list(point(rng))},
                "dropoff": {"type": "Point", "coordinates": list(point(rng))},
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=3)).isoformat(),
                "load_kg": 4000,
                "vehicle_kind": "truck",
            }
            began = time.perf_counter()
            answer = await http.post("/api/v1/market/quotes", json=body)
            samples.append(time.perf_counter() - began)
            answer.raise_for_status()
            offers.append(len(answer.json()["offers"]))

    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            await one(http)  # warm up: first connections, caches
            samples.clear()
            offers.clear()
            began = time.perf_counter()
            await asyncio.gather(*(one(http) for _ in range(count)))
            wall = time.perf_counter() - began
    finally:
        await engine.dispose()
    print(
        f"{count} at once: {len(samples)} quotes in {wall:.1f} s ({len(samples) / wall:.1f}/s),"
        f" offers per quote {min(offers)}-{max(offers)}"
    )
    return samples


async def bare_zone_query(settings: Settings, times: int, seed: int) -> list[float]:
    engine = create_engine_from_settings(settings)
    rng = random.Random(seed)
    samples = []
    try:
        async with session_factory(engine)() as session:
            for _ in range(times):
                began = time.perf_counter()
                await zones.serving(session, point(rng), point(rng))
                samples.append(time.perf_counter() - began)
    finally:
        await engine.dispose()
    return samples


def bare_travel_lookup(times: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    travel = GreatCircle()
    samples = []
    for _ in range(times):
        began = time.perf_counter()
        travel.table([point(rng), point(rng)], "truck")
        samples.append(time.perf_counter() - began)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--cooperatives", type=int, default=20)
    parser.add_argument("--shippers", type=int, default=50)
    parser.add_argument("--each", type=int, default=10, help="quotes per shipper")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with database("quote", demo=True) as url:
        settings = Settings(
            database_url=url,
            market_quotes_per_address=10**9,  # every shipper comes from one address here
            db_pool_size=20,
        )
        asyncio.run(prepare(settings, args.cooperatives))
        alone = asyncio.run(shippers(settings, 1, 50, args.seed))
        samples = asyncio.run(shippers(settings, args.shippers, args.each, args.seed))
        zone = asyncio.run(bare_zone_query(settings, 200, args.seed))
    travel = bare_travel_lookup(2000, args.seed)
    print(line("quote, 1 shipper", alone))
    print(line(f"quote, {args.shippers} at once", samples))
    print(line("bare zone query", zone))
    print(line("bare travel-time lookup", travel))
    p99 = percentile([s * 1000 for s in samples], 0.99)
    target = "met" if p99 <= 150 else "NOT met"
    ratio = p99 / (percentile([s * 1000 for s in travel], 0.99) or 1e-9)
    print(f"p99 quote {p99:.1f} ms (target 150 ms: {target}); {ratio:,.0f}× the bare lookup's p99")


if __name__ == "__main__":
    main()
