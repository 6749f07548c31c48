"""A bank statement CSV: credits and debits carrying a member's payment code become their
payments and payouts, once each; the rows it cannot match are reported, not guessed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidValue
from ledger import bank, reads
from tests.ledger.helpers import NOVEMBER, post_the_month, small_coop


def _csv(*rows: str) -> bytes:
    return ("\ufeffdate,amount_vnd,reference,transaction_id\n" + "\n".join(rows) + "\n").encode()


async def test_a_statement_matches_payments_on_their_reference(session: AsyncSession) -> None:
    world = await small_coop(session)
    await post_the_month(session, world)
    code_a, code_b = bank.payment_code(world.a.member_no), bank.payment_code(world.b.member_no)
    content = _csv(
        f"2026-11-27,300.000,{code_b.lower()} nop phi thang 11,VCB-1",
        f"28/11/2026,-1000000,HTX chi tra {code_a},VCB-2",
        "2026-11-28,150000,XVTV-99999 khong ro,VCB-3",
        "2026-11-29,90000,chuyen tien,VCB-4",
        f"2026-11-29,90000,{code_a} {code_b},VCB-5",
    )
    rows = bank.parse(content, max_rows=100)
    report = await bank.import_statement(session, world.tenant, rows)
    assert [(r["transaction_id"], r["member_id"]) for r in report.matched] == [
        ("VCB-1", world.b.id),
        ("VCB-2", world.a.id),
    ]
    assert [(r["row"], r["reason"]) for r in report.unmatched] == [
        (4, "no member code"),
        (5, "no member code"),
        (6, "several member codes"),
    ]
    b = await reads.statement(session, world.coop.id, world.b.id, NOVEMBER)
    assert b.closing_vnd == -1_111_110 - 300_000
    a = await reads.statement(session, world.coop.id, world.a.id, NOVEMBER)
    assert a.closing_vnd == -1_000_000 + 1_000_000

    again = await bank.import_statement(session, world.tenant, rows)  # the same file twice
    assert again.matched == []
    assert [r["transaction_id"] for r in again.already_imported] == ["VCB-1", "VCB-2"]
    b_again = await reads.statement(session, world.coop.id, world.b.id, NOVEMBER)
    assert b_again.closing_vnd == b.closing_vnd


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("2026-13-01,1000,XVTV-1,T1", "date"),
        ("2026-11-01,12.5k,XVTV-1,T1", "amount_vnd"),
        ("2026-11-01,0,XVTV-1,T1", "amount_vnd"),
        ("2026-11-01,1000,XVTV-1,", "transaction_id"),
    ],
)
def test_a_bad_row_is_named(line: str, field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        bank.parse(_csv(line), max_rows=10)
    assert refused.value.field == field
    assert "row 2" in refused.value.message


def test_missing_columns_and_too_many_rows() -> None:
    with pytest.raises(InvalidValue, match="missing columns"):
        bank.parse(b"date,amount\n2026-11-01,5\n", max_rows=10)
    with pytest.raises(InvalidValue, match="at most 1 rows"):
        bank.parse(_csv("2026-11-01,1,a,T1", "2026-11-01,1,a,T2"), max_rows=1)
    assert bank.parse(_csv(), max_rows=1) == []
    assert date(2026, 11, 1) == bank.parse(_csv("01/11/2026,1,a,T1"), max_rows=1)[0].day
