"""The ledger read: one member's month (opening balance, every entry, closing balance), every
member's balance with its ageing, and the trial balance. Balances are always sums of lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger.chart import label
from ledger.months import month_end

_OPENING = text(
    "SELECT coalesce(sum(amount_vnd), 0) FROM ledger_lines"
    " WHERE cooperative_id = :coop AND member_id = :member AND posted_on < :first"
)
_LINES = text(
    """
SELECT l.posted_on, e.id AS entry_id, e.source, e.reference, e.memo, e.reason, e.reverses_id,
       l.amount_vnd
FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
WHERE l.cooperative_id = :coop AND l.member_id = :member
  AND l.posted_on BETWEEN :first AND :last
ORDER BY l.posted_on, e.id, l.id
"""
)


@dataclass
class Statement:
    member_id: int
    month: date
    opening_vnd: int
    closing_vnd: int
    debits_vnd: int
    credits_vnd: int
    lines: list[dict[str, Any]] = field(default_factory=list)


async def statement(
    session: AsyncSession, cooperative_id: int, member_id: int, month: date, language: str = "vi"
) -> Statement:
    """A member's month. Amounts are from the member's side: positive, they owe more."""
    params = {"coop": cooperative_id, "member": member_id, "first": month,
              "last": month_end(month)}  # fmt: skip
    opening = int(await session.scalar(_OPENING, params) or 0)
    balance = opening
    lines = []
    for row in (await session.execute(_LINES, params)).mappings():
        balance += row["amount_vnd"]
        lines.append(
            {
                "posted_on": row["posted_on"],
                "entry_id": row["entry_id"],
                "source": row["source"],
                "source_label": label(row["source"], language),
                "reference": row["reference"],
                "memo": row["memo"],
                "reason": row["reason"],
                "reverses_id": row["reverses_id"],
                "debit_vnd": max(row["amount_vnd"], 0),
                "credit_vnd": max(-row["amount_vnd"], 0),
                "balance_vnd": balance,
            }
        )
    return Statement(
        member_id=member_id,
        month=month,
        opening_vnd=opening,
        closing_vnd=balance,
        debits_vnd=sum(line["debit_vnd"] for line in lines),
        credits_vnd=sum(line["credit_vnd"] for line in lines),
        lines=lines,
    )


# Ageing by first-in first-out: payments settle the oldest debits first, so what is still owed
# is made of the newest debits. Walking each member's debit days from the newest, a day counts
# for what the balance has left once the newer days are covered.
_BALANCES = text(
    """
WITH lines AS (
    SELECT member_id, posted_on, amount_vnd FROM ledger_lines
    WHERE cooperative_id = :coop AND member_id IS NOT NULL AND posted_on <= :as_of
), bal AS (
    SELECT member_id, sum(amount_vnd) AS balance FROM lines GROUP BY member_id
), debit_days AS (
    SELECT l.member_id, l.posted_on, sum(l.amount_vnd) AS debit
    FROM lines l JOIN bal b ON b.member_id = l.member_id AND b.balance > 0
    WHERE l.amount_vnd > 0
    GROUP BY l.member_id, l.posted_on
), owed AS (
    SELECT member_id, posted_on,
           least(debit, balance - (sum(debit) OVER newest_first - debit)) AS amount
    FROM debit_days JOIN bal USING (member_id)
    WINDOW newest_first AS (PARTITION BY member_id ORDER BY posted_on DESC)
), aged AS (
    SELECT member_id,
           sum(amount) FILTER (WHERE :as_of - posted_on <= 30) AS current_vnd,
           sum(amount) FILTER (WHERE :as_of - posted_on BETWEEN 31 AND 60) AS d31_60,
           sum(amount) FILTER (WHERE :as_of - posted_on BETWEEN 61 AND 90) AS d61_90,
           sum(amount) FILTER (WHERE :as_of - posted_on > 90) AS over_90
    FROM owed WHERE amount > 0 GROUP BY member_id
)
SELECT m.id AS member_id, m.member_no, m.full_name,
       coalesce(b.balance, 0) AS balance_vnd,
       coalesce(a.current_vnd, 0) AS current_vnd, coalesce(a.d31_60, 0) AS days_31_60_vnd,
       coalesce(a.d61_90, 0) AS days_61_90_vnd, coalesce(a.over_90, 0) AS over_90_vnd
FROM members m
LEFT JOIN bal b ON b.member_id = m.id
LEFT JOIN aged a ON a.member_id = m.id
WHERE m.cooperative_id = :coop
ORDER BY m.member_no
"""
)
AGEING = ("current_vnd", "days_31_60_vnd", "days_61_90_vnd", "over_90_vnd")


async def balances(session: AsyncSession, cooperative_id: int, as_of: date) -> dict[str, Any]:
    """Every member's balance on ``as_of`` and how old what they owe is (30/60/90 days);
    ``overdue_vnd`` is what is older than 30 days."""
    rows = []
    for row in (
        await session.execute(_BALANCES, {"coop": cooperative_id, "as_of": as_of})
    ).mappings():
        item = {key: (int(value) if key.endswith("_vnd") else value) for key, value in row.items()}
        item["overdue_vnd"] = item["days_31_60_vnd"] + item["days_61_90_vnd"] + item["over_90_vnd"]
        rows.append(item)
    totals = {key: sum(r[key] for r in rows) for key in ("balance_vnd", *AGEING, "overdue_vnd")}
    totals["receivable_vnd"] = sum(r["balance_vnd"] for r in rows if r["balance_vnd"] > 0)
    totals["payable_vnd"] = -sum(r["balance_vnd"] for r in rows if r["balance_vnd"] < 0)
    return {"as_of": as_of, "rows": rows, "totals": totals}


_TRIAL = text(
    """
SELECT a.kind, sum(l.amount_vnd) FILTER (WHERE l.posted_on < :first) AS opening,
       sum(l.amount_vnd) FILTER (WHERE l.posted_on >= :first AND l.amount_vnd > 0) AS debits,
       -sum(l.amount_vnd) FILTER (WHERE l.posted_on >= :first AND l.amount_vnd < 0) AS credits,
       sum(l.amount_vnd) AS closing
FROM ledger_lines l JOIN ledger_accounts a ON a.id = l.account_id
WHERE l.cooperative_id = :coop AND l.posted_on <= :last
GROUP BY a.kind ORDER BY a.kind
"""
)


async def trial_balance(
    session: AsyncSession, cooperative_id: int, month: date, language: str = "vi"
) -> dict[str, Any]:
    """Per account kind (members together): opening, the month's debits and credits, closing;
    every column's total is zero when the books balance."""
    params = {"coop": cooperative_id, "first": month, "last": month_end(month)}
    rows = [
        {
            "account": row["kind"],
            "label": label(row["kind"], language),
            "opening_vnd": int(row["opening"] or 0),
            "debits_vnd": int(row["debits"] or 0),
            "credits_vnd": int(row["credits"] or 0),
            "closing_vnd": int(row["closing"] or 0),
        }
        for row in (await session.execute(_TRIAL, params)).mappings()
    ]
    return {
        "month": f"{month:%Y-%m}",
        "rows": rows,
        "total_closing_vnd": sum(r["closing_vnd"] for r in rows),
        "total_debits_vnd": sum(r["debits_vnd"] for r in rows),
        "total_credits_vnd": sum(r["credits_vnd"] for r in rows),
    }
