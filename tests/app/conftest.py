"""The driver's app end to end: the console's world (the real API server as its own process, an
ingest worker on a private Mosquitto, the job worker) with one of its drivers signed in on a
390×844 touch phone in Debian's Chromium, geolocation emulated. Failing tests save a
screenshot under var/test-artifacts/app/; the screens the docs show are saved there too, or into
docs/img/driver-app/ when ``COOPFLEET_DOC_SCREENSHOTS=1``."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize

from core.config import Settings
from fleet.passwords import hash_password
from tests.console.conftest import (  # noqa: F401 (fixtures and the failure-report hook)
    PASSWORD,
    ConsoleWorld,
    browser,
    pytest_runtest_makereport,
    world,
)
from tests.telematics.conftest import broker, settings  # noqa: F401 (the world's fixtures)

ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = ROOT / "var" / "test-artifacts" / "app"
DOC_SHOTS = ROOT / "docs" / "img" / "driver-app"
PHONE: ViewportSize = {"width": 390, "height": 844}
# where the emulated phone is (lon, lat): 130 m from the vehicle's seeded fix (a jump of km
# in seconds would be refused, rightly, as impossible)
HERE = (106.8437, 10.9580)


@dataclass
class Driver:
    """A driver of the world with an account and no open shift."""

    index: int
    driver_id: int
    vehicle_id: int
    plate: str
    login: str


def add_driver_account(
    config: Settings, made: ConsoleWorld, index: int, *, end_shift: bool
) -> Driver:
    login = f"09{uuid.uuid4().int % 10**8:08d}"
    driver_id = made.driver_ids[index]
    with psycopg.connect(config.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (cooperative_id, login, full_name, role, password_hash, driver_id)"
            " VALUES (%s, %s, %s, 'driver', %s, %s)",
            (made.coop_id, login, f"Tài xế Số {index}", hash_password(PASSWORD), driver_id),
        )
        if end_shift:
            conn.execute(
                "UPDATE shifts SET ended_at = now() WHERE driver_id = %s AND ended_at IS NULL",
                (driver_id,),
            )
    return Driver(index, driver_id, made.vehicle_ids[index], made.plates[index], login)


@pytest.fixture(scope="module")
def driver(settings: Settings, world: ConsoleWorld) -> Driver:  # noqa: F811
    return add_driver_account(settings, world, 0, end_shift=True)


async def token(base: str, login: str) -> str:
    async with httpx.AsyncClient(base_url=base) as http:
        form = {"username": login, "password": PASSWORD}
        answer = await http.post("/api/v1/auth/token", data=form)
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


async def phone_context(browser: Browser, **extra: Any) -> BrowserContext:  # noqa: F811
    """A phone: 390×844, touch, Vietnamese, its position known and shared."""
    return await browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        geolocation={"longitude": HERE[0], "latitude": HERE[1], "accuracy": 8},
        permissions=["geolocation"],
        service_workers="allow",
        **extra,
    )


async def shoot(page: Page, name: str) -> None:
    """A screen for the docs (see the module's docstring for where it goes)."""
    folder = DOC_SHOTS if os.environ.get("COOPFLEET_DOC_SCREENSHOTS") == "1" else ARTEFACTS
    folder.mkdir(parents=True, exist_ok=True)
    await page.wait_for_timeout(250)  # the toast's and the countdown's last frame
    await page.screenshot(path=str(folder / f"{name}.png"))


@dataclass
class Phone:
    page: Page
    context: BrowserContext
    errors: list[str]
    base: str


@pytest_asyncio.fixture(loop_scope="session")
async def phone(
    browser: Browser,  # noqa: F811
    world: ConsoleWorld,  # noqa: F811
    request: pytest.FixtureRequest,
) -> AsyncIterator[Phone]:
    context = await phone_context(browser)
    page = await context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield Phone(page, context, errors, world.base)
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTEFACTS / f"FAILED-{request.node.name}.png"))
    await context.close()
