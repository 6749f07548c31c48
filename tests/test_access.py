"""Endpoint × role × expected status, for every router, and tenancy across cooperatives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from tests import factories
from tests.conftest import CoopWorld, sign_in_as

ROLES = ("admin", "dispatcher", "director", "driver")
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[106.8, 10.9], [106.9, 10.9], [106.9, 11.0], [106.8, 11.0], [106.8, 10.9]]],
}


@dataclass
class Ids:
    """Rows of one cooperative that the endpoints below act on."""

    member: int
    driver: int
    vehicle: int
    depot: int
    zone: int
    user: int


async def make_rows(session: AsyncSession, world: CoopWorld) -> Ids:
    member = await factories.make_member(session, world.coop)
    driver = await factories.make_driver(session, world.coop)
    vehicle = await factories.make_vehicle(session, world.coop)
    from fleet.geo import GeoJSONArea, GeoJSONPoint
    from fleet.models import Depot, Zone

    depot = Depot(
        cooperative_id=world.coop.id,
        name="Bãi A",
        location=GeoJSONPoint(type="Point", coordinates=(106.84, 10.95)).to_db(),
    )
    zone = Zone(
        cooperative_id=world.coop.id,
        name="Nội thành",
        kind="city",
        area=GeoJSONArea.model_validate(SQUARE).to_db(),
    )
    session.add_all([depot, zone])
    await session.flush()
    user = await factories.make_user(session, world.coop, role="dispatcher")
    await session.commit()
    return Ids(member.id, driver.id, vehicle.id, depot.id, zone.id, user.id)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Callable[[], dict[str, Any]] | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _member() -> dict[str, Any]:
    return {"member_no": "TV-NEW-1", "full_name": "Lê Văn Hùng", "join_date": "2024-01-02"}


def _driver() -> dict[str, Any]:
    return {
        "full_name": "Phạm Thị Mai",
        "phone": "0911222333",
        "licence_number": "750000000001",
        "licence_class": "C",
        "licence_expiry": "2030-01-01",
    }


def _vehicle() -> dict[str, Any]:
    return {"plate": "60C-999.88", "kind": "truck", "payload_kg": 8000}


def _depot() -> dict[str, Any]:
    return {"name": "Bãi mới", "location": {"type": "Point", "coordinates": [106.9, 10.9]}}


def _zone() -> dict[str, Any]:
    return {"name": "Vùng mới", "kind": "service_area", "area": SQUARE}


def _user() -> dict[str, Any]:
    return {
        "login": "new.user@example.vn",
        "full_name": "Ngô Bảo Châu",
        "role": "director",
        "password": "a-long-password",
    }


def _order() -> dict[str, Any]:
    from routing.schemas import _EXAMPLE

    return dict(_EXAMPLE)


OK_ALL = {"admin": 200, "dispatcher": 200, "director": 200, "driver": 200}
OFFICE_READ = {"admin": 200, "dispatcher": 200, "director": 200, "driver": 403}
EDIT = {"admin": 200, "dispatcher": 200, "director": 403, "driver": 403}
CREATE = {"admin": 201, "dispatcher": 201, "director": 403, "driver": 403}
DELETE = {"admin": 204, "dispatcher": 403, "director": 403, "driver": 403}
ADMIN_ONLY = {"admin": 200, "dispatcher": 403, "director": 403, "driver": 403}
ADMIN_CREATE = {"admin": 201, "dispatcher": 403, "director": 403, "driver": 403}
PLATFORM_ONLY = {"admin": 403, "dispatcher": 403, "director": 403, "driver": 403}

MATRIX: list[tuple[Call, dict[str, int]]] = [
    (Call("GET", "/api/v1/auth/me"), OK_ALL),
    (Call("GET", "/api/v1/cooperative"), OK_ALL),
    (Call("PATCH", "/api/v1/cooperative", lambda: {"address": "Biên Hòa"}), ADMIN_ONLY),
    (Call("GET", "/api/v1/cooperatives"), PLATFORM_ONLY),
    (Call("GET", "/api/v1/users"), ADMIN_ONLY),
    (Call("POST", "/api/v1/users", _user), ADMIN_CREATE),
    (Call("GET", "/api/v1/users/{user}"), ADMIN_ONLY),
    (Call("PATCH", "/api/v1/users/{user}", lambda: {"full_name": "Đổi Tên"}), ADMIN_ONLY),
    (Call("GET", "/api/v1/documents/expiring?days=30"), OFFICE_READ),
    (Call("GET", "/api/v1/depots.geojson"), OFFICE_READ),
    (Call("GET", "/api/v1/zones.geojson"), OFFICE_READ),
    (Call("POST", "/api/v1/vehicles/{vehicle}/assignments", None), CREATE),
    (Call("GET", "/api/v1/vehicles/{vehicle}/assignments"), OFFICE_READ),
    (Call("GET", "/api/v1/drivers/{driver}/assignments"), OFFICE_READ),
    (Call("GET", "/api/v1/positions/latest"), OFFICE_READ),
    (Call("GET", "/api/v1/vehicles/{vehicle}/device-credentials"), ADMIN_ONLY),
    # a driver without a vehicle assigned is told so (409); office roles do not send positions
    (
        Call("POST", "/api/v1/driver/positions", lambda: {"positions": []}),
        {"admin": 403, "dispatcher": 403, "director": 403, "driver": 409},
    ),
    (
        Call(
            "GET",
            "/api/v1/vehicles/{vehicle}/track?start=2026-11-20T00:00:00Z&end=2026-11-20T06:00:00Z",
        ),
        OFFICE_READ,
    ),
]
RANGE = "start=2026-11-20T00:00:00Z&end=2026-11-21T00:00:00Z"
NOT_OTHER_DRIVERS = {**OFFICE_READ, "driver": 404}  # another driver's facts are not theirs
MATRIX += [
    (Call("GET", f"/api/v1/vehicles/{{vehicle}}/trips?{RANGE}"), OFFICE_READ),
    (Call("GET", f"/api/v1/vehicles/{{vehicle}}/stops?{RANGE}"), OFFICE_READ),
    (Call("GET", f"/api/v1/drivers/{{driver}}/trips?{RANGE}"), NOT_OTHER_DRIVERS),
    (Call("GET", f"/api/v1/drivers/{{driver}}/stops?{RANGE}"), NOT_OTHER_DRIVERS),
    (Call("GET", "/api/v1/drivers/{driver}/driving-time"), NOT_OTHER_DRIVERS),
    (Call("GET", "/api/v1/events?acknowledged=false"), OFFICE_READ),
    (Call("GET", "/api/v1/rollups/daily?start_day=2026-11-01&end_day=2026-11-30"), OFFICE_READ),
    (Call("GET", "/api/v1/speed-limits"), OFFICE_READ),
    (Call("PUT", "/api/v1/speed-limits/truck", lambda: {"limit_kmh": 70}), ADMIN_ONLY),
    (Call("GET", "/api/v1/orders"), OFFICE_READ),
    (Call("POST", "/api/v1/orders", _order), CREATE),
    (Call("GET", "/api/v1/driver/offers"), {**PLATFORM_ONLY, "driver": 200}),
    (Call("GET", "/api/v1/driver/me"), {**PLATFORM_ONLY, "driver": 200}),
    (Call("GET", "/api/v1/driver/jobs"), {**PLATFORM_ONLY, "driver": 200}),
    (Call("GET", "/api/v1/driver/messages"), {**PLATFORM_ONLY, "driver": 200}),
    (Call("GET", "/api/v1/plans"), OFFICE_READ),
]
for resource, body in [
    ("members", _member),
    ("drivers", _driver),
    ("vehicles", _vehicle),
    ("depots", _depot),
    ("zones", _zone),
]:
    key = resource[:-1]
    MATRIX += [
        (Call("GET", f"/api/v1/{resource}"), OFFICE_READ),
        (Call("POST", f"/api/v1/{resource}", body), CREATE),
        (
            Call("GET", f"/api/v1/{resource}/{{{key}}}"),
            # a driver reading another driver's record gets 404, not 403: it is not theirs
            {**OFFICE_READ, "driver": 404} if resource == "drivers" else OFFICE_READ,
        ),
        (Call("PATCH", f"/api/v1/{resource}/{{{key}}}", lambda: {}), EDIT),
        (Call("DELETE", f"/api/v1/{resource}/{{{key}}}"), DELETE),
    ]

CASES = [(call, role, expected[role]) for call, expected in MATRIX for role in ROLES]


async def _send(
    client: httpx.AsyncClient, call: Call, ids: Ids, headers: dict[str, str]
) -> httpx.Response:
    path = call.path.format(**vars(ids))
    body = call.body() if call.body else None
    if call.path.endswith("/assignments") and call.method == "POST":
        body = {"driver_id": ids.driver}
    return await client.request(call.method, path, json=body, headers=headers)


@pytest.mark.parametrize(("call", "role", "expected"), CASES, ids=lambda v: str(v))
async def test_role_matrix(
    client: httpx.AsyncClient,
    session: AsyncSession,
    coop_a: CoopWorld,
    call: Call,
    role: str,
    expected: int,
) -> None:
    ids = await make_rows(session, coop_a)
    response = await _send(client, call, ids, coop_a.by_role(role).headers)
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("call", [call for call, _ in MATRIX], ids=str)
async def test_unauthenticated_is_401(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, call: Call
) -> None:
    ids = await make_rows(session, coop_a)
    response = await _send(client, call, ids, {})
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize("call", [call for call, _ in MATRIX if "{" in call.path], ids=str)
async def test_other_cooperatives_ids_are_404(
    client: httpx.AsyncClient,
    session: AsyncSession,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
    call: Call,
) -> None:
    """Cooperative A's admin acting on cooperative B's rows finds nothing, whatever the verb."""
    ids_b = await make_rows(session, coop_b)
    response = await _send(client, call, ids_b, coop_a.admin.headers)
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("resource", ["members", "drivers", "vehicles", "depots", "zones"])
async def test_lists_show_only_own_cooperative(
    client: httpx.AsyncClient,
    session: AsyncSession,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
    resource: str,
) -> None:
    ids_a = await make_rows(session, coop_a)
    await make_rows(session, coop_b)
    response = await client.get(f"/api/v1/{resource}?limit=500", headers=coop_a.admin.headers)
    assert response.status_code == 200
    page = response.json()
    own_ids = {getattr(ids_a, resource[:-1])}
    if resource == "drivers":
        own_ids.add(coop_a.driver.user.driver_id or 0)
    assert {item["id"] for item in page["items"]} == own_ids
    assert page["total"] == len(own_ids)


async def test_driver_reads_own_record_only(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    ids = await make_rows(session, coop_a)
    own = coop_a.driver.user.driver_id
    mine = await client.get(f"/api/v1/drivers/{own}", headers=coop_a.driver.headers)
    assert mine.status_code == 200
    assert mine.json()["id"] == own
    other = await client.get(f"/api/v1/drivers/{ids.driver}", headers=coop_a.driver.headers)
    assert other.status_code == 404


async def test_platform_admin_manages_cooperatives(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    platform = await sign_in_as(
        session, settings, await factories.make_user(session, None, role="platform_admin")
    )
    created = await client.post(
        "/api/v1/cooperatives",
        json={"name": "HTX Vận tải Trảng Bom", "tax_code": "3609876543"},
        headers=platform.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["time_zone"] == "Asia/Ho_Chi_Minh"
    listed = await client.get("/api/v1/cooperatives", headers=platform.headers)
    assert created.json()["id"] in {c["id"] for c in listed.json()["items"]}
    # a platform admin is not inside any cooperative: tenant endpoints refuse them
    vehicles = await client.get("/api/v1/vehicles", headers=platform.headers)
    assert vehicles.status_code == 403
