"""The driver's app on a phone-sized Chromium against the real server, database and broker: the
whole working day of issue 23 (sign in, shift, a live offer, the route, steps and proof taken
offline and sent in order exactly once, the position on the dispatcher's live feed)."""

from __future__ import annotations

import asyncio
import io
import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from PIL import Image
from playwright.async_api import Page, expect
from websockets.asyncio.client import connect

from core.config import Settings
from tests.app.conftest import HERE, Driver, Phone, add_driver_account, shoot, token
from tests.console.conftest import PASSWORD, ConsoleWorld, wait_until
from tests.waiting import wait_until_async

pytestmark = pytest.mark.asyncio(loop_scope="session")


def order_body(reference: str) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(minutes=30)
    return {
        "reference": reference,
        "customer_name": "Công ty TNHH Gỗ Đồng Nai",
        "weight_kg": 1200,
        "price_vnd": 3_500_000,
        "requires_photo": True,
        "requires_signature": True,
        "notes": "Gọi trước khi tới cổng",
        "pickup": {
            "address": "KCN Amata, Biên Hòa, Đồng Nai",
            "location": {"type": "Point", "coordinates": [106.8722, 10.9571]},
            "window_from": start.isoformat(),
            "window_to": (start + timedelta(hours=2)).isoformat(),
            "contact": "Anh Tuấn",
            "phone": "0987654321",
        },
        "dropoff": {
            "address": "Cảng Cát Lái, TP. Thủ Đức",
            "location": {"type": "Point", "coordinates": [106.7906, 10.7617]},
            "window_to": (start + timedelta(hours=6)).isoformat(),
        },
    }


async def office_call(base: str, access: str, method: str, path: str, **body: Any) -> Any:
    async with httpx.AsyncClient(base_url=base) as http:
        answer = await http.request(
            method, f"/api/v1{path}", headers={"Authorization": f"Bearer {access}"}, **body
        )
        assert answer.is_success, answer.text
        return answer.json() if answer.content else None


def fixture_photo(folder: Path) -> Path:
    """A camera-sized JPEG (4000×3000, ~MB) for the file chooser."""
    path = folder / "hang-hoa.jpg"
    image = Image.new("RGB", (4000, 3000))
    for n in range(0, 4000, 100):
        image.paste((n % 255, 90, 200 - n % 180), (n, 0, n + 50, 3000))
    image.save(path, quality=95)
    return path


async def next_step(page: Page, status: str) -> None:
    """Tap the job's big button for ``status``."""
    button = page.locator("#job-next")
    await expect(button).to_have_attribute("data-step", status)
    await button.tap()


WAITING_KINDS = "[...document.querySelectorAll('#outbox-items li')].map(i => i.dataset.kind)"
INK = """(() => { const c = document.getElementById('signature-pad');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; })()"""


async def sign_with_a_finger(page: Page, selector: str) -> None:
    """A stroke across the pad with touch events (the phone's own input, not a mouse)."""
    await page.locator(selector).scroll_into_view_if_needed()
    box = await page.locator(selector).bounding_box()
    assert box is not None
    cdp = await page.context.new_cdp_session(page)
    points = [(box["x"] + 20 + n * 25, box["y"] + 80 - (n % 3) * 25) for n in range(12)]
    kinds = ["touchStart"] + ["touchMove"] * (len(points) - 1)
    for kind, (x, y) in zip(kinds, points, strict=True):
        touch = {"type": kind, "touchPoints": [{"x": x, "y": y}]}
        await cdp.send("Input.dispatchTouchEvent", touch)
    await cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    await cdp.detach()


