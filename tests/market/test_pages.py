"""The market's public quote page in Debian's Chromium, at a phone's size and a desktop's: the
real API as its own process on committed rows; two cooperatives' prices with their breakdowns."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from playwright.async_api import async_playwright

from core.config import Settings
from devtools.processes import start_api

CHROMIUM = os.environ.get("COOPFLEET_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "market"
AREA = "SRID=4326;MULTIPOLYGON(((106.5 10.5,107.5 10.5,107.5 11.2,106.5 11.2,106.5 10.5)))"
TARIFF = (
    "INSERT INTO market_tariffs (cooperative_id, vehicle_kind, version, capacity_kg, base_vnd,"
    " per_km_vnd, per_hour_vnd, minimum_vnd, night_pct, holiday_pct, waiting_per_hour_vnd,"
    " extra_stop_vnd, loading_help_vnd, night_start, night_end, valid_from)"
    " VALUES (%s, 'truck', 1, 5000, 300000, %s, 80000, 800000, 20, 30, 0, 0, 0, '22:00', '06:00',"
    " '2026-01-01')"
)


@pytest.fixture(scope="module")
def site(settings: Settings) -> Iterator[str]:
    """Two cooperatives serving Đồng Nai and Hồ Chí Minh City with a truck tariff each,
    committed, and the API serving them."""
    coops: list[int] = []
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        for n, per_km in ((1, 18000), (2, 15000)):
            coop = conn.execute(
                "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
                (f"HTX Chợ thử {n}", f"98{os.getpid() % 10**6:06d}{n}"),
            ).fetchone()
            assert coop is not None
            coops.append(coop[0])
            conn.execute(
                "INSERT INTO zones (cooperative_id, name, kind, area)"
                " VALUES (%s, 'Vùng', 'service_area', ST_GeomFromEWKT(%s))",
                (coop[0], AREA),
            )
            conn.execute(TARIFF, (coop[0], per_km))
    server, base = start_api(settings.database_url, settings.secret_key, environment="test")
    try:
        yield base
    finally:
        server.terminate()
        server.wait(10)
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM cooperatives WHERE id = ANY(%s)", (coops,))


@pytest_asyncio.fixture(loop_scope="session")
async def chromium() -> AsyncIterator[object]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (once, before the browser starts)
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser.sh (make test does)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        await browser.close()


@pytest.mark.parametrize(
    ("size", "language"), [((390, 844), "vi"), ((1366, 768), "en")], ids=["phone-vi", "desktop-en"]
)
async def test_quotes_from_two_cooperatives(
    chromium: object, site: str, size: tuple[int, int], language: str
) -> None:
    width, height = size
    context = await chromium.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{site}/cho/" + ("?hl=en" if language == "en" else ""))
    assert await page.get_attribute("html", "lang") == language
    await page.select_option("select[name=pickup]", label="Long Khánh, Đồng Nai")
    await page.select_option("select[name=dropoff]", label="Cảng Cát Lái, TP. Thủ Đức")
    await page.click("form#quote button[type=submit]")
    await page.wait_for_selector("body[data-quoted='2']", state="attached", timeout=15000)
    offers = page.locator("li.offer")
    assert await offers.count() == 2
    names = await offers.locator("h2").all_inner_texts()
    assert names == ["HTX Chợ thử 2", "HTX Chợ thử 1"]  # cheapest first
    first = await offers.nth(0).inner_text()
    assert "₫" in first
    assert ("Theo km" if language == "vi" else "Distance") in first
    scroll = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width  # nothing wider than the screen
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(ARTEFACTS / f"quote-{width}.png"), full_page=True)
    assert errors == []
    await context.close()
