"""API keys, the append-only audit log and its triggers, position forwarders.

The audit log is written by statement triggers with transition tables on the registry, papers,
accounts and roles, API keys, speed limits, orders and plans (``audit_rows``): one row per
changed row with only the changed fields before and after, the actor read from the transaction's ``coopfleet.actor`` setting
(``core.audit.set_actor``), ``system`` without one. Columns that change without anyone changing
the record (timestamps, search keys, a plan's progress) are left out; secrets are shown as
``"***"``. A trigger refuses UPDATE, DELETE and TRUNCATE on ``audit_log`` (and the grants to
PUBLIC are revoked): it only grows.

Position forwarders take one mark per enabled forwarder and ingest batch (the batch's vehicles
and where each starts) from a statement trigger on ``derive_marks``, in the ingest transaction
(``telematics.forward``).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

AUDIT_FUNCTIONS = """
CREATE FUNCTION audit_hide(doc jsonb, hidden text[]) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
    SELECT doc || coalesce((SELECT jsonb_object_agg(h, '"***"'::jsonb) FROM unnest(hidden) AS h
                            WHERE jsonb_typeof(doc -> h) <> 'null'), '{}')
$$;

CREATE FUNCTION audit_rows() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    id_key text := TG_ARGV[0];
    coop_key text := TG_ARGV[1];
    skipped text[] := string_to_array(TG_ARGV[2], ',');
    hidden text[] := string_to_array(TG_ARGV[3], ',');
    actor text[] := string_to_array(
        coalesce(nullif(current_setting('coopfleet.actor', true), ''), 'system'), ':');
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (cooperative_id, entity, entity_id, action, before, after,
                               actor_kind, actor_user_id, actor_api_key_id)
        SELECT (d ->> coop_key)::integer, TG_TABLE_NAME, d ->> id_key, 'insert', NULL,
               audit_hide(d - skipped, hidden), actor[1], actor[2]::integer, actor[3]::integer
        FROM (SELECT to_jsonb(n) AS d FROM new_rows AS n) AS written;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (cooperative_id, entity, entity_id, action, before, after,
                               actor_kind, actor_user_id, actor_api_key_id)
        SELECT (d ->> coop_key)::integer, TG_TABLE_NAME, d ->> id_key, 'delete',
               audit_hide(d - skipped, hidden), NULL, actor[1], actor[2]::integer,
               actor[3]::integer
        FROM (SELECT to_jsonb(o) AS d FROM old_rows AS o) AS removed;
    ELSE  -- only the fields that changed; a row nobody changed leaves nothing
        INSERT INTO audit_log (cooperative_id, entity, entity_id, action, before, after,
                               actor_kind, actor_user_id, actor_api_key_id)
        SELECT (nd ->> coop_key)::integer, TG_TABLE_NAME, nd ->> id_key, 'update',
               audit_hide(c.before_doc, hidden), audit_hide(c.after_doc, hidden), actor[1],
               actor[2]::integer, actor[3]::integer
        FROM (SELECT to_jsonb(o) AS od FROM old_rows AS o) AS was
        JOIN (SELECT to_jsonb(n) AS nd FROM new_rows AS n) AS now
          ON now.nd -> id_key = was.od -> id_key AND now.nd -> coop_key = was.od -> coop_key
        CROSS JOIN LATERAL (
            SELECT jsonb_object_agg(f.key, was.od -> f.key) AS before_doc,
                   jsonb_object_agg(f.key, f.value) AS after_doc
            FROM jsonb_each(now.nd) AS f
            WHERE f.key <> ALL(skipped) AND f.value IS DISTINCT FROM was.od -> f.key
        ) AS c
        WHERE c.after_doc IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END $$;
