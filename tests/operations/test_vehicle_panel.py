"""The map's vehicle panel (operations.vehicle_panel) through GET /vehicles/{id}/live."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import CoopWorld
from tests.routing.test_suggestions import park

V1 = "/api/v1"


async def test_panel_shows_driver_shift_position_and_papers(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    soon = date.today() + timedelta(days=5)
    driver_id, vehicle_id = await park(
        session, coop_a, 106.84, 10.95, inspection_expiry=soon, insurance_expiry=None
    )
    await session.flush()
    response = await client.get(
        f"{V1}/vehicles/{vehicle_id}/live", headers=coop_a.dispatcher.headers
    )
    assert response.status_code == 200, response.text
    panel = response.json()
    assert panel["vehicle"]["id"] == vehicle_id
    assert panel["driver"]["id"] == driver_id
    assert panel["position"]["lon"] == 106.84 and panel["position"]["lat"] == 10.95
    assert panel["status"] in {"stopped", "idle", "moving"}
    assert panel["shift"]["on_break"] is False and panel["shift"]["planned_end_at"]
    assert panel["job"] is None and panel["today"] is None
    papers = {paper["document"]: paper for paper in panel["papers"]}
    assert set(papers) == {"badge", "inspection", "insurance", "licence"}
    assert papers["inspection"]["days_left"] in {4, 5, 6} and papers["inspection"]["soon"]
    assert papers["insurance"] == {
        "document": "insurance",
        "expires_on": None,
        "days_left": None,
        "soon": False,
    }
    assert panel["zone"] == "Asia/Ho_Chi_Minh"
    other = await client.get(f"{V1}/vehicles/{vehicle_id}/live", headers=coop_b.dispatcher.headers)
    assert other.status_code == 404


async def test_panel_of_a_vehicle_never_seen_is_offline(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    car = await factories.make_vehicle(session, coop_a.coop)
    response = await client.get(f"{V1}/vehicles/{car.id}/live", headers=coop_a.director.headers)
    assert response.status_code == 200, response.text
    panel = response.json()
    assert panel["status"] == "offline"
    assert panel["position"] is None and panel["driver"] is None and panel["shift"] is None