def events_of(config: Settings, order_id: int) -> list[tuple[str, datetime, datetime]]:
    """The order's events: status, server time, device time (the server's when none was sent)."""
    with psycopg.connect(config.sync_database_url) as conn:
        rows = conn.execute(
            "SELECT to_status, at, coalesce(device_time, at) FROM order_events"
            " WHERE order_id = %s ORDER BY id",
            (order_id,),
        ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


async def test_a_driver_works_a_job_through_a_lost_signal(
    phone: Phone, world: ConsoleWorld, driver: Driver, settings: Settings, tmp_path: Path
) -> None:
    page, base = phone.page, phone.base
    # sign in
    await page.goto(f"{base}/app/")
    await expect(page.locator("#screen-signin")).to_be_visible()
    await page.fill("input[name=username]", driver.login)
    await page.fill("input[name=password]", "mat-khau-dieu-hanh-1")
    await shoot(page, "01-sign-in")
    await page.locator("#sign-in button[type=submit]").tap()
    # start a shift with the assigned vehicle's plate filled in
    await expect(page.locator("#screen-shift")).to_be_visible()
    await expect(page.locator("#shift-start input[name=plate]")).to_have_value(driver.plate)
    await page.locator("#shift-start button[type=submit]").tap()
    await expect(page.locator("#shift-actions")).to_be_visible()
    await shoot(page, "02-shift")
    with psycopg.connect(settings.sync_database_url) as conn:
        open_shifts = conn.execute(
            "SELECT vehicle_id FROM shifts WHERE driver_id = %s AND ended_at IS NULL",
            (driver.driver_id,),
        ).fetchall()
    assert open_shifts == [(driver.vehicle_id,)]

    # an offer made by a dispatcher through the API appears within 2 s, and is accepted
    await page.goto(f"{base}/app/#offers")
    await wait_until(page, "document.body.classList.contains('live')")
    dispatcher = await token(base, world.logins["dispatcher"])
    reference = f"DH-APP-{uuid.uuid4().hex[:6]}"
    order = await office_call(base, dispatcher, "POST", "/orders", json=order_body(reference))
    offered = time.monotonic()
    await office_call(
        base, dispatcher, "POST", f"/orders/{order['id']}/offers",
        json={"driver_id": driver.driver_id, "deadline_s": 300},
    )  # fmt: skip
    card = page.locator("#offer-list li.offer")
    await expect(card).to_have_count(1, timeout=5000)
    shown_after = time.monotonic() - offered
    assert shown_after <= 2.0, f"the offer showed {shown_after:.2f} s after it was made"
    await expect(card).to_contain_text("KCN Amata")
    await expect(card.locator(".countdown")).to_contain_text("giây")
    await shoot(page, "03-offer")
    await card.locator("button.primary").tap()

    # the route lists the stops
    await expect(page.locator("#screen-route")).to_be_visible()
    job_card = page.locator(f"#job-list li[data-order='{order['id']}']")
    await expect(job_card).to_contain_text("KCN Amata")
    await expect(job_card.locator("a[href^='tel:']")).to_have_attribute("href", "tel:0987654321")
    navigate = job_card.locator("a[href*='google.com/maps/dir']")
    await expect(navigate).to_have_attribute(
        "href", "https://www.google.com/maps/dir/?api=1&destination=10.9571,106.8722"
    )
    await shoot(page, "04-route")
    await page.locator("#map-toggle").tap()
    markers = "document.querySelectorAll('#route-map .leaflet-interactive').length"
    await wait_until(page, f"{markers} >= 3")  # pickup, drop-off and me
    await shoot(page, "05-map")

    # on the way to the pickup, with signal
    await job_card.locator("a.primary").tap()
    await expect(page.locator("#screen-job")).to_be_visible()
    await next_step(page, "en_route_pickup")
    await wait_until_async(
        lambda: "en_route_pickup" in [e[0] for e in events_of(settings, order["id"])],
        10,
        what="en_route_pickup stored",
    )
    await wait_until(page, "document.getElementById('outbox-count').hidden")
    await wait_until(page, "navigator.serviceWorker.controller !== null")

    # the signal goes: arrived, picked up, a photo and a signature wait on the phone
    await phone.context.set_offline(True)
    await next_step(page, "at_pickup")
    await next_step(page, "picked_up")
    await page.locator("#photo-input").set_input_files(fixture_photo(tmp_path))
    await expect(page.locator("#photo-preview")).to_be_visible()
    await sign_with_a_finger(page, "#signature-pad")
    assert await page.evaluate(INK) > 100  # the stroke is on the pad
    await page.fill("#proof input[name=recipient_name]", "Chị Lan")
    # a tap right after the raw touch stroke is swallowed by Chromium's gesture detection
    await page.locator("#proof button[type=submit]").click()
    job_items = f"{WAITING_KINDS}.filter(kind => kind !== 'positions').join()"
    await wait_until(page, f"{job_items} === 'step,step,proof'")

    # the app reloaded without signal: the service worker serves it, the three items wait
    answer = await page.reload()
    assert answer is not None and answer.from_service_worker
    await page.wait_for_selector("body[data-ready]", state="attached")
    await expect(page.locator("#offline-banner")).to_be_visible()
    await page.locator("#outbox-count").tap()
    kinds = await page.evaluate(WAITING_KINDS)
    # the job's three items, and maybe the position the phone took since it reopened
    assert [kind for kind in kinds if kind != "positions"] == ["step", "step", "proof"]
    assert kinds.count("positions") <= 1
    await expect(page.locator("#outbox-count")).to_contain_text(str(len(kinds)))
    await expect(page.locator("#job-status")).to_have_text("Đã nhận hàng")
    await shoot(page, "06-offline-queue")
    assert [e[0] for e in events_of(settings, order["id"])][-1] == "en_route_pickup"

    # the signal returns: they arrive in order, once each
    await phone.context.set_offline(False)
    await wait_until(page, "document.getElementById('outbox-count').hidden", 20000)
    await next_step(page, "en_route_dropoff")
    await next_step(page, "at_dropoff")
    await next_step(page, "delivered")
    await wait_until_async(
        lambda: "delivered" in [e[0] for e in events_of(settings, order["id"])],
        20,
        what="the delivery stored",
    )
    await wait_until(page, "document.getElementById('outbox-count').hidden", 20000)
    await expect(page.locator("#job-done")).to_be_visible()

    events = events_of(settings, order["id"])
    statuses = [e[0] for e in events]
    assert statuses[statuses.index("accepted") + 1 :] == [
        "en_route_pickup", "at_pickup", "picked_up", "en_route_dropoff", "at_dropoff", "delivered",
    ]  # fmt: skip
    by_status = {e[0]: e for e in events}
    assert by_status["at_pickup"][2] < by_status["picked_up"][2]  # the phone's own times
    assert by_status["picked_up"][1] - by_status["picked_up"][2] > timedelta(seconds=1)  # sent late
    with psycopg.connect(settings.sync_database_url) as conn:
        proof = conn.execute(
            "SELECT kind, id, created_at FROM proof_files WHERE order_id = %s ORDER BY id",
            (order["id"],),
        ).fetchall()
        status, recipient = conn.execute(
            "SELECT status, recipient_name FROM orders WHERE id = %s", (order["id"],)
        ).fetchone()  # type: ignore[misc]
    assert [p[0] for p in proof] == ["photo", "signature"]
    assert by_status["picked_up"][1] <= proof[0][2] <= by_status["en_route_dropoff"][1]
    assert (status, recipient) == ("delivered", "Chị Lan")
    async with httpx.AsyncClient(base_url=base) as http:
        photo = await http.get(
            f"/api/v1/proof-files/{proof[0][1]}", headers={"Authorization": f"Bearer {dispatcher}"}
        )
    with Image.open(io.BytesIO(photo.content)) as stored:
        assert max(stored.size) == 1600, stored.size  # downscaled on the phone
    assert len(photo.content) < 1_000_000

    # the position from the phone's geolocation is on the dispatcher's live feed
    feed = f"{base.replace('http', 'ws')}/api/v1/live/ws?token={dispatcher}"
    async with connect(feed) as socket:
        seen = await _vehicle_at(socket, driver.vehicle_id, HERE)
    assert seen
    # the only errors: requests the browser could not send while offline
    assert [e for e in phone.errors if "ERR_INTERNET_DISCONNECTED" not in e] == []


async def _vehicle_at(socket: Any, vehicle_id: int, point: tuple[float, float]) -> bool:
    """Read the live feed until the vehicle is shown at ``point`` (15 s at most)."""
    fields: list[str] = []
    moves: list[str] = []
    async with asyncio.timeout(15):
        while True:
            message = json.loads(await socket.recv())
            fields = message.get("fields", fields)
            moves = message.get("move_fields", moves)
            rows = [dict(zip(fields, r, strict=True)) for r in message.get("vehicles", [])]
            rows += [dict(zip(fields, r, strict=True)) for r in message.get("full", [])]
            rows += [dict(zip(moves, r, strict=True)) for r in message.get("moves", [])]
            for row in rows:
                if (
                    row["id"] == vehicle_id
                    and row["lon"] is not None
                    and (abs(row["lon"] - point[0]) < 1e-5 and abs(row["lat"] - point[1]) < 1e-5)
                ):
                    return True


async def sign_in_on(page: Page, base: str, login: str) -> None:
    await page.goto(f"{base}/app/")
    await page.fill("input[name=username]", login)
    await page.fill("input[name=password]", PASSWORD)
    await page.locator("#sign-in button[type=submit]").tap()


async def test_office_accounts_are_turned_away(phone: Phone, world: ConsoleWorld) -> None:
    await sign_in_on(phone.page, phone.base, world.logins["dispatcher"])
    await expect(phone.page.locator("#sign-in-error")).to_have_text("Ứng dụng này dành cho tài xế.")
    assert await phone.page.evaluate("localStorage.getItem('app_refresh_token')") is None


async def test_english_on_the_switch_and_sign_out_everywhere(
    phone: Phone, world: ConsoleWorld, settings: Settings
) -> None:
    driver = add_driver_account(settings, world, 2, end_shift=False)
    page = phone.page
    await sign_in_on(page, phone.base, driver.login)
    await expect(page.locator("#screen-shift")).to_be_visible()
    await page.locator("#lang-switch").tap()
    await expect(page.locator("#tabs a[href='#route']")).to_have_text("Route")
    await expect(page.locator("#driver-name")).to_have_text("Tài xế Số 2")
    await shoot(page, "09-shift-en")
    await page.goto(f"{phone.base}/app/#account")
    await page.locator("#sign-out-everywhere").tap()
    await expect(page.locator("#screen-signin")).to_be_visible()
    await expect(page.locator("#sign-in h1")).to_have_text("Driver sign-in")
    kept = await page.evaluate(
        "['app_route', 'app_home', 'app_last_message_id', 'app_offer_details', 'app_user_id']"
        ".filter(key => localStorage.getItem(key) !== null)"
    )
    assert kept == []  # the next driver on this phone sees nothing of this one
    with psycopg.connect(settings.sync_database_url) as conn:
        sessions = conn.execute(
            "SELECT count(*), count(s.revoked_at) FROM auth_sessions s JOIN users u"
            " ON u.id = s.user_id WHERE u.login = %s AND u.cooperative_id = %s",
            (driver.login, world.coop_id),
        ).fetchone()
    assert sessions is not None and sessions[0] >= 1 and sessions[0] == sessions[1]


async def test_an_offer_pushed_while_the_app_is_closed_is_a_notification(
    phone: Phone, world: ConsoleWorld, settings: Settings
) -> None:
    """The push event as the browser's push service would deliver it (through the debugging
    protocol: headless Chromium has no push service of its own)."""
    driver = add_driver_account(settings, world, 3, end_shift=False)
    page = phone.page
    await phone.context.grant_permissions(["notifications"], origin=phone.base)
    await sign_in_on(page, phone.base, driver.login)
    await expect(page.locator("#screen-shift")).to_be_visible()
    await wait_until(page, "navigator.serviceWorker.controller !== null")
    cdp = await phone.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    await cdp.send("ServiceWorker.enable")
    await wait_until_async(lambda: registrations, 10, what="the worker's registration")
    message = {
        "kind": "offer",
        "title": "Chuyến mới: 3.500.000 ₫",
        "body": "KCN Amata → Cảng Cát Lái",
        "url": "/app/#offers",
        "tag": "offer-77",
    }
    await cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": phone.base,
            "registrationId": registrations[0]["registrationId"],
            "data": json.dumps(message),
        },
    )
    worker = phone.context.service_workers[0]
    shown = await wait_until_async(
        lambda: worker.evaluate(
            "self.registration.getNotifications()"
            ".then(all => all.map(n => [n.title, n.body, n.tag, n.data.url]))"
        ),
        10,
        what="the notification",
    )
    assert shown == [[message["title"], message["body"], "offer-77", "/app/#offers"]]


