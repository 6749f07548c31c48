"""A database for one benchmark run: created, migrated to head, optionally seeded with the demo
cooperatives, and dropped afterwards whatever happens."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from core.config import Settings
from devtools.seed import seed_demo
from tests.conftest import fresh_database

DEMO_COOPERATIVE = "HTX Vận tải Biên Hòa"  # 3,000 members, drivers and vehicles


@contextmanager
def database(purpose: str, *, demo: bool = False) -> Iterator[str]:
    """The SQLAlchemy URL of a fresh database named after ``purpose``."""
    with fresh_database(f"coopfleet_bench_{purpose}") as url:
        if demo:
            asyncio.run(seed_demo(Settings(database_url=url)))
        yield url


def place_demo_fleet(url: str, place: Callable[[int], tuple[float, float]]) -> int:
    """Give every vehicle of the demo cooperative a latest position, moving at 40 km/h with the
    ignition on; ``place(index)`` says where. Returns the cooperative's id."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        coop = conn.execute(
            "SELECT id FROM cooperatives WHERE name = %s", (DEMO_COOPERATIVE,)
        ).fetchone()[0]  # type: ignore[index]
        vehicles = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM vehicles WHERE cooperative_id = %s ORDER BY id", (coop,)
            )
        ]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO vehicle_state (vehicle_id, cooperative_id, device_time, received_at,"
                " geom, speed_kmh, ignition) VALUES (%s, %s, now(), now(),"
                " ST_SetSRID(ST_MakePoint(%s, %s), 4326), 40, true)",
                [(v, coop, *place(i)) for i, v in enumerate(vehicles)],
            )
        conn.execute("ANALYZE vehicle_state")
        return int(coop)
