"""The dispatcher console in headless Chromium against the real server, database and broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
import psycopg
import pytest
from playwright.async_api import expect

from core.config import Settings
from telematics.contract import telemetry_topic
from tests.console.conftest import PASSWORD, Console, wait_until
from tests.telematics.conftest import device_client
from tests.waiting import wait_until_async

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def vehicles_on_map(console: Console) -> int:
    count: int = await console.page.evaluate("window.coopfleet.layer.drawn.length")
    return count


async def wait_js(console: Console, expression: str, timeout_ms: float = 15000) -> None:
    await wait_until(console.page, expression, timeout_ms)


def publish_fix(
    settings: Settings,
    vehicle_id: int,
    coop_id: int,
    lon: float,
    lat: float,
    when: datetime | None = None,
) -> None:
    """A fix sent as the vehicle's device would: over MQTT with its own credentials."""
    client: mqtt.Client = device_client(settings, vehicle_id)
    body = {
        "time": (when or datetime.now(UTC)).isoformat().replace("+00:00", "Z"),
        "lat": lat,
        "lon": lon,
        "speed": 52,
        "ign": True,
    }
    info = client.publish(telemetry_topic(coop_id, vehicle_id), json.dumps(body), qos=1)
    info.wait_for_publish(timeout=10)
    client.disconnect()
    client.loop_stop()


async def test_sign_in_shows_the_fleet_live_and_a_vehicle_moves(
    console: Console, settings: Settings
) -> None:
    world = console.world
    await console.sign_in("dispatcher")
    await wait_js(console, f"window.coopfleet?.feed.vehicles.size === {len(world.vehicle_ids)}")
    await wait_js(console, "window.coopfleet.layer.drawn.length > 0")
    assert await vehicles_on_map(console) == len(world.vehicle_ids)
    await expect(console.page.locator("#vehicle-list")).to_contain_text(world.plates[0])
    await console.screenshot("dispatch-map")

    moved = world.vehicle_ids[3]  # parked at 106.9026, 10.9574
    publish_fix(settings, moved, world.coop_id, 106.9031, 10.9575)
    await wait_js(
        console,
        f"window.coopfleet.feed.vehicles.get({moved}).lon === 106.9031"
        f" && window.coopfleet.feed.vehicles.get({moved}).status === 'moving'",
    )
    assert console.errors == []


async def test_vehicle_panel_and_track_replay(console: Console, settings: Settings) -> None:
    world = console.world
    vehicle = world.vehicle_ids[5]
    now = datetime.now(UTC)
    for step in range(3):  # the last three minutes, stored through MQTT and ingestion
        when = now - timedelta(minutes=3 - step)
        publish_fix(settings, vehicle, world.coop_id, 106.80 + step * 0.01, 10.95, when)
    with psycopg.connect(settings.sync_database_url) as conn:
        query = "SELECT count(*) FROM positions WHERE vehicle_id = %s"
        await wait_until_async(lambda: conn.execute(query, (vehicle,)).fetchone() == (3,))
        until = (now + timedelta(days=1)).replace(hour=10, minute=30, second=0, microsecond=0)
        conn.execute(  # 17:30 in Hồ Chí Minh City
            "UPDATE shifts SET planned_end_at = %s WHERE vehicle_id = %s", (until, vehicle)
        )
        conn.commit()
    await console.sign_in("dispatcher")
    await wait_js(console, "window.coopfleet?.feed.vehicles.size > 0")
    await console.page.get_by_role("button", name=world.plates[5]).click()
    panel = console.page.locator("#vehicle-panel")
    await expect(panel).to_be_visible()
    await expect(panel.locator("#vehicle-title")).to_have_text(world.plates[5])
    await expect(panel).to_contain_text("Tài xế Số 5")
    await expect(panel).to_contain_text("trong ca đến")
    await expect(panel).to_contain_text("17:30:00")
    await panel.get_by_role("button", name="Xem hành trình").click()
    await expect(console.page.locator("#track-summary")).to_contain_text("3 điểm")
    await console.screenshot("vehicle-panel")
    assert console.errors == []


