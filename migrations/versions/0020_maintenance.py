"""Maintenance: plans (tasks due by km, engine hours or months), due notices, work orders and
their lines, drivers' checklists and photos, fuel fills, fuel events and how far each vehicle's
tank level was scanned for them, other vehicle expenses.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fuel_events",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "geom", Geometry(geometry_type="POINT", srid=4326, spatial_index=False), nullable=False
        ),
        sa.Column("litres", sa.Float(), nullable=False),
        sa.Column("level_before_l", sa.Float(), nullable=False),
        sa.Column("level_after_l", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_fuel_events_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_fuel_events_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fuel_events")),
        sa.UniqueConstraint(
            "vehicle_id", "kind", "at", name=op.f("uq_fuel_events_vehicle_id_kind_at")
        ),
    )
    op.create_index(
        op.f("ix_fuel_events_cooperative_id"), "fuel_events", ["cooperative_id"], unique=False
    )
    op.create_table(
        "fuel_fills",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("filled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("litres", sa.Float(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("station", sa.String(length=120), nullable=True),
        sa.Column("odometer_m", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("receipt_key", sa.String(length=200), nullable=True),
        sa.Column("receipt_type", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_fuel_fills_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_fuel_fills_driver_id_drivers"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_fuel_fills_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fuel_fills")),
        sa.UniqueConstraint(
            "vehicle_id", "filled_at", name=op.f("uq_fuel_fills_vehicle_id_filled_at")
        ),
    )
    op.create_index(
        op.f("ix_fuel_fills_cooperative_id"), "fuel_fills", ["cooperative_id"], unique=False
    )
    op.create_table(
        "maintenance_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("vehicle_kind", sa.String(length=24), nullable=True),
        sa.Column("vehicle_id", sa.Integer(), nullable=True),
        sa.Column("every_km", sa.Integer(), nullable=True),
        sa.Column("every_engine_h", sa.Integer(), nullable=True),
        sa.Column("every_months", sa.SmallInteger(), nullable=True),
        sa.Column("legal_inspection", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("safety", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_maintenance_tasks_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_maintenance_tasks_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_tasks")),
    )
    op.create_index(
        op.f("ix_maintenance_tasks_cooperative_id"),
        "maintenance_tasks",
        ["cooperative_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_maintenance_tasks_vehicle_id"), "maintenance_tasks", ["vehicle_id"], unique=False
    )
    op.create_table(
        "vehicle_expenses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_vehicle_expenses_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_vehicle_expenses_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_expenses")),
    )
    op.create_index(
        op.f("ix_vehicle_expenses_cooperative_id"),
        "vehicle_expenses",
        ["cooperative_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_vehicle_expenses_vehicle_id"), "vehicle_expenses", ["vehicle_id"], unique=False
    )
    op.create_table(
        "maintenance_notices",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("since_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column(
            "raised_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_maintenance_notices_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["maintenance_tasks.id"],
            name=op.f("fk_maintenance_notices_task_id_maintenance_tasks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_maintenance_notices_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance_notices")),
        sa.UniqueConstraint(
            "task_id",
            "vehicle_id",
            "since_day",
            name=op.f("uq_maintenance_notices_task_id_vehicle_id_since_day"),
        ),
    )
    op.create_index(
        op.f("ix_maintenance_notices_cooperative_id"),
        "maintenance_notices",
        ["cooperative_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_maintenance_notices_vehicle_id"),
        "maintenance_notices",
        ["vehicle_id"],
        unique=False,
    )
    op.create_table(
        "work_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("checklist_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=8), server_default="open", nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("garage", sa.String(length=120), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "opened_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closing_odometer_m", sa.BigInteger(), nullable=True),
        sa.Column("status_before", sa.String(length=16), server_default="active", nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_work_orders_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by"],
            ["users.id"],
            name=op.f("fk_work_orders_opened_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["maintenance_tasks.id"],
            name=op.f("fk_work_orders_task_id_maintenance_tasks"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_work_orders_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_orders")),
    )
    op.create_index(
        op.f("ix_work_orders_cooperative_id"), "work_orders", ["cooperative_id"], unique=False
    )
    op.create_index(op.f("ix_work_orders_task_id"), "work_orders", ["task_id"], unique=False)
    op.create_index(op.f("ix_work_orders_vehicle_id"), "work_orders", ["vehicle_id"], unique=False)
    op.create_table(
        "vehicle_checklists",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "submitted_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("work_order_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_vehicle_checklists_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_vehicle_checklists_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_vehicle_checklists_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_vehicle_checklists_work_order_id_work_orders"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_checklists")),
    )
    op.create_index(
        op.f("ix_vehicle_checklists_cooperative_id"),
        "vehicle_checklists",
        ["cooperative_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_vehicle_checklists_driver_id"), "vehicle_checklists", ["driver_id"], unique=False
    )
    op.create_index(
        op.f("ix_vehicle_checklists_vehicle_id"), "vehicle_checklists", ["vehicle_id"], unique=False
    )
    op.create_table(
        "work_order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("work_order_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit_price_vnd", sa.BigInteger(), nullable=False),
        sa.Column("amount_vnd", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_work_order_lines_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["work_order_id"],
            ["work_orders.id"],
            name=op.f("fk_work_order_lines_work_order_id_work_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_order_lines")),
    )
    op.create_index(
        op.f("ix_work_order_lines_cooperative_id"),
        "work_order_lines",
        ["cooperative_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_work_order_lines_work_order_id"),
        "work_order_lines",
        ["work_order_id"],
        unique=False,
    )
    op.create_table(
        "checklist_photos",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["checklist_id"],
            ["vehicle_checklists.id"],
            name=op.f("fk_checklist_photos_checklist_id_vehicle_checklists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_checklist_photos_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_photos")),
    )
    op.create_index(
        op.f("ix_checklist_photos_checklist_id"), "checklist_photos", ["checklist_id"], unique=False
    )
    op.create_index(
        op.f("ix_checklist_photos_cooperative_id"),
        "checklist_photos",
        ["cooperative_id"],
        unique=False,
    )

    op.create_table(
        "fuel_scan_marks",
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("scanned_to", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_fuel_scan_marks_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("vehicle_id", name=op.f("pk_fuel_scan_marks")),
    )
    # the due list sums each vehicle's km and engine time since a day: an index-only scan
    op.execute(
        "CREATE INDEX ix_daily_activity_vehicle_usage ON daily_activity (vehicle_id, day)"
        " INCLUDE (distance_m, engine_s)"
    )


def downgrade() -> None:
    op.execute("DROP INDEX ix_daily_activity_vehicle_usage")
    op.drop_table("fuel_scan_marks")
    op.drop_table("checklist_photos")
    op.drop_table("work_order_lines")
    op.drop_table("vehicle_checklists")
    op.drop_table("work_orders")
    op.drop_table("maintenance_notices")
    op.drop_table("vehicle_expenses")
    op.drop_table("maintenance_tasks")
    op.drop_table("fuel_fills")
    op.drop_table("fuel_events")