"""

# table → (id column, cooperative column, columns left out, columns shown as "***")
AUDITED = {
    "cooperatives": ("id", "id", "created_at,updated_at", ""),
    "members": ("id", "cooperative_id", "created_at,updated_at,search", ""),
    "drivers": ("id", "cooperative_id", "created_at,updated_at,search", ""),
    "vehicles": ("id", "cooperative_id", "created_at,updated_at,search,plate_key", ""),
    "vehicle_assignments": ("id", "cooperative_id", "", ""),
    "depots": ("id", "cooperative_id", "created_at,updated_at", ""),
    "zones": ("id", "cooperative_id", "created_at,updated_at", ""),
    "users": (
        "id",
        "cooperative_id",
        "created_at,updated_at",
        "password_hash,pin_hash,pin_device",
    ),
    "api_keys": ("id", "cooperative_id", "created_at,last_used_at", "key_hash"),
    "speed_limits": ("vehicle_kind", "cooperative_id", "", ""),
    "orders": ("id", "cooperative_id", "created_at,updated_at,search", "tracking_token"),
    "plans": (
        "id",
        "cooperative_id",
        "created_at,started_at,finished_at,orders,drivers,kpis,routes,unserved",
        "",
    ),
}

# statement triggers with transition tables: one INSERT … SELECT per statement, however many
# rows it wrote (a CSV import of 3,000 vehicles, the seed), not one per row
TRANSITIONS = {
    "INSERT": "NEW TABLE AS new_rows",
    "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "OLD TABLE AS old_rows",
}

FORWARD_MARKS = """
CREATE FUNCTION mark_positions_to_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO position_forward_marks (forwarder_id, vehicle_ids, dirty_froms)
    SELECT f.id, array_agg(n.vehicle_id), array_agg(n.dirty_from)
    FROM new_rows n JOIN position_forwarders f ON f.cooperative_id = n.cooperative_id
    WHERE f.enabled
    GROUP BY f.id;
    RETURN NULL;
END $$;

CREATE TRIGGER derive_marks_forward AFTER INSERT ON derive_marks
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION mark_positions_to_forward();
"""


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=True),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("before", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("after", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("actor_kind", sa.String(length=8), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("actor_api_key_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_cooperative_id_at", "audit_log", ["cooperative_id", "at"])
    op.create_index(
        "ix_audit_log_cooperative_id_entity",
        "audit_log",
        ["cooperative_id", "entity", "entity_id"],
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_api_keys_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_keys_key_hash")),
    )
    op.create_index(op.f("ix_api_keys_cooperative_id"), "api_keys", ["cooperative_id"])
    op.create_index(op.f("ix_api_keys_user_id"), "api_keys", ["user_id"])
    op.create_table(
        "position_forwarders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=True),
        sa.Column("every_s", sa.Integer(), server_default="0", nullable=False),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_count", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperatives.id"],
            name=op.f("fk_position_forwarders_cooperative_id_cooperatives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_forwarders")),
    )
    op.create_index(
        op.f("ix_position_forwarders_cooperative_id"), "position_forwarders", ["cooperative_id"]
    )
    op.create_table(
        "position_forward_marks",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("forwarder_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_ids", postgresql.ARRAY(sa.Integer()), nullable=False),
        sa.Column("dirty_froms", postgresql.ARRAY(sa.DateTime(timezone=True)), nullable=False),
        sa.ForeignKeyConstraint(
            ["forwarder_id"],
            ["position_forwarders.id"],
            name=op.f("fk_position_forward_marks_forwarder_id_position_forwarders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_position_forward_marks")),
    )
    op.create_index(
        op.f("ix_position_forward_marks_forwarder_id"),
        "position_forward_marks",
        ["forwarder_id"],
    )
    op.create_table(
        "position_forward_state",
        sa.Column("forwarder_id", sa.Integer(), nullable=False),
        sa.Column("vehicle_id", sa.Integer(), nullable=False),
        sa.Column("last_device_time", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["forwarder_id"],
            ["position_forwarders.id"],
            name=op.f("fk_position_forward_state_forwarder_id_position_forwarders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "forwarder_id", "vehicle_id", name=op.f("pk_position_forward_state")
        ),
    )
    op.execute(AUDIT_FUNCTIONS)
    op.execute(
        """
        CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
            FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM PUBLIC;
        """
    )
    for table, (ident, coop, skipped, hidden) in AUDITED.items():
        arguments = f"'{ident}', '{coop}', '{skipped}', '{hidden}'"
        for event, tables in TRANSITIONS.items():
            op.execute(
                f"CREATE TRIGGER {table}_audit_{event.lower()} AFTER {event} ON {table} "
                f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION audit_rows({arguments})"
            )
    op.execute(FORWARD_MARKS)


def downgrade() -> None:
    op.execute("DROP TRIGGER derive_marks_forward ON derive_marks")
    op.execute("DROP FUNCTION mark_positions_to_forward()")
    for table in AUDITED:
        for event in TRANSITIONS:
            op.execute(f"DROP TRIGGER {table}_audit_{event.lower()} ON {table}")
    op.drop_table("position_forward_state")
    op.drop_table("position_forward_marks")
    op.drop_table("position_forwarders")
    op.drop_table("api_keys")
    op.drop_table("audit_log")
    op.execute("DROP FUNCTION audit_rows()")
    op.execute("DROP FUNCTION audit_hide(jsonb, text[])")
    op.execute("DROP FUNCTION audit_log_append_only()")
