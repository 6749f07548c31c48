"""CSV import and export through the API, on the real database."""

from __future__ import annotations

import csv
import io

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.models import Vehicle
from tests import factories
from tests.conftest import CoopWorld

V1 = "/api/v1"
HEADER = "plate,kind,payload_kg,seats,owner_member_no,inspection_expiry\n"


def _vehicle_rows(count: int) -> list[str]:
    return [
        f"60C-{n // 100:03d}.{n % 100:02d},truck,{5000 + n},,,2027-01-{1 + n % 28:02d}"
        for n in range(count)
    ]


async def _import(
    client: httpx.AsyncClient,
    resource: str,
    text: str,
    headers: dict[str, str],
    *,
    keep_valid: bool = False,
) -> httpx.Response:
    return await client.post(
        f"{V1}/{resource}/import",
        params={"keep_valid": keep_valid},
        files={"file": (f"{resource}.csv", text.encode(), "text/csv")},
        headers=headers,
    )


async def _count(session: AsyncSession, coop_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Vehicle).where(Vehicle.cooperative_id == coop_id)
        )
        or 0
    )


async def test_three_bad_rows_of_three_thousand_reject_the_file(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    rows = _vehicle_rows(3000)
    rows[99] = "60C-ABC,truck,5000,,,2027-01-01"  # line 101: not a plate
    rows[1499] = "61C-999.99,truck,,,,2027-01-01"  # line 1501: a truck without payload
    rows[2999] = rows[10]  # line 3001: repeats line 12
    text = HEADER + "\n".join(rows) + "\n"
    response = await _import(client, "vehicles", text, coop_a.dispatcher.headers)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["imported"] == 0
    assert body["rejected"] == 3
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (101, "plate"),
        (1501, "payload_kg"),
        (3001, "plate"),
    ]
    assert "payload_kg" in body["errors"][1]["message"]
    assert await _count(session, coop_a.coop.id) == 0

    kept = await _import(client, "vehicles", text, coop_a.dispatcher.headers, keep_valid=True)
    assert kept.status_code == 200, kept.text
    assert kept.json()["imported"] == 2997
    assert kept.json()["rejected"] == 3
    assert await _count(session, coop_a.coop.id) == 2997


async def test_excel_style_file_with_vietnamese_headers(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    member = await factories.make_member(session, coop_a.coop, member_no="TV-0042")
    await session.commit()
    text = (
        "\ufeffBiển số;Loại xe;Số ghế;Chủ xe;Hạn đăng kiểm\n"
        "51B-123.45;coach;45;TV-0042;31/12/2027\n"
    )
    response = await _import(client, "vehicles", text, coop_a.admin.headers)
    assert response.status_code == 200, response.text
    listed = (await client.get(f"{V1}/vehicles", headers=coop_a.admin.headers)).json()["items"]
    assert [
        (v["plate"], v["seats"], v["owner_member_id"], v["inspection_expiry"]) for v in listed
    ] == [("51B-123.45", 45, member.id, "2027-12-31")]


async def test_unknown_column_and_foreign_member_are_reported(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    await factories.make_member(session, coop_b.coop, member_no="TV-B1")
    await session.commit()
    unknown = await _import(
        client, "vehicles", "plate,kind,colour\n60C-111.11,van,red\n", coop_a.admin.headers
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"row": 1, "column": "colour", "message": unknown.json()["errors"][0]["message"]}
    ]
    foreign = await _import(
        client,
        "vehicles",
        "plate,kind,payload_kg,owner_member_no\n60C-111.11,van,800,TV-B1\n",
        coop_a.admin.headers,
    )
    assert foreign.status_code == 422
    assert foreign.json()["errors"][0]["column"] == "owner_member_no"


async def test_existing_rows_are_duplicates(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    await factories.make_vehicle(session, coop_a.coop, plate="60C-222.22")
    await session.commit()
    response = await _import(
        client, "vehicles", "plate,kind,payload_kg\n60c22222,van,900\n", coop_a.admin.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["column"] == "plate"
    assert "already exists" in response.json()["errors"][0]["message"]


async def test_export_round_trips_into_another_cooperative(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    owner = await factories.make_member(session, coop_a.coop, member_no="TV-7")
    await factories.make_vehicle(
        session, coop_a.coop, plate="60C-777.77", features=["crane"], owner_member_id=owner.id
    )
    await factories.make_vehicle(session, coop_b.coop, plate="60C-888.88")
    await session.commit()
    for resource in ("members", "drivers", "vehicles"):
        exported = await client.get(f"{V1}/{resource}/export.csv", headers=coop_a.director.headers)
        assert exported.status_code == 200, exported.text
        assert exported.text.startswith("\ufeff")
        if resource == "vehicles":
            rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
            assert [(r["plate"], r["owner_member_no"], r["features"]) for r in rows] == [
                ("60C-777.77", "TV-7", "crane")
            ]
        imported = await _import(client, resource, exported.text, coop_b.admin.headers)
        assert imported.status_code == 200, (resource, imported.text)
    plates = {
        v.plate
        for v in (
            await session.scalars(select(Vehicle).where(Vehicle.cooperative_id == coop_b.coop.id))
        ).all()
    }
    assert plates == {"60C-777.77", "60C-888.88"}


async def test_roles_for_csv(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    text = HEADER + _vehicle_rows(1)[0] + "\n"
    assert (await _import(client, "vehicles", text, coop_a.director.headers)).status_code == 403
    assert (await _import(client, "vehicles", text, coop_a.driver.headers)).status_code == 403
    export = await client.get(f"{V1}/vehicles/export.csv", headers=coop_a.driver.headers)
    assert export.status_code == 403
