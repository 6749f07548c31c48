"""Speed limits by vehicle kind: defaults, a cooperative's own, per cooperative."""

from __future__ import annotations

import httpx

from tests.conftest import CoopWorld

V1 = "/api/v1"


async def test_set_and_reset_a_kind_limit(
    client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    admin = coop_a.by_role("admin").headers
    listed = await client.get(f"{V1}/speed-limits", headers=coop_a.dispatcher.headers)
    truck = next(r for r in listed.json() if r["vehicle_kind"] == "truck")
    assert truck["is_default"] and truck["limit_kmh"] == truck["default_kmh"]
    set_ = await client.put(f"{V1}/speed-limits/truck", json={"limit_kmh": 65}, headers=admin)
    assert set_.status_code == 200
    mine = await client.get(f"{V1}/speed-limits", headers=coop_a.dispatcher.headers)
    assert next(r for r in mine.json() if r["vehicle_kind"] == "truck")["limit_kmh"] == 65
    theirs = await client.get(f"{V1}/speed-limits", headers=coop_b.dispatcher.headers)
    assert next(r for r in theirs.json() if r["vehicle_kind"] == "truck")["is_default"]
    refused = await client.put(
        f"{V1}/speed-limits/truck", json={"limit_kmh": 65}, headers=coop_a.dispatcher.headers
    )
    assert refused.status_code == 403
    bad = await client.put(f"{V1}/speed-limits/rocket", json={"limit_kmh": 65}, headers=admin)
    assert bad.status_code == 400 and bad.json()["field"] == "kind"
    too_fast = await client.put(f"{V1}/speed-limits/truck", json={"limit_kmh": 900}, headers=admin)
    assert too_fast.status_code == 422
    assert (await client.delete(f"{V1}/speed-limits/truck", headers=admin)).status_code == 204
    again = await client.get(f"{V1}/speed-limits", headers=coop_a.dispatcher.headers)
    assert next(r for r in again.json() if r["vehicle_kind"] == "truck")["is_default"]
