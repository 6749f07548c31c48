"""Registry and accounts: cooperatives, members, drivers, vehicles, assignments, places, users.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:57:47.806621
"""

from __future__ import annotations

import geoalchemy2
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cooperatives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("tax_code", sa.String(length=20), nullable=False),
        sa.Column(
            "time_zone", sa.String(length=64), server_default="Asia/Ho_Chi_Minh", nullable=False
        ),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("management_fee_vnd", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cooperatives")),
        sa.UniqueConstraint("tax_code", name=op.f("uq_cooperatives_tax_code")),
    )
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
    op.create_index("ix_login_failures_login_at", "login_failures", ["login", "at"], unique=False)
    op.create_table(
        "depots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column(
            "location",
            geoalchemy2.types.Geometry(
                geometry_type="POINT",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
                spatial_index=False,
            ),
            nullable=False,
        ),
        sa.Column("radius_m", sa.Integer(), server_default="200", nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_depots_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_depots")),
        sa.UniqueConstraint("cooperative_id", "name", name=op.f("uq_depots_cooperative_id_name")),
    )
    op.create_index(
        "idx_depots_location", "depots", ["location"], unique=False, postgresql_using="gist"
    )
    op.create_index(op.f("ix_depots_cooperative_id"), "depots", ["cooperative_id"], unique=False)
    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_no", sa.String(length=32), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("national_id", sa.String(length=12), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("join_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("capital_contribution_vnd", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("search", sa.Text(), server_default="", nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "capital_contribution_vnd >= 0", name=op.f("ck_members_capital_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_members_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint(
            "cooperative_id", "member_no", name=op.f("uq_members_cooperative_id_member_no")
        ),
        sa.UniqueConstraint(
            "cooperative_id", "national_id", name=op.f("uq_members_cooperative_id_national_id")
        ),
    )
    op.create_index(op.f("ix_members_cooperative_id"), "members", ["cooperative_id"], unique=False)
    op.create_index(
        "ix_members_search_trgm",
        "members",
        ["search"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.create_table(
        "zones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("speed_limit_kmh", sa.SmallInteger(), nullable=True),
        sa.Column(
            "area",
            geoalchemy2.types.Geometry(
                geometry_type="MULTIPOLYGON",
                srid=4326,
                dimension=2,
                from_text="ST_GeomFromEWKT",
                name="geometry",
                nullable=False,
                spatial_index=False,
            ),
            nullable=False,
        ),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_zones_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zones")),
        sa.UniqueConstraint("cooperative_id", "name", name=op.f("uq_zones_cooperative_id_name")),
    )
    op.create_index("idx_zones_area", "zones", ["area"], unique=False, postgresql_using="gist")
    op.create_index(op.f("ix_zones_cooperative_id"), "zones", ["cooperative_id"], unique=False)
    op.create_table(
        "drivers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("national_id", sa.String(length=12), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("licence_number", sa.String(length=20), nullable=False),
        sa.Column("licence_class", sa.String(length=4), nullable=False),
        sa.Column("licence_expiry", sa.Date(), nullable=False),
        sa.Column("driver_card_id", sa.String(length=32), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("search", sa.Text(), server_default="", nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_drivers_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_drivers_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drivers")),
        sa.UniqueConstraint(
            "cooperative_id",
            "driver_card_id",
            name=op.f("uq_drivers_cooperative_id_driver_card_id"),
        ),
        sa.UniqueConstraint(
            "cooperative_id",
            "licence_number",
            name=op.f("uq_drivers_cooperative_id_licence_number"),
        ),
        sa.UniqueConstraint(
            "cooperative_id", "national_id", name=op.f("uq_drivers_cooperative_id_national_id")
        ),
        sa.UniqueConstraint(
            "cooperative_id", "phone", name=op.f("uq_drivers_cooperative_id_phone")
        ),
    )
    op.create_index(op.f("ix_drivers_cooperative_id"), "drivers", ["cooperative_id"], unique=False)
    op.create_index(
        "ix_drivers_licence_expiry", "drivers", ["cooperative_id", "licence_expiry"], unique=False
    )
    op.create_index(op.f("ix_drivers_member_id"), "drivers", ["member_id"], unique=False)
    op.create_index(
        "ix_drivers_search_trgm",
        "drivers",
        ["search"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.create_table(
        "vehicles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plate", sa.String(length=16), nullable=False),
        sa.Column("plate_key", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("payload_kg", sa.Integer(), nullable=True),
        sa.Column("volume_m3", sa.Float(), nullable=True),
        sa.Column("seats", sa.SmallInteger(), nullable=True),
        sa.Column("make", sa.String(length=60), nullable=True),
        sa.Column("model", sa.String(length=60), nullable=True),
        sa.Column("year", sa.SmallInteger(), nullable=True),
        sa.Column("features", sa.ARRAY(sa.String(length=32)), server_default="{}", nullable=False),
        sa.Column("owner_member_id", sa.Integer(), nullable=True),
        sa.Column("badge_number", sa.String(length=32), nullable=True),
        sa.Column("badge_type", sa.String(length=16), nullable=True),
        sa.Column("badge_expiry", sa.Date(), nullable=True),
        sa.Column("inspection_expiry", sa.Date(), nullable=True),
        sa.Column("insurance_expiry", sa.Date(), nullable=True),
        sa.Column("tracking_device_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
        sa.Column("search", sa.Text(), server_default="", nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "payload_kg IS NULL OR payload_kg >= 0", name=op.f("ck_vehicles_payload_not_negative")
        ),
        sa.CheckConstraint(
            "seats IS NULL OR seats >= 0", name=op.f("ck_vehicles_seats_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_vehicles_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_member_id"],
            ["members.id"],
            name=op.f("fk_vehicles_owner_member_id_members"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicles")),
        sa.UniqueConstraint(
            "cooperative_id", "plate", name=op.f("uq_vehicles_cooperative_id_plate")
        ),
        sa.UniqueConstraint(
            "cooperative_id",
            "tracking_device_id",
            name=op.f("uq_vehicles_cooperative_id_tracking_device_id"),
        ),
    )
    op.create_index(
        op.f("ix_vehicles_cooperative_id"), "vehicles", ["cooperative_id"], unique=False
    )
    op.create_index(
        op.f("ix_vehicles_owner_member_id"), "vehicles", ["owner_member_id"], unique=False
    )
    op.create_index(op.f("ix_vehicles_plate_key"), "vehicles", ["plate_key"], unique=False)
    op.create_index(
        "ix_vehicles_search_trgm",
        "vehicles",
        ["search"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column("login", sa.String(length=254), nullable=False),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("language", sa.String(length=2), server_default="vi", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(role = 'driver') = (driver_id IS NOT NULL)", name=op.f("ck_users_driver_link")
        ),
        sa.CheckConstraint(
            "(role = 'platform_admin') = (cooperative_id IS NULL)",
            name=op.f("ck_users_tenant_matches_role"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_users_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_users_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("driver_id", name=op.f("uq_users_driver_id")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_index(op.f("ix_users_cooperative_id"), "users", ["cooperative_id"], unique=False)
    op.create_table(
        "vehicle_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("driver_id", sa.Integer(), nullable=False),
        sa.Column(
            "starts_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at >= starts_at",
            name=op.f("ck_vehicle_assignments_ends_after_start"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_vehicle_assignments_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["driver_id"],
            ["drivers.id"],
            name=op.f("fk_vehicle_assignments_driver_id_drivers"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["vehicle_id"],
            ["vehicles.id"],
            name=op.f("fk_vehicle_assignments_vehicle_id_vehicles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vehicle_assignments")),
    )
    op.create_index(
        op.f("ix_vehicle_assignments_cooperative_id"),
        "vehicle_assignments",
        ["cooperative_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_vehicle_assignments_driver_id"), "vehicle_assignments", ["driver_id"], unique=False
    )
    op.create_index(
        op.f("ix_vehicle_assignments_vehicle_id"),
        "vehicle_assignments",
        ["vehicle_id"],
        unique=False,
    )
    op.create_index(
        "uq_vehicle_assignments_open_driver",
        "vehicle_assignments",
        ["driver_id"],
        unique=True,
        postgresql_where=sa.text("ends_at IS NULL"),
    )
    op.create_index(
        "uq_vehicle_assignments_open_vehicle",
        "vehicle_assignments",
        ["vehicle_id"],
        unique=True,
        postgresql_where=sa.text("ends_at IS NULL"),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=128), nullable=True),
        sa.Column("refresh_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "last_used_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_sessions")),
    )
    op.create_index(op.f("ix_auth_sessions_user_id"), "auth_sessions", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_auth_sessions_user_id"), table_name="auth_sessions")
    op.drop_table("auth_sessions")
    op.drop_index(
        "uq_vehicle_assignments_open_vehicle",
        table_name="vehicle_assignments",
        postgresql_where=sa.text("ends_at IS NULL"),
    )
    op.drop_index(
        "uq_vehicle_assignments_open_driver",
        table_name="vehicle_assignments",
        postgresql_where=sa.text("ends_at IS NULL"),
    )
    op.drop_index(op.f("ix_vehicle_assignments_vehicle_id"), table_name="vehicle_assignments")
    op.drop_index(op.f("ix_vehicle_assignments_driver_id"), table_name="vehicle_assignments")
    op.drop_index(op.f("ix_vehicle_assignments_cooperative_id"), table_name="vehicle_assignments")
    op.drop_table("vehicle_assignments")
    op.drop_index(op.f("ix_users_cooperative_id"), table_name="users")
    op.drop_table("users")
    op.drop_index(
        "ix_vehicles_search_trgm",
        table_name="vehicles",
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_vehicles_plate_key"), table_name="vehicles")
    op.drop_index(op.f("ix_vehicles_owner_member_id"), table_name="vehicles")
    op.drop_index(op.f("ix_vehicles_cooperative_id"), table_name="vehicles")
    op.drop_table("vehicles")
    op.drop_index(
        "ix_drivers_search_trgm",
        table_name="drivers",
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_drivers_member_id"), table_name="drivers")
    op.drop_index("ix_drivers_licence_expiry", table_name="drivers")
    op.drop_index(op.f("ix_drivers_cooperative_id"), table_name="drivers")
    op.drop_table("drivers")
    op.drop_index(op.f("ix_zones_cooperative_id"), table_name="zones")
    op.drop_index("idx_zones_area", table_name="zones", postgresql_using="gist")
    op.drop_table("zones")
    op.drop_index(
        "ix_members_search_trgm",
        table_name="members",
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )
    op.drop_index(op.f("ix_members_cooperative_id"), table_name="members")
    op.drop_table("members")
    op.drop_index(op.f("ix_depots_cooperative_id"), table_name="depots")
    op.drop_index("idx_depots_location", table_name="depots", postgresql_using="gist")
    op.drop_table("depots")
    op.drop_index("ix_login_failures_login_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.drop_table("cooperatives")
