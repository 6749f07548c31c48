"""Instant quotes: every serving cooperative's tariff priced on the travel-time provider's
distance and duration, stored with its breakdown for 30 minutes; a cheap feasibility hint; the
per-address limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.models import Shift
from market.models import Quote
from operations import market_quotes
from operations.market_quotes import QuoteAsk
from routing.matrix import GreatCircle
from tests import factories
from tests.conftest import CoopWorld
from tests.market.helpers import BIEN_HOA_ONLY, CAT_LAI, LONG_KHANH, serve, tariff

V1 = "/api/v1"


def ask(start: datetime, hours: int = 3, **fields: object) -> dict[str, object]:
    return {
        "pickup": {"type": "Point", "coordinates": list(LONG_KHANH)},
        "dropoff": {"type": "Point", "coordinates": list(CAT_LAI)},
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=hours)).isoformat(),
        "load_kg": 4000,
        "vehicle_kind": "truck",
        **fields,
    }


async def two_carriers(session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld) -> None:
    await serve(session, coop_a.coop.id)
    await serve(session, coop_b.coop.id)
    await tariff(session, coop_a.admin.tenant)
    await tariff(session, coop_b.admin.tenant, per_km_vnd=15_000, base_vnd=250_000)


async def test_prices_from_each_serving_cooperative(
    session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    await two_carriers(session, coop_a, coop_b)
    elsewhere = await factories.make_coop(session)
    await serve(session, elsewhere.id, BIEN_HOA_ONLY)  # covers neither end
    truck = await factories.make_vehicle(session, coop_a.coop, payload_kg=5000)
    session.add(
        Shift(
            cooperative_id=coop_a.coop.id,
            driver_id=coop_a.driver.user.driver_id,
            vehicle_id=truck.id,
        )
    )
    await session.flush()
    now = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    # Tuesday 8 December, 06:00-09:00 in Vietnam: no night, no weekend surcharge
    start = datetime(2026, 12, 7, 23, 0, tzinfo=UTC)
    answer = await market_quotes.quote(
        session, QuoteAsk.model_validate(ask(start)), GreatCircle(), now=now
    )
    durations, distances = GreatCircle().table([LONG_KHANH, CAT_LAI], "truck")
    metres, seconds = int(distances[0][1]), int(durations[0][1])
    assert (answer.distance_m, answer.duration_s) == (metres, seconds)
    assert [o.cooperative_id for o in answer.offers] == [coop_b.coop.id, coop_a.coop.id]
    cheaper, dearer = answer.offers
    expected_a = 300_000 + round(18_000 * metres / 1000) + round(80_000 * seconds / 3600)
    assert dearer.total_vnd == expected_a
    assert {line.code for line in dearer.lines} == {"base", "distance", "duration"}
    assert sum(line.amount_vnd for line in cheaper.lines) == cheaper.total_vnd
    assert (dearer.feasible, cheaper.feasible) == (True, False)  # only A has a truck on shift
    assert dearer.expires_at == now + timedelta(minutes=30)
    stored = (
        await session.scalars(select(Quote).where(Quote.request_key == answer.request_key))
    ).all()
    assert sorted(q.total_vnd for q in stored) == sorted(o.total_vnd for o in answer.offers)
    # 6 tonnes: above both tariffs' capacity
    heavy = await market_quotes.quote(
        session, QuoteAsk.model_validate(ask(start, load_kg=6000)), GreatCircle(), now=now
    )
    assert heavy.offers == []
    # Sunday 6 December 05:00 local: weekend and night surcharges on the trip part
    sunday = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
    weekend = await market_quotes.quote(
        session, QuoteAsk.model_validate(ask(sunday)), GreatCircle(), now=now - timedelta(days=2)
    )
    codes = {line.code: line.amount_vnd for line in weekend.offers[1].lines}
    assert codes["night"] == round(expected_a * 0.2)
    assert codes["weekend_holiday"] == round(expected_a * 0.3)


async def test_the_public_door_validates_and_answers(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    await two_carriers(session, coop_a, coop_b)
    await session.commit()
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    answer = await client.post(f"{V1}/market/quotes", json=ask(tomorrow))
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["offers"]) == 2
    backwards = await client.post(f"{V1}/market/quotes", json=ask(tomorrow, hours=-1))
    assert backwards.status_code == 422 and backwards.json()["field"] == "window_end"
    naive = ask(tomorrow)
    naive["window_start"] = "2026-12-08T06:00:00"
    refused = await client.post(f"{V1}/market/quotes", json=naive)
    assert refused.status_code == 422 and refused.json()["field"] == "window_start"
    ancient = ask(tomorrow)
    ancient["window_start"] = "0001-01-01T00:00:00+14:00"
    overflow = await client.post(f"{V1}/market/quotes", json=ancient)
    assert overflow.status_code == 422 and overflow.json()["field"] == "window_start"
    outside = ask(tomorrow)
    outside["pickup"] = {"type": "Point", "coordinates": [200, 10]}
    bad = await client.post(f"{V1}/market/quotes", json=outside)
    assert bad.status_code == 422 and "pickup" in bad.json()["field"], bad.text


async def test_quotes_are_limited_per_address(strict_client: httpx.AsyncClient) -> None:
    body = ask(datetime.now(UTC) + timedelta(days=1))
    for _ in range(2):
        assert (await strict_client.post(f"{V1}/market/quotes", json=body)).status_code == 200
    third = await strict_client.post(f"{V1}/market/quotes", json=body)
    assert third.status_code == 429, third.text
    assert int(third.headers["Retry-After"]) >= 1
