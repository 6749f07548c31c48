"""Posting entries: balanced, in open months only, once per fact (``source_key``).

Every way money enters the ledger (charges, settlement, payments, adjustments, reversals) builds
``Draft`` entries and hands them to ``post``, which checks them, takes the months' shared locks
(closing a month takes the exclusive one, so no entry slips into a month being closed) and writes
them in a few multi-row statements. Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidValue
from ledger.chart import Account, Source
from ledger.models import LedgerAccount, LedgerEntry, LedgerLine, LedgerPeriod

CHUNK = 2000  # entries per INSERT: few round trips, bounded statements


class MonthClosed(Conflict):
    code = "month_closed"


@dataclass(frozen=True, slots=True)
class Line:
    account: Account
    amount_vnd: int  # + debit, - credit
    member_id: int | None = None  # set for the member account only


@dataclass(frozen=True, slots=True)
class Draft:
    posted_on: date
    source: Source
    source_key: str
    memo: str
    lines: tuple[Line, ...]
    reference: str | None = None
    reason: str | None = None
    reverses_id: int | None = None
    created_by: int | None = None


def month_of(day: date) -> date:
    return day.replace(day=1)


def month_lock_key(cooperative_id: int, month: date) -> int:
    """The advisory lock of one cooperative's month (a bigint: cooperative and yyyymm)."""
    return cooperative_id * 1_000_000 + month.year * 100 + month.month


async def lock_months(
    session: AsyncSession, cooperative_id: int, months: set[date], *, exclusive: bool
) -> None:
    function = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
    for month in sorted(months):  # one order everywhere: no deadlock between two posters
        await session.execute(
            text(f"SELECT {function}(:key)"), {"key": month_lock_key(cooperative_id, month)}
        )


async def closed_months(session: AsyncSession, cooperative_id: int, months: set[date]) -> set[date]:
    rows = await session.scalars(
        select(LedgerPeriod.month).where(
            LedgerPeriod.cooperative_id == cooperative_id, LedgerPeriod.month.in_(months)
        )
    )
    return set(rows)


async def account_ids(
    session: AsyncSession, cooperative_id: int, wanted: set[tuple[Account, int | None]]
) -> dict[tuple[Account, int | None], int]:
    """Ids of the accounts (kind, member), created on first use."""
    if not wanted:
        return {}
    members = sorted({m for _, m in wanted if m is not None})
    kinds = sorted({k.value for k, m in wanted if m is None})
    if members:
        await session.execute(
            insert(LedgerAccount)
            .values(
                [
                    {"cooperative_id": cooperative_id, "kind": Account.MEMBER.value, "member_id": m}
                    for m in members
                ]
            )
            .on_conflict_do_nothing(
                index_elements=["member_id", "kind"], index_where=text("member_id IS NOT NULL")
            )
        )
    if kinds:
        await session.execute(
            insert(LedgerAccount)
            .values([{"cooperative_id": cooperative_id, "kind": k} for k in kinds])
            .on_conflict_do_nothing(
                index_elements=["cooperative_id", "kind"], index_where=text("member_id IS NULL")
            )
        )
    found: dict[tuple[Account, int | None], int] = {}
    statement = select(LedgerAccount.id, LedgerAccount.kind, LedgerAccount.member_id).where(
        LedgerAccount.cooperative_id == cooperative_id
    )
    if members:
        rows = await session.execute(statement.where(LedgerAccount.member_id.in_(members)))
        found.update({(Account(r.kind), r.member_id): r.id for r in rows})
    if kinds:
        rows = await session.execute(
            statement.where(LedgerAccount.member_id.is_(None), LedgerAccount.kind.in_(kinds))
        )
        found.update({(Account(r.kind), None): r.id for r in rows})
    return found


def check(draft: Draft) -> None:
    if not draft.lines:
        raise InvalidValue("an entry needs lines", field="lines")
    if any(line.amount_vnd == 0 for line in draft.lines):
        raise InvalidValue("a line's amount cannot be zero", field="amount_vnd")
    if sum(line.amount_vnd for line in draft.lines) != 0:
        raise InvalidValue("the entry's debits and credits differ", field="lines")
    for line in draft.lines:
        if (line.account is Account.MEMBER) != (line.member_id is not None):
            raise InvalidValue("only a member account line names a member", field="member_id")


async def post(session: AsyncSession, cooperative_id: int, drafts: list[Draft]) -> list[int]:
    """Post the drafts; returns the ids of the entries written. A draft whose ``source_key``
    was already posted is skipped (a retried job posts each fact once). A draft in a closed
    month raises MonthClosed (409) and nothing is written."""
    for draft in drafts:
        check(draft)
    unique: dict[str, Draft] = {}
    for draft in drafts:  # one fact once, even when a batch names it twice
        unique.setdefault(draft.source_key, draft)
    known = set(
        await session.scalars(
            select(LedgerEntry.source_key).where(
                LedgerEntry.cooperative_id == cooperative_id,
                LedgerEntry.source_key.in_(list(unique)),
            )
        )
    )  # a retried job finds its facts posted: no statement to build for them
    drafts = [draft for key, draft in unique.items() if key not in known]
    if not drafts:
        return []
    months = {month_of(d.posted_on) for d in drafts}
    await lock_months(session, cooperative_id, months, exclusive=False)
    closed = await closed_months(session, cooperative_id, months)
    if closed:
        first = min(closed)
        raise MonthClosed(
            f"{first:%Y-%m} is closed: post a correction in an open month",
            field="posted_on",
            month=f"{first:%Y-%m}",
        )
    accounts = await account_ids(
        session, cooperative_id, {(ln.account, ln.member_id) for d in drafts for ln in d.lines}
    )
    written: list[int] = []
    for start in range(0, len(drafts), CHUNK):
        chunk = drafts[start : start + CHUNK]
        rows = await session.execute(
            insert(LedgerEntry)
            .values(
                [
                    {
                        "cooperative_id": cooperative_id,
                        "posted_on": d.posted_on,
                        "source": d.source.value,
                        "source_key": d.source_key,
                        "reference": d.reference,
                        "memo": d.memo,
                        "reason": d.reason,
                        "reverses_id": d.reverses_id,
                        "created_by": d.created_by,
                    }
                    for d in chunk
                ]
            )
            .on_conflict_do_nothing(index_elements=["cooperative_id", "source_key"])
            .returning(LedgerEntry.id, LedgerEntry.source_key)
        )
        ids = {r.source_key: r.id for r in rows}
        lines = [
            {
                "cooperative_id": cooperative_id,
                "entry_id": ids[d.source_key],
                "account_id": accounts[(ln.account, ln.member_id)],
                "member_id": ln.member_id,
                "posted_on": d.posted_on,
                "amount_vnd": ln.amount_vnd,
            }
            for d in chunk
            if d.source_key in ids
            for ln in d.lines
        ]
        if lines:  # executemany: one statement compiled, sent in batches
            await session.execute(insert(LedgerLine), lines)
        written.extend(ids[d.source_key] for d in chunk if d.source_key in ids)
    await session.flush()
    return written


async def entry_total(session: AsyncSession, entry_id: int) -> int:
    """Sum of an entry's lines (always 0; for tests and checks)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(LedgerLine.amount_vnd), 0)).where(
            LedgerLine.entry_id == entry_id
        )
    )
    return int(total or 0)
