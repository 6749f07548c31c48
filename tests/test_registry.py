"""Registry CRUD: validation names the field, duplicates name the field, lists page and filter."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests import factories
from tests.conftest import CoopWorld

V1 = "/api/v1"


async def test_vehicle_create_normalizes_plate_and_reads_back(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    body = {"plate": "60c 12345", "kind": "truck", "payload_kg": 8000, "features": ["tail_lift"]}
    created = await client.post(f"{V1}/vehicles", json=body, headers=coop_a.dispatcher.headers)
    assert created.status_code == 201, created.text
    vehicle = created.json()
    assert vehicle["plate"] == "60C-123.45"
    assert vehicle["features"] == ["tail_lift"]
    read = await client.get(f"{V1}/vehicles/{vehicle['id']}", headers=coop_a.director.headers)
    assert read.json() == vehicle


async def test_invalid_body_names_the_field(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    response = await client.post(
        f"{V1}/vehicles",
        json={"plate": "ABC", "kind": "truck", "payload_kg": 1},
        headers=coop_a.admin.headers,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation_error"
    assert body["field"] == "plate"
    assert "Vietnamese plate" in body["message"]


async def test_truck_needs_payload_and_coach_needs_seats(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    truck = await client.post(
        f"{V1}/vehicles",
        json={"plate": "60C-111.11", "kind": "truck"},
        headers=coop_a.admin.headers,
    )
    assert truck.status_code == 422
    assert "payload_kg" in truck.json()["message"]
    coach = await client.post(
        f"{V1}/vehicles",
        json={"plate": "60B-111.11", "kind": "coach"},
        headers=coop_a.admin.headers,
    )
    assert coach.status_code == 422
    assert "seats" in coach.json()["message"]


async def test_unknown_field_is_rejected(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    response = await client.post(
        f"{V1}/members",
        json={"member_no": "X1", "full_name": "A", "join_date": "2024-01-01", "colour": "red"},
        headers=coop_a.admin.headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "colour"


async def test_duplicate_plate_is_409_naming_the_field(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    existing = await factories.make_vehicle(session, coop_a.coop, plate="60C-222.22")
    await factories.make_vehicle(session, coop_b.coop, plate="60C-333.33")
    await session.commit()
    dup = await client.post(
        f"{V1}/vehicles",
        json={"plate": "60c22222", "kind": "truck", "payload_kg": 1000},
        headers=coop_a.admin.headers,
    )
    assert dup.status_code == 409, dup.text
    assert dup.json()["field"] == "plate"
    # the same plate in another cooperative is not a conflict (plates are unique per cooperative)
    other = await client.post(
        f"{V1}/vehicles",
        json={"plate": "60C-333.33", "kind": "truck", "payload_kg": 1000},
        headers=coop_a.admin.headers,
    )
    assert other.status_code == 201
    # and a PATCH onto an existing plate conflicts too
    patched = await client.patch(
        f"{V1}/vehicles/{other.json()['id']}",
        json={"plate": existing.plate},
        headers=coop_a.admin.headers,
    )
    assert patched.status_code == 409
    assert patched.json()["field"] == "plate"


async def test_reference_to_other_cooperatives_member_is_rejected(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    foreign = await factories.make_member(session, coop_b.coop)
    await session.commit()
    response = await client.post(
        f"{V1}/vehicles",
        json={
            "plate": "60C-444.44",
            "kind": "van",
            "payload_kg": 900,
            "owner_member_id": foreign.id,
        },
        headers=coop_a.admin.headers,
    )
    assert response.status_code == 400
    assert response.json()["field"] == "owner_member_id"


async def test_member_with_vehicles_cannot_be_deleted(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    member = await factories.make_member(session, coop_a.coop)
    await factories.make_vehicle(session, coop_a.coop, owner_member_id=member.id)
    await session.commit()
    response = await client.delete(f"{V1}/members/{member.id}", headers=coop_a.admin.headers)
    assert response.status_code == 409
    still = await client.get(f"{V1}/members/{member.id}", headers=coop_a.admin.headers)
    assert still.status_code == 200


async def test_list_pages_filters_sorts_and_searches(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    for n in range(7):
        await factories.make_vehicle(session, coop_a.coop, plate=f"60C-500.0{n}", year=2010 + n)
    await factories.make_vehicle(
        session,
        coop_a.coop,
        plate="51B-777.77",
        kind="coach",
        seats=45,
        payload_kg=None,
        status="maintenance",
    )
    await session.commit()
    headers = coop_a.admin.headers

    page = (await client.get(f"{V1}/vehicles?limit=3&offset=3&sort=-year", headers=headers)).json()
    assert page["total"] == 8
    assert [v["year"] for v in page["items"]] == [2013, 2012, 2011]

    coaches = (await client.get(f"{V1}/vehicles?kind=coach", headers=headers)).json()
    assert [v["plate"] for v in coaches["items"]] == ["51B-777.77"]
    assert coaches["total"] == 1

    by_status = (await client.get(f"{V1}/vehicles?status=maintenance", headers=headers)).json()
    assert by_status["total"] == 1

    for typed in ("51b77777", "777.77", "51B-777"):
        found = (await client.get(f"{V1}/vehicles", params={"q": typed}, headers=headers)).json()
        assert [v["plate"] for v in found["items"]] == ["51B-777.77"], typed

    bad_sort = await client.get(f"{V1}/vehicles?sort=colour", headers=headers)
    assert bad_sort.status_code == 422
    assert bad_sort.json()["field"] == "sort"


async def test_search_ignores_vietnamese_accents(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    await factories.make_member(session, coop_a.coop, full_name="Đặng Thị Hồng Nhung")
    await factories.make_member(session, coop_a.coop, full_name="Bùi Văn Nam")
    await session.commit()
    for typed in ("dang thi hong", "Đặng Thị", "HỒNG NHUNG"):
        found = (
            await client.get(f"{V1}/members", params={"q": typed}, headers=coop_a.admin.headers)
        ).json()
        assert [m["full_name"] for m in found["items"]] == ["Đặng Thị Hồng Nhung"], typed


async def test_driver_phone_is_normalized_and_unique(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    body = {
        "full_name": "Võ Minh Tuấn",
        "phone": "+84 912 345 678",
        "licence_number": "750000000009",
        "licence_class": "CE",
        "licence_expiry": "2031-02-03",
    }
    first = await client.post(f"{V1}/drivers", json=body, headers=coop_a.admin.headers)
    assert first.status_code == 201, first.text
    assert first.json()["phone"] == "0912345678"
    again = await client.post(
        f"{V1}/drivers",
        json={**body, "phone": "0912.345.678", "licence_number": "750000000010"},
        headers=coop_a.admin.headers,
    )
    assert again.status_code == 409
    assert again.json()["field"] == "phone"


async def test_depots_and_zones_speak_geojson(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    headers = coop_a.admin.headers
    depot = await client.post(
        f"{V1}/depots",
        json={"name": "Bãi Amata", "location": {"type": "Point", "coordinates": [106.883, 10.953]}},
        headers=headers,
    )
    assert depot.status_code == 201, depot.text
    assert depot.json()["location"] == {"type": "Point", "coordinates": [106.883, 10.953]}
    ring = [[106.8, 10.9], [106.9, 10.9], [106.9, 11.0], [106.8, 11.0], [106.8, 10.9]]
    zone = await client.post(
        f"{V1}/zones",
        json={
            "name": "Nội thành",
            "kind": "city",
            "speed_limit_kmh": 50,
            "area": {"type": "Polygon", "coordinates": [ring]},
        },
        headers=headers,
    )
    assert zone.status_code == 201, zone.text
    assert zone.json()["area"]["type"] == "MultiPolygon"
    collection = (await client.get(f"{V1}/zones.geojson", headers=headers)).json()
    assert collection["type"] == "FeatureCollection"
    assert collection["features"][0]["properties"]["name"] == "Nội thành"
    bow_tie = [[106.8, 10.9], [106.9, 11.0], [106.9, 10.9], [106.8, 11.0], [106.8, 10.9]]
    invalid = await client.post(
        f"{V1}/zones",
        json={"name": "Sai", "kind": "city", "area": {"type": "Polygon", "coordinates": [bow_tie]}},
        headers=headers,
    )
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "area"
    off_earth = await client.post(
        f"{V1}/depots",
        json={"name": "Sai", "location": {"type": "Point", "coordinates": [10.95, 106.88]}},
        headers=headers,
    )
    assert off_earth.status_code == 422
    assert off_earth.json()["field"] == "location"


async def test_assignment_history_keeps_one_open_per_vehicle_and_driver(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    truck = await factories.make_vehicle(session, coop_a.coop)
    van = await factories.make_vehicle(session, coop_a.coop, kind="van")
    first = await factories.make_driver(session, coop_a.coop)
    second = await factories.make_driver(session, coop_a.coop)
    await session.commit()
    headers = coop_a.dispatcher.headers

    async def assign(vehicle: int, driver: int) -> None:
        response = await client.post(
            f"{V1}/vehicles/{vehicle}/assignments", json={"driver_id": driver}, headers=headers
        )
        assert response.status_code == 201, response.text

    await assign(truck.id, first.id)
    await assign(truck.id, second.id)  # closes first's assignment of the truck
    await assign(van.id, second.id)  # moves second to the van, truck left without a driver
    truck_history = (
        await client.get(f"{V1}/vehicles/{truck.id}/assignments", headers=headers)
    ).json()
    assert [(a["driver_id"], a["ends_at"] is None) for a in truck_history] == [
        (second.id, False),
        (first.id, False),
    ]
    second_history = (
        await client.get(f"{V1}/drivers/{second.id}/assignments", headers=headers)
    ).json()
    assert [(a["vehicle_id"], a["ends_at"] is None) for a in second_history] == [
        (van.id, True),
        (truck.id, False),
    ]
    ended = await client.delete(f"{V1}/vehicles/{van.id}/assignments/current", headers=headers)
    assert ended.status_code == 200
    assert ended.json()["ends_at"] is not None
    none_left = await client.delete(f"{V1}/vehicles/{van.id}/assignments/current", headers=headers)
    assert none_left.status_code == 404


async def test_expiring_documents_within_days(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    today = date.today()
    soon = await factories.make_vehicle(
        session,
        coop_a.coop,
        insurance_expiry=today + timedelta(days=10),
        inspection_expiry=today + timedelta(days=200),
    )
    lapsed = await factories.make_driver(
        session, coop_a.coop, licence_expiry=today - timedelta(days=3)
    )
    await factories.make_vehicle(
        session, coop_a.coop, status="retired", badge_expiry=today - timedelta(days=1)
    )
    await factories.make_vehicle(session, coop_b.coop, badge_expiry=today)
    await session.commit()
    response = await client.get(f"{V1}/documents/expiring?days=30", headers=coop_a.director.headers)
    assert response.status_code == 200
    found = {(d["subject"], d["subject_id"], d["document"], d["status"]) for d in response.json()}
    assert found == {
        ("driver", lapsed.id, "licence", "expired"),
        ("vehicle", soon.id, "insurance", "expiring"),
    }
    days_left = {d["document"]: d["days_left"] for d in response.json()}
    assert days_left["licence"] in (-3, -4, -2)  # the cooperative's zone may be a day off UTC
    assert days_left["insurance"] in (9, 10, 11)
