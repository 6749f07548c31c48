"""Member accounts: an admin creates one for a member of their own cooperative (login: the
member's phone), it signs in like a driver's, and its role cannot be changed to or from."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import CoopWorld

V1 = "/api/v1"


async def test_an_admin_creates_a_member_account(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    member = await factories.make_member(session, coop_a.coop)
    theirs = await factories.make_member(session, coop_b.coop)
    await session.commit()
    body = {"login": member.phone, "full_name": member.full_name, "role": "member",
            "password": "mat-khau-xa-vien-1"}  # fmt: skip
    missing = await client.post(f"{V1}/users", json=body, headers=coop_a.admin.headers)
    assert missing.status_code == 400 and missing.json()["field"] == "member_id"
    other = await client.post(
        f"{V1}/users", json={**body, "member_id": theirs.id}, headers=coop_a.admin.headers
    )
    assert other.status_code == 404
    wrong_role = await client.post(
        f"{V1}/users", json={**body, "role": "dispatcher", "member_id": member.id},
        headers=coop_a.admin.headers,
    )  # fmt: skip
    assert wrong_role.status_code == 400 and wrong_role.json()["field"] == "member_id"
    made = await client.post(
        f"{V1}/users", json={**body, "member_id": member.id}, headers=coop_a.admin.headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["member_id"] == member.id and made.json()["role"] == "member"
    token = await client.post(
        f"{V1}/auth/token", data={"username": member.phone, "password": "mat-khau-xa-vien-1"}
    )
    assert token.status_code == 200 and token.json()["must_change_password"] is True
    promote = await client.patch(
        f"{V1}/users/{made.json()['id']}", json={"role": "director"}, headers=coop_a.admin.headers
    )
    assert promote.status_code == 400 and promote.json()["field"] == "role"