async def test_create_an_order_get_suggestions_and_offer_it(
    console: Console, settings: Settings
) -> None:
    world = console.world
    page = console.page
    await console.sign_in("dispatcher")
    await wait_js(console, "window.coopfleet?.feed.vehicles.size > 0")
    await page.get_by_role("tab", name="Đơn hàng").click()
    await page.get_by_role("button", name="Tạo đơn").click()
    form = page.locator("#order-form")
    reference = f"DH-{world.coop_id}-1"
    await form.locator("[name=reference]").fill(reference)
    await form.locator("[name=customer_name]").fill("Công ty Gỗ Tân Mai")
    await form.locator("[name=pickup_address]").fill("KCN Biên Hòa 2")
    await form.locator("[name=pickup_lon]").fill("106.85")
    await form.locator("[name=pickup_lat]").fill("10.96")
    await form.locator("[name=dropoff_address]").fill("Cảng Cát Lái")
    # the drop-off point is picked on the map, as a dispatcher would
    await form.locator("button.pick[data-stop=dropoff]").click()
    await page.locator("#map").click(position={"x": 700, "y": 300})
    await expect(form.locator("[name=dropoff_lon]")).not_to_have_value("")
    await form.locator("[name=weight_kg]").fill("3000")
    await form.get_by_role("button", name="Lưu").click()
    detail = page.locator("#order-detail")
    await expect(detail).to_be_visible()
    await expect(detail.locator("#order-title")).to_contain_text(reference)

    await detail.get_by_role("button", name="Gợi ý tài xế").click()
    first = page.locator("#suggestions li.suggestion").first
    await expect(first).to_be_visible()
    await console.screenshot("order-suggestions")
    await first.get_by_role("button", name="Giao đơn").click()
    await expect(detail.locator("#order-title")).to_contain_text("Đã gửi tài xế")
    with psycopg.connect(settings.sync_database_url) as conn:
        row = conn.execute(
            "SELECT o.status, count(f.id) FROM orders o JOIN order_offers f ON f.order_id = o.id"
            " WHERE o.reference = %s AND o.cooperative_id = %s GROUP BY o.status",
            (reference, world.coop_id),
        ).fetchone()
    assert row == ("offered", 1)
    assert console.errors == []


async def test_a_bad_order_names_the_field_at_fault(console: Console) -> None:
    page = console.page
    await console.sign_in("dispatcher")
    await page.get_by_role("tab", name="Đơn hàng").click()
    await page.get_by_role("button", name="Tạo đơn").click()
    form = page.locator("#order-form")
    await form.locator("[name=reference]").fill(f"DH-{console.world.coop_id}-bad")
    await form.locator("[name=customer_name]").fill("Khách")
    for stop in ("pickup", "dropoff"):
        await form.locator(f"[name={stop}_address]").fill("Đâu đó")
        await form.locator(f"[name={stop}_lon]").fill("106.8")
        await form.locator(f"[name={stop}_lat]").fill("10.9")
    await form.locator("[name=pickup_from]").fill("2026-12-01T10:00")
    await form.locator("[name=pickup_to]").fill("2026-12-01T08:00")  # ends before it starts
    await form.get_by_role("button", name="Lưu").click()
    error = page.locator("#order-form-error")
    await expect(error).to_contain_text("«pickup»")  # the field at fault, in Vietnamese
    await expect(error).to_contain_text("window")  # and the precise reason
    await expect(page.locator("#order-form")).to_be_visible()


