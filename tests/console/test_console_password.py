"""The console's sign-in when someone else set the password: the page asks for a new one first,
and the browser keeps its device token."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from playwright.async_api import expect

from core.config import Settings
from fleet.passwords import hash_password
from tests.console.conftest import PASSWORD, Console

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_a_password_set_by_someone_else_is_replaced_at_sign_in(
    console: Console, settings: Settings
) -> None:
    login = f"moi-{uuid.uuid4().hex[:8]}@htx.vn"
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (cooperative_id, login, full_name, role, password_hash,"
            " must_change_password) VALUES (%s, %s, 'Điều phối mới', 'dispatcher', %s, true)",
            (console.world.coop_id, login, hash_password(PASSWORD)),
        )
    try:
        page = console.page
        await page.goto(f"{console.world.base}/console/login")
        await page.fill("input[name=username]", login)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("form#sign-in button[type=submit]")
        change = page.locator("form#change-password")
        await expect(change).to_be_visible()
        await expect(page.locator("form#sign-in")).to_be_hidden()
        await page.fill("input[name=new_password]", "mat-khau-cua-toi")
        await page.fill("input[name=repeat_password]", "mat-khau-khac")
        await page.click("form#change-password button[type=submit]")
        await expect(page.locator("#change-password-error")).not_to_be_empty()
        await page.fill("input[name=repeat_password]", "mat-khau-cua-toi")
        await page.click("form#change-password button[type=submit]")
        await page.wait_for_url(f"{console.world.base}/console/")
        await page.wait_for_selector("body[data-ready]", state="attached")
        assert await page.evaluate("localStorage.getItem('coopfleet_device_token')")
        with psycopg.connect(settings.sync_database_url) as conn:
            row = conn.execute(
                "SELECT must_change_password FROM users WHERE login = %s", (login,)
            ).fetchone()
        assert row == (False,)
        assert console.errors == []
    finally:
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM users WHERE login = %s", (login,))
