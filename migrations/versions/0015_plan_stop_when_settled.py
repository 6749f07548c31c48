"""Plans may stop once settled: ``stop_when_no_improvement_s`` (nullable; None searches the whole
``time_limit_s``, as every plan did before).

Revision ID: 0015
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("plans", sa.Column("stop_when_no_improvement_s", sa.Float))


def downgrade() -> None:
    op.drop_column("plans", "stop_when_no_improvement_s")