async def test_plan_selected_orders_and_accept(console: Console, settings: Settings) -> None:
    world = console.world
    page = console.page
    start = datetime.now(UTC) + timedelta(hours=1)
    references = [f"KH-{world.coop_id}-{n}" for n in range(3)]
    async with httpx.AsyncClient(base_url=world.base) as http:
        signed = await http.post(
            "/api/v1/auth/token",
            data={"username": world.logins["dispatcher"], "password": PASSWORD},
        )
        headers = {"Authorization": f"Bearer {signed.json()['access_token']}"}
        for n, reference in enumerate(references):
            body = {
                "reference": reference,
                "kind": "freight",
                "customer_name": "Khách kế hoạch",
                "weight_kg": 1000,
                "pickup": {
                    "address": "Kho nhận",
                    "location": {"type": "Point", "coordinates": [106.80 + n * 0.03, 10.97]},
                    "window_from": start.isoformat(),
                    "window_to": (start + timedelta(hours=3)).isoformat(),
                },
                "dropoff": {
                    "address": "Kho giao",
                    "location": {"type": "Point", "coordinates": [106.75 + n * 0.02, 10.90]},
                },
            }
            created = await http.post("/api/v1/orders", json=body, headers=headers)
            assert created.status_code == 201, created.text
    await console.sign_in("dispatcher")
    await wait_js(console, "window.coopfleet?.feed.vehicles.size > 0")
    await page.get_by_role("tab", name="Đơn hàng").click()
    await page.locator("#order-search").fill(f"KH-{world.coop_id}")
    for reference in references:
        await page.get_by_role("checkbox", name=reference).check()
    await page.get_by_role("tab", name="Kế hoạch").click()
    await expect(page.locator("#plan-scope")).to_contain_text("3")
    await page.locator("#plan-form [name=time_limit_s]").fill("30")
    await page.locator("#plan-form [name=stop_when_no_improvement_s]").fill("0.5")
    await page.get_by_role("button", name="Lập kế hoạch").click()
    result = page.locator("#plan-result")
    await expect(result).to_be_visible(timeout=60000)
    assert await page.locator("path.plan-route").count() >= 1
    assert await page.locator(".stop-number").count() == 6  # a pickup and a drop-off each
    await expect(page.locator("#plan-unserved li")).to_have_count(0)
    await console.screenshot("plan")
    await expect(page.get_by_role("checkbox", name="Gửi việc cho tài xế ngay")).to_be_checked()
    await page.get_by_role("button", name="Duyệt kế hoạch").click()
    await expect(page.locator("#toast")).to_contain_text("gửi việc cho tài xế")
    with psycopg.connect(settings.sync_database_url) as conn:
        rows = conn.execute(
            "SELECT r.status, count(o.id) FROM orders r LEFT JOIN order_offers o"
            " ON o.order_id = r.id AND o.status = 'open'"
            " WHERE r.cooperative_id = %s AND r.reference = ANY(%s) GROUP BY r.id",
            (world.coop_id, references),
        ).fetchall()
        quiet, took = conn.execute(
            "SELECT stop_when_no_improvement_s, finished_at - started_at FROM plans"
            " WHERE cooperative_id = %s ORDER BY id DESC LIMIT 1",
            (world.coop_id,),
        ).fetchone()  # type: ignore[misc]
    assert sorted(rows) == [("offered", 1)] * 3  # each job offered once, to its route's driver
    assert quiet == 0.5 and took < timedelta(seconds=20), took  # settled, not the 30 s budget
    assert console.errors == []


async def test_acknowledge_an_alert_with_a_note(console: Console, settings: Settings) -> None:
    page = console.page
    await console.sign_in("dispatcher")
    await page.get_by_role("tab", name="Cảnh báo").click()
    alert = page.locator(f"#alert-list li[data-id='{console.world.event_id}']")
    await expect(alert).to_contain_text("Quá tốc độ")
    await console.screenshot("alerts")
    await alert.get_by_role("textbox").fill("Đã gọi nhắc tài xế")
    await alert.get_by_role("button", name="Đã xử lý").click()
    await expect(alert).to_have_count(0)  # only unacknowledged ones are listed
    with psycopg.connect(settings.sync_database_url) as conn:
        row = conn.execute(
            "SELECT acknowledged_at IS NOT NULL, ack_note FROM journey_events WHERE id = %s",
            (console.world.event_id,),
        ).fetchone()
    assert row == (True, "Đã gọi nhắc tài xế")


