"""CSV import and export through the API, on the real database."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.config import Settings, get_settings
from fleet import csv_io
from fleet.models import Driver, Member, Vehicle
from tests import factories
from tests.conftest import CoopWorld

V1 = "/api/v1"
HEADER = "plate,kind,payload_kg,seats,owner_member_no,inspection_expiry"


def _vehicle_lines(count: int) -> list[str]:
    return [
        f"60C-{n // 100:03d}.{n % 100:02d},truck,{5000 + n},,,2027-01-{1 + n % 28:02d}"
        for n in range(count)
    ]


async def _import(
    client: httpx.AsyncClient,
    resource: str,
    text: str | bytes,
    headers: dict[str, str],
    *,
    keep_valid: bool = False,
) -> httpx.Response:
    content = text.encode() if isinstance(text, str) else text
    return await client.post(
        f"{V1}/{resource}/import",
        params={"keep_valid": keep_valid},
        files={"file": (f"{resource}.csv", content, "text/csv")},
        headers=headers,
    )


async def _export(
    client: httpx.AsyncClient, resource: str, headers: dict[str, str], **params: str
) -> list[dict[str, str]]:
    response = await client.get(f"{V1}/{resource}/export.csv", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(response.text.removeprefix("\ufeff"))))


def _where(body: dict[str, Any]) -> list[tuple[int, str | None]]:
    return [(error["row"], error["column"]) for error in body["errors"]]


async def _vehicle_count(session: AsyncSession, world: CoopWorld) -> int:
    statement = select(func.count()).where(Vehicle.cooperative_id == world.coop.id)
    return int(await session.scalar(statement) or 0)


async def test_three_bad_rows_of_three_thousand_reject_the_file(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    lines = _vehicle_lines(3000)
    lines[99] = "60C-ABC,truck,5000,,,2027-01-01"  # line 101: not a plate
    lines[1499] = "61C-999.99,truck,,,,2027-01-01"  # line 1501: a truck without payload
    lines[2999] = lines[10]  # line 3001: repeats line 12
    text = "\n".join([HEADER, *lines]) + "\n"

    response = await _import(client, "vehicles", text, coop_a.dispatcher.headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert (body["error"], body["field"]) == ("validation_error", "file")
    assert (body["imported"], body["rejected"]) == (0, 3)
    assert _where(body) == [(101, "plate"), (1501, "payload_kg"), (3001, "plate")]
    messages = [error["message"] for error in body["errors"]]
    assert "not a Vietnamese plate" in messages[0]
    assert messages[1] == "payload_kg is required for a truck"
    assert "line 12" in messages[2]
    assert await _vehicle_count(session, coop_a) == 0

    kept = await _import(client, "vehicles", text, coop_a.dispatcher.headers, keep_valid=True)
    assert kept.status_code == 200, kept.text
    assert (kept.json()["imported"], kept.json()["rejected"]) == (2997, 3)
    assert _where(kept.json()) == _where(body)
    assert await _vehicle_count(session, coop_a) == 2997


async def test_excel_file_with_bom_semicolons_vietnamese_headers_and_dates(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    members = (
        "\ufeffMã thành viên;Họ tên;Số điện thoại;Ngày vào\r\n"
        "TV-0042;Lê Thị Đào;0912 345 678;15/03/2021\r\n"
    )
    response = await _import(client, "members", members, coop_a.admin.headers)
    assert response.status_code == 200, response.text
    vehicles = (
        "\ufeff BIỂN SỐ ;loại xe;Số ghế;Chủ xe;Hạn đăng kiểm;Tải trọng (kg);Trang bị\r\n"
        '51B-123.45;coach;45;TV-0042;31/12/2027;;"wifi;toilet"\r\n'
    )
    response = await _import(client, "vehicles", vehicles, coop_a.admin.headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"imported": 1, "rejected": 0, "errors": []}

    [member] = (await client.get(f"{V1}/members", headers=coop_a.admin.headers)).json()["items"]
    assert (member["full_name"], member["phone"], member["join_date"]) == (
        "Lê Thị Đào",
        "0912345678",
        "2021-03-15",
    )
    [vehicle] = (await client.get(f"{V1}/vehicles", headers=coop_a.admin.headers)).json()["items"]
    assert vehicle["plate"] == "51B-123.45"
    assert vehicle["seats"] == 45
    assert vehicle["owner_member_id"] == member["id"]
    assert vehicle["inspection_expiry"] == "2027-12-31"
    assert vehicle["features"] == ["wifi", "toilet"]
    found = await client.get(
        f"{V1}/vehicles", params={"q": "51b12345"}, headers=coop_a.admin.headers
    )
    assert found.json()["total"] == 1  # the derived search column was filled


async def test_a_bad_header_rejects_the_file_even_when_keeping_valid_rows(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    unknown = await _import(
        client,
        "vehicles",
        "plate,kind,payload_kg,colour\n60C-111.11,van,800,red\n60C-111.12,van,800,blue\n",
        coop_a.admin.headers,
        keep_valid=True,
    )
    assert unknown.status_code == 422
    assert _where(unknown.json()) == [(1, "colour")]
    assert (unknown.json()["imported"], unknown.json()["rejected"]) == (0, 2)
    missing = await _import(
        client, "vehicles", "plate,payload_kg\n60C-111.11,800\n", coop_a.admin.headers
    )
    assert missing.status_code == 422
    assert missing.json()["errors"] == [
        {"row": 1, "column": "kind", "message": "this column is required"}
    ]
    assert await _vehicle_count(session, coop_a) == 0


async def test_each_bad_cell_is_reported_under_its_csv_column(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    text = (
        "plate,kind,payload_kg,year,features,owner_member_no,inspection_expiry\n"
        "60C-100.01,truck,5000,1900,Crane,TV-NONE,31/02/2027\n"
        "60C-100.02,truck,5000,,,,,stray\n"
        "\n"
        "60C-100.03,van,,,,,\n"
        "60C-100.04,van,900,,,,\n"
    )
    response = await _import(client, "vehicles", text, coop_a.admin.headers)
    assert response.status_code == 422
    assert _where(response.json()) == [
        (2, "owner_member_no"),
        (2, "year"),
        (2, "features"),
        (2, "inspection_expiry"),
        (3, None),
        (5, "payload_kg"),
    ]
    assert response.json()["errors"][0]["message"] == "no member 'TV-NONE' in this cooperative"
    assert response.json()["rejected"] == 3


async def test_a_member_of_another_cooperative_is_not_found(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    await factories.make_member(session, coop_b.coop, member_no="TV-B1")
    await session.commit()
    vehicles = "plate,kind,payload_kg,owner_member_no\n60C-111.11,van,800,TV-B1\n"
    response = await _import(client, "vehicles", vehicles, coop_a.admin.headers)
    assert response.status_code == 422
    assert _where(response.json()) == [(2, "owner_member_no")]
    drivers = (
        "full_name,phone,licence_number,licence_class,licence_expiry,member_no\n"
        "Phạm Văn Bình,0911222333,750000000001,C,2030-01-01,TV-B1\n"
    )
    response = await _import(client, "drivers", drivers, coop_a.admin.headers)
    assert response.status_code == 422
    assert _where(response.json()) == [(2, "member_no")]
    assert await _vehicle_count(session, coop_a) == 0


async def test_values_already_in_the_cooperative_are_duplicates(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    await factories.make_vehicle(session, coop_a.coop, plate="60C-222.22")
    await factories.make_vehicle(session, coop_a.coop, tracking_device_id="GT06-1")
    await factories.make_vehicle(session, coop_b.coop, plate="60C-333.33")
    await session.commit()
    text = (
        "plate,kind,payload_kg,tracking_device_id\n"
        "60c22222,van,900,\n"  # the same plate typed without punctuation
        "60C-222.23,van,900,GT06-1\n"
        "60C-333.33,van,900,\n"  # another cooperative's plate is no duplicate
    )
    response = await _import(client, "vehicles", text, coop_a.admin.headers, keep_valid=True)
    assert response.status_code == 200
    assert _where(response.json()) == [(2, "plate"), (3, "tracking_device_id")]
    assert response.json()["errors"][0]["message"] == "'60C-222.22' already exists"
    assert response.json()["imported"] == 1


async def test_the_unique_constraints_are_the_last_line_of_defence(
    client: httpx.AsyncClient,
    session: AsyncSession,
    coop_a: CoopWorld,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def miss_duplicates(*args: object) -> None:
        """As if another request inserted the same plate after the check."""

    monkeypatch.setattr(csv_io, "_find_duplicates", miss_duplicates)
    await factories.make_vehicle(session, coop_a.coop, plate="60C-222.22")
    await session.commit()
    response = await _import(
        client, "vehicles", "plate,kind,payload_kg\n60C-222.22,van,900\n", coop_a.admin.headers
    )
    assert response.status_code == 409
    assert (response.json()["error"], response.json()["field"]) == ("conflict", "plate")


async def test_export_imports_back_into_another_cooperative(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    owner = await factories.make_member(
        session,
        coop_a.coop,
        member_no="TV-7",
        full_name="Đỗ Thị Ngọc Hà",
        email="ha@example.vn",
        national_id="075190004321",
        address="=SUM(A1:A2), Biên Hòa",  # Excel would run it as a formula
        capital_contribution_vnd=20_000_000,
        status="suspended",
    )
    await factories.make_driver(
        session,
        coop_a.coop,
        member_id=owner.id,
        national_id="075190004322",
        date_of_birth=date(1985, 2, 3),
        driver_card_id="DC-75-000123",
    )
    await factories.make_vehicle(
        session,
        coop_a.coop,
        plate="60C-777.77",
        features=["crane", "tail_lift"],
        owner_member_id=owner.id,
        volume_m3=36.5,
        badge_number="PH-60-012345",
        badge_type="freight",
        badge_expiry=date(2027, 5, 31),
        tracking_device_id="GT06-865432100012345",
    )
    await factories.make_vehicle(session, coop_a.coop, plate="60C-777.78", kind="coach", seats=45)
    await factories.make_vehicle(session, coop_b.coop, plate="60C-888.88")
    await session.commit()

    exported: dict[str, list[dict[str, str]]] = {}
    for resource in ("members", "drivers", "vehicles"):  # members first: the others name them
        response = await client.get(f"{V1}/{resource}/export.csv", headers=coop_a.director.headers)
        assert response.status_code == 200
        imported = await _import(client, resource, response.content, coop_b.admin.headers)
        assert imported.status_code == 200, (resource, imported.text)
        exported[resource] = await _export(client, resource, coop_a.director.headers)
        in_b = await _export(client, resource, coop_b.director.headers)
        assert all(row in in_b for row in exported[resource]), resource
    assert exported["members"][0]["address"] == "'=SUM(A1:A2), Biên Hòa"
    assert [(v["plate"], v["owner_member_no"], v["features"]) for v in exported["vehicles"]] == [
        ("60C-777.77", "TV-7", "crane;tail_lift"),
        ("60C-777.78", "", ""),
    ]
    copied = await session.scalar(
        select(Member).where(Member.cooperative_id == coop_b.coop.id, Member.member_no == "TV-7")
    )
    assert copied is not None and copied.address == "=SUM(A1:A2), Biên Hòa"
    assert copied.search == owner.search


async def test_export_is_filtered_and_scoped_to_the_cooperative(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    truck = await factories.make_vehicle(session, coop_a.coop, plate="60C-301.01", make="Hino")
    await factories.make_vehicle(
        session, coop_a.coop, plate="60C-301.02", kind="van", status="maintenance"
    )
    await factories.make_vehicle(session, coop_b.coop, plate="60C-301.03", kind="van")
    await factories.make_member(session, coop_a.coop, member_no="TV-A")
    await factories.make_member(session, coop_b.coop, member_no="TV-B")
    await session.commit()
    headers = coop_a.dispatcher.headers

    async def plates(**params: str) -> list[str]:
        return [row["plate"] for row in await _export(client, "vehicles", headers, **params)]

    assert await plates() == ["60C-301.01", "60C-301.02"]
    assert await plates(kind="van") == ["60C-301.02"]
    assert await plates(status="maintenance") == ["60C-301.02"]
    assert await plates(q="hino") == ["60C-301.01"]
    members = await _export(client, "members", headers)
    assert [row["member_no"] for row in members] == ["TV-A"]
    own_driver = await session.get(Driver, coop_a.driver.user.driver_id)
    assert own_driver is not None
    drivers = await _export(client, "drivers", headers)
    assert [row["phone"] for row in drivers] == [own_driver.phone]  # not coop B's driver
    bad_kind = await client.get(f"{V1}/vehicles/export.csv?kind=ship", headers=headers)
    assert bad_kind.status_code == 422
    # the CRUD routes behind the CSV ones still answer
    one = await client.get(f"{V1}/vehicles/{truck.id}", headers=headers)
    assert one.json()["plate"] == "60C-301.01"
    assert (await client.get(f"{V1}/vehicles/export.json", headers=headers)).status_code == 422


async def test_roles_for_csv(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    text = HEADER + "\n" + _vehicle_lines(1)[0] + "\n"
    for actor in (coop_a.director, coop_a.driver):
        assert (await _import(client, "vehicles", text, actor.headers)).status_code == 403
    for resource in ("members", "drivers", "vehicles"):
        url = f"{V1}/{resource}/export.csv"
        assert (await client.get(url, headers=coop_a.director.headers)).status_code == 200
        assert (await client.get(url, headers=coop_a.driver.headers)).status_code == 403


async def test_unreadable_and_oversized_files(
    client: httpx.AsyncClient,
    coop_a: CoopWorld,
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    headers = coop_a.admin.headers
    empty = await _import(client, "members", "\ufeff\n", headers)
    assert (empty.status_code, empty.json()["field"]) == (422, "file")
    utf16 = "Biển số,Loại xe\n".encode("utf-16")  # Excel's "Unicode Text"
    not_utf8 = await _import(client, "vehicles", utf16, headers)
    assert not_utf8.status_code == 422
    assert "UTF-8" in not_utf8.json()["message"]
    async with limited(settings, engine, sessions, csv_max_rows=2, csv_max_bytes=1024) as small:
        two = await _import(small, "vehicles", "\n".join([HEADER, *_vehicle_lines(2)]), headers)
        assert two.status_code == 200, two.text
        lines = "\n".join([HEADER, *_vehicle_lines(3)])
        too_long = await _import(small, "vehicles", lines, headers)
        assert (too_long.status_code, too_long.json()["error"]) == (413, "too_large")
        assert "more than 2 rows" in too_long.json()["message"]
        big = "\n".join([HEADER, *_vehicle_lines(2)]) + "\n" * 1100
        too_big = await _import(small, "vehicles", big, headers)
        assert (too_big.status_code, too_big.json()["field"]) == (413, "file")


async def test_a_cell_past_the_csv_modules_limit_names_its_line(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    """A cell over 131,072 characters made the csv module raise: a 500 (issue 21, item 3)."""
    lines = [HEADER, *_vehicle_lines(1), f'60C-999.99,truck,5000,,,2027-01-01,"{"x" * 140_000}"']
    answer = await _import(client, "vehicles", "\n".join(lines), coop_a.admin.headers)
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["field"] == "file" and body["details"] == {"row": 3}
    assert body["message"] == "line 3: a cell is longer than 131072 characters"


@asynccontextmanager
async def limited(
    settings: Settings,
    engine: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    **limits: int,
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the test's connection with some limits changed (its middlewares and the
    routes' settings alike)."""
    changed = settings.model_copy(update=limits)
    app = create_app(changed, engine)
    app.state.engine, app.state.session_factory = engine, sessions
    app.dependency_overrides[get_settings] = lambda: changed
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
