"""Importing a bank statement (CSV): each credit whose transfer content carries a member's
payment code (``XV`` + member number, printed on their statement) becomes their payment; a
debit with a code, a payout to them. Each bank transaction is posted once (its id is the
entry's key); rows without a code the cooperative knows are reported, never guessed."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidValue
from core.tenancy import Tenant
from fleet.models import Member
from ledger.chart import Account, Source
from ledger.models import LedgerEntry
from ledger.posting import Draft, Line, post

CODE_PREFIX = "XV"
COLUMNS = ("date", "amount_vnd", "reference", "transaction_id")
_CODE = re.compile(rf"\b{CODE_PREFIX}[-\s]?([0-9A-Z][0-9A-Z-]*)\b")


def payment_code(member_no: str) -> str:
    """What a member writes in a transfer's content so it is matched to them."""
    return f"{CODE_PREFIX}{member_no.upper()}"


@dataclass(frozen=True, slots=True)
class BankRow:
    row: int
    day: date
    amount_vnd: int  # + money in, - money out
    reference: str
    transaction_id: str


@dataclass
class ImportReport:
    matched: list[dict[str, object]] = field(default_factory=list)
    already_imported: list[dict[str, object]] = field(default_factory=list)
    unmatched: list[dict[str, object]] = field(default_factory=list)


def parse(content: bytes, max_rows: int) -> list[BankRow]:
    """The rows of a statement; 422 naming the row and column of the first bad value."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidValue("the file must be UTF-8 CSV", field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidValue(f"missing columns: {', '.join(missing)}", field="file")
    rows: list[BankRow] = []
    for number, raw in enumerate(reader, start=2):
        if len(rows) >= max_rows:
            raise InvalidValue(f"at most {max_rows} rows", field="file")
        rows.append(
            BankRow(
                row=number,
                day=_day(raw["date"] or "", number),
                amount_vnd=_amount(raw["amount_vnd"] or "", number),
                reference=(raw["reference"] or "").strip()[:200],
                transaction_id=_transaction(raw["transaction_id"] or "", number),
            )
        )
    return rows


def _day(value: str, row: int) -> date:
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value.strip(), pattern).date()  # noqa: DTZ007 (a day)
        except ValueError:
            continue
    raise InvalidValue(f"row {row}: date must look like 2026-11-30 or 30/11/2026", field="date")


def _amount(value: str, row: int) -> int:
    cleaned = value.strip().replace(".", "").replace(",", "").replace(" ", "")
    if not re.fullmatch(r"-?[0-9]{1,15}", cleaned) or int(cleaned) == 0:
        raise InvalidValue(
            f"row {row}: amount_vnd must be a whole non-zero amount", field="amount_vnd"
        )
    return int(cleaned)


def _transaction(value: str, row: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > 60:
        raise InvalidValue(f"row {row}: transaction_id is required (≤ 60)", field="transaction_id")
    return cleaned


def codes_in(reference: str) -> set[str]:
    return {f"{CODE_PREFIX}{m}" for m in _CODE.findall(reference.upper())}


async def import_statement(
    session: AsyncSession, tenant: Tenant, rows: list[BankRow]
) -> ImportReport:
    members = {
        payment_code(r.member_no): (r.id, r.member_no)
        for r in await session.execute(
            select(Member.id, Member.member_no).where(
                Member.cooperative_id == tenant.cooperative_id
            )
        )
    }
    report = ImportReport()
    drafts: list[tuple[BankRow, int, str, Draft]] = []
    for row in rows:
        found = [members[c] for c in codes_in(row.reference) if c in members]
        if len(found) != 1:
            reason = "no member code" if not found else "several member codes"
            report.unmatched.append(_row(row, reason=reason))
            continue
        member_id, member_no = found[0]
        payout = row.amount_vnd < 0
        draft = Draft(
            posted_on=row.day,
            source=Source.PAYOUT if payout else Source.PAYMENT,
            source_key=f"bank:{row.transaction_id}",
            memo=f"{'Chi trả' if payout else 'Chuyển khoản'} — {row.reference}"[:300],
            reference=row.transaction_id,
            lines=(
                Line(Account.MEMBER, -row.amount_vnd, member_id),
                Line(Account.BANK, row.amount_vnd),
            ),
            created_by=tenant.user_id,
        )
        drafts.append((row, member_id, member_no, draft))
    if drafts:
        written = await post(session, tenant.cooperative_id, [d for *_, d in drafts])
        new = set(written)
        keys = await _ids_by_key(session, tenant.cooperative_id, [d.source_key for *_, d in drafts])
        for row, member_id, member_no, draft in drafts:
            entry = keys.get(draft.source_key)
            target = report.matched if entry in new else report.already_imported
            target.append(_row(row, member_id=member_id, member_no=member_no, entry_id=entry))
    return report


async def _ids_by_key(
    session: AsyncSession, cooperative_id: int, keys: list[str]
) -> dict[str, int]:
    rows = await session.execute(
        select(LedgerEntry.source_key, LedgerEntry.id).where(
            LedgerEntry.cooperative_id == cooperative_id, LedgerEntry.source_key.in_(keys)
        )
    )
    return {r.source_key: r.id for r in rows}


def _row(row: BankRow, **extra: object) -> dict[str, object]:
    return {
        "row": row.row,
        "date": row.day,
        "amount_vnd": row.amount_vnd,
        "reference": row.reference,
        "transaction_id": row.transaction_id,
        **extra,
    }
