"""The members' ledger: accounts, immutable double-entry lines, closed months, charge and
commission rules; and member accounts (``users.member_id``) for the members' portal.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

# Entries and lines are history: no UPDATE, no DELETE, except when the whole cooperative goes
# (its row is already gone when the cascade reaches them) or an account that posted is deleted
# (``created_by`` becomes NULL).
_IMMUTABLE = """
CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND NOT EXISTS (
        SELECT 1 FROM cooperatives WHERE id = OLD.cooperative_id
    ) THEN
        RETURN OLD;
    END IF;
    -- a deleted account: its entries forget who posted them, and nothing else changes
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'ledger_entries' AND NEW.created_by IS NULL
       AND to_jsonb(OLD) - 'created_by' = to_jsonb(NEW) - 'created_by' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ledger rows are immutable: post a reversing entry'
        USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""

# Every entry balances, checked once per entry at commit (deferred): a bug in a service can
# never commit half an entry.
_BALANCED = """
CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT coalesce(sum(amount_vnd), 0) FROM ledger_lines WHERE entry_id = NEW.id) <> 0
       OR NOT EXISTS (SELECT 1 FROM ledger_lines WHERE entry_id = NEW.id) THEN
        RAISE EXCEPTION 'ledger entry % does not balance', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    op.add_column(
        "users",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE")),
    )
    op.create_unique_constraint(op.f("uq_users_member_id"), "users", ["member_id"])
    op.create_check_constraint(
        op.f("ck_users_member_link"), "users", "(role = 'member') = (member_id IS NOT NULL)"
    )
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer,
            sa.ForeignKey("cooperatives.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id")),
    )
    op.create_index("ix_ledger_accounts_cooperative_id", "ledger_accounts", ["cooperative_id"])
    op.create_index(
        "uq_ledger_accounts_cooperative",
        "ledger_accounts",
        ["cooperative_id", "kind"],
        unique=True,
        postgresql_where=sa.text("member_id IS NULL"),
    )
    op.create_index(
        "uq_ledger_accounts_member",
        "ledger_accounts",
        ["member_id", "kind"],
        unique=True,
        postgresql_where=sa.text("member_id IS NOT NULL"),
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer,
            sa.ForeignKey("cooperatives.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("posted_on", sa.Date, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("source_key", sa.String(80), nullable=False),
        sa.Column("reference", sa.String(64)),
        sa.Column("memo", sa.String(300), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("reverses_id", sa.BigInteger, sa.ForeignKey("ledger_entries.id"), unique=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.UniqueConstraint("cooperative_id", "source_key"),
    )
    op.create_index("ix_ledger_entries_cooperative_id", "ledger_entries", ["cooperative_id"])
    op.create_index(
        "ix_ledger_entries_cooperative_posted", "ledger_entries", ["cooperative_id", "posted_on"]
    )
    op.create_table(
        "ledger_lines",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer,
            sa.ForeignKey("cooperatives.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "entry_id",
            sa.BigInteger,
            sa.ForeignKey("ledger_entries.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("account_id", sa.Integer, sa.ForeignKey("ledger_accounts.id"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id")),
        sa.Column("posted_on", sa.Date, nullable=False),
        sa.Column("amount_vnd", sa.BigInteger, nullable=False),
        sa.CheckConstraint("amount_vnd <> 0", name=op.f("ck_ledger_lines_amount_not_zero")),
    )
    op.create_index("ix_ledger_lines_cooperative_id", "ledger_lines", ["cooperative_id"])
    op.create_index("ix_ledger_lines_entry_id", "ledger_lines", ["entry_id"])
    op.create_index("ix_ledger_lines_account_id", "ledger_lines", ["account_id"])
    op.create_index(
        "ix_ledger_lines_member_posted",
        "ledger_lines",
        ["cooperative_id", "member_id", "posted_on"],
        postgresql_include=["amount_vnd", "entry_id"],
        postgresql_where=sa.text("member_id IS NOT NULL"),
    )
    op.create_index(
        "ix_ledger_lines_cooperative_posted", "ledger_lines", ["cooperative_id", "posted_on"]
    )
    op.create_table(
        "ledger_periods",
        sa.Column(
            "cooperative_id",
            sa.Integer,
            sa.ForeignKey("cooperatives.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("month", sa.Date, primary_key=True),
        sa.Column(
            "closed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("closed_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
    )
    op.create_table(
        "ledger_charge_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer,
            sa.ForeignKey("cooperatives.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("charge", sa.String(24), nullable=False),
        sa.Column("per_vehicle", sa.Boolean, nullable=False),
        sa.Column("vehicle_kind", sa.String(24)),
        sa.Column("amount_vnd", sa.BigInteger, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("amount_vnd > 0", name=op.f("ck_ledger_charge_rules_amount_positive")),
        sa.CheckConstraint(
            "ends_on IS NULL OR ends_on >= starts_on",
            name=op.f("ck_ledger_charge_rules_ends_after_start"),
        ),
    )
    op.create_index(
        "ix_ledger_charge_rules_cooperative_id", "ledger_charge_rules", ["cooperative_id"]
    )
    op.create_table(
        "ledger_commission_rules",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer,
            sa.ForeignKey("cooperatives.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("vehicle_kind", sa.String(24)),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "value >= 0", name=op.f("ck_ledger_commission_rules_value_not_negative")
        ),
        sa.CheckConstraint(
            "method IN ('percent', 'fixed', 'per_km')",
            name=op.f("ck_ledger_commission_rules_method_known"),
        ),
    )
    op.create_index(
        "ix_ledger_commission_rules_cooperative_id",
        "ledger_commission_rules",
        ["cooperative_id"],
    )
    op.execute(_IMMUTABLE)
    op.execute(_BALANCED)
    for table in ("ledger_entries", "ledger_lines"):
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table}"
            " FOR EACH ROW EXECUTE FUNCTION ledger_immutable()"
        )
    op.execute(
        "CREATE CONSTRAINT TRIGGER ledger_entries_balanced AFTER INSERT ON ledger_entries"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()"
    )


def downgrade() -> None:
    for table in (
        "ledger_commission_rules",
        "ledger_charge_rules",
        "ledger_periods",
        "ledger_lines",
        "ledger_entries",
        "ledger_accounts",
    ):
        op.drop_table(table)
    op.execute("DROP FUNCTION ledger_entry_balanced()")
    op.execute("DROP FUNCTION ledger_immutable()")
    op.drop_constraint(op.f("ck_users_member_link"), "users", type_="check")
    op.drop_constraint(op.f("uq_users_member_id"), "users", type_="unique")
    op.drop_column("users", "member_id")
