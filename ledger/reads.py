"""The ledger read: one member's month (opening balance, every entry, closing balance), every
member's balance with its ageing, and the trial balance. Balances are always sums of lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
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


# Ageing by first-in first-out: payments settle the oldest debits first, so what a member still
# owes is made of their newest debits. So one pass per member is enough: the balance and the
# debits of the last 30, 31-60 and 61-90 days; what is owed fills the newest bucket first and
# whatever the last 90 days' debits cannot explain is older than 90 days.
_BALANCES = text(
    """
WITH sums AS (
    SELECT member_id, sum(amount_vnd) AS balance,
           sum(amount_vnd) FILTER (WHERE amount_vnd > 0 AND posted_on >= :d30) AS debits_30,
           sum(amount_vnd) FILTER (WHERE amount_vnd > 0 AND posted_on >= :d60
                                   AND posted_on < :d30) AS debits_60,
           sum(amount_vnd) FILTER (WHERE amount_vnd > 0 AND posted_on >= :d90
                                   AND posted_on < :d60) AS debits_90
    FROM ledger_lines
    WHERE cooperative_id = :coop AND member_id IS NOT NULL AND posted_on <= :as_of
    GROUP BY member_id
)
SELECT m.id AS member_id, m.member_no, m.full_name, coalesce(s.balance, 0) AS balance,
       coalesce(s.debits_30, 0) AS debits_30, coalesce(s.debits_60, 0) AS debits_60,
       coalesce(s.debits_90, 0) AS debits_90
FROM members m LEFT JOIN sums s ON s.member_id = m.id
WHERE m.cooperative_id = :coop
ORDER BY m.member_no
"""
)
AGEING = ("current_vnd", "days_31_60_vnd", "days_61_90_vnd", "over_90_vnd")


def age(balance: int, debits_by_age: tuple[int, int, int]) -> dict[str, int]:
    """Split what is owed into the age buckets, newest debits first."""
    left = max(balance, 0)
    buckets = {}
    for key, debits in zip(AGEING, debits_by_age, strict=False):
        buckets[key] = min(left, debits)
        left -= buckets[key]
    buckets[AGEING[-1]] = left
    return buckets


async def balances(session: AsyncSession, cooperative_id: int, as_of: date) -> dict[str, Any]:
    """Every member's balance on ``as_of`` and how old what they owe is (30/60/90 days);
    ``overdue_vnd`` is what is older than 30 days."""
    params = {"coop": cooperative_id, "as_of": as_of, "d30": as_of - timedelta(days=30),
              "d60": as_of - timedelta(days=60), "d90": as_of - timedelta(days=90)}  # fmt: skip
    rows = []
    for row in (await session.execute(_BALANCES, params)).mappings():
        balance = int(row["balance"])
        debits = (int(row["debits_30"]), int(row["debits_60"]), int(row["debits_90"]))
        item: dict[str, Any] = {
            "member_id": row["member_id"],
            "member_no": row["member_no"],
            "full_name": row["full_name"],
            "balance_vnd": balance,
            **age(balance, debits),
        }
        item["overdue_vnd"] = balance_overdue(item)
        rows.append(item)
    totals = {key: sum(r[key] for r in rows) for key in ("balance_vnd", *AGEING, "overdue_vnd")}
    totals["receivable_vnd"] = sum(r["balance_vnd"] for r in rows if r["balance_vnd"] > 0)
    totals["payable_vnd"] = -sum(r["balance_vnd"] for r in rows if r["balance_vnd"] < 0)
    return {"as_of": as_of, "rows": rows, "totals": totals}


def balance_overdue(item: dict[str, Any]) -> int:
    return int(item["days_31_60_vnd"] + item["days_61_90_vnd"] + item["over_90_vnd"])


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
