"""The admins' devices page in Chromium: devices heard on the cooperative's vehicles, its
vehicles whose device was not heard, and nothing of another cooperative's or unknown devices."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from playwright.async_api import expect

from core.config import Settings
from tests.console.conftest import ARTEFACTS, Console, ConsoleWorld

pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest.fixture
def heard(settings: Settings, world: ConsoleWorld) -> Iterator[dict[str, str]]:
    """Vehicle 0's tracker heard 2 minutes ago, vehicle 1's never; an unknown id refused."""
    tag = f"{world.coop_id:06d}"[-6:]
    ids = {"heard": f"86{tag}0000001", "silent": f"86{tag}0000002", "unknown": f"35{tag}9999999"}
    at = datetime.now(UTC) - timedelta(minutes=2)
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        for vehicle_id, device in zip(
            world.vehicle_ids, (ids["heard"], ids["silent"]), strict=False
        ):
            conn.execute(
                "UPDATE vehicles SET tracking_device_id = %s WHERE id = %s", (device, vehicle_id)
            )
        conn.execute(
            "INSERT INTO gateway_devices (protocol, identifier, cooperative_id, vehicle_id,"
            " remote_address, first_heard_at, last_heard_at, messages, fixes, refused)"
            " VALUES ('gt06', %s, %s, %s, '203.0.113.7', %s, %s, 120, 118, 0)",
            (ids["heard"], world.coop_id, world.vehicle_ids[0], at - timedelta(hours=1), at),
        )
        conn.execute(
            "INSERT INTO gateway_devices (protocol, identifier, remote_address, first_heard_at,"
            " last_heard_at, messages, refused, last_refusal)"
            " VALUES ('gt06', %s, '198.51.100.9', %s, %s, 3, 3, 'unknown_device')",
            (ids["unknown"], at, at),
        )
    yield ids
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "DELETE FROM gateway_devices WHERE identifier = ANY(%s)", (list(ids.values()),)
        )
        conn.execute(
            "UPDATE vehicles SET tracking_device_id = NULL WHERE id = ANY(%s)",
            (world.vehicle_ids[:2],),
        )


async def test_an_admin_sees_devices_heard_and_vehicles_not_heard(
    console: Console, heard: dict[str, str]
) -> None:
    page = console.page
    await console.sign_in("admin")
    link = page.get_by_role("link", name="Thiết bị")
    await expect(link).to_be_visible()
    await link.click()
    await page.wait_for_selector("body[data-ready]", state="attached")
    row = page.locator(f"#heard-table tr[data-identifier='{heard['heard']}']")
    await expect(row).to_contain_text(console.world.plates[0])
    await expect(row).to_contain_text("203.0.113.7")
    await expect(row).to_contain_text("118")
    await expect(page.locator("#heard-table tbody tr")).to_have_count(1)  # not the unknown id
    await expect(page.locator("#heard-count")).to_have_text("1 / 1 thiết bị")
    silent = page.locator(f"#silent-table tr[data-vehicle='{console.world.vehicle_ids[1]}']")
    await expect(silent).to_contain_text(heard["silent"])
    await expect(page.locator("#silent-table")).not_to_contain_text(heard["heard"])
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / "devices.png"))
    assert console.errors == []


async def test_a_dispatcher_has_no_devices_page(console: Console, heard: dict[str, str]) -> None:
    page = console.page
    await console.sign_in("dispatcher")
    await expect(page.get_by_role("link", name="Thiết bị")).to_be_hidden()
    await console.goto("/console/devices")  # typed by hand: the API refuses, the page says so
    await expect(page.locator("#toast")).not_to_be_empty()
    await expect(page.locator("#heard-table tbody tr")).to_have_count(0)
