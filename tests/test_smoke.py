"""The app answers, and tenancy holds on the simplest read."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import CoopWorld


async def test_health(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_other_cooperatives_vehicle_is_404(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    vehicle = await factories.make_vehicle(session, coop_b.coop)
    await session.commit()
    own = await client.get(f"/api/v1/vehicles/{vehicle.id}", headers=coop_b.dispatcher.headers)
    assert own.status_code == 200
    assert own.json()["plate"] == vehicle.plate
    other = await client.get(f"/api/v1/vehicles/{vehicle.id}", headers=coop_a.dispatcher.headers)
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"
