"""The ledger against a real PostgreSQL: a hand-computed month (tests/ledger/helpers.py), the
trial balance, closed months, reversing entries, idempotent posting and the database's own
guards (balanced entries, immutable rows)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict
from ledger import charges, entries, months, reads, settlement
from ledger.chart import Account
from ledger.posting import MonthClosed
from tests.ledger.helpers import NOVEMBER, jobs, post_the_month, small_coop

DECEMBER = date(2026, 12, 1)


async def test_a_hand_computed_month(session: AsyncSession) -> None:
    world = await small_coop(session)
    await post_the_month(session, world)

    a = await reads.statement(session, world.coop.id, world.a.id, NOVEMBER)
    assert a.opening_vnd == 0
    assert (
        [(line["debit_vnd"], line["credit_vnd"]) for line in a.lines]
        == [
            (500_000, 0),  # 1 Nov: T1's fee, C1's, the capital instalment
            (800_000, 0),
            (200_000, 0),
            (0, 1_800_000),
            (0, 4_700_000),
            (4_000_000, 0),
        ]
        or sorted(line["debit_vnd"] for line in a.lines[:3]) == [200_000, 500_000, 800_000]
    )
    assert a.debits_vnd == 5_500_000
    assert a.credits_vnd == 6_500_000
    assert a.closing_vnd == -1_000_000
    assert a.lines[-1]["balance_vnd"] == -1_000_000

    b = await reads.statement(session, world.coop.id, world.b.id, NOVEMBER)
    assert (b.debits_vnd, b.credits_vnd, b.closing_vnd) == (700_000, 1_811_110, -1_111_110)
    assert [line["credit_vnd"] for line in b.lines if line["source"] == "settlement"] == [1_111_110]

    trial = await reads.trial_balance(session, world.coop.id, NOVEMBER)
    closing = {row["account"]: row["closing_vnd"] for row in trial["rows"]}
    assert closing == {
        Account.MEMBER: -2_111_110,
        Account.FEE_INCOME: -1_800_000,
        Account.CAPITAL: -400_000,
        Account.COMMISSION_INCOME: -623_457,
        Account.CUSTOMERS: 8_234_567,
        Account.BANK: -3_300_000,
    }
    assert trial["total_closing_vnd"] == 0
    assert trial["total_debits_vnd"] == trial["total_credits_vnd"]

    december = await reads.statement(session, world.coop.id, world.a.id, DECEMBER)
    assert (december.opening_vnd, december.lines, december.closing_vnd) == (
        -1_000_000,
        [],
        -1_000_000,
    )


async def test_posting_a_fact_twice_posts_it_once(session: AsyncSession) -> None:
    world = await small_coop(session)
    await post_the_month(session, world)
    assert await charges.post_monthly_charges(session, world.coop.id, NOVEMBER) == 0
    assert await settlement.settle(session, world.coop.id, jobs(world)) == 0
    a = await reads.statement(session, world.coop.id, world.a.id, NOVEMBER)
    assert a.closing_vnd == -1_000_000


async def test_a_closed_month_refuses_entries(session: AsyncSession) -> None:
    world = await small_coop(session)
    await post_the_month(session, world)
    await months.close_month(session, world.coop.id, NOVEMBER, closed_by=None)
    with pytest.raises(MonthClosed) as refused:
        await entries.adjust(
            session, world.tenant, member_id=world.a.id, amount_vnd=10_000,
            posted_on=date(2026, 11, 30), reason="late fine",
        )  # fmt: skip
    assert refused.value.status == 409
    assert refused.value.field == "posted_on"
    with pytest.raises(Conflict):
        await months.close_month(session, world.coop.id, NOVEMBER, closed_by=None)
    # December is open: the correction goes there
    await entries.adjust(
        session, world.tenant, member_id=world.a.id, amount_vnd=10_000,
        posted_on=date(2026, 12, 1), reason="late fine",
    )  # fmt: skip
    assert await months.closed(session, world.coop.id) == [NOVEMBER]


async def test_a_reversing_entry_corrects_without_editing_history(session: AsyncSession) -> None:
    world = await small_coop(session)
    await post_the_month(session, world)
    wrong = await entries.adjust(
        session, world.tenant, member_id=world.b.id, amount_vnd=250_000,
        posted_on=date(2026, 11, 26), reason="phí đỗ xe (nhầm thành viên)",
    )  # fmt: skip
    await months.close_month(session, world.coop.id, NOVEMBER, closed_by=None)
    fix = await entries.reverse(
        session, world.tenant, entry_id=wrong, posted_on=date(2026, 12, 2), reason="nhầm"
    )
    november = await reads.statement(session, world.coop.id, world.b.id, NOVEMBER)
    assert november.closing_vnd == -1_111_110 + 250_000  # history as it was
    december = await reads.statement(session, world.coop.id, world.b.id, DECEMBER)
    assert [(line["entry_id"], line["credit_vnd"]) for line in december.lines] == [(fix, 250_000)]
    assert december.lines[0]["reverses_id"] == wrong
    assert december.closing_vnd == -1_111_110
    with pytest.raises(Conflict):
        await entries.reverse(
            session, world.tenant, entry_id=wrong, posted_on=date(2026, 12, 2), reason="again"
        )


async def test_the_database_keeps_lines_immutable_and_entries_balanced(
    session: AsyncSession,
) -> None:
    world = await small_coop(session)
    await post_the_month(session, world)
    with pytest.raises(DBAPIError, match="immutable"):
        async with session.begin_nested():
            await session.execute(
                text("UPDATE ledger_lines SET amount_vnd = 1 WHERE cooperative_id = :c"),
                {"c": world.coop.id},
            )
    with pytest.raises(DBAPIError, match="immutable"):
        async with session.begin_nested():
            await session.execute(
                text("DELETE FROM ledger_entries WHERE cooperative_id = :c"), {"c": world.coop.id}
            )
    with pytest.raises(DBAPIError, match="does not balance"):
        async with session.begin_nested():
            await session.execute(text("SET CONSTRAINTS ledger_entries_balanced IMMEDIATE"))
            await session.execute(
                text(
                    "INSERT INTO ledger_entries (cooperative_id, posted_on, source, source_key,"
                    " memo) VALUES (:c, '2026-11-28', 'adjustment', 'lopsided', 'x')"
                ),
                {"c": world.coop.id},
            )
    await session.execute(text("SET CONSTRAINTS ledger_entries_balanced DEFERRED"))


def test_commission_rules() -> None:
    percent = settlement.Commission("percent", 1_000)
    assert settlement.commission_of(percent, 1_234_567, 0) == 123_457  # half up
    assert settlement.commission_of(percent, 1_234_565, 0) == 123_457  # .5 → up
    assert settlement.commission_of(percent, 1_234_564, 0) == 123_456
    fixed = settlement.Commission("fixed", 300_000)
    assert settlement.commission_of(fixed, 200_000, 0) == 200_000  # never above the price
    per_km = settlement.Commission("per_km", 2_000)
    assert settlement.commission_of(per_km, 1_000_000, 42_250) == 84_500
    assert settlement.commission_of(None, 1_000_000, 42_250) == 0
    rules = [
        settlement.Commission("percent", 1_000, None, date(2026, 1, 1)),
        settlement.Commission("percent", 800, None, date(2026, 12, 1)),
        settlement.Commission("fixed", 300_000, "container_tractor", date(2026, 6, 1)),
    ]
    assert settlement.rule_for(rules, "truck", date(2026, 11, 30)) == rules[0]
    assert settlement.rule_for(rules, "truck", date(2026, 12, 1)) == rules[1]
    assert settlement.rule_for(rules, "container_tractor", date(2026, 5, 31)) == rules[0]
    assert settlement.rule_for(rules, "container_tractor", date(2026, 6, 1)) == rules[2]


async def test_ageing_counts_the_newest_debits_as_still_owed(session: AsyncSession) -> None:
    world = await small_coop(session)
    for day, amount in (
        (date(2026, 7, 1), 300_000),
        (date(2026, 9, 1), 200_000),
        (date(2026, 10, 20), 100_000),
        (date(2026, 11, 25), 50_000),
    ):
        await entries.adjust(session, world.tenant, member_id=world.a.id, amount_vnd=amount,
                             posted_on=day, reason="phí")  # fmt: skip
    await entries.record_payment(
        session, world.tenant, member_id=world.a.id, amount_vnd=350_000,
        posted_on=date(2026, 11, 1), reference="FT1",
    )  # fmt: skip
    result = await reads.balances(session, world.coop.id, date(2026, 11, 30))
    a = next(row for row in result["rows"] if row["member_id"] == world.a.id)
    b = next(row for row in result["rows"] if row["member_id"] == world.b.id)
    # owed 300,000: 50,000 (5 days), 100,000 (41 days), 150,000 of 1 Sep's (90 days)
    assert a["balance_vnd"] == 300_000
    assert (a["current_vnd"], a["days_31_60_vnd"], a["days_61_90_vnd"], a["over_90_vnd"]) == (
        50_000,
        100_000,
        150_000,
        0,
    )
    assert a["overdue_vnd"] == 250_000
    assert b["balance_vnd"] == 0 and b["overdue_vnd"] == 0
    assert result["totals"]["receivable_vnd"] == 300_000


async def test_deleting_an_account_that_posted_keeps_its_entries(session: AsyncSession) -> None:
    world = await small_coop(session)
    await post_the_month(session, world)
    await session.execute(
        text("DELETE FROM users WHERE id = :u"), {"u": world.tenant.user_id}
    )  # the entries forget who posted them, nothing else changes
    a = await reads.statement(session, world.coop.id, world.a.id, NOVEMBER)
    assert a.closing_vnd == -1_000_000
    posted_by = await session.scalar(
        text("SELECT count(*) FROM ledger_entries WHERE cooperative_id = :c AND source = 'payout'"
             " AND created_by IS NULL"), {"c": world.coop.id},
    )  # fmt: skip
    assert posted_by == 1
