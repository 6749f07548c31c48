"""API keys: created by admins, shown once, stored hashed, accepted in both headers, scoped,
tenant-bound, revocable, rate limited on failures — and the role matrix run again with keys."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from fleet import api_keys
from fleet.enums import Role
from tests.conftest import CoopWorld
from tests.test_access import MATRIX, Call, Ids, _send, make_rows

ALL_SCOPES = sorted(api_keys.SCOPES)
OFFICE = ("admin", "dispatcher", "director")


async def issue(
    session: AsyncSession, settings: Settings, world: CoopWorld, role: str, scopes: list[str]
) -> str:
    issued = await api_keys.create_key(
        session, world.admin.tenant, name="máy", role=Role(role), scopes=scopes, settings=settings
    )
    await session.commit()
    return issued.key


async def test_admin_creates_a_key_shown_once_and_stored_hashed(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    body = {"name": "Kế toán", "role": "director", "scopes": ["reports:read"]}
    created = await client.post("/api/v1/api-keys", json=body, headers=coop_a.admin.headers)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key.startswith("cfk_") and len(key) > 40
    assert created.json()["prefix"] == key[:12]
    stored = (await session.execute(text("SELECT key_hash FROM api_keys"))).scalars().all()
    assert key not in stored and all(len(h) == 64 for h in stored)
    listed = await client.get("/api/v1/api-keys", headers=coop_a.admin.headers)
    assert listed.status_code == 200
    assert key not in listed.text and listed.json()[0]["prefix"] == key[:12]
    for role in ("dispatcher", "director", "driver"):
        refused = await client.post(
            "/api/v1/api-keys", json=body, headers=coop_a.by_role(role).headers
        )
        assert refused.status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "role": "driver", "scopes": ["registry:read"]},
        {"name": "x", "role": "platform_admin", "scopes": ["registry:read"]},
        {"name": "x", "role": "admin", "scopes": ["everything"]},
        {"name": "x", "role": "admin", "scopes": []},
    ],
)
async def test_bad_keys_are_refused_naming_the_field(
    client: httpx.AsyncClient, coop_a: CoopWorld, body: dict[str, object]
) -> None:
    answer = await client.post("/api/v1/api-keys", json=body, headers=coop_a.admin.headers)
    assert answer.status_code == 422
    assert answer.json()["field"] in {"role", "scopes"}


async def test_read_key_reads_in_both_headers_gets_403_on_writes_and_404_elsewhere(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
) -> None:
    ids_a = await make_rows(session, coop_a)
    ids_b = await make_rows(session, coop_b)
    key = await issue(session, settings, coop_a, "dispatcher", ["registry:read"])
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        read = await client.get(f"/api/v1/vehicles/{ids_a.vehicle}", headers=headers)
        assert read.status_code == 200, read.text
        listed = await client.get("/api/v1/vehicles", headers=headers)
        assert {v["id"] for v in listed.json()["items"]} == {ids_a.vehicle}
        write = await client.patch(
            f"/api/v1/vehicles/{ids_a.vehicle}", json={"make": "Hino"}, headers=headers
        )
        assert write.status_code == 403, write.text
        assert write.json()["error"] == "scope_missing"
        assert "registry:write" in write.json()["message"]
        other = await client.get(f"/api/v1/vehicles/{ids_b.vehicle}", headers=headers)
        assert other.status_code == 404
    # outside its scopes even for reading; never the accounts or the caller's own routes
    for path in ("/api/v1/orders", "/api/v1/users", "/api/v1/api-keys"):
        assert (await client.get(path, headers={"X-API-Key": key})).status_code == 403


async def test_revoked_or_unknown_keys_are_401_and_last_use_is_recorded(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    key = await issue(session, settings, coop_a, "director", ["registry:read"])
    assert (await client.get("/api/v1/members", headers={"X-API-Key": key})).status_code == 200
    row = (await session.scalars(select(api_keys.ApiKey))).one()
    await session.refresh(row)
    first_use = row.last_used_at
    assert first_use is not None
    assert (await client.get("/api/v1/members", headers={"X-API-Key": key})).status_code == 200
    await session.refresh(row)
    assert row.last_used_at == first_use  # written at most once a minute, not per request
    revoked = await client.post(f"/api/v1/api-keys/{row.id}/revoke", headers=coop_a.admin.headers)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    again = await client.get("/api/v1/members", headers={"X-API-Key": key})
    assert again.status_code == 401 and again.json()["error"] == "not_authenticated"
    unknown = await client.get("/api/v1/members", headers={"X-API-Key": key[:-2] + "zz"})
    assert unknown.status_code == 401
    twice = await client.post(f"/api/v1/api-keys/{row.id}/revoke", headers=coop_a.admin.headers)
    assert twice.status_code == 409


async def test_a_key_stops_when_its_admin_is_disabled(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    key = await issue(session, settings, coop_a, "director", ["registry:read"])
    await session.execute(
        text("UPDATE users SET is_active = false WHERE id = :id"), {"id": coop_a.admin.user.id}
    )
    await session.commit()
    assert (await client.get("/api/v1/members", headers={"X-API-Key": key})).status_code == 401


async def test_another_cooperatives_admin_cannot_revoke_a_key(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
) -> None:
    await issue(session, settings, coop_a, "director", ["registry:read"])
    row = (await session.scalars(select(api_keys.ApiKey))).one()
    answer = await client.post(f"/api/v1/api-keys/{row.id}/revoke", headers=coop_b.admin.headers)
    assert answer.status_code == 404
    assert (await client.get("/api/v1/api-keys", headers=coop_b.admin.headers)).json() == []


async def test_wrong_keys_are_limited_per_address_like_sign_ins(
    client: httpx.AsyncClient, settings: Settings, coop_a: CoopWorld
) -> None:
    statuses = [
        (await client.get("/api/v1/members", headers={"X-API-Key": f"cfk_wrong{n}"})).status_code
        for n in range(settings.login_max_failures_per_address + 1)
    ]
    assert set(statuses[:-1]) == {401}
    assert statuses[-1] == 429


# ---- the role matrix, with keys ---------------------------------------------------------------

KEYS_NEVER = {  # routes no key may call, whatever its role and scopes
    "GET /api/v1/auth/me": 401,  # the caller's own account: people's tokens only
    "GET /api/v1/users": 403,
    "POST /api/v1/users": 403,
    "GET /api/v1/users/{user}": 403,
    "PATCH /api/v1/users/{user}": 403,
    "GET /api/v1/vehicles/{vehicle}/device-credentials": 403,
}
KEY_CASES = [
    (call, role, KEYS_NEVER.get(str(call), expected[role]))
    for call, expected in MATRIX
    for role in OFFICE
]


@pytest.mark.parametrize(("call", "role", "expected"), KEY_CASES, ids=lambda v: str(v))
async def test_key_role_matrix(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    call: Call,
    role: str,
    expected: int,
) -> None:
    """A key with every scope gets what a person of its role gets (but the routes above)."""
    ids = await make_rows(session, coop_a)
    key = await issue(session, settings, coop_a, role, ALL_SCOPES)
    response = await _send(client, call, ids, {"X-API-Key": key})
    assert response.status_code == expected, response.text


def _writes() -> list[Call]:
    return [call for call, _ in MATRIX if call.method != "GET"]


@pytest.mark.parametrize("call", _writes(), ids=str)
async def test_read_scopes_never_write(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    call: Call,
) -> None:
    ids = await make_rows(session, coop_a)
    reads = [scope for scope in ALL_SCOPES if not scope.endswith(":write")]
    key = await issue(session, settings, coop_a, "admin", reads)
    response = await _send(client, call, ids, {"X-API-Key": key})
    assert response.status_code == 403, response.text


@pytest.mark.parametrize("call", [call for call, _ in MATRIX if "{" in call.path], ids=str)
async def test_key_on_other_cooperatives_ids_is_404(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
    call: Call,
) -> None:
    ids_b: Ids = await make_rows(session, coop_b)
    key = await issue(session, settings, coop_a, "admin", ALL_SCOPES)
    response = await _send(client, call, ids_b, {"X-API-Key": key})
    assert response.status_code == KEYS_NEVER.get(str(call), 404), response.text