async def test_a_break_and_a_pin_for_this_phone(
    phone: Phone, world: ConsoleWorld, settings: Settings
) -> None:
    driver = add_driver_account(settings, world, 4, end_shift=False)
    page = phone.page
    await sign_in_on(page, phone.base, driver.login)
    await expect(page.locator("#shift-state")).to_contain_text("Đang trong ca")
    await page.locator("#break-toggle").tap()
    await expect(page.locator("#shift-state")).to_contain_text("Đang nghỉ")
    with psycopg.connect(settings.sync_database_url) as conn:
        on_break = conn.execute(
            "SELECT break_started_at IS NOT NULL FROM shifts"
            " WHERE driver_id = %s AND ended_at IS NULL",
            (driver.driver_id,),
        ).fetchone()
    assert on_break == (True,)
    await page.locator("#break-toggle").tap()
    await expect(page.locator("#shift-state")).to_contain_text("Đang trong ca")
    # a PIN for this phone, then sign out and back in with it
    await page.goto(f"{phone.base}/app/#account")
    await page.fill("#pin-form input[name=password]", PASSWORD)
    await page.fill("#pin-form input[name=pin]", "483920")
    await page.locator("#pin-form button[type=submit]").tap()
    await expect(page.locator("#toast")).to_have_text("Đã lưu mã PIN.")
    await page.locator("#sign-out").tap()
    await expect(page.locator("#screen-signin")).to_be_visible()
    await page.fill("input[name=username]", driver.login)
    await page.fill("input[name=password]", "483920")
    await page.locator("#sign-in button[type=submit]").tap()
    await expect(page.locator("#screen-shift")).to_be_visible()
    await expect(page.locator("#driver-name")).to_have_text("Tài xế Số 4")
    # an item another account left on this phone is neither shown nor sent with this token
    await page.evaluate(FOREIGN_ITEM)
    await page.evaluate("import('/app/static/sync.js').then(sync => sync.sendNow())")
    assert await page.locator("#outbox-count").is_hidden()
    left = await page.evaluate(
        "new Promise(done => { const r = indexedDB.open('coopfleet-driver'); r.onsuccess = () =>"
        " { const q = r.result.transaction('outbox').objectStore('outbox').getAll();"
        " q.onsuccess = () => done(q.result.map(i => i.user)); }; })"
    )
    assert left == [999_999]


