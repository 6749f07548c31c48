"""Lighthouse-style checks of the driver app, measured in Chromium: the route screen on a
throttled "slow 4G" network (Lighthouse's mobile profile: 150 ms round trip ×3.75 = 562.5 ms of
request latency, 1.6 Mbit/s ×0.9 down, 750 kbit/s ×0.9 up), cold (first visit, nothing cached)
and as an installed app (the service worker holds the shell); the JavaScript and CSS it
transfers before the map's Leaflet."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from core.config import Settings
from tests.app.conftest import add_driver_account, phone_context
from tests.app.test_driver_app import office_call, order_body
from tests.console.conftest import PASSWORD, ConsoleWorld, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="session")

SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6 * 1024 * 1024 * 0.9 / 8,
    "uploadThroughput": 750 * 1024 * 0.9 / 8,
}
BUDGET_MS = 1500
SCRIPTS_AND_STYLES_BUDGET = 150 * 1024

TIMINGS = """(() => {
  const at = (name) => performance.getEntriesByName(name)[0]?.startTime ?? null;
  const assets = performance.getEntriesByType('resource')
    .filter((r) => /\\.(js|css)(\\?|$)/.test(r.name));
  return {
    fcp: at('first-contentful-paint'),
    drawn: at('route-drawn'),
    read: at('route-read'),
    js_css_bytes: assets.reduce((sum, r) => sum + r.transferSize, 0),
    assets: assets.map((r) => r.name.replace(location.origin, '')),
    controlled: navigator.serviceWorker.controller !== null,
  };
})()"""


async def signed_in_tokens(base: str, login: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=base) as http:
        form = {"username": login, "password": PASSWORD, "device_id": "budget-phone"}
        answer = await http.post("/api/v1/auth/token", data=form)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


async def throttled(page: Page) -> None:
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Network.enable")
    await cdp.send("Network.emulateNetworkConditions", SLOW_4G)


async def measure(page: Page) -> dict[str, Any]:
    await wait_until(page, "performance.getEntriesByName('route-read').length > 0", 30000)
    timings: dict[str, Any] = await page.evaluate(TIMINGS)
    return timings


async def test_the_route_screen_on_slow_4g(
    browser: Browser, world: ConsoleWorld, settings: Settings
) -> None:
    driver = add_driver_account(settings, world, 1, end_shift=False)  # on shift already
    dispatcher = (await signed_in_tokens(world.base, world.logins["dispatcher"]))["access_token"]
    order = await office_call(
        world.base, dispatcher, "POST", "/orders", json=order_body(f"DH-B-{uuid.uuid4().hex[:6]}")
    )
    offer = await office_call(
        world.base, dispatcher, "POST", f"/orders/{order['id']}/offers",
        json={"driver_id": driver.driver_id},
    )  # fmt: skip
    pair = await signed_in_tokens(world.base, driver.login)
    await office_call(
        world.base, pair["access_token"], "POST", f"/driver/offers/{offer['id']}/accept"
    )
    context = await phone_context(browser)
    keep = (
        "if (!localStorage.getItem('app_refresh_token')) {"
        f"localStorage.setItem('app_access_token', {pair['access_token']!r});"
        f"localStorage.setItem('app_refresh_token', {pair['refresh_token']!r}); }}"
    )
    await context.add_init_script(keep)
    page = await context.new_page()
    await throttled(page)
    try:
        await page.goto(f"{world.base}/app/#route")
        cold = await measure(page)
        await wait_until(page, "document.body.classList.contains('live')", 30000)
        everything = await page.evaluate(TIMINGS)  # every module of the app, the map's aside
        await wait_until(page, "navigator.serviceWorker.controller !== null", 30000)
        await page.reload()
        warm = await measure(page)
    finally:
        await context.close()
    print(f"\nslow 4G, cold: {cold}\nall modules: {everything}\nslow 4G, installed: {warm}")
    assert not any("leaflet" in name for name in everything["assets"])  # the map on demand
    assert len(everything["assets"]) == 13
    assert everything["js_css_bytes"] <= SCRIPTS_AND_STYLES_BUDGET, everything
    # installed (the way a driver opens it): the kept route at once, the server's within budget
    assert warm["controlled"]
    assert warm["drawn"] <= BUDGET_MS and warm["read"] <= BUDGET_MS, warm
    # a first visit needs three requests one after the other (page, modules, route: the token
    # lives in the page, so no earlier request can carry it): 3 × 562.5 ms is its floor, over
    # the budget; held here to that floor plus a second
    assert cold["read"] <= 3 * SLOW_4G["latency"] + 1000, cold
