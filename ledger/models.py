"""The ledger's tables: accounts, entries (a journal header) and their lines, closed months, and
the cooperative's rules for recurring charges and commission.

A line's ``amount_vnd`` is signed: positive a debit, negative a credit; the lines of an entry sum
to zero (checked when posted and by a deferred constraint trigger at commit). Entries and lines
are never updated or deleted (a trigger refuses it, except when the whole cooperative is erased):
a correction is a reversing entry. Balances are sums of lines, never stored.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from fleet.models import CoopOwned


class LedgerAccount(CoopOwned, Base):
    """One account of a cooperative's chart: a member's own account (``member_id`` set) or one
    of the cooperative's (fee income, commission, bank…), named by ``kind``."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        Index(
            "uq_ledger_accounts_cooperative",
            "cooperative_id",
            "kind",
            unique=True,
            postgresql_where=text("member_id IS NULL"),
        ),
        Index(
            "uq_ledger_accounts_member",
            "member_id",
            "kind",
            unique=True,
            postgresql_where=text("member_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class LedgerEntry(CoopOwned, Base):
    """One posting: when it counts (``posted_on``, a local day), where it came from and why."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "source_key"),
        Index("ix_ledger_entries_cooperative_posted", "cooperative_id", "posted_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    posted_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    source_key: Mapped[str] = mapped_column(String(80))  # one entry per fact: retries post once
    reference: Mapped[str | None] = mapped_column(String(64))
    memo: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(Text)  # adjustments and reversals say why
    reverses_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_entries.id"), unique=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class LedgerLine(CoopOwned, Base):
    """One side of an entry. ``member_id`` and ``posted_on`` repeat the account's member and the
    entry's day so a statement and the balances read one index."""

    __tablename__ = "ledger_lines"
    __table_args__ = (
        CheckConstraint("amount_vnd <> 0", name="amount_not_zero"),
        Index(
            "ix_ledger_lines_member_posted",
            "cooperative_id",
            "member_id",
            "posted_on",
            postgresql_include=["amount_vnd", "entry_id"],
            postgresql_where=text("member_id IS NOT NULL"),
        ),
        Index("ix_ledger_lines_cooperative_posted", "cooperative_id", "posted_on"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    entry_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_entries.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    posted_on: Mapped[date] = mapped_column(Date)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)


class LedgerPeriod(Base):
    """A closed month: no entry may be posted on its days any more."""

    __tablename__ = "ledger_periods"

    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    closed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class ChargeRule(CoopOwned, Base):
    """A recurring monthly charge: per vehicle (of a kind, or every kind) or per member."""

    __tablename__ = "ledger_charge_rules"
    __table_args__ = (
        CheckConstraint("amount_vnd > 0", name="amount_positive"),
        CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    charge: Mapped[str] = mapped_column(String(24))  # ledger.chart.CHARGES
    per_vehicle: Mapped[bool]
    vehicle_kind: Mapped[str | None] = mapped_column(String(24))  # None: every kind
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class CommissionRule(CoopOwned, Base):
    """The cooperative's share of a delivered job's price, by vehicle kind (None: the default),
    from ``starts_on``: a percentage (basis points), a fixed amount, or an amount per km."""

    __tablename__ = "ledger_commission_rules"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("method IN ('percent', 'fixed', 'per_km')", name="method_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_kind: Mapped[str | None] = mapped_column(String(24))
    method: Mapped[str] = mapped_column(String(8))
    value: Mapped[int] = mapped_column(BigInteger)  # basis points, VND, or VND per km
    starts_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
