"""The console end to end: the real API server as its own process, an ingest worker on the real
Mosquitto, Debian's Chromium driven by Playwright. Each failing test saves a screenshot; the
tests also save the main screens, under var/test-artifacts/console/."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from core.config import Settings
from devtools.broker import LocalBroker
from devtools.processes import start_api, start_job_worker
from fleet.entities import VEHICLES
from fleet.models import Vehicle
from fleet.passwords import hash_password
from telematics.credentials import write_password_file
from tests.telematics.conftest import (  # noqa: F401 (fixtures)
    Fleet,
    RunningWorker,
    broker,
    private_config,
    settings,
    start_worker,
)
from tests.waiting import wait_until_async

CHROMIUM = os.environ.get("COOPFLEET_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "console"
PASSWORD = "mat-khau-dieu-hanh-1"
FLEET_SIZE = 24
CENTRE = (106.8426, 10.9574)  # Biên Hòa
REPORT_DAY = date(2026, 11, 2)


async def wait_until(page: Page, expression: str, timeout_ms: float = 15000) -> None:
    """Poll ``expression`` until it is truthy. Playwright's ``wait_for_function`` evaluates its
    predicate with ``eval`` inside the page, which the console's Content-Security-Policy
    (rightly) refuses; ``evaluate`` goes through the debugging protocol instead."""
    await wait_until_async(lambda: page.evaluate(expression), timeout_ms / 1000, what=expression)


@dataclass
class ConsoleWorld:
    base: str
    coop_id: int
    vehicle_ids: list[int]
    driver_ids: list[int]
    plates: list[str]
    logins: dict[str, str]  # role -> login
    event_id: int


def _make_cooperative(config: Settings, tag: str) -> ConsoleWorld:
    """A cooperative with drivers on shift, vehicles with fresh positions, office users and an
    overspeed alert, committed (the server has its own connections)."""
    far = date.today() + timedelta(days=400)
    now = datetime.now(UTC)
    with psycopg.connect(config.sync_database_url, autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX điều hành {tag}", f"{int(tag, 16) % 10**10:010d}"),
        ).fetchone()[0]  # type: ignore[index]
        logins = {}
        for role in ("dispatcher", "director", "admin"):
            login = f"{role}-{tag}@htx.vn"
            conn.execute(
                "INSERT INTO users (cooperative_id, login, full_name, role, password_hash)"
                " VALUES (%s, %s, %s, %s, %s)",
                (coop, login, f"Người dùng {role}", role, hash_password(PASSWORD)),
            )
            logins[role] = login
        vehicle_ids, driver_ids, plates = [], [], []
        for n in range(FLEET_SIZE):
            plate = f"60C-{n:03d}.{int(tag[:2], 16) % 100:02d}"
            driver = conn.execute(
                "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
                " licence_class, licence_expiry) VALUES (%s, %s, %s, %s, 'C', %s) RETURNING id",
                (coop, f"Tài xế Số {n}", f"09{n:08d}", f"GP{tag}{n}", far),
            ).fetchone()[0]  # type: ignore[index]
            keys = Vehicle(plate=plate)
            VEHICLES.derive(keys)  # the plate key and search text, as the registry sets them
            vehicle = conn.execute(
                "INSERT INTO vehicles (cooperative_id, plate, plate_key, search, kind, payload_kg,"
                " volume_m3, badge_expiry, inspection_expiry, insurance_expiry)"
                " VALUES (%s, %s, %s, %s, 'truck', 8000, 40, %s, %s, %s) RETURNING id",
                (coop, plate, keys.plate_key, keys.search, far, far, far),
            ).fetchone()[0]  # type: ignore[index]
            conn.execute(
                "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
                " VALUES (%s, %s, %s)",
                (coop, vehicle, driver),
            )
            conn.execute(
                "INSERT INTO shifts (cooperative_id, driver_id, vehicle_id) VALUES (%s, %s, %s)",
                (coop, driver, vehicle),
            )
            lon = CENTRE[0] + (n % 6) * 0.02
            lat = CENTRE[1] + (n // 6) * 0.02
            conn.execute(
                "INSERT INTO vehicle_state (vehicle_id, cooperative_id, device_time, received_at,"
                " geom, speed_kmh, ignition) VALUES (%s, %s, %s, %s,"
                " ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, true)",
                (vehicle, coop, now, now, lon, lat, 40.0 if n % 2 else 0.0),
            )
            vehicle_ids.append(vehicle)
            driver_ids.append(driver)
            plates.append(plate)
        for n, vehicle in enumerate(vehicle_ids[:3]):  # yesterday's activity, for the reports
            conn.execute(
                "INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id,"
                " distance_m, engine_s, moving_s, idle_s, nodata_s, trips, stops)"
                " VALUES (%s, %s, %s, %s, %s, 7200, 3600 * %s, 600, 0, 2, 3)",
                (vehicle, REPORT_DAY, driver_ids[n], coop, 100_000 * (n + 1), n + 1),
            )
        event_id = conn.execute(
            "INSERT INTO journey_events (cooperative_id, source, subject_id, kind, vehicle_id,"
            " driver_id, started_at, ended_at, geom, details)"
            " VALUES (%s, 'vehicle', %s, 'overspeed', %s, %s, %s, %s,"
            ' ST_SetSRID(ST_MakePoint(%s, %s), 4326), \'{"max_kmh": 97, "limit_kmh": 80}\')'
            " RETURNING id",
            (
                coop,
                vehicle_ids[0],
                vehicle_ids[0],
                driver_ids[0],
                now - timedelta(minutes=10),
                now - timedelta(minutes=9),
                *CENTRE,
            ),
        ).fetchone()[0]  # type: ignore[index]
    return ConsoleWorld("", coop, vehicle_ids, driver_ids, plates, logins, event_id)


@pytest.fixture(scope="module")
def world(settings: Settings, broker: LocalBroker) -> Iterator[ConsoleWorld]:  # noqa: F811
    tag = uuid.uuid4().hex[:6]
    made = _make_cooperative(settings, tag)
    write_password_file(broker.password_file, settings.secret_key, made.vehicle_ids)
    broker.reload()
    ingest: RunningWorker = start_worker(
        private_config(settings, Fleet(made.coop_id, made.vehicle_ids))
    )
    server, made.base = start_api(
        settings.database_url,
        settings.secret_key,
        environment="test",
        mqtt_host=settings.mqtt_host,
        mqtt_port=str(settings.mqtt_port),
    )
    jobs = start_job_worker(settings.database_url, settings.secret_key, environment="test")
    yield made
    jobs.terminate()
    jobs.wait(30)
    server.terminate()
    server.wait(10)
    ingest.stop()
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM positions WHERE cooperative_id = %s", (made.coop_id,))
        conn.execute("DELETE FROM derive_marks WHERE cooperative_id = %s", (made.coop_id,))
        conn.execute("DELETE FROM plans WHERE cooperative_id = %s", (made.coop_id,))
        conn.execute("DELETE FROM orders WHERE cooperative_id = %s", (made.coop_id,))
        conn.execute("DELETE FROM users WHERE cooperative_id = %s", (made.coop_id,))
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (made.coop_id,))


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once, before the browser starts)
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser.sh (make test does)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        await launched.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@dataclass
class Console:
    page: Page
    errors: list[str]
    world: ConsoleWorld

    async def sign_in(self, role: str = "dispatcher") -> None:
        await self.page.goto(f"{self.world.base}/console/login")
        await self.page.fill("input[name=username]", self.world.logins[role])
        await self.page.fill("input[name=password]", PASSWORD)
        await self.page.click("form#sign-in button[type=submit]")
        await self.page.wait_for_url(f"{self.world.base}/console/**")
        await self.page.wait_for_selector("body[data-ready]", state="attached")

    async def goto(self, path: str) -> None:
        await self.page.goto(f"{self.world.base}{path}")
        await self.page.wait_for_selector("body[data-ready]", state="attached")

    async def screenshot(self, name: str) -> None:
        """The page once the map has settled (vehicles are hidden while it zooms)."""
        await wait_until(self.page, "!document.querySelector('.leaflet-zoom-anim')")
        await self.page.wait_for_timeout(300)
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await self.page.screenshot(path=str(ARTEFACTS / f"{name}.png"))


@pytest_asyncio.fixture(loop_scope="session")
async def console(
    browser: Browser, world: ConsoleWorld, request: pytest.FixtureRequest
) -> AsyncIterator[Console]:
    """A fresh browser tab at 1366×768 that records console errors and failed requests."""
    context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield Console(page, errors, world)
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTEFACTS / f"FAILED-{request.node.name}.png"))
    await context.close()
