"""Journey tests: a committed cooperative whose positions go through the real write path
(telematics.store, the ingest worker's) and are derived by the real derive cycle."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg
import pytest

from core.config import Settings
from telematics.journey.derive import Deriver
from telematics.journey.facts import Fix
from telematics.store import PositionStore, connect


@dataclass
class JourneyFleet:
    dsn: str
    coop_id: int
    vehicle_ids: list[int]
    driver_ids: list[int]
    cards: list[str]

    def store(self, vehicle_id: int, fixes: list[Fix], received_at: datetime | None = None) -> None:
        """Store fixes as the ingest worker does (one batch, marks for the derive worker)."""
        received = received_at or datetime.now(UTC)
        rows = [
            (
                self.coop_id,
                vehicle_id,
                datetime.fromtimestamp(f.t, UTC),
                received,
                f.lon,
                f.lat,
                f.speed_kmh,
                None,
                None,
                None,
                None,
                f.ignition,
                f.odometer_m,
                f.driver_card,
                None,
            )
            for f in fixes
        ]
        with connect(self.dsn) as conn:
            PositionStore(conn).write(rows, [])

    def deriver(self) -> Deriver:
        return Deriver(psycopg.connect(self.dsn), cooperatives=[self.coop_id])

    def rows(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with psycopg.connect(self.dsn) as conn:
            return conn.execute(sql, params).fetchall()


@pytest.fixture
def journey_fleet(settings: Settings) -> Iterator[JourneyFleet]:
    tag = uuid.uuid4().hex[:8]
    dsn = settings.sync_database_url
    with psycopg.connect(dsn, autocommit=True) as conn:
        coop_id = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX journey {tag}", f"{int(tag, 16) % 10**10:010d}"),
        ).fetchone()[0]  # type: ignore[index]
        vehicle_ids, driver_ids, cards = [], [], []
        for n in range(3):
            vehicle_ids.append(
                conn.execute(
                    "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind)"
                    " VALUES (%s, %s, %s, 'truck') RETURNING id",
                    (coop_id, f"60C-{n:03d}.{int(tag[:2], 16) % 100:02d}", f"60C{n}{tag}"),
                ).fetchone()[0]  # type: ignore[index]
            )
            card = f"CARD-{tag}-{n}"
            driver_ids.append(
                conn.execute(
                    "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
                    " licence_class, licence_expiry, driver_card_id)"
                    " VALUES (%s, %s, %s, %s, 'C', '2030-01-01', %s) RETURNING id",
                    (
                        coop_id,
                        f"Tài xế {n}",
                        f"09{int(tag, 16) % 10**7:07d}{n}",
                        f"L{tag}{n}",
                        card,
                    ),
                ).fetchone()[0]  # type: ignore[index]
            )
            cards.append(card)
    yield JourneyFleet(dsn, coop_id, vehicle_ids, driver_ids, cards)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("DELETE FROM positions WHERE cooperative_id = %s", (coop_id,))
        conn.execute("DELETE FROM derive_marks WHERE cooperative_id = %s", (coop_id,))
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (coop_id,))
