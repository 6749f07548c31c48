"""No 500 on any input: each input that once reached the database (or a library) unchecked now
answers 4xx naming the field, and database errors never show PostgreSQL's own text."""

from __future__ import annotations

import asyncio
import math
from copy import deepcopy
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.integrity import domain_error_from
from fleet.validators import INT_MAX
from routing.schemas import _EXAMPLE
from tests import factories
from tests.conftest import CoopWorld

API = "/api/v1"
BIG = 10**20


def _order(**changes: Any) -> dict[str, Any]:
    body = deepcopy(_EXAMPLE)
    body.update(changes)
    return body


def _field_of(response: httpx.Response) -> str | None:
    field: str | None = response.json().get("field")
    return field


async def _post_order(client: httpx.AsyncClient, world: CoopWorld, **changes: Any) -> int:
    response = await client.post(
        f"{API}/orders", json=_order(**changes), headers=world.dispatcher.headers
    )
    assert response.status_code == 201, response.text
    order_id: int = response.json()["id"]
    return order_id


async def test_an_order_price_beyond_bigint_is_422(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    response = await client.post(
        f"{API}/orders", json=_order(price_vnd=BIG), headers=coop_a.dispatcher.headers
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "price_vnd"


async def test_null_for_a_required_order_field_is_422(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    order_id = await _post_order(client, coop_a)
    response = await client.patch(
        f"{API}/orders/{order_id}", json={"customer_name": None}, headers=coop_a.dispatcher.headers
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "customer_name"
    left_out = await client.patch(
        f"{API}/orders/{order_id}", json={"notes": None}, headers=coop_a.dispatcher.headers
    )
    assert left_out.status_code == 200, left_out.text  # a nullable field may still be cleared


async def test_null_plate_on_a_vehicle_is_422(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    vehicle = await factories.make_vehicle(session, coop_a.coop)
    await session.commit()
    response = await client.patch(
        f"{API}/vehicles/{vehicle.id}", json={"plate": None}, headers=coop_a.dispatcher.headers
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "plate"


@pytest.mark.parametrize("month", ["9999-12", "0001-01"])
async def test_a_month_at_the_calendars_ends_names_the_month(
    client: httpx.AsyncClient, coop_a: CoopWorld, month: str
) -> None:
    response = await client.get(
        f"{API}/reports/members", params={"month": month}, headers=coop_a.director.headers
    )
    assert response.status_code in (400, 422), response.text
    assert _field_of(response) == "month"


async def test_a_report_period_in_year_one_names_the_day(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    response = await client.get(
        f"{API}/reports/utilization",
        params={"start_day": "0001-01-01", "end_day": "0001-01-31"},
        headers=coop_a.director.headers,
    )
    assert response.status_code in (400, 422), response.text
    assert _field_of(response) == "start_day"


async def test_a_300_character_login_at_sign_in_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/token", data={"username": "a" * 300, "password": "whatever-it-is"}
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "username"


async def test_an_offset_beyond_bigint_is_422(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    response = await client.get(
        f"{API}/members", params={"offset": 10**19}, headers=coop_a.admin.headers
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "offset"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"/orders/{BIG}", "order_id"),
        (f"/depots/{INT_MAX + 1}", "ident"),
        (f"/drivers/{2**40}", "ident"),
        (
            f"/vehicles/{2**40}/trips?start=2026-11-01T00:00:00Z&end=2026-11-02T00:00:00Z",
            "vehicle_id",
        ),
        (f"/drivers/{-(2**40)}/assignments", "driver_id"),
    ],
)
async def test_ids_beyond_their_column_are_422_naming_the_parameter(
    client: httpx.AsyncClient, coop_a: CoopWorld, path: str, field: str
) -> None:
    response = await client.get(f"{API}{path}", headers=coop_a.admin.headers)
    assert response.status_code == 422, response.text
    assert _field_of(response) == field


async def test_an_id_in_a_body_beyond_its_column_is_422(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    vehicle = await factories.make_vehicle(session, coop_a.coop)
    await session.commit()
    response = await client.post(
        f"{API}/vehicles/{vehicle.id}/assignments",
        json={"driver_id": BIG},
        headers=coop_a.dispatcher.headers,
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "driver_id"


@pytest.mark.parametrize(
    "area",
    [
        {"type": "MultiPolygon", "coordinates": [{}]},  # once a KeyError in _valid_area
        {"type": "Polygon", "coordinates": [[{"x": 1}]]},
    ],
)
async def test_a_malformed_zone_polygon_is_422(
    client: httpx.AsyncClient, coop_a: CoopWorld, area: dict[str, Any]
) -> None:
    response = await client.post(
        f"{API}/zones",
        json={"name": "Vùng hỏng", "kind": "city", "area": area},
        headers=coop_a.dispatcher.headers,
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "area"


def _circle(vertices: int) -> dict[str, Any]:
    ring = [
        [
            106.8 + 0.05 * math.cos(2 * math.pi * i / vertices),
            10.9 + 0.05 * math.sin(2 * math.pi * i / vertices),
        ]
        for i in range(vertices)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


async def test_a_zone_has_at_most_the_vertex_cap(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    body = {"name": "Vùng lớn", "kind": "city"}
    too_many = await client.post(
        f"{API}/zones", json=body | {"area": _circle(10_000)}, headers=coop_a.dispatcher.headers
    )
    assert too_many.status_code == 422, too_many.text
    assert _field_of(too_many) == "area"
    assert "10000 vertices" in too_many.json()["message"]
    within = await client.post(
        f"{API}/zones", json=body | {"area": _circle(9_998)}, headers=coop_a.dispatcher.headers
    )
    assert within.status_code == 201, within.text


async def test_a_feature_longer_than_its_column_is_422(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    response = await client.post(
        f"{API}/orders", json=_order(features=["x" * 33]), headers=coop_a.dispatcher.headers
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == "features.0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("bbox", "nan,10,107,11"),
        ("bbox", "106,10,inf,11"),
        ("near", "106.8,-inf"),
        ("near", "nan,nan"),
    ],
)
async def test_non_finite_numbers_in_bbox_and_near_are_422(
    client: httpx.AsyncClient, coop_a: CoopWorld, name: str, value: str
) -> None:
    response = await client.get(
        f"{API}/positions/latest", params={name: value}, headers=coop_a.dispatcher.headers
    )
    assert response.status_code == 422, response.text
    assert _field_of(response) == name


async def test_percent_and_underscore_in_an_order_search_match_literally(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    literal = await _post_order(
        client, coop_a, reference="DH-PCT", customer_name="Công ty 100% vốn_Việt"
    )
    await _post_order(client, coop_a, reference="DH-OTHER", customer_name="Công ty TNHH An Bình")
    for q in ("%", "_", "0% von_v"):
        response = await client.get(
            f"{API}/orders", params={"q": q}, headers=coop_a.dispatcher.headers
        )
        assert response.status_code == 200, response.text
        assert [item["id"] for item in response.json()["items"]] == [literal], q


async def _database_error(session: AsyncSession, statement: str) -> DBAPIError:
    """The error PostgreSQL really raises for ``statement`` (inside a savepoint)."""
    savepoint = await session.begin_nested()
    with pytest.raises(DBAPIError) as raised:
        await session.execute(text(statement))
    await savepoint.rollback()
    return raised.value


async def test_database_errors_name_the_field_never_postgresql_text(
    session: AsyncSession, coop_a: CoopWorld
) -> None:
    coop = coop_a.coop.id
    not_null = await _database_error(
        session,
        "INSERT INTO members (cooperative_id, member_no, full_name, join_date)"
        f" VALUES ({coop}, 'TV-X', NULL, '2024-01-01')",
    )
    assert "Failing row contains" in str(not_null.orig)  # what a caller must never read
    error = domain_error_from(not_null, what="member")
    assert (error.status, error.field) == (422, "full_name")
    assert "Failing row" not in error.message and "TV-X" not in error.message

    too_long = await _database_error(
        session,
        "INSERT INTO members (cooperative_id, member_no, full_name, join_date)"
        f" VALUES ({coop}, '{'9' * 40}', 'An', '2024-01-01')",
    )
    assert domain_error_from(too_long, what="member").status == 422
    out_of_range = await _database_error(session, f"SELECT CAST('{BIG}' AS integer)")
    assert domain_error_from(out_of_range, what="depot").status == 422
    for raised in (too_long, out_of_range):
        assert str(raised.orig) not in domain_error_from(raised, what="x").message


async def test_a_nul_character_is_422_not_a_driver_error(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    response = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": "abcdef\u0000ghijklmn"}
    )
    assert response.status_code == 422, response.text
    assert "NUL" in response.json()["message"]
    assert response.json()["field"] == "refresh_token"
    assert "PostgreSQL" not in response.text


async def test_a_nul_is_named_wherever_it_is(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    """In a nested body field, a query parameter or the path: 422 naming it, in Vietnamese too
    (psycopg refuses a NUL before PostgreSQL can say which column it was for)."""
    headers = coop_a.dispatcher.headers
    nested = await client.post(
        f"{API}/reports/subscriptions",
        headers=coop_a.director.headers | {"Accept-Language": "vi"},
        json={"email": "giam\u0000doc@htx.vn", "extra": {"a": ["ok"]}},
    )
    assert nested.status_code == 422, nested.text
    assert nested.json()["field"] == "email"
    assert "«email»" in nested.json()["message"]
    deep = await client.post(
        f"{API}/orders", headers=headers, json={"pickup": {"address": "Kho\u0000 A"}}
    )
    assert (deep.status_code, deep.json()["field"]) == (422, "pickup.address"), deep.text
    query = await client.get(f"{API}/orders", headers=headers, params={"q": "a\x00b"})
    assert (query.status_code, query.json()["field"]) == (422, "q"), query.text
    path = await client.get(f"{API}/track/abc%00def")
    assert (path.status_code, path.json()["field"]) == (422, "path"), path.text
    literal = await client.get(f"{API}/orders", headers=headers, params={"q": "\\u0000"})
    assert literal.status_code == 200, literal.text  # a backslash and 'u0000' are plain text


@pytest.mark.parametrize(
    ("path", "role"), [("/events/stream", "dispatcher"), ("/driver/messages/stream", "driver")]
)
@pytest.mark.parametrize("last_event_id", [b"9" * 30, "²".encode()])
async def test_a_stream_resumed_from_a_malformed_last_event_id_is_422(
    client: httpx.AsyncClient, coop_a: CoopWorld, path: str, role: str, last_event_id: bytes
) -> None:
    headers: dict[str, Any] = coop_a.by_role(role).headers | {"Last-Event-ID": last_event_id}
    async with asyncio.timeout(10):  # a stream that opened would never end by itself
        response = await client.get(f"{API}{path}", headers=headers)
    assert response.status_code == 422, response.text
    assert _field_of(response) == "last-event-id"
