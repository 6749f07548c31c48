"""Sign-in limits that hold under concurrency, per login and per client address; known devices
that others cannot lock out; the PIN on its own device only; Argon2 off the event loop."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import psycopg
import pytest
import pytest_asyncio
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.config import Settings
from devtools.apps import committed_app
from devtools.processes import start_api
from fleet import passwords
from tests import factories
from tests.conftest import CoopWorld, sign_in_as
from tests.waiting import wait_until_async

V1 = "/api/v1"


async def _sign_in(
    client: httpx.AsyncClient, login: str, password: str = factories.PASSWORD, **form: str
) -> httpx.Response:
    return await client.post(
        f"{V1}/auth/token", data={"username": login, "password": password, **form}
    )


def _hashing_threads_busy() -> bool:
    """Every Argon2 thread of this event loop's limiter is checking a password."""
    limiter = passwords._limiters.get(asyncio.get_running_loop())
    return limiter is not None and limiter.borrowed_tokens == limiter.total_tokens


def _bearer(response: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest_asyncio.fixture
async def strict_client(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The test-transaction client with small limits: 3 failures per login, 4 per address."""
    strict = settings.model_copy(
        update={"login_max_failures": 3, "login_max_failures_per_address": 4}
    )
    app = create_app(strict, engine)
    app.state.engine, app.state.session_factory = engine, sessions
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass
class Committed:
    """A cooperative with an admin, committed (for concurrent requests on their own connections)."""

    coop_id: int
    logins: list[str]


@pytest_asyncio.fixture
async def committed(settings: Settings) -> AsyncIterator[Committed]:
    tag = uuid.uuid4().hex[:8]
    slow = PasswordHasher(time_cost=12).hash(factories.PASSWORD)  # ~1 s a check here
    logins = [f"admin-{tag}@htx.vn", f"slow-{tag}@htx.vn"]
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX {tag}", f"9{int(tag, 16) % 10**9:09d}"),
        ).fetchone()
        assert row is not None
        for login, password_hash in zip(logins, [factories._password_hash(), slow], strict=True):
            conn.execute(
                "INSERT INTO users (cooperative_id, login, full_name, role, password_hash)"
                " VALUES (%s, %s, %s, 'admin', %s)",
                (row[0], login, login, password_hash),
            )
    try:
        yield Committed(row[0], logins)
    finally:
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM users WHERE cooperative_id = %s", (row[0],))
            conn.execute("DELETE FROM cooperatives WHERE id = %s", (row[0],))
            conn.execute(
                "DELETE FROM login_failures WHERE kind = 'address' OR key = ANY(%s)", (logins,)
            )


async def test_concurrent_wrong_passwords_check_at_most_the_limit(
    settings: Settings, engine: AsyncEngine, committed: Committed
) -> None:
    transport = httpx.ASGITransport(app=committed_app(settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as client:
        answers = await asyncio.gather(
            *(_sign_in(client, committed.logins[0], f"guess {n}") for n in range(20))
        )
    codes = sorted(answer.status_code for answer in answers)
    assert codes == [401] * settings.login_max_failures + [429] * (
        20 - settings.login_max_failures
    ), codes
    blocked = next(answer for answer in answers if answer.status_code == 429)
    assert blocked.json()["field"] == "username"
    assert 0 < int(blocked.headers["Retry-After"]) <= settings.login_window_seconds


async def test_failures_from_one_address_are_limited_across_logins(
    strict_client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    logins = [coop_a.admin.user.login, coop_a.director.user.login, coop_b.admin.user.login]
    for n, login in enumerate([*logins, "nobody@x.vn"]):
        # a client cannot pick its address: X-Forwarded-For is not trusted by default
        spoofed = {"X-Forwarded-For": f"10.0.0.{n}"}
        answer = await strict_client.post(
            f"{V1}/auth/token", data={"username": login, "password": "guess"}, headers=spoofed
        )
        assert answer.status_code == 401, answer.text
    blocked = await _sign_in(strict_client, coop_b.dispatcher.user.login)
    assert blocked.status_code == 429


async def test_a_nul_in_the_login_is_bad_input_not_a_server_error(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    answer = await _sign_in(client, "admin\x00@x.vn", "guess")
    assert answer.status_code == 422 and answer.json()["field"] == "username"
    password = await _sign_in(client, coop_a.admin.user.login, "guess\x00")
    assert password.status_code == 422 and password.json()["field"] == "password"


async def test_successes_do_not_use_up_the_address(
    strict_client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    for _ in range(6):  # more than the address's limit of 4
        assert (await _sign_in(strict_client, coop_a.dispatcher.user.login)).status_code == 200


async def test_a_known_device_is_not_locked_out_by_someone_guessing(
    strict_client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    login = coop_a.driver.user.login
    first = await _sign_in(strict_client, login, device_id="phone")
    assert first.status_code == 200
    device_token = first.json()["device_token"]
    for _ in range(3):  # someone else guesses until the login is blocked
        assert (await _sign_in(strict_client, login, "guess")).status_code == 401
    assert (await _sign_in(strict_client, login)).status_code == 429  # a new device waits
    again = await _sign_in(strict_client, login, device_token=device_token)
    assert again.status_code == 200, again.text  # the phone that signed in before does not
    assert (await strict_client.get(f"{V1}/auth/me", headers=_bearer(again))).status_code == 200
    # another account's device token is only a new device here
    foreign = (await _sign_in(strict_client, coop_b.driver.user.login)).json()["device_token"]
    assert (await _sign_in(strict_client, login, device_token=foreign)).status_code == 429
    # the known device is still limited by its own failures
    for _ in range(3):
        wrong = await _sign_in(strict_client, login, "guess", device_token=device_token)
        assert wrong.status_code == 401
    assert (await _sign_in(strict_client, login, device_token=device_token)).status_code == 429


async def test_the_pin_signs_in_only_on_the_device_that_set_it(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    login = coop_a.driver.user.login
    phone = await _sign_in(client, login)
    phone_token = phone.json()["device_token"]
    done = await client.post(
        f"{V1}/driver/pin",
        json={"password": factories.PASSWORD, "pin": "482913"},
        headers=_bearer(phone),
    )
    assert done.status_code == 204, done.text
    assert (await _sign_in(client, login, "482913")).status_code == 401  # not as a password
    other = (await _sign_in(client, login)).json()["device_token"]
    assert (await _sign_in(client, login, "482913", device_token=other)).status_code == 401
    by_pin = await _sign_in(client, login, "482913", device_token=phone_token)
    assert by_pin.status_code == 200, by_pin.text
    assert (await _sign_in(client, coop_a.admin.user.login, "482913")).status_code == 401


async def test_a_password_set_by_someone_else_must_be_changed_first(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    reset = await client.post(
        f"{V1}/drivers/{coop_a.driver.user.driver_id}/reset-credentials",
        headers=coop_a.dispatcher.headers,
    )
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["temporary_password"]
    signed_in = await _sign_in(client, coop_a.driver.user.login, temporary)
    assert signed_in.status_code == 200
    assert signed_in.json()["must_change_password"] is True
    headers = _bearer(signed_in)
    refused = await client.get(f"{V1}/driver/me", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["error"] == "password_change_required"
    vietnamese = await client.get(f"{V1}/driver/me", headers={**headers, "Accept-Language": "vi"})
    assert "mật khẩu" in vietnamese.json()["message"]
    me = await client.get(f"{V1}/auth/me", headers=headers)
    assert me.status_code == 200 and me.json()["must_change_password"] is True
    same = await client.post(
        f"{V1}/auth/password",
        json={"current_password": temporary, "new_password": temporary},
        headers=headers,
    )
    assert same.status_code == 400 and same.json()["field"] == "new_password"
    changed = await client.post(
        f"{V1}/auth/password",
        json={"current_password": temporary, "new_password": "my-own-password"},
        headers=headers,
    )
    assert changed.status_code == 204
    fresh = await _sign_in(client, coop_a.driver.user.login, "my-own-password")
    assert fresh.json()["must_change_password"] is False
    assert (await client.get(f"{V1}/driver/me", headers=_bearer(fresh))).status_code == 200


async def test_accounts_made_or_reset_by_an_admin_must_change_their_password(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    created = await client.post(
        f"{V1}/users",
        json={
            "login": "ketoan@x.vn",
            "full_name": "Kế Toán",
            "role": "director",
            "password": "chosen-by-admin",
        },
        headers=coop_a.admin.headers,
    )
    assert created.status_code == 201 and created.json()["must_change_password"] is True
    new = _bearer(await _sign_in(client, "ketoan@x.vn", "chosen-by-admin"))
    assert (await client.get(f"{V1}/cooperative", headers=new)).status_code == 403
    reset = await client.patch(
        f"{V1}/users/{coop_a.director.user.id}",
        json={"password": "reset-by-admin"},
        headers=coop_a.admin.headers,
    )
    assert reset.json()["must_change_password"] is True
    director = _bearer(await _sign_in(client, coop_a.director.user.login, "reset-by-admin"))
    assert (await client.get(f"{V1}/cooperative", headers=director)).status_code == 403
    assert (await client.post(f"{V1}/auth/logout", headers=director)).status_code == 204
    own = await client.patch(
        f"{V1}/users/{coop_a.admin.user.id}",
        json={"password": "my-new-admin-password"},
        headers=coop_a.admin.headers,
    )
    assert own.json()["must_change_password"] is False  # chosen by its owner
    platform = await sign_in_as(
        session, settings, await factories.make_user(session, None, role="platform_admin")
    )
    first_admin = await client.post(
        f"{V1}/cooperatives/{coop_a.coop.id}/admins",
        json={
            "login": "quantri@x.vn",
            "full_name": "Quản Trị",
            "role": "admin",
            "password": "set-by-platform",
        },
        headers=platform.headers,
    )
    assert first_admin.status_code == 201 and first_admin.json()["must_change_password"] is True


async def test_a_wrong_refresh_token_does_not_end_the_session(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    tokens = (await _sign_in(client, coop_a.dispatcher.user.login)).json()
    session_id = tokens["refresh_token"].split(".")[0]  # also named in the access token
    garbage = await client.post(
        f"{V1}/auth/refresh", json={"refresh_token": f"{session_id}.not-the-secret-at-all"}
    )
    assert garbage.status_code == 401
    access = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert (await client.get(f"{V1}/auth/me", headers=access)).status_code == 200
    rotated = await client.post(
        f"{V1}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert rotated.status_code == 200
    # a real replay (the rotated token) still closes it
    replay = await client.post(
        f"{V1}/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert replay.status_code == 401
    newest = {"Authorization": f"Bearer {rotated.json()['access_token']}"}
    assert (await client.get(f"{V1}/auth/me", headers=newest)).status_code == 401


async def test_logins_are_unique_per_cooperative_only(
    client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    login = coop_a.director.user.login
    body = {"login": login, "full_name": "Trùng Tên", "role": "director"}
    other = await client.post(
        f"{V1}/users", json={**body, "password": "coop-b-password"}, headers=coop_b.admin.headers
    )
    assert other.status_code == 201, other.text  # nothing about coop A's accounts is revealed
    same = await client.post(
        f"{V1}/users", json={**body, "password": "coop-b-password"}, headers=coop_a.admin.headers
    )
    assert same.status_code == 409 and same.json()["field"] == "login"
    # sign-in stays unambiguous: the password says which account
    a = await client.get(f"{V1}/auth/me", headers=_bearer(await _sign_in(client, login)))
    assert a.json()["cooperative_id"] == coop_a.coop.id
    b = await client.get(
        f"{V1}/auth/me", headers=_bearer(await _sign_in(client, login, "coop-b-password"))
    )
    assert b.json()["cooperative_id"] == coop_b.coop.id
    # the same password in both: the caller says which cooperative
    await client.patch(
        f"{V1}/users/{other.json()['id']}",
        json={"password": factories.PASSWORD},
        headers=coop_b.admin.headers,
    )
    both = await _sign_in(client, login)
    assert both.status_code == 400 and both.json()["field"] == "cooperative_id"
    chosen = await _sign_in(client, login, cooperative_id=str(coop_b.coop.id))
    assert chosen.status_code == 200
    me = await client.get(f"{V1}/auth/me", headers=_bearer(chosen))
    assert me.json()["id"] == other.json()["id"]


@pytest.mark.slow
async def test_a_flood_of_sign_ins_does_not_stall_other_requests(
    settings: Settings, engine: AsyncEngine, committed: Committed
) -> None:
    """Argon2 runs in bounded threads: while six ~1 s checks are under way, another request
    is answered at once (on the event loop, it would wait for at least one whole check)."""
    roomy = settings.model_copy(update={"login_max_failures": 20})
    transport = httpx.ASGITransport(app=committed_app(roomy, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=120) as client:
        me_headers = _bearer(await _sign_in(client, committed.logins[0]))
        finished: list[float] = []

        async def slow_sign_in() -> int:
            answer = await _sign_in(client, committed.logins[1])
            finished.append(time.monotonic())
            return answer.status_code

        started = time.monotonic()
        flood = [asyncio.create_task(slow_sign_in()) for _ in range(6)]
        await wait_until_async(_hashing_threads_busy, what="the sign-ins reached their checks")
        asked = time.monotonic()
        me = await client.get(f"{V1}/auth/me", headers=me_headers)
        answered = time.monotonic()
        assert me.status_code == 200
        assert await asyncio.gather(*flood) == [200] * 6
    assert answered < min(finished), "a cheap request waited for the sign-ins"
    # and it did not wait for even half a check (the quickest sign-in took at least one)
    assert answered - asked < (min(finished) - started) / 2


def _guesses_from_spoofed_addresses(settings: Settings, **server: str) -> list[int]:
    """Four wrong sign-ins through the real server (``coopfleet api``), each claiming another
    client address in X-Forwarded-For, with an address limit of 3: the status codes."""
    process, base = start_api(
        settings.database_url,
        settings.secret_key,
        login_max_failures_per_address="3",
        **server,
    )
    tag = uuid.uuid4().hex[:8]
    try:
        with httpx.Client(base_url=base, timeout=30) as http:
            return [
                http.post(
                    f"{V1}/auth/token",
                    data={"username": f"nobody-{tag}-{n}@x.vn", "password": "guess"},
                    headers={"X-Forwarded-For": f"203.0.113.{n}"},
                ).status_code
                for n in range(4)
            ]
    finally:
        process.terminate()
        process.wait(10)
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute(
                "DELETE FROM login_failures WHERE kind = 'address' OR key LIKE %s",
                (f"nobody-{tag}-%",),
            )


@pytest.mark.slow  # two API servers
def test_x_forwarded_for_counts_only_from_trusted_proxies(settings: Settings) -> None:
    assert _guesses_from_spoofed_addresses(settings) == [401, 401, 401, 429]
    trusted = _guesses_from_spoofed_addresses(settings, trusted_proxies='["127.0.0.1"]')
    assert trusted == [401, 401, 401, 401]  # four addresses, one failure each