async def test_switch_language(console: Console) -> None:
    page = console.page
    await console.sign_in("dispatcher")
    await expect(page.get_by_role("tab", name="Xe", exact=True)).to_be_visible()
    await page.get_by_role("button", name="English").click()
    await expect(page.get_by_role("tab", name="Vehicles")).to_be_visible()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await console.screenshot("dispatch-english")
    await page.get_by_role("button", name="Tiếng Việt").click()
    await expect(page.get_by_role("tab", name="Xe", exact=True)).to_be_visible()


async def test_keyboard_moves_between_tabs(console: Console) -> None:
    page = console.page
    await console.sign_in("dispatcher")
    await page.get_by_role("tab", name="Xe", exact=True).focus()
    await page.keyboard.press("ArrowRight")
    orders_tab = page.get_by_role("tab", name="Đơn hàng")
    await expect(orders_tab).to_have_attribute("aria-selected", "true")
    await expect(page.locator("#pane-orders")).to_be_visible()


async def test_a_director_lands_on_reports_and_cannot_dispatch(console: Console) -> None:
    page = console.page
    await console.sign_in("director")
    await expect(page).to_have_url(f"{console.world.base}/console/reports")
    await console.goto("/console/")
    await wait_js(console, "window.coopfleet?.feed.vehicles.size > 0")
    await expect(page.get_by_role("tab", name="Đơn hàng")).to_be_hidden()
    await expect(page.get_by_role("tab", name="Kế hoạch")).to_be_hidden()


async def test_reports_page_shows_figures_and_exports_xlsx(console: Console) -> None:
    page = console.page
    await console.sign_in("director")
    form = page.locator("#report-filters")
    await form.locator("[name=month]").fill("2026-11")
    await form.get_by_role("button", name="Xem báo cáo").click()
    rows = page.locator("#utilization-table tbody tr")
    await expect(rows).to_have_count(3)
    # ranked by utilization: the vehicle that moved 3 h first, 300 km; the last one flagged
    await expect(rows.nth(0)).to_contain_text(console.world.plates[2])
    await expect(rows.nth(0).locator("td").nth(2)).to_have_text("300")
    await expect(rows.nth(2)).to_have_class("flagged")
    assert await page.locator("#chart-days circle").count() == 1  # one day with activity
    await console.screenshot("reports")
    async with page.expect_download() as waiting:
        await form.get_by_role("button", name="Xuất Excel").click()
    download = await waiting.value
    assert download.suggested_filename.endswith(".xlsx")
    assert (await download.path()).read_bytes()[:2] == b"PK"  # a zip: an XLSX workbook
    assert console.errors == []


async def test_fleet_page_search_and_csv_import_report(console: Console, tmp_path: Path) -> None:
    page = console.page
    await console.sign_in("admin")
    await console.goto("/console/fleet")
    table = page.locator("#registry-table tbody tr")
    await expect(table).to_have_count(24)
    await page.locator("#registry-search").fill(console.world.plates[7])
    await expect(table).to_have_count(1)
    await console.screenshot("fleet")
    bad = tmp_path / "members.csv"
    bad.write_text("member_no,full_name,join_date\nXV-1,Nguyễn Văn A,2026-13-40\n", "utf-8")
    form = page.locator("#import-form")
    await form.locator("[name=entity]").select_option("members")
    await form.locator("[name=file]").set_input_files(str(bad))
    await form.get_by_role("button", name="Nhập").click()
    await expect(page.locator("#import-summary")).to_contain_text("chưa nhập dòng nào")
    errors = page.locator("#import-errors tbody tr")
    await expect(errors).to_have_count(1)
    await expect(errors.first.locator("td").first).to_have_text("2")
    await expect(errors.first).to_contain_text("join_date")
