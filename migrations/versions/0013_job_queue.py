"""The job queue (procrastinate 3.10's schema) and plans that wait their turn.

Procrastinate documents its schema as SQL to apply with one's own migration tool: this revision
applies the ``schema.sql`` shipped inside the installed package (pinned to 3.10.x in
pyproject.toml, so every installation builds the same tables; moving to a newer procrastinate
means a new revision applying the package's own migration scripts). Plans gain ``started_at`` (``queued`` until a slot of the cooperative
frees) and ``order_ids`` (what the worker plans); plans left ``running`` by the old in-process runner are failed with ``worker_lost``,
and errors stored as ``repr`` text become the stable code ``plan_failed``.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

from importlib.resources import files

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

SCHEMA = files("procrastinate.sql").joinpath("schema.sql")


def upgrade() -> None:
    # the driver's own execute: the schema's PL/pgSQL has "%" placeholders of RAISE
    op.get_bind().connection.driver_connection.execute(SCHEMA.read_text())  # type: ignore[union-attr]
    op.add_column("plans", sa.Column("started_at", sa.DateTime(timezone=True)))
    op.add_column("plans", sa.Column("order_ids", JSONB))
    op.execute("UPDATE plans SET started_at = created_at")
    op.execute(
        "UPDATE plans SET status = 'failed', error = 'worker_lost', finished_at = now()"
        " WHERE status = 'running'"
    )
    op.execute(
        "UPDATE plans SET error = 'plan_failed'"
        " WHERE error NOT IN ('plan_failed', 'travel_times_unavailable', 'worker_lost')"
    )


def downgrade() -> None:
    op.drop_column("plans", "started_at")
    op.drop_column("plans", "order_ids")
    op.execute(
        """
        DO $$
        DECLARE item record;
        BEGIN
            DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers,
                procrastinate_jobs, procrastinate_workers CASCADE;
            FOR item IN SELECT p.oid::regprocedure AS signature FROM pg_proc p
                WHERE p.proname LIKE 'procrastinate%' LOOP
                EXECUTE 'DROP FUNCTION ' || item.signature || ' CASCADE';
            END LOOP;
            DROP TYPE IF EXISTS procrastinate_job_to_defer_v1, procrastinate_job_status,
                procrastinate_job_event_type CASCADE;
        END $$;
        """
    )
