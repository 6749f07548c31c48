"""Sign-in, refresh rotation, sign-out, disabling and rate limiting, through the real API."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from tests import factories
from tests.conftest import CoopWorld

V1 = "/api/v1"


async def _sign_in(
    client: httpx.AsyncClient, login: str, password: str = factories.PASSWORD, **form: str
) -> httpx.Response:
    return await client.post(
        f"{V1}/auth/token", data={"username": login, "password": password, **form}
    )


def _bearer(response: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_sign_in_and_me(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    response = await _sign_in(client, coop_a.dispatcher.user.login.upper(), device_id="web")
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 15 * 60
    me = await client.get(f"{V1}/auth/me", headers=_bearer(response))
    assert me.json()["id"] == coop_a.dispatcher.user.id
    assert me.json()["role"] == "dispatcher"
    assert "password_hash" not in me.json()


async def test_wrong_password_and_unknown_login_look_the_same(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    wrong = await _sign_in(client, coop_a.admin.user.login, "not the password")
    unknown = await _sign_in(client, "nobody@example.vn", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["field"] == "username"


async def test_failed_sign_ins_are_rate_limited(
    client: httpx.AsyncClient, coop_a: CoopWorld, settings: Settings
) -> None:
    login = coop_a.admin.user.login
    for _ in range(settings.login_max_failures):
        assert (await _sign_in(client, login, "guess")).status_code == 401
    blocked = await _sign_in(client, login)  # even the right password, while blocked
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= settings.login_window_seconds
    other = await _sign_in(client, coop_a.director.user.login)
    assert other.status_code == 200


async def test_refresh_rotates_and_replay_closes_the_session(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    first = (await _sign_in(client, coop_a.driver.user.login, device_id="phone-1")).json()
    rotated = await client.post(
        f"{V1}/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert rotated.status_code == 200
    second = rotated.json()
    assert second["refresh_token"] != first["refresh_token"]
    new_access = {"Authorization": f"Bearer {second['access_token']}"}
    assert (await client.get(f"{V1}/auth/me", headers=new_access)).status_code == 200

    replay = await client.post(f"{V1}/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # the replay revoked the session: the newest tokens stop working too
    assert (await client.get(f"{V1}/auth/me", headers=new_access)).status_code == 401
    again = await client.post(f"{V1}/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


async def test_logout_revokes_this_session_only_unless_everywhere(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    login = coop_a.dispatcher.user.login
    laptop = _bearer(await _sign_in(client, login))
    phone = _bearer(await _sign_in(client, login))
    assert (await client.post(f"{V1}/auth/logout", headers=laptop)).status_code == 204
    assert (await client.get(f"{V1}/auth/me", headers=laptop)).status_code == 401
    assert (await client.get(f"{V1}/auth/me", headers=phone)).status_code == 200
    assert (
        await client.post(f"{V1}/auth/logout?everywhere=true", headers=phone)
    ).status_code == 204
    assert (await client.get(f"{V1}/auth/me", headers=phone)).status_code == 401


async def test_disabling_a_user_stops_their_tokens_at_once(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    driver_headers = _bearer(await _sign_in(client, coop_a.driver.user.login))
    own = f"{V1}/drivers/{coop_a.driver.user.driver_id}"
    assert (await client.get(own, headers=driver_headers)).status_code == 200
    disabled = await client.patch(
        f"{V1}/users/{coop_a.driver.user.id}",
        json={"is_active": False},
        headers=coop_a.admin.headers,
    )
    assert disabled.status_code == 200
    assert disabled.json()["is_active"] is False
    assert (await client.get(own, headers=driver_headers)).status_code == 401
    assert (await _sign_in(client, coop_a.driver.user.login)).status_code == 401


async def test_password_reset_by_admin_and_own_change(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    login = coop_a.director.user.login
    old = _bearer(await _sign_in(client, login))
    reset = await client.patch(
        f"{V1}/users/{coop_a.director.user.id}",
        json={"password": "brand-new-password"},
        headers=coop_a.admin.headers,
    )
    assert reset.status_code == 200
    assert (await client.get(f"{V1}/auth/me", headers=old)).status_code == 401
    fresh = await _sign_in(client, login, "brand-new-password")
    assert fresh.status_code == 200
    change = await client.post(
        f"{V1}/auth/password",
        json={"current_password": "wrong-one", "new_password": "another-password"},
        headers=_bearer(fresh),
    )
    assert change.status_code == 401
    assert change.json()["field"] == "current_password"


async def test_tampered_or_foreign_tokens_are_refused(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    token = coop_a.admin.headers["Authorization"].removeprefix("Bearer ")
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    response = await client.get(f"{V1}/auth/me", headers={"Authorization": f"Bearer {tampered}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_admin_cannot_create_platform_admins_or_unlinked_drivers(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    base = {"full_name": "Hồ Văn Sơn", "password": "long-enough-pw"}
    platform = await client.post(
        f"{V1}/users",
        json={**base, "login": "p@x.vn", "role": "platform_admin"},
        headers=coop_a.admin.headers,
    )
    assert platform.status_code == 403
    assert platform.json()["field"] == "role"
    unlinked = await client.post(
        f"{V1}/users",
        json={**base, "login": "d@x.vn", "role": "driver"},
        headers=coop_a.admin.headers,
    )
    assert unlinked.status_code == 400
    assert unlinked.json()["field"] == "driver_id"
    foreign_driver = await factories.make_driver(session, coop_b.coop)
    await session.commit()
    foreign = await client.post(
        f"{V1}/users",
        json={**base, "login": "d2@x.vn", "role": "driver", "driver_id": foreign_driver.id},
        headers=coop_a.admin.headers,
    )
    assert foreign.status_code == 404
    duplicate = await client.post(
        f"{V1}/users",
        json={**base, "login": coop_a.director.user.login, "role": "director"},
        headers=coop_a.admin.headers,
    )
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "login"


def test_production_refuses_placeholder_secret() -> None:
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="COOPFLEET_SECRET_KEY"):
        Settings(environment="production", secret_key="dev-only-secret-change-me")
    with pytest.raises(ValidationError):
        Settings(environment="production", secret_key="short")
    assert Settings(environment="production", secret_key="x" * 40).secret_key == "x" * 40
    assert Settings(environment="development", secret_key="x" * 40).environment == "development"
