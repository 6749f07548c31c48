"""The ledger through the API: who may do what (the role matrix of these routes), tenancy (a
member sees only their own statement; another cooperative's ids are 404), a closed month's 409,
and the statement as CSV, XLSX and a PDF whose text shows the closing balance in VND."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from ledger import months
from tests import factories
from tests.conftest import Actor, CoopWorld, sign_in_as
from tests.ledger.helpers import NOVEMBER, SmallCoop, post_the_month, small_coop

V1 = "/api/v1"


async def _actor(
    session: AsyncSession, settings: Settings, world: SmallCoop, role: str, **extra: Any
) -> Actor:
    user = await factories.make_user(session, world.coop, role=role, **extra)
    return await sign_in_as(session, settings, user)


@pytest.fixture
async def money(session: AsyncSession, settings: Settings) -> dict[str, object]:
    world = await small_coop(session)
    await post_the_month(session, world)
    actors = {
        role: await _actor(session, settings, world, role)
        for role in ("admin", "dispatcher", "director", "accountant")
    }
    actors["member_a"] = await _actor(
        session, settings, world, "member", member_id=world.a.id, login=world.a.phone
    )
    actors["member_b"] = await _actor(session, settings, world, "member", member_id=world.b.id)
    await session.commit()
    return {"world": world, **actors}


def _h(money: dict[str, object], who: str) -> dict[str, str]:
    actor = money[who]
    assert isinstance(actor, Actor)
    return actor.headers


async def test_statement_as_json_and_its_tenancy(
    client: httpx.AsyncClient, money: dict[str, object], coop_b: CoopWorld
) -> None:
    world = money["world"]
    assert isinstance(world, SmallCoop)
    a_url = f"{V1}/ledger/members/{world.a.id}/statement?month=2026-11"
    b_url = f"{V1}/ledger/members/{world.b.id}/statement?month=2026-11"
    for who in ("admin", "director", "accountant", "member_a"):
        response = await client.get(a_url, headers=_h(money, who))
        assert response.status_code == 200, (who, response.text)
        body = response.json()
        assert body["closing_vnd"] == -1_000_000
        assert body["payment_code"] == f"XV{world.a.member_no}"
    for who in ("dispatcher",):
        assert (await client.get(a_url, headers=_h(money, who))).status_code == 403
    assert (await client.get(a_url, headers=coop_b.driver.headers)).status_code == 403
    # another member's statement: 404, as another cooperative's member is
    refused = await client.get(b_url, headers=_h(money, "member_a"))
    assert refused.status_code == 404
    assert refused.json()["field"] == "member_id"
    assert (await client.get(a_url, headers=coop_b.admin.headers)).status_code == 404
    # a member reads nothing else of the ledger
    for path in ("/ledger/balances", "/ledger/trial-balance?month=2026-11", "/ledger/months"):
        assert (await client.get(f"{V1}{path}", headers=_h(money, "member_a"))).status_code == 403
    bad = await client.get(
        f"{V1}/ledger/members/{world.a.id}/statement?month=2026-13", headers=_h(money, "admin")
    )
    assert bad.status_code in (400, 422) and bad.json()["field"] == "month"


async def test_statement_files(client: httpx.AsyncClient, money: dict[str, object]) -> None:
    world = money["world"]
    assert isinstance(world, SmallCoop)
    url = f"{V1}/ledger/members/{world.a.id}/statement?month=2026-11"
    pdf = await client.get(f"{url}&format=pdf", headers=_h(money, "member_a"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    extracted = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Số dư cuối kỳ: -1.000.000 VND" in extracted
    assert world.a.full_name in extracted and "4.700.000 VND" in extracted

    csv = await client.get(f"{url}&format=csv", headers=_h(money, "accountant"))
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Ngày,Số bút toán")
    assert lines[-1].endswith(",5500000,6500000,-1000000")

    xlsx = await client.get(f"{url}&format=xlsx", headers=_h(money, "director"))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    assert sheet.cell(row=sheet.max_row, column=8).value == -1_000_000


async def test_balances_and_trial_balance(
    client: httpx.AsyncClient, money: dict[str, object], coop_b: CoopWorld
) -> None:
    world = money["world"]
    assert isinstance(world, SmallCoop)
    response = await client.get(
        f"{V1}/ledger/balances?as_of=2026-11-30", headers=_h(money, "director")
    )
    assert response.status_code == 200
    rows = {row["member_id"]: row for row in response.json()["rows"]}
    assert rows[world.a.id]["balance_vnd"] == -1_000_000
    assert rows[world.b.id]["balance_vnd"] == -1_111_110
    assert response.json()["totals"]["payable_vnd"] == 2_111_110
    other = await client.get(f"{V1}/ledger/balances?as_of=2026-11-30", headers=coop_b.admin.headers)
    assert other.json()["rows"] == []  # another cooperative sees none of them
    trial = await client.get(
        f"{V1}/ledger/trial-balance?month=2026-11", headers=_h(money, "accountant")
    )
    assert trial.json()["total_closing_vnd"] == 0
    csv = await client.get(
        f"{V1}/ledger/balances?as_of=2026-11-30&format=csv", headers=_h(money, "admin")
    )
    assert "-1111110" in csv.content.decode("utf-8-sig")


async def test_recording_money_and_a_closed_month(
    client: httpx.AsyncClient, session: AsyncSession, money: dict[str, object], coop_b: CoopWorld
) -> None:
    world = money["world"]
    assert isinstance(world, SmallCoop)
    pay = {
        "member_id": world.a.id,
        "amount_vnd": 250_000,
        "posted_on": "2026-11-28",
        "reference": "FT-API-1",
    }
    assert (
        await client.post(f"{V1}/ledger/payments", json=pay, headers=_h(money, "director"))
    ).status_code == 403
    made = await client.post(f"{V1}/ledger/payments", json=pay, headers=_h(money, "accountant"))
    assert made.status_code == 201
    again = await client.post(f"{V1}/ledger/payments", json=pay, headers=_h(money, "accountant"))
    assert again.status_code == 409 and again.json()["field"] == "reference"
    other = await client.post(f"{V1}/ledger/payments", json=pay, headers=coop_b.admin.headers)
    assert other.status_code == 404  # a member of another cooperative
    zero = await client.post(
        f"{V1}/ledger/adjustments",
        headers=_h(money, "accountant"),
        json={
            "member_id": world.a.id,
            "amount_vnd": 0,
            "posted_on": "2026-11-28",
            "reason": "nothing",
        },
    )
    assert zero.status_code == 422 and zero.json()["field"] == "amount_vnd"

    await months.close_month(session, world.coop.id, NOVEMBER, closed_by=None)
    await session.commit()
    late = await client.post(
        f"{V1}/ledger/adjustments",
        headers=_h(money, "accountant"),
        json={
            "member_id": world.a.id,
            "amount_vnd": 50_000,
            "posted_on": "2026-11-30",
            "reason": "phạt nộp chậm",
        },
    )
    assert late.status_code == 409
    assert late.json()["error"] == "month_closed" and late.json()["field"] == "posted_on"
    reversed_ = await client.post(
        f"{V1}/ledger/entries/{made.json()['id']}/reverse",
        headers=_h(money, "accountant"),
        json={"posted_on": "2026-12-01", "reason": "trả lại"},
    )
    assert reversed_.status_code == 201
    twice = await client.post(
        f"{V1}/ledger/entries/{made.json()['id']}/reverse",
        headers=_h(money, "accountant"),
        json={"posted_on": "2026-12-01", "reason": "trả lại"},
    )
    assert twice.status_code == 409
    closed = await client.get(f"{V1}/ledger/months", headers=_h(money, "director"))
    assert closed.json() == {"closed": ["2026-11"]}
    close_again = await client.post(
        f"{V1}/ledger/months/2026-11/close", headers=_h(money, "accountant")
    )
    assert close_again.status_code == 409


async def test_close_is_a_job_for_the_worker(
    client: httpx.AsyncClient, session: AsyncSession, money: dict[str, object]
) -> None:
    world = money["world"]
    assert isinstance(world, SmallCoop)
    assert (
        await client.post(f"{V1}/ledger/months/2026-12/close", headers=_h(money, "admin"))
    ).status_code == 403
    queued = await client.post(f"{V1}/ledger/months/2026-12/close", headers=_h(money, "accountant"))
    assert queued.status_code == 202 and queued.json() == {"month": "2026-12", "status": "queued"}
    args = (
        await session.execute(
            text(
                "SELECT args FROM procrastinate_jobs WHERE task_name = 'close_month'"
                " AND (args->>'cooperative_id')::int = :c"
            ),
            {"c": world.coop.id},
        )
    ).scalar_one()
    assert args["month"] == "2026-12"
    assert date(2026, 12, 1) not in await months.closed(session, world.coop.id)


async def test_bank_statement_import(client: httpx.AsyncClient, money: dict[str, object]) -> None:
    world = money["world"]
    assert isinstance(world, SmallCoop)
    content = (
        "date,amount_vnd,reference,transaction_id\n"
        f"2026-11-29,500000,XV{world.a.member_no} phi,T-1\n"
        "2026-11-29,70000,ai do,T-2\n"
    ).encode()
    files = {"file": ("sao-ke.csv", content, "text/csv")}
    response = await client.post(
        f"{V1}/bank_statements/import", files=files, headers=_h(money, "accountant")
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert [r["transaction_id"] for r in body["matched"]] == ["T-1"]
    assert [r["transaction_id"] for r in body["unmatched"]] == ["T-2"]
    bad = await client.post(
        f"{V1}/bank_statements/import",
        headers=_h(money, "accountant"),
        files={"file": ("x.csv", b"date,amount_vnd\n", "text/csv")},
    )
    assert bad.status_code == 422 and bad.json()["field"] == "file"


async def test_odd_inputs_answer_4xx_naming_the_field(
    client: httpx.AsyncClient, money: dict[str, object]
) -> None:
    world = money["world"]
    assert isinstance(world, SmallCoop)
    h = _h(money, "accountant")
    statement = f"{V1}/ledger/members/{world.a.id}/statement"
    for month in ("0000-01", "9999-12", "2026-00", "2026-1"):
        answer = await client.get(f"{statement}?month={month}", headers=h)
        assert answer.status_code in (400, 422) and answer.json()["field"] == "month", month
    huge = {
        "member_id": world.a.id,
        "amount_vnd": 2**63 - 1,
        "posted_on": "2999-12-31",
        "reason": "giới hạn",
    }
    assert (await client.post(f"{V1}/ledger/adjustments", json=huge, headers=h)).status_code == 201
    missing = await client.post(
        f"{V1}/ledger/entries/999999999/reverse",
        headers=h,
        json={"posted_on": "2026-12-01", "reason": "không có"},
    )
    assert missing.status_code == 404
    binary = await client.post(
        f"{V1}/bank_statements/import",
        headers=h,
        files={"file": ("x.csv", b"\xff\xfe\x00bad", "text/csv")},
    )
    assert binary.status_code == 422 and binary.json()["field"] == "file"
    rule = await client.post(
        f"{V1}/ledger/commission-rules",
        headers=h,
        json={"method": "percent", "value": 10_001, "starts_on": "2026-01-01"},
    )
    assert rule.status_code == 422 and rule.json()["field"] == "value"
    kind = await client.post(
        f"{V1}/ledger/charge-rules",
        headers=h,
        json={
            "charge": "management_fee",
            "vehicle_kind": "rocket",
            "amount_vnd": 1,
            "starts_on": "2026-01-01",
        },
    )
    assert kind.status_code == 422 and kind.json()["field"] == "vehicle_kind"