FOREIGN_ITEM = """new Promise(done => { const r = indexedDB.open('coopfleet-driver');
  r.onsuccess = () => { const t = r.result.transaction('outbox', 'readwrite');
    t.objectStore('outbox').add({ kind: 'positions', user: 999999, key: 'k',
      positions: [{ time: new Date().toISOString(), lat: 10.9, lon: 106.8 }] });
    t.oncomplete = () => done(true); }; })"""


async def test_papers_due_are_shown_and_an_expired_one_stops_the_shift(
    phone: Phone, world: ConsoleWorld, settings: Settings
) -> None:
    driver = add_driver_account(settings, world, 5, end_shift=True)
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE drivers SET licence_expiry = current_date + 10 WHERE id = %s",
            (driver.driver_id,),
        )
        conn.execute(
            "UPDATE vehicles SET inspection_expiry = current_date - 1 WHERE id = %s",
            (driver.vehicle_id,),
        )
    page = phone.page
    await sign_in_on(page, phone.base, driver.login)
    papers = page.locator("#papers li")
    await expect(papers).to_have_count(2)
    await expect(page.locator("#papers li.warn")).to_contain_text("hết hạn")
    await expect(page.locator("#papers li.danger")).to_contain_text("ĐÃ HẾT HẠN")
    await shoot(page, "07-papers")
    await page.locator("#shift-start button[type=submit]").tap()
    await expect(page.locator("#shift-error")).not_to_be_empty()
    with psycopg.connect(settings.sync_database_url) as conn:
        opened = conn.execute(
            "SELECT count(*) FROM shifts WHERE driver_id = %s AND ended_at IS NULL",
            (driver.driver_id,),
        ).fetchone()
    assert opened == (0,)


