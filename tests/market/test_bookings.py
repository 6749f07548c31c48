"""Shippers: sign-up with a code, booking a quote into an order of its cooperative, only their
own bookings, expired quotes and other prices refused, cancellation by time, rating, limits."""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from market import vietqr
from market.models import Quote
from routing.models import Order
from tests.conftest import CoopWorld
from tests.market.helpers import serve, tariff
from tests.market.test_quotes import ask

V1 = "/api/v1"


async def sign_up(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, contact: str, name: str
) -> dict[str, str]:
    with caplog.at_level(logging.WARNING, logger="coopfleet.market"):
        sent = await client.post(f"{V1}/market/shippers/codes", json={"contact": contact})
    assert sent.status_code == 202, sent.text
    code = re.findall(r"sign-up code for .*: (\d{6})", caplog.text)[-1]
    wrong = "000000" if code != "000000" else "111111"
    bad = await client.post(
        f"{V1}/market/shippers/verify", json={"contact": contact, "code": wrong, "name": name}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "code"
    done = await client.post(
        f"{V1}/market/shippers/verify", json={"contact": contact, "code": code, "name": name}
    )
    assert done.status_code == 200, done.text
    return {"Authorization": f"Bearer {done.json()['access_token']}"}


async def test_sign_up_book_cancel_rate(
    client: httpx.AsyncClient,
    session: AsyncSession,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for world in (coop_a, coop_b):
        await serve(session, world.coop.id)
    await tariff(session, coop_a.admin.tenant)
    await tariff(session, coop_b.admin.tenant, per_km_vnd=15_000)
    await session.commit()
    farm = await sign_up(client, caplog, "+84 912 345 678", "HTX Nông nghiệp Long Khánh")
    family = await sign_up(client, caplog, "Lan@Example.vn", "Chị Lan")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    offers = (await client.post(f"{V1}/market/quotes", json=ask(tomorrow))).json()["offers"]
    chosen = next(o for o in offers if o["cooperative_id"] == coop_a.coop.id)
    anonymous = await client.post(
        f"{V1}/market/bookings", json={"quote_id": chosen["quote_id"], "price_vnd": 1}
    )
    assert anonymous.status_code == 401
    office = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": chosen["quote_id"], "price_vnd": chosen["total_vnd"]},
        headers=coop_a.admin.headers,
    )
    assert office.status_code == 401  # an office token is not a shipper's
    cheaper = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": chosen["quote_id"], "price_vnd": chosen["total_vnd"] - 1},
        headers=farm,
    )
    assert cheaper.status_code == 409 and cheaper.json()["field"] == "price_vnd"
    booked = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": chosen["quote_id"], "price_vnd": chosen["total_vnd"]},
        headers=farm,
    )
    assert booked.status_code == 201, booked.text
    booking = booked.json()
    order = await session.get(Order, booking["order_id"])
    assert order is not None
    assert (order.cooperative_id, order.status, order.price_vnd, order.weight_kg) == (
        coop_a.coop.id,
        "new",
        chosen["total_vnd"],
        4000,
    )
    tracked = await client.get(booking["tracking_path"])  # the customer link, no sign-in
    assert tracked.status_code == 200, tracked.text
    seen = await client.get(f"{V1}/orders/{order.id}", headers=coop_a.dispatcher.headers)
    assert seen.status_code == 200  # the cooperative's dispatchers see it at once
    assert (
        await client.get(f"{V1}/orders/{order.id}", headers=coop_b.admin.headers)
    ).status_code == 404
    twice = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": chosen["quote_id"], "price_vnd": chosen["total_vnd"]},
        headers=family,
    )
    assert twice.status_code == 409 and twice.json()["field"] == "quote_id"
    # only their own
    mine = await client.get(f"{V1}/market/bookings", headers=farm)
    assert [b["id"] for b in mine.json()] == [booking["id"]]
    assert (await client.get(f"{V1}/market/bookings", headers=family)).json() == []
    other = await client.get(f"{V1}/market/bookings/{booking['id']}", headers=family)
    assert other.status_code == 404
    assert (
        await client.post(f"{V1}/market/bookings/{booking['id']}/cancel", headers=family)
    ).status_code == 404
    # paying by transfer: 404 until the cooperative sets its account, then the VietQR code
    pay = f"{V1}/market/bookings/{booking['id']}/payment"
    assert (await client.get(pay, headers=farm)).status_code == 404
    account = {"bank_bin": "970436", "account": "1012345678", "account_name": "HTX VT A"}
    by_dispatcher = await client.put(
        f"{V1}/market/payment-account", json=account, headers=coop_a.dispatcher.headers
    )
    assert by_dispatcher.status_code == 403
    bad_bin = await client.put(
        f"{V1}/market/payment-account",
        json={**account, "bank_bin": "97043"},
        headers=coop_a.admin.headers,
    )
    assert bad_bin.status_code == 422 and bad_bin.json()["field"] == "bank_bin"
    set_ = await client.put(
        f"{V1}/market/payment-account", json=account, headers=coop_a.admin.headers
    )
    assert set_.status_code == 200, set_.text
    code = await client.get(pay, headers=farm)
    assert code.status_code == 200, code.text
    decoded = vietqr.parse(code.json()["payload"])
    assert (decoded["bank_bin"], decoded["account"], decoded["amount_vnd"]) == (
        "970436",
        "1012345678",
        str(chosen["total_vnd"]),
    )
    assert decoded["reference"] == order.reference == code.json()["reference"]
    image = await client.get(f"{pay}.png", headers=farm)
    assert image.headers["content-type"] == "image/png"
    [read] = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.content)))
    assert read.text == code.json()["payload"]
    assert (await client.get(pay, headers=family)).status_code == 404
    # rating once, 1-5
    too_many = await client.post(
        f"{V1}/market/bookings/{booking['id']}/rating", json={"stars": 6}, headers=farm
    )
    assert too_many.status_code == 422 and too_many.json()["field"] == "stars"
    rated = await client.post(
        f"{V1}/market/bookings/{booking['id']}/rating",
        json={"stars": 5, "comment": "Đúng giờ"},
        headers=farm,
    )
    assert rated.json()["rating"] == 5
    # a day ahead: cancellable, and the order with it
    cancelled = await client.post(f"{V1}/market/bookings/{booking['id']}/cancel", headers=farm)
    assert cancelled.status_code == 200, cancelled.text
    await session.refresh(order)
    assert order.status == "cancelled"
    # the other offer, expired
    other_offer = next(o for o in offers if o["cooperative_id"] == coop_b.coop.id)
    await session.execute(
        update(Quote)
        .where(Quote.id == other_offer["quote_id"])
        .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
    )
    await session.commit()
    expired = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": other_offer["quote_id"], "price_vnd": other_offer["total_vnd"]},
        headers=family,
    )
    assert expired.status_code == 409 and expired.json()["field"] == "quote_id"
    assert "expired" in expired.json()["message"]


