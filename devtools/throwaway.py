"""Throwaway databases: created, migrated from empty (``alembic upgrade head``), optionally
seeded with the demo cooperatives, and dropped afterwards whatever happens. The test run (one per
test process), the fuzz sweep and every benchmark each take one, so none of them touches another's
data or the developer's own database."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

from core.config import Settings
from devtools.seed import seed_demo
from migrations import upgrade

# The server the throwaway databases are made on: the one the settings would use.
BASE_URL = os.environ.get(
    "COOPFLEET_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/coopfleet"
)
DEMO_COOPERATIVE = "HTX Vận tải Biên Hòa"  # 3,000 members, drivers and vehicles


def admin_dsn(url: str) -> str:
    """A libpq DSN for the server's ``postgres`` database, where databases are created."""
    parsed = make_url(url).set(drivername="postgresql", database="postgres")
    return parsed.render_as_string(hide_password=False)


@contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new database migrated from empty, dropped afterwards; its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    url = make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(admin_dsn(BASE_URL), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin_dsn(BASE_URL), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def database(purpose: str, *, demo: bool = False) -> Iterator[str]:
    """A benchmark's database named after ``purpose``, with the demo seeded if asked."""
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
