"""Auto-dispatch: an offer carries the drivers to offer the order to next.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "order_offers",
        sa.Column("then_driver_ids", sa.ARRAY(sa.Integer()), server_default="{}", nullable=False),
    )
    op.add_column(
        "order_offers",
        sa.Column("deadline_s", sa.Integer(), server_default="120", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("order_offers", "deadline_s")
    op.drop_column("order_offers", "then_driver_ids")