async def test_a_banner_before_the_continuous_driving_limit(
    phone: Phone, world: ConsoleWorld, settings: Settings
) -> None:
    """3 h 40 min of driving without a break, the last trip just ended: 20 minutes left."""
    driver = add_driver_account(settings, world, 6, end_shift=False)
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO trips (cooperative_id, vehicle_id, driver_id, started_at, ended_at,"
            " start_geom, end_geom, distance_m, duration_s, moving_s, idle_s, max_speed_kmh,"
            " avg_speed_kmh) VALUES (%s, %s, %s, now() - interval '220 min',"
            " now() - interval '30 s', ST_SetSRID(ST_MakePoint(106.8, 10.9), 4326),"
            " ST_SetSRID(ST_MakePoint(107.9, 10.9), 4326), 150000, 13170, 13000, 170, 80, 41)",
            (world.coop_id, driver.vehicle_id, driver.driver_id),
        )
    page = phone.page
    await sign_in_on(page, phone.base, driver.login)
    banner = page.locator("#driving-banner")
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("Sắp đến giới hạn lái liên tục")
    await expect(page.locator("#driving-clock")).to_have_text(re.compile(r"^3:(39|40|41)$"))
    await shoot(page, "08-driving-time")


async def test_a_job_that_cannot_be_delivered_fails_with_its_reason(
    phone: Phone, world: ConsoleWorld, settings: Settings
) -> None:
    driver = add_driver_account(settings, world, 7, end_shift=False)
    dispatcher = await token(world.base, world.logins["dispatcher"])
    order = await office_call(
        world.base, dispatcher, "POST", "/orders", json=order_body(f"DH-F-{uuid.uuid4().hex[:6]}")
    )
    buzzes = "window.buzzes = []; navigator.vibrate = (pattern) => window.buzzes.push(pattern) > 0;"
    await phone.context.add_init_script(buzzes)  # what the phone's vibrator was asked to do
    page = phone.page
    await sign_in_on(page, phone.base, driver.login)
    await page.goto(f"{phone.base}/app/#offers")
    await wait_until(page, "document.body.classList.contains('live')")
    await office_call(
        world.base, dispatcher, "POST", f"/orders/{order['id']}/offers",
        json={"driver_id": driver.driver_id},
    )  # fmt: skip
    await page.locator("#offer-list li.offer button.primary").tap()
    assert await page.evaluate("window.buzzes.length") == 1
    await page.locator(f"#job-list li[data-order='{order['id']}'] a.primary").tap()
    await page.locator("#job-fail summary").tap()
    await page.select_option("#fail-form select[name=reason]", "address_wrong")
    await page.fill("#fail-form input[name=note]", "Không có số nhà này")
    await page.locator("#fail-form button[type=submit]").tap()
    await expect(page.locator("#job-done")).to_be_visible()
    await wait_until_async(
        lambda: events_of(settings, order["id"])[-1][0] == "failed", 10, what="the failure stored"
    )
    with psycopg.connect(settings.sync_database_url) as conn:
        reason = conn.execute(
            "SELECT reason, note FROM order_events WHERE order_id = %s AND to_status = 'failed'",
            (order["id"],),
        ).fetchall()
    assert reason == [("address_wrong", "Không có số nhà này")]


async def test_times_show_in_the_cooperatives_zone(
    phone: Phone, world: ConsoleWorld, settings: Settings
) -> None:
    driver = add_driver_account(settings, world, 8, end_shift=False)
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        started = conn.execute(
            "SELECT started_at FROM shifts WHERE driver_id = %s AND ended_at IS NULL",
            (driver.driver_id,),
        ).fetchone()
        conn.execute(
            "UPDATE cooperatives SET time_zone = 'Asia/Tokyo' WHERE id = %s", (world.coop_id,)
        )
    assert started is not None
    try:
        await sign_in_on(phone.page, phone.base, driver.login)
        tokyo = started[0].astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
        await expect(phone.page.locator("#shift-state")).to_contain_text(f"từ {tokyo}")
    finally:
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE cooperatives SET time_zone = 'Asia/Ho_Chi_Minh' WHERE id = %s",
                (world.coop_id,),
            )