async def test_late_cancellation_is_refused(
    client: httpx.AsyncClient,
    session: AsyncSession,
    coop_a: CoopWorld,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await serve(session, coop_a.coop.id)
    await tariff(session, coop_a.admin.tenant)
    await session.commit()
    shipper = await sign_up(client, caplog, "0987654321", "Xưởng Nhơn Trạch")
    soon = datetime.now(UTC) + timedelta(hours=1)
    [offer] = (await client.post(f"{V1}/market/quotes", json=ask(soon))).json()["offers"]
    booked = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": offer["quote_id"], "price_vnd": offer["total_vnd"]},
        headers=shipper,
    )
    late = await client.post(f"{V1}/market/bookings/{booked.json()['id']}/cancel", headers=shipper)
    assert late.status_code == 409 and "2 hours" in late.json()["message"]


async def test_a_bad_contact_is_named(client: httpx.AsyncClient) -> None:
    bad = await client.post(f"{V1}/market/shippers/codes", json={"contact": "12"})
    assert bad.status_code == 422 and bad.json()["field"] == "contact"


async def test_sign_up_codes_are_limited_per_address(strict_client: httpx.AsyncClient) -> None:
    for contact in ("0911111111", "0922222222"):
        sent = await strict_client.post(f"{V1}/market/shippers/codes", json={"contact": contact})
        assert sent.status_code == 202
    third = await strict_client.post(f"{V1}/market/shippers/codes", json={"contact": "0933333333"})
    assert third.status_code == 429 and third.json()["field"] == "contact"
    assert int(third.headers["Retry-After"]) >= 1


async def test_a_declined_booking_offers_the_next_cooperative(
    client: httpx.AsyncClient,
    session: AsyncSession,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for world in (coop_a, coop_b):
        await serve(session, world.coop.id)
    await tariff(session, coop_a.admin.tenant, per_km_vnd=10_000)  # the cheaper
    await tariff(session, coop_b.admin.tenant)
    await session.commit()
    shipper = await sign_up(client, caplog, "0977000111", "Nhà máy Nhơn Trạch")
    tomorrow = datetime.now(UTC) + timedelta(days=1)
    first, second = (await client.post(f"{V1}/market/quotes", json=ask(tomorrow))).json()["offers"]
    assert first["cooperative_id"] == coop_a.coop.id
    booked = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": first["quote_id"], "price_vnd": first["total_vnd"]},
        headers=shipper,
    )
    booking = booked.json()
    decline = f"{V1}/market/bookings/{booking['id']}/decline"
    assert (await client.post(decline, headers=coop_b.admin.headers)).status_code == 404
    assert (await client.post(decline, headers=shipper)).status_code == 401
    declined = await client.post(decline, headers=coop_a.dispatcher.headers)
    assert declined.status_code == 200, declined.text
    assert declined.json()["declined_at"] is not None
    order = await session.get(Order, booking["order_id"])
    assert order is not None
    await session.refresh(order)
    assert order.status == "cancelled"
    assert (await client.post(decline, headers=coop_a.dispatcher.headers)).status_code == 409
    offered = await client.get(
        f"{V1}/market/bookings/{booking['id']}/alternatives", headers=shipper
    )
    assert [a["quote_id"] for a in offered.json()] == [second["quote_id"]]
    again = await client.post(
        f"{V1}/market/bookings",
        json={"quote_id": second["quote_id"], "price_vnd": second["total_vnd"]},
        headers=shipper,
    )
    assert again.status_code == 201 and again.json()["cooperative_id"] == coop_b.coop.id
