"""Sign-in limits that hold and accounts that are safe to hand over.

- ``login_failures`` becomes one atomic counter per (kind, key, window): kind is ``login``,
  ``address`` or ``device``; ``at`` is the start of the window it counts (kept for retention).
- Logins are unique per cooperative (and among platform admins), not across cooperatives.
- ``must_change_password``: a password set by someone else must be changed at next sign-in.
- ``pin_device``: the known device that set the PIN, the only one allowed to sign in with it.
- ``auth_sessions.device_key``: the known device of a session; ``rotated_hashes``: the last
  refresh tokens of a session, so only a real replay closes it.

Revision ID: 0012
Revises: 0014
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_login_failures_login_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "key", "at", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_at", "login_failures", ["at"])

    op.drop_constraint("uq_users_login", "users", type_="unique")
    op.create_unique_constraint(
        "uq_users_cooperative_id_login", "users", ["login", "cooperative_id"]
    )
    op.create_index(
        "uq_users_login",
        "users",
        ["login"],
        unique=True,
        postgresql_where=sa.text("cooperative_id IS NULL"),
    )
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column("users", sa.Column("pin_device", sa.String(length=32), nullable=True))
    op.add_column("auth_sessions", sa.Column("device_key", sa.String(length=32), nullable=True))
    op.add_column(
        "auth_sessions",
        sa.Column(
            "rotated_hashes",
            postgresql.ARRAY(sa.String(length=64)),
            server_default="{}",
            nullable=False,
        ),
    )
    # a PIN set before it was tied to a device cannot be tied now: the driver sets it again
    op.execute("UPDATE users SET pin_hash = NULL WHERE pin_hash IS NOT NULL")


def downgrade() -> None:
    op.drop_column("auth_sessions", "rotated_hashes")
    op.drop_column("auth_sessions", "device_key")
    op.drop_column("users", "pin_device")
    op.drop_column("users", "must_change_password")
    op.drop_index("uq_users_login", table_name="users")
    op.drop_constraint("uq_users_cooperative_id_login", "users", type_="unique")
    op.create_unique_constraint("uq_users_login", "users", ["login"])
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("login", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_login_at", "login_failures", ["login", "at"])
