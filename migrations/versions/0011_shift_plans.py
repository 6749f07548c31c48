"""A shift's planned end and end place, given by the driver when the shift starts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("shifts", sa.Column("planned_end_at", sa.DateTime(timezone=True)))
    op.add_column(
        "shifts",
        sa.Column(
            "end_location",
            Geometry("POINT", srid=4326, spatial_index=False),
        ),
    )


def downgrade() -> None:
    op.drop_column("shifts", "end_location")
    op.drop_column("shifts", "planned_end_at")
