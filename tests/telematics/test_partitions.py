"""Day partitions: made ahead of time, and whole days past the retention dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg

from core.config import Settings
from telematics.store import ensure_partition, existing_partitions, maintain_partitions


def test_partitions_ahead_and_retention(settings: Settings) -> None:
    today = datetime.now(UTC).date()
    ancient, recent = today - timedelta(days=500), today - timedelta(days=10)
    with psycopg.connect(settings.sync_database_url) as conn:
        for day in (ancient, recent):
            ensure_partition(conn, day)
        created, dropped = maintain_partitions(conn, today=today, ahead_days=3, retention_days=400)
        days = set(existing_partitions(conn))
        assert ancient in dropped and ancient not in days
        assert recent in days and recent not in dropped
        assert {today + timedelta(days=k) for k in range(4)} <= days
        assert set(created) <= days
        again = maintain_partitions(conn, today=today, ahead_days=3, retention_days=400)
        assert again == ([], [])  # idempotent
