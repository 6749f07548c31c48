"""The one dispatch-eligibility rule (fleet.eligibility) and the screens that ask it agree."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fleet import eligibility
from fleet.eligibility import Paper
from routing.suggest import Nearby, Need, why_not
from tests import factories
from tests.conftest import CoopWorld

TODAY = date(2026, 12, 4)


def test_a_paper_is_valid_through_its_expiry_date() -> None:
    assert not Paper("inspection", TODAY).lapsed(TODAY)
    assert Paper("inspection", TODAY - timedelta(days=1)).lapsed(TODAY)
    assert not Paper("insurance", None).lapsed(TODAY)  # not recorded: does not block
    assert Paper("badge", TODAY + timedelta(days=30)).due(TODAY, 30)
    assert not Paper("badge", TODAY + timedelta(days=31)).due(TODAY, 30)


def test_the_first_reason_statuses_then_papers() -> None:
    lapsed = [Paper("licence", TODAY), Paper("badge", date(2026, 12, 1))]
    assert eligibility.why_not("suspended", "active", lapsed, TODAY) == "driver is suspended"
    assert eligibility.why_not("active", "maintenance", lapsed, TODAY) == "vehicle is maintenance"
    assert (
        eligibility.why_not("active", "active", lapsed, TODAY)
        == "operating badge expired on 2026-12-01"
    )
    assert eligibility.why_not("active", "active", lapsed[:1], TODAY) is None


def test_suggestions_give_the_rules_reason() -> None:
    driver = Nearby(
        driver_id=1,
        vehicle_id=2,
        plate="60C-123.45",
        kind="truck",
        capacity=(None, None, None),
        features=frozenset(),
        driver_status="active",
        vehicle_status="active",
        expiries={"licence": date(2026, 11, 30), "inspection": None},
        position=(106.8, 10.9),
        headroom_s=None,
    )
    need = Need(pickup=(106.8, 10.9), kind=None, load=(0, 0.0, 0), features=frozenset())
    assert why_not(need, driver, TODAY, eta_s=60) == "driving licence expired on 2026-11-30"


async def test_shift_and_home_screen_name_the_same_lapsed_paper(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    today = date.today()
    driver_id = coop_a.driver.user.driver_id
    car = await factories.make_vehicle(
        session, coop_a.coop, inspection_expiry=today - timedelta(days=2)
    )
    await session.execute(
        text(
            "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
            " VALUES (:c, :v, :d)"
        ),
        {"c": coop_a.coop.id, "v": car.id, "d": driver_id},
    )
    await session.flush()
    refused = await client.post(
        "/api/v1/driver/shift/start", json={}, headers=coop_a.driver.headers
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["field"] == "documents"
    assert refused.json()["details"]["expired"] == ["inspection"]
    home = await client.get("/api/v1/driver/me", headers=coop_a.driver.headers)
    assert home.status_code == 200, home.text
    due = {paper["document"]: paper for paper in home.json()["documents_expiring"]}
    assert due["inspection"]["expired"] is True
    panel = await client.get(f"/api/v1/vehicles/{car.id}/live", headers=coop_a.dispatcher.headers)
    papers = {paper["document"]: paper for paper in panel.json()["papers"]}
    assert papers["inspection"]["days_left"] < 0 and papers["inspection"]["soon"]
