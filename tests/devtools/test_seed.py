"""The demo seed: realistic, deterministic, idempotent. Runs on databases of its own."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from core.config import Settings
from devtools.seed import seed_demo
from devtools.throwaway import fresh_database
from fleet.plates import parse_plate

pytestmark = pytest.mark.slow  # seeds the demo into fresh databases


@pytest.fixture
def scratch_urls() -> Iterator[list[str]]:
    """Two fresh migrated databases, dropped afterwards."""
    with fresh_database("coopfleet_seed") as first, fresh_database("coopfleet_seed") as second:
        yield [first, second]


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url.replace("+psycopg", "")) as conn:
        return conn.execute(sql).fetchall()


FINGERPRINT = """
SELECT md5(string_agg(concat_ws('|', m.member_no, m.full_name, m.phone, m.national_id,
                                 v.plate, v.kind, v.payload_kg, v.seats, v.badge_expiry,
                                 d.full_name, d.licence_class, d.licence_expiry), ','
                      ORDER BY m.member_no, v.plate))
FROM members m JOIN vehicles v ON v.owner_member_id = m.id
JOIN vehicle_assignments a ON a.vehicle_id = v.id JOIN drivers d ON d.id = a.driver_id
"""


async def test_seed_is_realistic_deterministic_and_idempotent(scratch_urls: list[str]) -> None:
    first, second = scratch_urls
    for url in (first, second):
        summary = await seed_demo(Settings(database_url=url), size=120, seed=42)
        assert "seeded HTX Vận tải Biên Hòa: 120 members, 120 drivers, 120 vehicles" in summary
    again = await seed_demo(Settings(database_url=first), size=120, seed=42)
    assert "nothing changed" in again
    assert _query(first, "SELECT count(*) FROM vehicles") == [(120 + 10,)]
    assert _query(first, FINGERPRINT) == _query(second, FINGERPRINT)

    plates = [str(row[0]) for row in _query(first, "SELECT plate FROM vehicles")]
    assert all(parse_plate(p).display == p for p in plates)
    open_per_driver = _query(
        first,
        "SELECT count(*) FROM drivers d LEFT JOIN vehicle_assignments a"
        " ON a.driver_id = d.id AND a.ends_at IS NULL GROUP BY d.id HAVING count(a.id) <> 1",
    )
    assert open_per_driver == []
    kinds = {str(row[0]) for row in _query(first, "SELECT DISTINCT kind FROM vehicles")}
    assert {"truck", "coach", "van"} <= kinds
    lapsed = _query(first, "SELECT count(*) FROM vehicles WHERE insurance_expiry < current_date")
    assert int(str(lapsed[0][0])) > 0
    roles = {str(r[0]) for r in _query(first, "SELECT DISTINCT role FROM users")}
    assert roles == {
        "admin",
        "dispatcher",
        "director",
        "accountant",
        "driver",
        "member",
        "platform_admin",
    }
    unlinked_members = _query(
        first,
        "SELECT count(*) FROM members m LEFT JOIN users u ON u.member_id = m.id"
        " AND u.role = 'member' AND u.login = m.phone WHERE u.id IS NULL",
    )
    assert unlinked_members == [(0,)]  # every member can sign in to the portal with their phone
    depots = _query(first, "SELECT count(*) FROM depots WHERE ST_Y(location) BETWEEN 10.5 AND 11.2")
    assert depots == [(4,)]
