"""Tariff versions through the API: added by admins, never edited, scoped to the cooperative;
the version in force on a day."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from market import tariffs
from tests.conftest import CoopWorld

V1 = "/api/v1"
TRUCK = {
    "vehicle_kind": "truck",
    "capacity_kg": 5000,
    "base_vnd": 300_000,
    "per_km_vnd": 18_000,
    "per_hour_vnd": 80_000,
    "minimum_vnd": 800_000,
    "night_pct": 20,
    "holiday_pct": 30,
    "valid_from": "2026-01-01",
}


async def test_versions_history_and_scope(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    admin = coop_a.admin.headers
    first = await client.post(f"{V1}/market/tariffs", json=TRUCK, headers=admin)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == 1
    assert (first.json()["night_start"], first.json()["night_end"]) == ("22:00", "06:00")
    late = await client.post(
        f"{V1}/market/tariffs", json={**TRUCK, "night_start": "25:00"}, headers=admin
    )
    assert late.status_code == 422 and late.json()["field"] == "night_start"
    raised = {**TRUCK, "per_km_vnd": 20_000, "valid_from": "2026-07-01"}
    second = await client.post(f"{V1}/market/tariffs", json=raised, headers=admin)
    assert second.json()["version"] == 2
    listed = await client.get(f"{V1}/market/tariffs", headers=coop_a.dispatcher.headers)
    assert [t["per_km_vnd"] for t in listed.json()] == [20_000, 18_000]  # history kept
    assert (await client.get(f"{V1}/market/tariffs", headers=coop_b.admin.headers)).json() == []
    other = await client.post(f"{V1}/market/tariffs", json=TRUCK, headers=coop_b.admin.headers)
    assert other.json()["version"] == 1  # versions count per cooperative
    by_dispatcher = await client.post(
        f"{V1}/market/tariffs", json=TRUCK, headers=coop_a.dispatcher.headers
    )
    assert by_dispatcher.status_code == 403
    backwards = {**TRUCK, "valid_to": "2025-12-31"}
    bad = await client.post(f"{V1}/market/tariffs", json=backwards, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "valid_to", bad.text
    negative = await client.post(
        f"{V1}/market/tariffs", json={**TRUCK, "per_km_vnd": -1}, headers=admin
    )
    assert negative.status_code == 422 and negative.json()["field"] == "per_km_vnd"
    ids = [coop_a.coop.id, coop_b.coop.id]
    june = await tariffs.in_force(session, ids, "truck", date(2026, 6, 30))
    july = await tariffs.in_force(session, ids, "truck", date(2026, 7, 1))
    assert june[coop_a.coop.id].per_km_vnd == 18_000
    assert july[coop_a.coop.id].per_km_vnd == 20_000
    assert july[coop_b.coop.id].per_km_vnd == 18_000
    assert await tariffs.in_force(session, ids, "van", date(2026, 7, 1)) == {}
    assert await tariffs.in_force(session, ids, "truck", date(2025, 12, 31)) == {}
