"""Orders: CRUD, lifecycle with history, offers (also under concurrency), tracking link."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Settings
from devtools.apps import committed_app, committed_bearer, order_body
from tests import factories
from tests.conftest import CoopWorld, sign_in_as
from tests.test_csv_io import limited

V1 = "/api/v1"


async def make(
    client: httpx.AsyncClient, world: CoopWorld, reference: str = "DH-1"
) -> dict[str, Any]:
    created = await client.post(
        f"{V1}/orders", json=order_body(reference), headers=world.dispatcher.headers
    )
    assert created.status_code == 201, created.text
    return dict(created.json())


async def test_create_read_search_and_change(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    order = await make(client, coop_a)
    assert order["status"] == "new" and order["pickup"]["location"]["coordinates"] == [
        106.8722,
        10.9571,
    ]
    duplicate = await client.post(
        f"{V1}/orders", json=order_body(), headers=coop_a.dispatcher.headers
    )
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "reference"
    found = await client.get(f"{V1}/orders?q=cat lai", headers=coop_a.director.headers)
    assert [o["id"] for o in found.json()["items"]] == [order["id"]]
    none = await client.get(f"{V1}/orders?status=delivered", headers=coop_a.director.headers)
    assert none.json()["total"] == 0
    changed = await client.patch(
        f"{V1}/orders/{order['id']}",
        json={"price_vnd": 4_000_000},
        headers=coop_a.dispatcher.headers,
    )
    assert changed.json()["price_vnd"] == 4_000_000
    bad = order_body("DH-2")
    bad["dropoff"]["location"]["coordinates"] = [200, 10]
    refused = await client.post(f"{V1}/orders", json=bad, headers=coop_a.dispatcher.headers)
    assert refused.status_code == 422


async def test_invalid_step_names_the_allowed_ones_and_history_is_kept(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    order = await make(client, coop_a)
    url = f"{V1}/orders/{order['id']}/transitions"
    wrong = await client.post(url, json={"status": "delivered"}, headers=coop_a.dispatcher.headers)
    assert wrong.status_code == 409
    assert wrong.json()["details"]["allowed"] == ["planned", "offered", "cancelled"]
    for step in ("planned", "cancelled"):
        moved = await client.post(
            url, json={"status": step, "note": step}, headers=coop_a.dispatcher.headers
        )
        assert moved.status_code == 200 and moved.json()["status"] == step
    again = await client.patch(
        f"{V1}/orders/{order['id']}", json={"price_vnd": 1}, headers=coop_a.dispatcher.headers
    )
    assert again.status_code == 409
    history = await client.get(f"{V1}/orders/{order['id']}/events", headers=coop_a.director.headers)
    assert [(e["from_status"], e["to_status"]) for e in history.json()] == [
        (None, "new"),
        ("new", "planned"),
        ("planned", "cancelled"),
    ]


async def test_offer_accept_and_decline(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    driver_id = coop_a.driver.user.driver_id
    first = await make(client, coop_a, "DH-A")
    second = await make(client, coop_a, "DH-B")
    offered = []
    for order in (first, second):
        made = await client.post(
            f"{V1}/orders/{order['id']}/offers",
            json={"driver_id": driver_id, "deadline_s": 60},
            headers=coop_a.dispatcher.headers,
        )
        assert made.status_code == 201, made.text
        offered.append(made.json())
    twice = await client.post(
        f"{V1}/orders/{first['id']}/offers",
        json={"driver_id": driver_id},
        headers=coop_a.dispatcher.headers,
    )
    assert twice.status_code == 409
    mine = await client.get(f"{V1}/driver/offers", headers=coop_a.driver.headers)
    assert sorted(o["id"] for o in mine.json()) == sorted(o["id"] for o in offered)
    accepted = await client.post(
        f"{V1}/driver/offers/{offered[0]['id']}/accept", headers=coop_a.driver.headers
    )
    assert accepted.json()["status"] == "accepted"
    late = await client.post(
        f"{V1}/driver/offers/{offered[0]['id']}/decline", headers=coop_a.driver.headers
    )
    assert late.status_code == 409
    declined = await client.post(
        f"{V1}/driver/offers/{offered[1]['id']}/decline", headers=coop_a.driver.headers
    )
    assert declined.json()["status"] == "declined"
    states = {
        o["id"]: (
            await client.get(f"{V1}/orders/{o['id']}", headers=coop_a.director.headers)
        ).json()["status"]
        for o in (first, second)
    }
    assert states == {first["id"]: "accepted", second["id"]: "new"}


async def test_another_cooperative_sees_no_orders(
    client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    order = await make(client, coop_a)
    assert (
        await client.get(f"{V1}/orders/{order['id']}", headers=coop_b.admin.headers)
    ).status_code == 404
    assert (await client.get(f"{V1}/orders", headers=coop_b.admin.headers)).json()["total"] == 0
    offer = await client.post(
        f"{V1}/orders/{order['id']}/offers",
        json={"driver_id": coop_b.driver.user.driver_id},
        headers=coop_a.dispatcher.headers,
    )
    assert offer.status_code == 404 and offer.json()["field"] == "id"


async def test_tracking_link_needs_no_sign_in(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    order = await make(client, coop_a)
    path = order["tracking_url"]
    assert len(path.rsplit("/", 1)[-1]) >= 32
    seen = await client.get(path)
    assert seen.status_code == 200 and seen.json()["status"] == "new"
    assert (await client.get(f"{V1}/track/not-a-token")).status_code == 404
    vehicle = await factories.make_vehicle(session, coop_a.coop)
    await session.execute(
        text(
            "INSERT INTO vehicle_state (vehicle_id, cooperative_id, device_time, received_at, geom)"
            " VALUES (:v, :c, now(), now(), ST_SetSRID(ST_MakePoint(106.85, 10.90), 4326))"
        ),
        {"v": vehicle.id, "c": coop_a.coop.id},
    )
    await session.execute(
        text("UPDATE orders SET status = 'en_route_dropoff', vehicle_id = :v WHERE id = :o"),
        {"v": vehicle.id, "o": order["id"]},
    )
    await session.commit()
    moving = (await client.get(path)).json()
    assert moving["vehicle_position"]["coordinates"] == [106.85, 10.9]
    assert moving["eta"] is not None and moving["eta"] > moving["vehicle_position"]["time"]


async def test_concurrent_offers_never_double_offer(
    settings: Settings, engine: AsyncEngine
) -> None:
    """Ten simultaneous offers of one order to ten drivers, each in its own transaction on a
    real server connection pool: exactly one succeeds."""
    import psycopg

    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code)"
            " VALUES ('HTX đồng thời', '3900000077') RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        drivers = [
            conn.execute(
                "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
                " licence_class, licence_expiry)"
                " VALUES (%s, %s, %s, %s, 'C', '2030-01-01') RETURNING id",
                (coop, f"Tài xế {n}", f"0900000{n:03d}", f"LX{n:06d}"),
            ).fetchone()[0]  # type: ignore[index]
            for n in range(10)
        ]
    try:
        headers = await committed_bearer(
            engine, settings, cooperative_id=coop, role="dispatcher", login="race@htx.vn"
        )
        transport = httpx.ASGITransport(app=committed_app(settings, engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            order = await client.post(f"{V1}/orders", json=order_body("RACE-1"), headers=headers)
            assert order.status_code == 201, order.text
            url = f"{V1}/orders/{order.json()['id']}/offers"
            answers = await asyncio.gather(
                *(client.post(url, json={"driver_id": d}, headers=headers) for d in drivers)
            )
        codes = sorted(a.status_code for a in answers)
        assert codes == [201] + [409] * 9, [a.text for a in answers if a.status_code != 409]
        with psycopg.connect(settings.sync_database_url) as conn:
            open_offers = conn.execute(
                "SELECT count(*) FROM order_offers WHERE cooperative_id = %s AND status = 'open'",
                (coop,),
            ).fetchone()
        assert open_offers == (1,)
    finally:
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM users WHERE cooperative_id = %s", (coop,))
            conn.execute("DELETE FROM cooperatives WHERE id = %s", (coop,))


CSV = (
    "reference;customer_name;weight_kg;price_vnd;pickup_address;pickup_lon;pickup_lat;"
    "pickup_from;dropoff_address;dropoff_lon;dropoff_lat\n"
    "CSV-1;Công ty A;1200;2500000;Kho Amata;106.87;10.95;2026-11-26T01:00:00Z;"
    "Cát Lái;106.79;10.76\n"
    "CSV-2;Công ty B;900;1800000;Kho Long Bình;106.88;10.94;;Thủ Đức;106.76;10.85\n"
    "CSV-3;Công ty C;-5;1000;Kho Tam Phước;106.90;10.90;;Dĩ An;200;10.90\n"
)


async def test_import_orders_from_csv(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    files = {"file": ("orders.csv", CSV.encode("utf-8-sig"), "text/csv")}
    url = f"{V1}/orders/import"
    refused = await client.post(url, files=files, headers=coop_a.dispatcher.headers)
    assert refused.status_code == 422
    bad = {(e["row"], e["column"]) for e in refused.json()["errors"]}
    assert bad == {(4, "weight_kg"), (4, "dropoff_lon")}
    assert (await client.get(f"{V1}/orders", headers=coop_a.director.headers)).json()["total"] == 0
    kept = await client.post(
        f"{url}?keep_valid=true", files=files, headers=coop_a.dispatcher.headers
    )
    assert kept.status_code == 200 and kept.json()["imported"] == 2
    listed = await client.get(f"{V1}/orders?q=CSV-1", headers=coop_a.director.headers)
    (first,) = listed.json()["items"]
    assert first["pickup"]["location"]["coordinates"] == [106.87, 10.95]
    assert first["price_vnd"] == 2_500_000 and first["pickup"]["window_from"].startswith(
        "2026-11-26"
    )
    again = await client.post(
        f"{url}?keep_valid=true", files=files, headers=coop_a.dispatcher.headers
    )
    assert again.json()["imported"] == 0 and again.json()["rejected"] == 3


async def test_auto_dispatch_offers_the_next_driver(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    """Declined by the first driver, the order goes to the next in the queue; when the queue is
    empty it is back with dispatch."""
    order = await make(client, coop_a)
    second = await factories.make_driver(session, coop_a.coop)
    second_user = await factories.make_user(session, coop_a.coop, role="driver", driver=second)
    second_actor = await sign_in_as(session, settings, second_user)
    first_offer = await client.post(
        f"{V1}/orders/{order['id']}/offers",
        json={"driver_id": coop_a.driver.user.driver_id, "then_driver_ids": [second.id]},
        headers=coop_a.dispatcher.headers,
    )
    assert first_offer.status_code == 201, first_offer.text
    await client.post(
        f"{V1}/driver/offers/{first_offer.json()['id']}/decline", headers=coop_a.driver.headers
    )
    waiting = (await client.get(f"{V1}/driver/offers", headers=second_actor.headers)).json()
    assert [o["order_id"] for o in waiting] == [order["id"]] and waiting[0]["then_driver_ids"] == []
    await session.execute(
        text("UPDATE order_offers SET deadline = now() - interval '1 second' WHERE id = :i"),
        {"i": waiting[0]["id"]},
    )
    await session.commit()
    assert (await client.get(f"{V1}/driver/offers", headers=second_actor.headers)).json() == []
    back = (await client.get(f"{V1}/orders/{order['id']}", headers=coop_a.director.headers)).json()
    assert back["status"] == "new" and back["driver_id"] is None
    history = (
        await client.get(f"{V1}/orders/{order['id']}/events", headers=coop_a.director.headers)
    ).json()
    assert [e["to_status"] for e in history] == ["new", "offered", "new", "offered", "new"]
    assert [e["note"] for e in history][2:5:2] == ["declined", "offer expired"]


async def test_office_delivery_obeys_the_proof_rule_or_records_a_waiver(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    """The office route asks for the proof the driver's route asks for; an explicit waiver with a
    reason passes and is kept in the order's events with who gave it (issue 21, item 8)."""
    order = await make(client, coop_a, "PROOF-1")
    assert order["requires_photo"] is True
    await session.execute(
        text("UPDATE orders SET status = 'at_dropoff' WHERE id = :id"), {"id": order["id"]}
    )
    url = f"{V1}/orders/{order['id']}/transitions"
    refused = await client.post(
        url, json={"status": "delivered"}, headers=coop_a.dispatcher.headers
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"] == "proof_required"
    assert refused.json()["details"]["missing"] == ["photo"]
    too_short = await client.post(
        url, json={"status": "delivered", "proof_waived": ""}, headers=coop_a.dispatcher.headers
    )
    assert too_short.status_code == 422 and too_short.json()["field"] == "proof_waived"
    reason = "Khách xác nhận qua điện thoại"
    waived = await client.post(
        url,
        json={"status": "delivered", "proof_waived": reason, "note": "gọi lúc 15:10"},
        headers=coop_a.dispatcher.headers,
    )
    assert waived.status_code == 200, waived.text
    assert waived.json()["status"] == "delivered"
    events = (
        await client.get(f"{V1}/orders/{order['id']}/events", headers=coop_a.director.headers)
    ).json()
    last = events[-1]
    assert last["to_status"] == "delivered"
    assert last["user_id"] == coop_a.dispatcher.user.id
    assert last["note"] == f"proof waived: {reason} — gọi lúc 15:10"


async def test_order_import_caps_rows_and_reads_every_cell_safely(
    client: httpx.AsyncClient,
    coop_a: CoopWorld,
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """More rows than COOPFLEET_CSV_MAX_ROWS is 413 naming the file; a cell past the csv
    module's limit is 422 naming its line (it was a 500); the rows that pass are inserted with
    their first event each (issue 21, items 3 and 7)."""
    header, *_ = CSV.splitlines()
    rows = [
        f"ROW-{n};Công ty {n};100;1000000;Kho {n};106.87;10.95;;Cát Lái;106.79;10.76"
        for n in range(3)
    ]
    url = f"{V1}/orders/import"
    headers = coop_a.dispatcher.headers
    async with limited(settings, engine, sessions, csv_max_rows=2) as small:
        over = "\n".join([header, *rows])
        refused = await small.post(url, files={"file": ("o.csv", over.encode())}, headers=headers)
        assert refused.status_code == 413 and refused.json()["field"] == "file"
        kept = "\n".join([header, *rows[:2]])
        done = await small.post(url, files={"file": ("o.csv", kept.encode())}, headers=headers)
        assert done.status_code == 200 and done.json()["imported"] == 2, done.text
    listed = (await client.get(f"{V1}/orders?q=ROW-", headers=headers)).json()["items"]
    assert sorted(o["reference"] for o in listed) == ["ROW-0", "ROW-1"]
    for order in listed:
        events = (await client.get(f"{V1}/orders/{order['id']}/events", headers=headers)).json()
        assert [(e["to_status"], e["user_id"]) for e in events] == [
            ("new", coop_a.dispatcher.user.id)
        ]
    huge = "\n".join([header, f'BIG;"{"x" * 140_000}";1;1;a;106.8;10.9;;b;106.7;10.7'])
    answer = await client.post(url, files={"file": ("o.csv", huge.encode())}, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["details"] == {"row": 2} and answer.json()["field"] == "file"
