"""What an accountant records by hand: payments and payouts, adjustments with a reason, and
reversing entries (the only way to correct one: history is never edited)."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, InvalidValue, NotFound
from core.tenancy import Tenant, get_scoped
from fleet.models import Member
from ledger.chart import Account, Source
from ledger.models import LedgerAccount, LedgerEntry, LedgerLine
from ledger.posting import Draft, Line, post


async def _member(session: AsyncSession, tenant: Tenant, member_id: int) -> Member:
    return await get_scoped(session, Member, member_id, tenant, what="member")


async def record_payment(
    session: AsyncSession,
    tenant: Tenant,
    *,
    member_id: int,
    amount_vnd: int,
    posted_on: date,
    payout: bool = False,
    account: Account = Account.BANK,
    reference: str | None = None,
    note: str | None = None,
    source_key: str | None = None,
) -> int | None:
    """A member's payment to the cooperative (credits their account) or a payout to them
    (debits it), through the bank or in cash. A known ``source_key`` (one bank transaction)
    posts nothing and returns None."""
    if amount_vnd <= 0:
        raise InvalidValue("amount_vnd must be positive", field="amount_vnd")
    if account not in (Account.BANK, Account.CASH):
        raise InvalidValue("payments go through bank or cash", field="account")
    member = await _member(session, tenant, member_id)
    signed = amount_vnd if payout else -amount_vnd
    source = Source.PAYOUT if payout else Source.PAYMENT
    if source_key is None:  # a bank reference is one transfer: recorded once
        source_key = (
            f"{source.value}:ref:{reference}" if reference else f"{source.value}:{_nonce()}"
        )
    draft = Draft(
        posted_on=posted_on,
        source=source,
        source_key=source_key,
        memo=note or f"{'Chi trả' if payout else 'Nộp tiền'} — {member.member_no}",
        reference=reference,
        lines=(
            Line(Account.MEMBER, signed, member.id),
            Line(account, -signed),
        ),
        created_by=tenant.user_id,
    )
    written = await post(session, tenant.cooperative_id, [draft])
    return written[0] if written else None


async def adjust(
    session: AsyncSession,
    tenant: Tenant,
    *,
    member_id: int,
    amount_vnd: int,
    posted_on: date,
    reason: str,
) -> int:
    """A correction a rule did not make: positive, the member owes more; negative, less. The
    reason is kept on the entry and shown on the statement."""
    if amount_vnd == 0:
        raise InvalidValue("amount_vnd cannot be zero", field="amount_vnd")
    if not reason.strip():
        raise InvalidValue("an adjustment needs a reason", field="reason")
    member = await _member(session, tenant, member_id)
    draft = Draft(
        posted_on=posted_on,
        source=Source.ADJUSTMENT,
        source_key=f"adjustment:{member.id}:{_nonce()}",
        memo=reason.strip()[:300],
        reason=reason.strip(),
        lines=(
            Line(Account.MEMBER, amount_vnd, member.id),
            Line(Account.ADJUSTMENTS, -amount_vnd),
        ),
        created_by=tenant.user_id,
    )
    return (await post(session, tenant.cooperative_id, [draft]))[0]


async def reverse(
    session: AsyncSession, tenant: Tenant, *, entry_id: int, posted_on: date, reason: str
) -> int:
    """A new entry with every line of ``entry_id`` negated, posted on ``posted_on`` (an open
    month); the original stays as it was. An entry is reversed once (409 after)."""
    if not reason.strip():
        raise InvalidValue("a reversal needs a reason", field="reason")
    original = await get_scoped(session, LedgerEntry, entry_id, tenant, what="entry")
    already = await session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id)
    )
    if already is not None:
        raise Conflict(f"entry {entry_id} was already reversed by {already}", field="id")
    if original.reverses_id is not None:
        raise Conflict("a reversing entry is not reversed: post a new entry", field="id")
    rows = await session.execute(
        select(LedgerLine.amount_vnd, LedgerLine.member_id, LedgerAccount.kind)
        .join(LedgerAccount, LedgerAccount.id == LedgerLine.account_id)
        .where(LedgerLine.entry_id == original.id)
        .order_by(LedgerLine.id)
    )
    lines = tuple(Line(Account(r.kind), -r.amount_vnd, r.member_id) for r in rows)
    if not lines:
        raise NotFound(f"entry {entry_id} not found", field="id")
    draft = Draft(
        posted_on=posted_on,
        source=Source.REVERSAL,
        source_key=f"reversal:{original.id}",
        memo=f"Đảo bút toán #{original.id}: {original.memo}"[:300],
        reason=reason.strip(),
        reference=original.reference,
        reverses_id=original.id,
        lines=lines,
        created_by=tenant.user_id,
    )
    return (await post(session, tenant.cooperative_id, [draft]))[0]


def _nonce() -> str:
    return secrets.token_hex(8)
