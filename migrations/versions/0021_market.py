"""The booking market: tariff versions per cooperative and vehicle kind, stored quotes,
shippers and their sign-up codes, bookings, cooperatives' payment accounts (VietQR).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _point() -> Geometry:
    return Geometry(geometry_type="POINT", srid=4326, spatial_index=False)


def _created_at() -> sa.Column[object]:
    return sa.Column(
        "created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "market_tariffs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_kind", sa.String(length=24), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("capacity_kg", sa.Integer(), nullable=True),
        sa.Column("base_vnd", sa.BigInteger(), nullable=False),
        sa.Column("per_km_vnd", sa.BigInteger(), nullable=False),
        sa.Column("per_hour_vnd", sa.BigInteger(), nullable=False),
        sa.Column("minimum_vnd", sa.BigInteger(), nullable=False),
        sa.Column("night_pct", sa.SmallInteger(), nullable=False),
        sa.Column("holiday_pct", sa.SmallInteger(), nullable=False),
        sa.Column("waiting_per_hour_vnd", sa.BigInteger(), nullable=False),
        sa.Column("extra_stop_vnd", sa.BigInteger(), nullable=False),
        sa.Column("loading_help_vnd", sa.BigInteger(), nullable=False),
        sa.Column("night_start", sa.Time(), nullable=False),
        sa.Column("night_end", sa.Time(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_market_tariffs_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_market_tariffs_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_tariffs")),
        sa.UniqueConstraint(
            "cooperative_id",
            "vehicle_kind",
            "version",
            name=op.f("uq_market_tariffs_cooperative_id_vehicle_kind_version"),
        ),
    )
    op.create_index(op.f("ix_market_tariffs_cooperative_id"), "market_tariffs", ["cooperative_id"])
    op.create_table(
        "market_quotes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("tariff_id", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=32), nullable=False),
        sa.Column("vehicle_kind", sa.String(length=24), nullable=False),
        sa.Column("load_kg", sa.Integer(), nullable=False),
        sa.Column("pickup", _point(), nullable=False),
        sa.Column("dropoff", _point(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("distance_m", sa.Integer(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.Column("total_vnd", sa.BigInteger(), nullable=False),
        sa.Column("lines", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("feasible", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_market_quotes_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["tariff_id"],
            ["market_tariffs.id"],
            name=op.f("fk_market_quotes_tariff_id_market_tariffs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_quotes")),
    )
    op.create_index(op.f("ix_market_quotes_cooperative_id"), "market_quotes", ["cooperative_id"])
    op.create_index(op.f("ix_market_quotes_request_key"), "market_quotes", ["request_key"])

    op.create_table(
        "market_shippers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_shippers")),
        sa.UniqueConstraint("contact", name=op.f("uq_market_shippers_contact")),
    )
    op.create_table(
        "market_signup_codes",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        _created_at(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_signup_codes")),
    )
    op.create_index(op.f("ix_market_signup_codes_contact"), "market_signup_codes", ["contact"])
    op.create_table(
        "market_bookings",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("shipper_id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.BigInteger(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("price_vnd", sa.BigInteger(), nullable=False),
        sa.Column("tracking_token", sa.String(length=64), nullable=False),
        sa.Column("pickup_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rating", sa.SmallInteger(), nullable=True),
        sa.Column("rating_comment", sa.String(length=1000), nullable=True),
        _created_at(),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_market_bookings_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_market_bookings_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["market_quotes.id"],
            name=op.f("fk_market_bookings_quote_id_market_quotes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipper_id"],
            ["market_shippers.id"],
            name=op.f("fk_market_bookings_shipper_id_market_shippers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_market_bookings")),
        sa.UniqueConstraint("quote_id", name=op.f("uq_market_bookings_quote_id")),
    )
    op.create_index(
        op.f("ix_market_bookings_cooperative_id"), "market_bookings", ["cooperative_id"]
    )
    op.create_index(op.f("ix_market_bookings_shipper_id"), "market_bookings", ["shipper_id"])

    op.create_table(
        "market_payment_accounts",
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("bank_bin", sa.String(length=6), nullable=False),
        sa.Column("account", sa.String(length=19), nullable=False),
        sa.Column("account_name", sa.String(length=100), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_market_payment_accounts_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cooperative_id", name=op.f("pk_market_payment_accounts")),
    )


def downgrade() -> None:
    op.drop_table("market_payment_accounts")
    op.drop_table("market_bookings")
    op.drop_table("market_signup_codes")
    op.drop_table("market_shippers")
    op.drop_table("market_quotes")
    op.drop_table("market_tariffs")
