"""The maintenance API: the plan, the due list, work orders, drivers' checklists and fills,
the fuel card's CSV, consumption — each scoped to the caller's cooperative (another's ids are
404) and a driver to their own vehicle's records."""

from __future__ import annotations

from datetime import date

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.timeutil import today_in
from fleet.models import Vehicle
from tests import factories
from tests.conftest import CoopWorld, sign_in_as
from tests.maintenance.helpers import drive, task

V1 = "/api/v1"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def assign(session: AsyncSession, world: CoopWorld, vehicle_id: int) -> None:
    await session.execute(
        text(
            "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
            " VALUES (:c, :v, :d)"
        ),
        {"c": world.coop.id, "v": vehicle_id, "d": world.driver.user.driver_id},
    )
    await session.commit()


async def test_the_plan_and_the_due_list(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    car = await factories.make_vehicle(session, coop_a.coop)
    foreign = await factories.make_vehicle(session, coop_b.coop)
    await session.commit()
    admin = coop_a.admin.headers
    bare = await client.post(f"{V1}/maintenance/tasks", json={"name": "oil"}, headers=admin)
    assert bare.status_code == 422 and bare.json()["field"] == "every_km", bare.text
    elsewhere = await client.post(
        f"{V1}/maintenance/tasks",
        json={"name": "oil", "every_km": 10000, "vehicle_id": foreign.id},
        headers=admin,
    )
    assert elsewhere.status_code == 404 and elsewhere.json()["field"] == "vehicle_id"
    today = today_in(coop_a.coop.time_zone)
    made = await client.post(
        f"{V1}/maintenance/tasks",
        json={"name": "oil", "every_km": 10000, "vehicle_kind": "truck"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    assert made.json()["starts_on"] == today.isoformat()
    await drive(session, coop_a.coop.id, car.id, today, 1, 10_001.0)
    await session.commit()
    listed = await client.get(f"{V1}/maintenance/due", headers=coop_a.director.headers)
    assert listed.status_code == 200, listed.text
    [item] = listed.json()
    assert (item["vehicle_id"], item["state"], item["km_since"]) == (car.id, "overdue", 10_001)
    assert (await client.get(f"{V1}/maintenance/due", headers=coop_b.admin.headers)).json() == []
    assert (await client.get(f"{V1}/maintenance/tasks", headers=coop_b.admin.headers)).json() == []
    other = await client.get(
        f"{V1}/maintenance/due?vehicle_id={car.id}", headers=coop_b.admin.headers
    )
    assert other.status_code == 404
    wrong = await client.get(f"{V1}/maintenance/due?state=late", headers=admin)
    assert wrong.status_code == 422 and wrong.json()["field"] == "state"
    driver = await client.get(f"{V1}/maintenance/due", headers=coop_a.driver.headers)
    assert driver.status_code == 403
    gone = await client.delete(
        f"{V1}/maintenance/tasks/{made.json()['id']}", headers=coop_b.admin.headers
    )
    assert gone.status_code == 404


async def test_a_work_order_opened_and_closed_holds_the_vehicle_meanwhile(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    car = await factories.make_vehicle(session, coop_a.coop)
    await session.commit()
    dispatcher = coop_a.dispatcher.headers
    opened = await client.post(
        f"{V1}/work-orders",
        json={"vehicle_id": car.id, "garage": "Gara Tân Mai"},
        headers=dispatcher,
    )
    assert opened.status_code == 201, opened.text
    order = opened.json()
    assert (await client.get(f"{V1}/vehicles/{car.id}", headers=dispatcher)).json()[
        "status"
    ] == "maintenance"
    for line in (
        {"kind": "part", "description": "Má phanh", "quantity": 4, "unit_price_vnd": 350_000},
        {"kind": "labour", "description": "Công thay", "quantity": 1.5, "unit_price_vnd": 200_001},
    ):
        added = await client.post(
            f"{V1}/work-orders/{order['id']}/lines", json=line, headers=dispatcher
        )
        assert added.status_code == 200, added.text
    assert added.json()["total_vnd"] == 1_400_000 + 300_002  # 1.5 × 200,001 = 300,001.5
    bad = await client.post(
        f"{V1}/work-orders/{order['id']}/lines",
        json={"kind": "tip", "description": "x", "quantity": 1, "unit_price_vnd": 1},
        headers=dispatcher,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    foreign = coop_b.dispatcher.headers
    assert (await client.get(f"{V1}/work-orders/{order['id']}", headers=foreign)).status_code == 404
    assert (
        await client.post(f"{V1}/work-orders/{order['id']}/close", json={}, headers=foreign)
    ).status_code == 404
    assert (
        await client.post(f"{V1}/work-orders", json={"vehicle_id": car.id}, headers=foreign)
    ).status_code == 404
    closed = await client.post(
        f"{V1}/work-orders/{order['id']}/close",
        json={"closed_on": "2026-12-01", "closing_odometer_m": 152_300_000},
        headers=dispatcher,
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["closed_on"]) == ("closed", "2026-12-01")
    assert (await client.get(f"{V1}/vehicles/{car.id}", headers=dispatcher)).json()[
        "status"
    ] == "active"
    again = await client.post(f"{V1}/work-orders/{order['id']}/close", json={}, headers=dispatcher)
    assert again.status_code == 409


async def test_a_checklist_defect_opens_a_work_order(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
) -> None:
    driver = coop_a.driver.headers
    none = await client.post(
        f"{V1}/driver/checklists",
        json={"kind": "pre", "items": [{"item": "brakes", "ok": True}]},
        headers=driver,
    )
    assert none.status_code == 409 and none.json()["field"] == "vehicle"
    car = await factories.make_vehicle(session, coop_a.coop)
    await assign(session, coop_a, car.id)
    fine = await client.post(
        f"{V1}/driver/checklists",
        json={"kind": "pre", "items": [{"item": "brakes", "ok": True}]},
        headers=driver,
    )
    assert fine.status_code == 201 and fine.json()["work_order_id"] is None
    sent = await client.post(
        f"{V1}/driver/checklists",
        json={
            "kind": "post",
            "items": [
                {"item": "brakes", "ok": True},
                {"item": "lights", "ok": False, "note": "đèn phanh trái"},
            ],
        },
        headers=driver | {"Idempotency-Key": "check-1"},
    )
    assert sent.status_code == 201, sent.text
    checklist = sent.json()
    assert checklist["defects"] == ["lights"] and checklist["work_order_id"] is not None
    order = await client.get(
        f"{V1}/work-orders/{checklist['work_order_id']}", headers=coop_a.dispatcher.headers
    )
    assert order.json()["title"] == "Defects at the post-trip check: lights (đèn phanh trái)"
    assert order.json()["checklist_id"] == checklist["id"]
    vehicle = await session.get(Vehicle, car.id, populate_existing=True)
    assert vehicle is not None and vehicle.status == "maintenance"
    retry = await client.post(  # the phone retries: the same answer, no second work order
        f"{V1}/driver/checklists",
        json={
            "kind": "post",
            "items": [
                {"item": "brakes", "ok": True},
                {"item": "lights", "ok": False, "note": "đèn phanh trái"},
            ],
        },
        headers=driver | {"Idempotency-Key": "check-1"},
    )
    assert retry.json()["id"] == checklist["id"]
    unknown = await client.post(
        f"{V1}/driver/checklists",
        json={"kind": "pre", "items": [{"item": "wings", "ok": True}]},
        headers=driver,
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "items.0.item", unknown.text
    photo = await client.post(
        f"{V1}/driver/checklists/{checklist['id']}/photos",
        files=[("photos", ("a.png", PNG, "image/png"))],
        headers=driver,
    )
    assert photo.status_code == 200, photo.text
    [photo_id] = photo.json()["photo_ids"]
    got = await client.get(f"{V1}/checklist-photos/{photo_id}", headers=coop_a.dispatcher.headers)
    assert got.status_code == 200 and got.content == PNG
    not_image = await client.post(
        f"{V1}/driver/checklists/{checklist['id']}/photos",
        files=[("photos", ("a.png", b"hello", "image/png"))],
        headers=driver,
    )
    assert not_image.status_code in (400, 422) and not_image.json()["field"] == "photos"
    # another driver of the cooperative, and another cooperative, see none of it
    other_user = await factories.make_user(
        session,
        coop_a.coop,
        role="driver",
        driver=await factories.make_driver(session, coop_a.coop),
    )
    other = await sign_in_as(session, settings, other_user)
    assert (
        await client.get(f"{V1}/checklist-photos/{photo_id}", headers=other.headers)
    ).status_code == 404
    assert (
        await client.post(
            f"{V1}/driver/checklists/{checklist['id']}/photos",
            files=[("photos", ("a.png", PNG, "image/png"))],
            headers=other.headers,
        )
    ).status_code == 404
    assert (await client.get(f"{V1}/driver/checklists", headers=other.headers)).json() == []
    assert (
        await client.get(f"{V1}/checklist-photos/{photo_id}", headers=coop_b.admin.headers)
    ).status_code == 404
    assert (await client.get(f"{V1}/checklists", headers=coop_b.admin.headers)).json() == []


async def test_fills_and_consumption_from_known_fills_is_exact(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
) -> None:
    car = await factories.make_vehicle(session, coop_a.coop)
    await assign(session, coop_a, car.id)
    driver = coop_a.driver.headers
    fills = [
        ("2026-11-02T08:00:00+07:00", 50.0, 1_000_000, 100_000_000),
        ("2026-11-05T09:00:00+07:00", 40.0, 800_000, 100_500_000),
        ("2026-11-09T17:30:00+07:00", 45.0, 900_000, 101_000_000),
    ]
    for at, litres, amount, odometer in fills:
        made = await client.post(
            f"{V1}/driver/fuel-fills",
            json={"filled_at": at, "litres": litres, "amount_vnd": amount, "odometer_m": odometer},
            headers=driver,
        )
        assert made.status_code == 201, made.text
    twice = await client.post(
        f"{V1}/driver/fuel-fills",
        json={"filled_at": fills[0][0], "litres": 1, "amount_vnd": 1},
        headers=driver,
    )
    assert twice.status_code == 409 and twice.json()["field"] == "filled_at"
    naive = await client.post(
        f"{V1}/driver/fuel-fills",
        json={"filled_at": "2026-11-02T08:00:00", "litres": 1, "amount_vnd": 1},
        headers=driver,
    )
    assert naive.status_code == 422 and naive.json()["field"] == "filled_at"
    answer = await client.get(
        f"{V1}/fuel/consumption?start=2026-11-01&end=2026-11-30", headers=coop_a.director.headers
    )
    assert answer.status_code == 200, answer.text
    [row] = answer.json()
    # (40 + 45) L over 1,000 km
    assert (row["litres_per_100km"], row["km"], row["fills"]) == (8.5, 1000.0, 3)
    assert row["amount_vnd"] == 2_700_000
    receipt = await client.post(
        f"{V1}/driver/fuel-fills/{made.json()['id']}/receipt",
        files={"receipt": ("r.png", PNG, "image/png")},
        headers=driver,
    )
    assert receipt.status_code == 200 and receipt.json()["has_receipt"], receipt.text
    got = await client.get(
        f"{V1}/fuel-fills/{made.json()['id']}/receipt", headers=coop_a.dispatcher.headers
    )
    assert got.status_code == 200 and got.content == PNG
    foreign = coop_b.admin.headers
    assert (
        await client.get(f"{V1}/fuel-fills/{made.json()['id']}/receipt", headers=foreign)
    ).status_code == 404
    assert (
        await client.get(f"{V1}/fuel/consumption?start=2026-11-01&end=2026-11-30", headers=foreign)
    ).json() == []
    assert len((await client.get(f"{V1}/driver/fuel-fills", headers=driver)).json()) == 3
    other_driver = await factories.make_driver(session, coop_a.coop)
    colleague = await sign_in_as(
        session,
        settings,
        await factories.make_user(session, coop_a.coop, role="driver", driver=other_driver),
    )
    theirs = f"{V1}/fuel-fills/{made.json()['id']}/receipt"
    assert (await client.get(theirs, headers=colleague.headers)).status_code == 404
    assert (await client.get(f"{V1}/driver/fuel-fills", headers=colleague.headers)).json() == []
    assert (
        await client.post(
            f"{V1}/driver/fuel-fills/{made.json()['id']}/receipt",
            files={"receipt": ("r.png", PNG, "image/png")},
            headers=colleague.headers,
        )
    ).status_code == 404


async def test_a_fuel_card_csv_reports_bad_rows_by_field(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    car = await factories.make_vehicle(session, coop_a.coop, plate="60C-123.45")
    await factories.make_vehicle(session, coop_b.coop, plate="51B-999.99")
    await session.commit()
    csv = (
        "plate,filled_at,litres,amount_vnd,station,odometer_km\n"
        "60C12345,2026-11-02T08:00:00+07:00,50,1000000,Petrolimex,100000\n"
        "51B-999.99,2026-11-02T09:00:00+07:00,40,800000,,\n"  # another cooperative's plate
        "60C-123.45,2026-11-03T08:00:00+07:00,-3,800000,,\n"
        "60C-123.45,yesterday,30,600000,,\n"
    )
    files = {"file": ("card.csv", csv.encode(), "text/csv")}
    refused = await client.post(
        f"{V1}/fuel-fills/import", files=files, headers=coop_a.admin.headers
    )
    assert refused.status_code == 422, refused.text
    errors = {(e["row"], e["column"]) for e in refused.json()["errors"]}
    assert errors == {(3, "plate"), (4, "litres"), (5, "filled_at")}
    kept = await client.post(
        f"{V1}/fuel-fills/import?keep_valid=true", files=files, headers=coop_a.admin.headers
    )
    assert kept.status_code == 200 and kept.json()["imported"] == 1, kept.text
    again = await client.post(
        f"{V1}/fuel-fills/import?keep_valid=true", files=files, headers=coop_a.admin.headers
    )
    assert (2, "filled_at") in {(e["row"], e["column"]) for e in again.json()["errors"]}
    listed = await client.get(
        f"{V1}/fuel-fills?vehicle_id={car.id}", headers=coop_a.dispatcher.headers
    )
    [fill] = listed.json()
    assert (fill["source"], fill["odometer_m"], fill["litres"]) == ("card", 100_000_000, 50.0)
    assert date.fromisoformat(fill["filled_at"][:10]) == date(2026, 11, 2)


async def test_a_vehicle_held_by_overdue_brakes_does_not_start_a_shift(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    car = await factories.make_vehicle(session, coop_a.coop)
    await assign(session, coop_a, car.id)
    await task(
        session, coop_a.admin.tenant, name="brakes", every_km=20_000, safety=True, vehicle_id=car.id
    )
    today = today_in(coop_a.coop.time_zone)
    await drive(session, coop_a.coop.id, car.id, today, 1, 20_500.0)
    await session.commit()
    start = f"{V1}/driver/shift/start"
    held = await client.post(start, json={}, headers=coop_a.driver.headers)
    assert held.status_code == 409 and held.json()["field"] == "vehicle", held.text
    assert "blocked for maintenance: brakes" in held.json()["message"]
    await session.execute(text("DELETE FROM daily_activity WHERE vehicle_id = :v"), {"v": car.id})
    await session.commit()  # the km undone: nothing is overdue, the shift starts
    started = await client.post(start, json={}, headers=coop_a.driver.headers)
    assert started.status_code == 200 and started.json()["vehicle_id"] == car.id, started.text
