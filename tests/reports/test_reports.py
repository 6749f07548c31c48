"""Reports on a small fleet whose rollups are known: every figure, time-zone edges, exports,
tenancy."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import httpx
import openpyxl
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.charges import post_monthly_charges
from tests import factories
from tests.conftest import CoopWorld

V1 = "/api/v1"
NOVEMBER = "start_day=2026-11-01&end_day=2026-11-30"


async def rollup(
    session: AsyncSession,
    world: CoopWorld,
    vehicle: int,
    driver: int,
    day: str,
    km: float,
    hours: float,
) -> None:
    await session.execute(
        text(
            "INSERT INTO daily_activity (vehicle_id, day, driver_id, cooperative_id, distance_m,"
            " engine_s, moving_s, idle_s, nodata_s, trips, stops)"
            " VALUES (:v, :d, :drv, :c, :m, :e, :mv, :i, 0, 2, 3)"
        ),
        {"v": vehicle, "d": date.fromisoformat(day), "drv": driver, "c": world.coop.id,
         "m": round(km * 1000), "e": round(hours * 3600) + 1800, "mv": round(hours * 3600),
         "i": 1800},
    )  # fmt: skip


async def delivered(
    session: AsyncSession,
    world: CoopWorld,
    vehicle: int,
    driver: int,
    price: int,
    at: datetime,
    due: datetime,
) -> None:
    order = await session.execute(
        text(
            "INSERT INTO orders (cooperative_id, reference, kind, status, customer_name, price_vnd,"
            " pickup_address, pickup_location, dropoff_address, dropoff_location, dropoff_to,"
            " driver_id, vehicle_id, tracking_token, tracking_expires_at)"
            " VALUES (:c, :ref, 'freight', 'delivered', 'Khách', :price, 'A',"
            " ST_SetSRID(ST_MakePoint(106.8, 10.9), 4326), 'B',"
            " ST_SetSRID(ST_MakePoint(106.7, 10.8), 4326), :due, :drv, :v, :ref, now())"
            " RETURNING id"
        ),
        {"c": world.coop.id, "ref": f"R{at.timestamp()}", "price": price, "due": due,
         "drv": driver, "v": vehicle},
    )  # fmt: skip
    await session.execute(
        text(
            "INSERT INTO order_events (cooperative_id, order_id, from_status, to_status, at)"
            " VALUES (:c, :o, 'at_dropoff', 'delivered', :at)"
        ),
        {"c": world.coop.id, "o": order.scalar_one(), "at": at},
    )


async def fleet(session: AsyncSession, world: CoopWorld) -> tuple[list[int], list[int], int]:
    member = await factories.make_member(session, world.coop)
    vehicles = [
        (await factories.make_vehicle(session, world.coop, owner_member_id=member.id)).id
        for _ in range(2)
    ]
    drivers = [(await factories.make_driver(session, world.coop)).id for _ in range(2)]
    await session.execute(
        text("UPDATE cooperatives SET management_fee_vnd = 500000 WHERE id = :c"),
        {"c": world.coop.id},
    )
    await rollup(session, world, vehicles[0], drivers[0], "2026-11-03", 200, 5)
    await rollup(session, world, vehicles[0], drivers[0], "2026-11-04", 100, 3)
    await rollup(session, world, vehicles[1], drivers[1], "2026-11-04", 50, 1)
    await rollup(session, world, vehicles[0], drivers[0], "2026-10-15", 80, 2)  # previous period
    due = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)  # 23:00 on 30 Nov in Hồ Chí Minh City
    # 23:30 local on 30 Nov counts for November (and is late); 00:30 local on 1 Dec does not
    await delivered(
        session,
        world,
        vehicles[0],
        drivers[0],
        3_000_000,
        datetime(2026, 11, 30, 16, 30, tzinfo=UTC),
        due,
    )
    await delivered(
        session,
        world,
        vehicles[0],
        drivers[0],
        2_000_000,
        datetime(2026, 11, 10, 3, 0, tzinfo=UTC),
        due,
    )
    await delivered(
        session,
        world,
        vehicles[1],
        drivers[1],
        9_000_000,
        datetime(2026, 11, 30, 17, 30, tzinfo=UTC),
        due,
    )
    await session.execute(
        text(
            "INSERT INTO journey_events (cooperative_id, source, subject_id, kind, vehicle_id,"
            " driver_id, started_at, ended_at) VALUES"
            " (:c, 'vehicle', :v, 'overspeed', :v, :d,"
            "  '2026-11-03T02:00:00Z', '2026-11-03T02:01:00Z'),"
            " (:c, 'vehicle', :v, 'not_transmitting', :v, :d,"
            "  '2026-11-03T03:00:00Z', '2026-11-03T03:20:00Z'),"
            " (:c, 'driver', :d, 'continuous_driving_violation', :v, :d,"
            "  '2026-11-04T05:00:00Z', NULL)"
        ),
        {"c": world.coop.id, "v": vehicles[0], "d": drivers[0]},
    )  # fmt: skip
    await session.commit()
    return vehicles, drivers, member.id


async def test_utilization_by_vehicle(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    vehicles, _, _ = await fleet(session, coop_a)
    answer = await client.get(
        f"{V1}/reports/utilization?{NOVEMBER}&group=vehicle", headers=coop_a.director.headers
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    rows = {int(r["key"]): r for r in body["rows"]}
    first = rows[vehicles[0]]
    assert first["km"] == 300.0 and first["moving_hours"] == 8.0 and first["engine_hours"] == 9.0
    assert first["idle_hours"] == 1.0 and first["idle_share"] == round(1 / 9, 4)
    assert first["days_active"] == 2 and first["trips"] == 4
    assert first["utilization"] == round(8 / (10 * 30), 4)
    assert first["orders_served"] == 2 and first["revenue_vnd"] == 5_000_000
    assert first["on_time_share"] == 0.5  # 23:30 local was after the 23:00 deadline
    assert first["revenue_per_km_vnd"] == round(5_000_000 / 300)
    assert first["events_per_100_km"] == round(3 / 300 * 100, 2)
    assert first["previous_km"] == 80.0
    second = rows[vehicles[1]]
    assert second["orders_served"] == 0  # delivered 00:30 local on 1 December
    assert [r["rank"] for r in body["rows"]] == [1, 2]
    assert second["bottom_10_percent"] and not first["bottom_10_percent"]
    assert body["totals"]["km"] == 350.0
    # day by day: 3 Nov one vehicle 200 km 5 h; 4 Nov both, 150 km 4 h; 2 vehicles available
    assert body["days"] == [
        {"day": "2026-11-03", "km": 200.0, "moving_hours": 5.0, "active_vehicles": 1,
         "utilization": round(5 / 20, 4)},
        {"day": "2026-11-04", "km": 150.0, "moving_hours": 4.0, "active_vehicles": 2,
         "utilization": round(4 / 20, 4)},
    ]  # fmt: skip
    other = await client.get(
        f"{V1}/reports/utilization?{NOVEMBER}", headers=coop_b.director.headers
    )
    assert other.json()["rows"] == []
    refused = await client.get(
        f"{V1}/reports/utilization?{NOVEMBER}", headers=coop_a.driver.headers
    )
    assert refused.status_code == 403


async def test_by_driver_member_statement_and_compliance(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    vehicles, drivers, member = await fleet(session, coop_a)
    by_driver = (
        await client.get(
            f"{V1}/reports/utilization?{NOVEMBER}&group=driver", headers=coop_a.director.headers
        )
    ).json()
    assert {int(r["key"]): r["km"] for r in by_driver["rows"]} == {
        drivers[0]: 300.0,
        drivers[1]: 50.0,
    }
    await post_monthly_charges(session, coop_a.coop.id, date(2026, 11, 1))  # the worker's job
    statement = (
        await client.get(f"{V1}/reports/members?month=2026-11", headers=coop_a.director.headers)
    ).json()
    mine = next(r for r in statement["rows"] if r["member_id"] == member)
    assert mine["vehicles"] == 2 and mine["fee_due_vnd"] == 1_000_000 and mine["km"] == 350.0
    assert mine["closing_balance_vnd"] == 1_000_000  # read from the ledger
    assert mine["revenue_vnd"] == 5_000_000
    bad = await client.get(f"{V1}/reports/members?month=2026-13", headers=coop_a.director.headers)
    assert bad.status_code in (400, 422)
    report = (
        await client.get(f"{V1}/reports/compliance?{NOVEMBER}", headers=coop_a.director.headers)
    ).json()
    driver_row = next(
        r for r in report["rows"] if r["subject"] == "driver" and r["id"] == drivers[0]
    )
    assert driver_row["continuous_driving_violation"] == 1
    vehicle_row = next(
        r for r in report["rows"] if r["subject"] == "vehicle" and r["id"] == vehicles[0]
    )
    assert vehicle_row["overspeed"] == 1 and vehicle_row["overspeed_per_100_km"] == round(
        100 / 300, 2
    )
    assert vehicle_row["not_transmitting_minutes"] == 20.0


async def test_exports(client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld) -> None:
    await fleet(session, coop_a)
    csv_answer = await client.get(
        f"{V1}/reports/utilization?{NOVEMBER}&format=csv", headers=coop_a.director.headers
    )
    assert csv_answer.headers["content-type"].startswith("text/csv")
    lines = csv_answer.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Hạng,Mã,Tên / biển số,Quãng đường (km)") and len(lines) == 3
    xlsx = await client.get(
        f"{V1}/reports/utilization?{NOVEMBER}&format=xlsx", headers=coop_a.director.headers
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[3] == "Quãng đường (km)" and header[13] == "Doanh thu (VND)"
    assert sheet.cell(row=2, column=4).value == 300  # a number, not text
    assert isinstance(sheet.cell(row=2, column=14).value, int)
    assert sheet.cell(row=2, column=14).number_format == "#,##0"


async def test_monthly_pdf_has_vietnamese_text(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    import pypdf

    await fleet(session, coop_a)
    answer = await client.get(
        f"{V1}/reports/monthly.pdf?month=2026-11", headers=coop_a.director.headers
    )
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text_ = "\n".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(answer.content)).pages
    )
    assert "Báo cáo hoạt động tháng 11/2026" in text_
    assert "Tổng quãng đường: 350.0 km" in text_
    assert "Vi phạm lái liên tục" in text_ and "Quá tốc độ" in text_


async def test_monthly_report_by_email(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    """A director subscribes; sending delivers the PDF to a local SMTP sink."""
    import socket
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    from core.config import Settings
    from reports.delivery import deliver_all

    await fleet(session, coop_a)
    made = await client.post(
        f"{V1}/reports/subscriptions",
        json={"email": "giamdoc@htx.vn"},
        headers=coop_a.director.headers,
    )
    assert made.status_code == 201
    bad = await client.post(
        f"{V1}/reports/subscriptions",
        json={"email": "not-an-address"},
        headers=coop_a.director.headers,
    )
    assert bad.status_code == 422
    refused = await client.post(
        f"{V1}/reports/subscriptions", json={"email": "x@y.vn"}, headers=coop_a.dispatcher.headers
    )
    assert refused.status_code == 403
    other = await client.delete(
        f"{V1}/reports/subscriptions/{made.json()['id']}", headers=coop_b.director.headers
    )
    assert other.status_code == 404

    received: list[bytes] = []

    class Sink:
        async def handle_DATA(self, server: object, session_: object, envelope: object) -> str:
            received.append(envelope.content)  # type: ignore[attr-defined]
            return "250 OK"

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = Settings(smtp_host="127.0.0.1", smtp_port=port, smtp_from="bao-cao@htx.vn")
        sent = await deliver_all(session, settings, "2026-11")
    finally:
        controller.stop()
    assert [s["email"] for s in sent] == ["giamdoc@htx.vn"]
    message = message_from_bytes(received[0])
    assert message["To"] == "giamdoc@htx.vn"
    attachments = [p for p in message.walk() if p.get_content_type() == "application/pdf"]
    payload = attachments[0].get_payload(decode=True)
    assert len(attachments) == 1 and isinstance(payload, bytes) and payload.startswith(b"%PDF")


async def test_vehicle_dossier(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    vehicles, _, _ = await fleet(session, coop_a)
    url = f"{V1}/reports/vehicles/{vehicles[0]}/dossier?{NOVEMBER}"
    body = (await client.get(url, headers=coop_a.director.headers)).json()
    assert body["summary"] == body["summary"] | {
        "days_with_activity": 2,
        "km": 300.0,
        "trips": 4,
        "dispatches": 2,
        "delivered": 2,
    }
    assert body["vehicle"]["owner"] is not None and body["events"]["overspeed"] == 1
    assert [d["day"] for d in body["days"]] == ["2026-11-03", "2026-11-04"]
    assert (await client.get(url, headers=coop_b.director.headers)).status_code == 404


async def test_xlsx_text_is_never_a_formula(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    """A member named like a formula stays text in the director's workbook (issue 21, item 5)."""
    name = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'
    member = await factories.make_member(session, coop_a.coop, full_name=name)
    await session.commit()
    xlsx = await client.get(
        f"{V1}/reports/members?month=2026-11&format=xlsx", headers=coop_a.director.headers
    )
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    cells = [row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == member.member_no]
    assert len(cells) == 1
    assert cells[0].data_type == "s" and cells[0].value == name
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row)
