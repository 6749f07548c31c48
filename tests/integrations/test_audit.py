"""The audit log: one row per change with the changed fields before and after, who did it
(person, API key, system), append-only in the database, read by admins with filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import AuditEntry
from core.config import Settings
from fleet import api_keys
from fleet.enums import Role
from tests import factories
from tests.conftest import CoopWorld
from tests.test_access import EDIT, MATRIX, Call, make_rows

ENTITIES = [  # path fragment → audited table, most specific first
    ("/assignments", "vehicle_assignments"),
    ("/speed-limits", "speed_limits"),
    ("/cooperative", "cooperatives"),
    ("/users", "users"),
    ("/orders", "orders"),
    ("/members", "members"),
    ("/drivers", "drivers"),
    ("/vehicles", "vehicles"),
    ("/depots", "depots"),
    ("/zones", "zones"),
]
ACTIONS = {"POST": "insert", "PUT": "insert", "PATCH": "update", "DELETE": "delete"}
# the matrix's PATCHes of the registry send {} (nothing to change): real changes instead
CHANGES: dict[str, dict[str, Any]] = {
    "members": {"phone": "0909000111", "status": "suspended"},
    "drivers": {"licence_expiry": "2031-02-03", "licence_class": "D"},
    "vehicles": {"badge_expiry": "2027-06-30", "inspection_expiry": "2027-01-15", "make": "Hino"},
    "depots": {"name": "Bãi B", "radius_m": 350},
    "zones": {"name": "Ngoại thành", "speed_limit_kmh": 60},
}


def _entity(call: Call) -> str:
    return next(table for fragment, table in ENTITIES if fragment in call.path)


def _registry_writes() -> list[Call]:
    """Every change the role matrix makes that an admin may make (a driver's positions are
    not the registry)."""
    return [
        call
        for call, expected in MATRIX
        if call.method != "GET" and expected["admin"] < 300 and "/driver/" not in call.path
    ]


async def _rows_since(session: AsyncSession, first_id: int) -> list[AuditEntry]:
    statement = select(AuditEntry).where(AuditEntry.id > first_id).order_by(AuditEntry.id)
    return list((await session.scalars(statement)).all())


async def _last_id(session: AsyncSession) -> int:
    return int(await session.scalar(text("SELECT coalesce(max(id), 0) FROM audit_log")) or 0)


def _body(call: Call) -> dict[str, Any] | None:
    if call.method == "PATCH" and call.body is not None and call.body() == {}:
        return CHANGES[_entity(call)]
    return call.body() if call.body else None


def _scalar_fields(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if isinstance(v, str | int | bool) and k != "password"}


@pytest.mark.parametrize("call", _registry_writes(), ids=str)
async def test_each_change_leaves_exactly_one_row_with_its_before_and_after(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, call: Call
) -> None:
    ids = await make_rows(session, coop_a)
    first = await _last_id(session)
    body = _body(call)
    path = call.path.format(**vars(ids))
    if call.path.endswith("/assignments"):
        body = {"driver_id": ids.driver}
    response = await client.request(call.method, path, json=body, headers=coop_a.admin.headers)
    assert response.status_code < 300, response.text
    rows = await _rows_since(session, first)
    assert len(rows) == 1, [(r.entity, r.action, r.after) for r in rows]
    row = rows[0]
    assert (row.entity, row.action) == (_entity(call), ACTIONS[call.method])
    assert row.cooperative_id == coop_a.coop.id
    assert (row.actor_kind, row.actor_user_id) == ("user", coop_a.admin.user.id)
    assert row.actor_api_key_id is None
    if row.action == "insert":
        assert row.before is None and row.after is not None
        expected = _scalar_fields(body or {})
        assert {k: row.after.get(k) for k in expected} == expected
    elif row.action == "update":
        changed = _scalar_fields(body or {})
        assert row.after == changed
        assert row.before is not None and set(row.before) == set(changed)
        assert all(row.before[k] != v for k, v in changed.items())
    else:
        assert row.after is None and row.before is not None
        assert str(row.before["id"]) == row.entity_id == path.rsplit("/", 1)[1]
    if "/users" in call.path and row.after is not None:
        assert row.after.get("password_hash") in (None, "***")


async def test_what_nobody_changed_is_not_recorded(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    ids = await make_rows(session, coop_a)
    first = await _last_id(session)
    for resource in ("members", "vehicles"):
        path = f"/api/v1/{resource}/{getattr(ids, resource[:-1])}"
        answer = await client.patch(path, json={}, headers=coop_a.admin.headers)
        assert answer.status_code == EDIT["admin"]
    assert await _rows_since(session, first) == []


async def test_password_changes_are_recorded_without_the_hash(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    first = await _last_id(session)
    answer = await client.post(
        "/api/v1/auth/password",
        json={"current_password": factories.PASSWORD, "new_password": "another-long-password"},
        headers=coop_a.director.headers,
    )
    assert answer.status_code < 300, answer.text
    rows = [r for r in await _rows_since(session, first) if r.entity == "users"]
    assert len(rows) == 1
    assert rows[0].after is not None and rows[0].after["password_hash"] == "***"
    assert rows[0].actor_user_id == coop_a.director.user.id


async def test_api_keys_and_the_system_are_named_as_actors(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    issued = await api_keys.create_key(
        session,
        coop_a.admin.tenant,
        name="ERP",
        role=Role.DISPATCHER,
        scopes=["registry:write", "registry:read"],
        settings=settings,
    )
    await session.commit()
    first = await _last_id(session)
    created = await client.post(
        "/api/v1/members",
        json={"member_no": "TV-KEY-1", "full_name": "Trần Thị Lan", "join_date": "2024-03-04"},
        headers={"X-API-Key": issued.key},
    )
    assert created.status_code == 201, created.text
    by_key = await _rows_since(session, first)
    assert [(r.actor_kind, r.actor_api_key_id, r.actor_user_id) for r in by_key] == [
        ("api_key", issued.row.id, coop_a.admin.user.id)
    ]
    # after the request, work without an actor (a job, the command line) is the system's
    await factories.make_member(session, coop_a.coop)
    await session.flush()
    system = await _rows_since(session, by_key[-1].id)
    assert [(r.entity, r.actor_kind, r.actor_user_id) for r in system] == [
        ("members", "system", None)
    ]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET after = '{}'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ],
)
async def test_the_audit_log_is_append_only_in_the_database(
    session: AsyncSession, coop_a: CoopWorld, statement: str
) -> None:
    await factories.make_member(session, coop_a.coop)
    await session.flush()
    assert await _last_id(session) > 0
    with pytest.raises(DBAPIError, match="append-only"):
        async with session.begin_nested():
            await session.execute(text(statement))
    assert await _last_id(session) > 0


async def test_admins_read_it_with_filters_paged_and_only_their_own(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    ids = await make_rows(session, coop_a)
    await make_rows(session, coop_b)
    start: datetime = await session.scalar(text("SELECT clock_timestamp()"))
    vehicle = f"/api/v1/vehicles/{ids.vehicle}"
    for make in ("Hino", "Isuzu", "Thaco"):
        answer = await client.patch(vehicle, json={"make": make}, headers=coop_a.dispatcher.headers)
        assert answer.status_code == 200
    headers = coop_a.admin.headers
    start_text = start.astimezone(UTC).isoformat().replace("+00:00", "Z")
    query = f"entity=vehicles&entity_id={ids.vehicle}&start={start_text}"
    page = (await client.get(f"/api/v1/audit?{query}&limit=2", headers=headers)).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert [item["after"]["make"] for item in page["items"]] == ["Thaco", "Isuzu"]  # newest first
    rest = (await client.get(f"/api/v1/audit?{query}&limit=2&offset=2", headers=headers)).json()
    assert [item["after"]["make"] for item in rest["items"]] == ["Hino"]
    by_actor = await client.get(
        f"/api/v1/audit?actor_user_id={coop_a.dispatcher.user.id}", headers=headers
    )
    assert by_actor.json()["total"] == 3
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    later = await client.get("/api/v1/audit", params={"start": future}, headers=headers)
    assert later.json()["total"] == 0
    mine = await client.get("/api/v1/audit?limit=500", headers=headers)
    assert {item["entity"] for item in mine.json()["items"]} >= {"vehicles", "members"}
    theirs = await client.get(f"/api/v1/audit?{query}", headers=coop_b.admin.headers)
    assert theirs.json()["total"] == 0
    for role in ("dispatcher", "director", "driver"):
        refused = await client.get("/api/v1/audit", headers=coop_a.by_role(role).headers)
        assert refused.status_code == 403
    naive = await client.get("/api/v1/audit?start=2026-01-01T00:00:00", headers=headers)
    assert naive.status_code == 400 and naive.json()["field"] == "start"


async def test_keys_created_and_revoked_are_recorded_without_their_hash(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    first = await _last_id(session)
    body = {"name": "ERP", "role": "director", "scopes": ["reports:read"]}
    created = await client.post("/api/v1/api-keys", json=body, headers=coop_a.admin.headers)
    ident = created.json()["id"]
    await client.post(f"/api/v1/api-keys/{ident}/revoke", headers=coop_a.admin.headers)
    rows = await _rows_since(session, first)
    assert [(r.entity, r.action) for r in rows] == [("api_keys", "insert"), ("api_keys", "update")]
    assert rows[0].after is not None and rows[0].after["key_hash"] == "***"
    assert rows[0].after["scopes"] == ["reports:read"] and rows[0].after["role"] == "director"
    assert rows[1].before == {"revoked_at": None} and rows[1].after is not None
    assert set(rows[1].after) == {"revoked_at"}
