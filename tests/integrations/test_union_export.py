"""The union's export: its figures from the registry, rollups and events, as JSON and CSV,
pulled with an API key holding ``union:export``; only the caller's cooperative."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from fleet import api_keys
from fleet.enums import Role
from reports.union_export import paper_state
from tests import factories
from tests.conftest import CoopWorld

MONTH = "2026-11"


async def _figures(session: AsyncSession, world: CoopWorld) -> None:
    """Three vehicles with papers in every state, two more members, a month of rollups and
    events (and some just outside the month, which must not count)."""
    coop = world.coop
    today: date = await session.scalar(  # the cooperative's day, as the export counts
        text("SELECT (now() AT TIME ZONE time_zone)::date FROM cooperatives WHERE id = :c"),
        {"c": coop.id},
    )
    member = await factories.make_member(session, coop)
    await factories.make_member(session, coop, status="suspended")
    trucks = [
        await factories.make_vehicle(
            session, coop, badge_number="BH-1", badge_expiry=today + timedelta(days=400),
            inspection_expiry=today - timedelta(days=1), owner_member_id=member.id,
        ),
        await factories.make_vehicle(
            session, coop, badge_expiry=today + timedelta(days=10), insurance_expiry=today
        ),
        await factories.make_vehicle(session, coop, kind="coach", seats=29, payload_kg=None),
    ]  # fmt: skip
    driver = await factories.make_driver(session, coop, licence_expiry=today - timedelta(days=3))
    for day, metres in ((date(2026, 11, 3), 120_000), (date(2026, 11, 30), 80_000)):
        await session.execute(
            text(
                "INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id,"
                " distance_m, engine_s, moving_s, idle_s, nodata_s, trips, stops)"
                " VALUES (:v, :day, :d, :coop, :m, 7200, 5400, 1800, 0, 3, 2)"
            ),
            {"v": trucks[0].id, "day": day, "d": driver.id, "coop": coop.id, "m": metres},
        )
    for kind, at in (
        ("overspeed", "2026-11-10T03:00:00Z"),
        ("overspeed", "2026-11-30T16:30:00Z"),  # 23:30 in Hà Nội time: still November
        ("continuous_driving_violation", "2026-11-12T05:00:00Z"),
        ("overspeed", "2026-11-30T17:30:00Z"),  # 00:30 on 1 December there: not counted
    ):
        await session.execute(
            text(
                "INSERT INTO journey_events (cooperative_id, source, subject_id, kind,"
                " vehicle_id, started_at) VALUES (:coop, 'vehicle', :v, :kind, :v, :at)"
            ),
            {"coop": coop.id, "v": trucks[0].id, "kind": kind, "at": at},
        )
    await session.commit()


async def test_the_export_counts_what_the_cooperative_has(
    client: httpx.AsyncClient,
    session: AsyncSession,
    settings: Settings,
    coop_a: CoopWorld,
    coop_b: CoopWorld,
) -> None:
    await _figures(session, coop_a)
    await _figures(session, coop_b)  # the same again elsewhere: never counted for A
    issued = await api_keys.create_key(
        session, coop_a.admin.tenant, name="Liên minh HTX", role=Role.DIRECTOR,
        scopes=["union:export"], settings=settings,
    )  # fmt: skip
    await session.commit()
    answer = await client.get(
        f"/api/v1/union-export?month={MONTH}", headers={"X-API-Key": issued.key}
    )
    assert answer.status_code == 200, answer.text
    data = answer.json()
    assert (data["format"], data["version"], data["month"]) == ("coopfleet.union-export", 1, MONTH)
    assert data["cooperative"]["id"] == coop_a.coop.id
    assert data["members"] == {"total": 2, "by_status": {"active": 1, "suspended": 1}}
    vehicles = data["vehicles"]
    assert vehicles["total"] == 3 and vehicles["by_kind"] == {"coach": 1, "truck": 2}
    assert vehicles["papers"]["badge"] == {"valid": 1, "expiring": 1, "lapsed": 0, "missing": 1}
    assert vehicles["papers"]["inspection"] == {
        "valid": 0,
        "expiring": 0,
        "lapsed": 1,
        "missing": 2,
    }
    assert vehicles["papers"]["insurance"] == {"valid": 0, "expiring": 1, "lapsed": 0, "missing": 2}
    # the world's own driver (licence far ahead) and the one whose licence lapsed
    assert data["drivers"]["total"] == 2
    assert data["drivers"]["licences"]["lapsed"] == 1
    assert data["activity"] == {
        "vehicles_active": 1, "drivers_active": 1, "distance_km": 200.0,
        "moving_hours": 3.0, "engine_hours": 4.0, "trips": 6,
    }  # fmt: skip
    assert data["compliance"]["overspeed"] == 2
    assert data["compliance"]["continuous_driving_violation"] == 1
    assert data["compliance"]["not_transmitting"] == 0
    assert len(data["vehicle_list"]) == 3
    assert "full_name" not in answer.text and "phone" not in str(data["vehicle_list"])
    # a key without the scope, and the key on anything else
    assert (
        await client.get("/api/v1/vehicles", headers={"X-API-Key": issued.key})
    ).status_code == 403


async def test_csv_figures_and_vehicles(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    await _figures(session, coop_a)
    figures = await client.get(
        f"/api/v1/union-export?month={MONTH}&format=csv", headers=coop_a.director.headers
    )
    assert figures.status_code == 200
    assert figures.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(figures.content.decode("utf-8-sig"))))
    assert rows[0] == ["Mục", "Chỉ tiêu", "Giá trị"]
    flat = {(section, item): value for section, item, value in rows[1:]}
    assert flat[("export", "version")] == "1"
    assert flat[("vehicles", "papers.badge.expiring")] == "1"
    assert flat[("activity", "distance_km")] == "200.0"
    listed = await client.get(
        f"/api/v1/union-export?month={MONTH}&format=csv&table=vehicles",
        headers=coop_a.admin.headers,
    )
    vehicle_rows = list(csv.reader(io.StringIO(listed.content.decode("utf-8-sig"))))
    assert vehicle_rows[0][0] == "Biển số" and len(vehicle_rows) == 4


async def test_who_may_pull_it(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    for role, status in (("admin", 200), ("dispatcher", 200), ("director", 200), ("driver", 403)):
        answer = await client.get(
            f"/api/v1/union-export?month={MONTH}", headers=coop_a.by_role(role).headers
        )
        assert answer.status_code == status
    issued = await api_keys.create_key(
        session, coop_a.admin.tenant, name="x", role=Role.ADMIN,
        scopes=["registry:read", "reports:read"], settings=settings,
    )  # fmt: skip
    await session.commit()
    refused = await client.get(
        f"/api/v1/union-export?month={MONTH}", headers={"Authorization": f"Bearer {issued.key}"}
    )
    assert refused.status_code == 403 and "union:export" in refused.json()["message"]
    bad = await client.get("/api/v1/union-export?month=2026-13", headers=coop_a.admin.headers)
    assert bad.status_code in (400, 422) and bad.json()["field"] == "month"


def test_paper_states() -> None:
    today = date(2026, 12, 4)
    assert paper_state(None, today) == "missing"
    assert paper_state(today, today) == "expiring"  # valid through its expiry day
    assert paper_state(today - timedelta(days=1), today) == "lapsed"
    assert paper_state(today + timedelta(days=31), today) == "valid"


async def test_a_key_may_send_a_full_sized_body(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_a: CoopWorld
) -> None:
    """A request carrying only X-API-Key is signed: the anonymous 16 KB cap is not its cap."""
    issued = await api_keys.create_key(
        session, coop_a.admin.tenant, name="x", role=Role.DISPATCHER,
        scopes=["orders:write"], settings=settings,
    )  # fmt: skip
    await session.commit()
    body = {"notes": "x" * 20_000}
    keyed = await client.post("/api/v1/orders", json=body, headers={"X-API-Key": issued.key})
    assert keyed.status_code == 422  # read and judged, not cut off
    anonymous = await client.post("/api/v1/orders", json=body)
    assert anonymous.status_code == 413
