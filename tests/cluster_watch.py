"""Watch that the machine's own PostgreSQL cluster stays up through the test run.

The suite shares that cluster with whatever else runs on the machine (the demo, other checkouts,
a real installation); fault tests stop a private cluster instead (``devtools.pgcluster``).
A restart, even a quick one, gives the server a new ``pg_postmaster_start_time()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import psycopg


class ClusterDisturbed(AssertionError):
    """The watched cluster was stopped or restarted while the tests ran."""


def postmaster_started_at(dsn: str) -> datetime:
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
    assert row is not None
    started: datetime = row[0]
    return started


@contextmanager
def postmaster_unchanged(dsn: str) -> Iterator[datetime]:
    """Fail on leaving if the server behind ``dsn`` is down or is not the one found on entry."""
    before = postmaster_started_at(dsn)
    yield before
    try:
        after = postmaster_started_at(dsn)
    except psycopg.OperationalError as exc:
        raise ClusterDisturbed(f"the PostgreSQL cluster at {dsn} is down: {exc}") from exc
    if after != before:
        raise ClusterDisturbed(
            f"the PostgreSQL cluster at {dsn} was restarted during the tests "
            f"(its postmaster started at {before.isoformat()}, now at {after.isoformat()})"
        )
