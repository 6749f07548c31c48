"""The members' portal and the rules page in Debian's Chromium (Playwright), against the API as
its own process on committed data: a member signs in with their phone, sees their two vehicles
with days left on their papers and their balance (in Vietnamese and in English), reads their
statement and not another member's (404); the rules page shows the 4-hour rule and the date of
the last change, in both languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import psycopg
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from core.config import Settings
from core.timeutil import today_in
from devtools.processes import start_api
from fleet.legal import DRIVING_RULES
from tests import factories
from tests.console.conftest import browser, wait_until  # noqa: F401 (the browser fixture)
from tests.ledger.helpers import post_the_month, small_coop


@dataclass
class PortalWorld:
    base: str
    coop_id: int
    member_a: int
    member_b: int
    login: str
    plates: list[str]
    login_b: str
    plate_b: str


async def _commit_world(settings: Settings) -> PortalWorld:
    engine = create_async_engine(settings.database_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            world = await small_coop(session)
            today = today_in(world.coop.time_zone)  # days left count on the cooperative's clock
            for n, vehicle in enumerate((world.t1, world.c1)):
                vehicle.inspection_expiry = today + timedelta(days=45 + n)
                vehicle.insurance_expiry = today + timedelta(days=200)
                vehicle.badge_expiry = today + timedelta(days=10)
            await post_the_month(session, world)
            member = await factories.make_user(
                session, world.coop, role="member", member_id=world.a.id, login=world.a.phone
            )
            await factories.make_user(  # an account the cooperative made: a new password first
                session,
                world.coop,
                role="member",
                member_id=world.b.id,
                login=world.b.phone,
                must_change_password=True,
            )
            await session.commit()
            return PortalWorld("", world.coop.id, world.a.id, world.b.id, member.login,
                               [world.t1.plate, world.c1.plate], world.b.phone or "",
                               world.t2.plate)  # fmt: skip
    finally:
        await engine.dispose()


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def portal(settings: Settings) -> AsyncIterator[PortalWorld]:
    made = await _commit_world(settings)
    server, made.base = start_api(settings.database_url, settings.secret_key, environment="test")
    yield made
    server.terminate()
    server.wait(10)
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE cooperative_id = %s", (made.coop_id,))
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (made.coop_id,))


@pytest_asyncio.fixture(loop_scope="session")
async def page(browser: Browser) -> AsyncIterator[Page]:  # noqa: F811
    context = await browser.new_context(viewport={"width": 1200, "height": 900}, locale="vi-VN")
    tab = await context.new_page()
    yield tab
    await context.close()


async def _sign_in(page: Page, portal: PortalWorld) -> None:
    await page.goto(f"{portal.base}/portal/login")
    await page.fill("input[name=username]", portal.login)
    await page.fill("input[name=password]", factories.PASSWORD)
    await page.click("form#sign-in button[type=submit]")
    await page.wait_for_url(f"{portal.base}/portal/")
    await page.wait_for_selector("body[data-ready]", state="attached")


def _amount(text: str) -> int:
    """-1.000.000 ₫ or -1,000,000 ₫ as an integer (the locale's separators)."""
    return int(re.sub(r"[^0-9-]", "", text))


@pytest.mark.asyncio(loop_scope="session")
async def test_a_member_sees_their_vehicles_balance_and_only_their_statement(
    page: Page, portal: PortalWorld
) -> None:
    await _sign_in(page, portal)
    cards = page.locator("#vehicles article.vehicle")
    assert await cards.count() == 2
    text = await page.locator("#vehicles").inner_text()
    for plate in portal.plates:
        assert plate in text
    assert "Đăng kiểm: còn 45 ngày" in text and "Đăng kiểm: còn 46 ngày" in text
    assert "Phù hiệu: còn 10 ngày" in text
    assert _amount(await page.locator("#balance").inner_text()) == -1_000_000
    assert "HTX còn phải trả bạn" in await page.locator("#balance-meaning").inner_text()

    await page.click("#lang-switch")  # the same page in English
    await page.wait_for_selector("html[lang=en]")
    await page.wait_for_selector("body[data-ready]", state="attached")
    english = await page.locator("#vehicles").inner_text()
    assert "Inspection: 45 days left" in english and "Operating badge: 10 days left" in english
    assert "the cooperative owes you" in await page.locator("#balance-meaning").inner_text()
    assert _amount(await page.locator("#balance").inner_text()) == -1_000_000
    await page.click("#lang-switch")
    await page.wait_for_selector("html[lang=vi]")

    await page.goto(f"{portal.base}/portal/statement/{portal.member_a}?month=2026-11")
    await page.wait_for_selector("body[data-ready]", state="attached")
    assert await page.locator("#statement").get_attribute("data-closing") == "-1000000"
    assert await page.locator("#statement-lines tbody tr").count() == 6

    await page.goto(f"{portal.base}/portal/statement/{portal.member_b}?month=2026-11")
    await page.wait_for_selector("body[data-ready]", state="attached")
    assert await page.locator("#statement-error").inner_text() == "Không tìm thấy."
    assert await page.locator("#statement-lines tbody tr").count() == 0
    status = await page.evaluate(
        """async (id) => (await fetch(`/api/v1/ledger/members/${id}/statement?month=2026-11`, {
            headers: {Authorization: `Bearer ${sessionStorage.getItem("access_token")}`}
        })).status""",
        portal.member_b,
    )
    assert status == 404


@pytest.mark.asyncio(loop_scope="session")
async def test_the_rules_page_in_both_languages(page: Page, portal: PortalWorld) -> None:
    last = max(rule.effective_from for rule in DRIVING_RULES if rule.effective_from <= date.today())
    await page.goto(f"{portal.base}/rules")
    await page.wait_for_selector("body[data-ready]", state="attached")
    assert "Lái xe liên tục không quá 4 giờ" in await page.locator("#rules-driver").inner_text()
    assert await page.locator("#last-change").inner_text() == last.isoformat()
    await page.click("#lang-switch")
    await page.wait_for_selector("html[lang=en]")
    await page.wait_for_selector("body[data-ready]", state="attached")
    driver = await page.locator("#rules-driver").inner_text()
    assert "No more than 4 hours of continuous driving" in driver
    assert await page.locator("#last-change").inner_text() == last.isoformat()
    assert "From 2025-01-01" in await page.locator("#rule-changes").inner_text()

    await _sign_in(page, portal)  # the members' page adds their standing
    await page.goto(f"{portal.base}/portal/rules")
    await page.wait_for_selector("body[data-ready]", state="attached")
    standing = await page.locator("#standing").inner_text()
    assert portal.plates[0] in standing and "Operating badge: 10 days left" in standing


@pytest.mark.asyncio(loop_scope="session")
async def test_a_member_replaces_the_password_the_cooperative_set(
    page: Page, portal: PortalWorld
) -> None:
    await page.goto(f"{portal.base}/portal/login")
    await page.fill("input[name=username]", portal.login_b)
    await page.fill("input[name=password]", factories.PASSWORD)
    await page.click("form#sign-in button[type=submit]")
    await page.wait_for_selector("form#change-password:not([hidden])")
    await page.fill("input[name=new_password]", "mat-khau-cua-toi-1")
    await page.fill("input[name=repeat_password]", "mat-khau-cua-toi-1")
    await page.click("form#change-password button[type=submit]")
    await page.wait_for_url(f"{portal.base}/portal/")
    await page.wait_for_selector("body[data-ready]", state="attached")
    assert await page.locator("#vehicles article.vehicle").count() == 1
    assert portal.plate_b in await page.locator("#vehicles").inner_text()
