"""The fleet page shows what maintenance is due and overdue, and a work order is opened from a
due task and closed again, in headless Chromium against the real API server."""

from __future__ import annotations

import psycopg

from core.config import Settings
from core.timeutil import today_in
from tests.console.conftest import (  # noqa: F401 (fixtures)
    Console,
    ConsoleWorld,
    browser,
    console,
    wait_until,
    world,
)
from tests.telematics.conftest import broker, settings  # noqa: F401 (fixtures)


def _plan(config: Settings, made: ConsoleWorld) -> None:
    """Brakes every 20,000 km (a safety item) on the first vehicle, driven 20,500 km today;
    oil every 10,000 km on the second, driven 9,500 km."""
    today = today_in("Asia/Ho_Chi_Minh")
    with psycopg.connect(config.sync_database_url, autocommit=True) as conn:
        for vehicle, name, every, driven, safety in (
            (made.vehicle_ids[0], "Phanh", 20_000, 20_500, True),
            (made.vehicle_ids[1], "Thay dầu", 10_000, 9_500, False),
        ):
            conn.execute(
                "INSERT INTO maintenance_tasks (cooperative_id, name, vehicle_id, every_km, safety,"
                " starts_on) VALUES (%s, %s, %s, %s, %s, %s)",
                (made.coop_id, name, vehicle, every, safety, today),
            )
            conn.execute(
                "INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id,"
                " distance_m, engine_s, moving_s, idle_s, nodata_s, trips, stops)"
                " VALUES (%s, %s, 0, %s, %s, 0, 0, 0, 0, 1, 1)",
                (vehicle, today, made.coop_id, driven * 1000),
            )


def _status(config: Settings, vehicle_id: int) -> str:
    with psycopg.connect(config.sync_database_url) as conn:
        row = conn.execute("SELECT status FROM vehicles WHERE id = %s", (vehicle_id,)).fetchone()
        assert row is not None
        return str(row[0])


async def test_due_and_overdue_shown_and_a_work_order_opened_and_closed(
    console: Console,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    made = console.world
    _plan(settings, made)
    page = console.page
    await console.sign_in("dispatcher")
    await console.goto("/console/fleet")
    await wait_until(page, "document.getElementById('maintenance').dataset.loaded === 'true'")
    overdue = page.locator("#maintenance-due tr[data-state=overdue]")
    soon = page.locator("#maintenance-due tr[data-state=due_soon]")
    assert await overdue.count() == 1 and await soon.count() == 1
    assert made.plates[0] in await overdue.inner_text()
    assert "Quá hạn" in await overdue.inner_text()
    assert "20,500 km" in await overdue.inner_text()
    assert made.plates[1] in await soon.inner_text()
    assert "Sắp đến hạn" in await soon.inner_text()
    assert await page.locator("#work-orders tbody tr").count() == 0

    await overdue.locator("button.open-order").click()
    await wait_until(page, "document.querySelectorAll('#work-orders tbody tr').length === 1")
    assert made.plates[0] in await page.locator("#work-orders tbody tr").inner_text()
    assert "Đang sửa" in await page.locator("#maintenance-due tr[data-state=overdue]").inner_text()
    assert _status(settings, made.vehicle_ids[0]) == "maintenance"
    await console.screenshot("maintenance-panel")

    await page.locator("#work-orders button.close-order").click()
    await wait_until(page, "document.querySelectorAll('#work-orders tbody tr').length === 0")
    assert _status(settings, made.vehicle_ids[0]) == "active"
    # closed today: the brakes count again from tomorrow, so nothing is overdue any more
    await wait_until(
        page, "document.querySelectorAll('#maintenance-due tr[data-state=overdue]').length === 0"
    )
    assert console.errors == []
