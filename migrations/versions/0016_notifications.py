"""Notifications and webhooks: rules, push subscriptions, the outbox the triggers fill, every
message and every webhook delivery as a row.

The outbox is written by triggers in the transaction of the change itself (an offer, an order's
step, a journey event, a plan accepted): a rolled-back change leaves nothing to send, and the
notify process deletes an outbox row only in the transaction that stores its messages and
deliveries, so a crash loses nothing.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

NOW = sa.text("now()")

FUNCTIONS = """
CREATE FUNCTION notification_outbox_capture() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_outbox (cooperative_id, source, ref_id)
    SELECT cooperative_id, TG_ARGV[0], id FROM new_rows ORDER BY id;
    RETURN NULL;
END $$;

CREATE FUNCTION notification_outbox_plan_accepted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO notification_outbox (cooperative_id, source, ref_id)
    SELECT new_rows.cooperative_id, 'plan_accepted', new_rows.id
    FROM new_rows JOIN old_rows USING (id)
    WHERE new_rows.status = 'accepted' AND old_rows.status <> 'accepted';
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER order_offers_outbox AFTER INSERT ON order_offers
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notification_outbox_capture('offer');
CREATE TRIGGER order_events_outbox AFTER INSERT ON order_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notification_outbox_capture('order_event');
CREATE TRIGGER journey_events_outbox AFTER INSERT ON journey_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notification_outbox_capture('journey_event');
CREATE TRIGGER plans_outbox AFTER UPDATE ON plans
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notification_outbox_plan_accepted();
"""


def _fk(name: str, table: str, column: str, target: str, ondelete: str) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete=ondelete, name=f"fk_{table}_{column}_{name}")


def upgrade() -> None:
    op.create_table(
        "notification_rules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer(),
            _fk(
                "cooperatives", "notification_rules", "cooperative_id", "cooperatives.id", "CASCADE"
            ),
            nullable=False,
        ),
        sa.Column("event_kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("audience", sa.String(8), nullable=False),
        sa.Column("role", sa.String(16)),
        sa.Column(
            "user_id",
            sa.Integer(),
            _fk("users", "notification_rules", "user_id", "users.id", "CASCADE"),
        ),
        sa.Column("language", sa.String(2), server_default="vi", nullable=False),
        sa.Column("quiet_from", sa.Time()),
        sa.Column("quiet_to", sa.Time()),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.CheckConstraint(
            "channel IN ('push', 'email', 'sms')", name="ck_notification_rules_channel"
        ),
        sa.CheckConstraint(
            "audience IN ('subject', 'role', 'user')", name="ck_notification_rules_audience"
        ),
        sa.CheckConstraint(
            "(audience = 'role') = (role IS NOT NULL)", name="ck_notification_rules_role_audience"
        ),
        sa.CheckConstraint(
            "(audience = 'user') = (user_id IS NOT NULL)",
            name="ck_notification_rules_user_audience",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_rules"),
    )
    op.create_index(
        "ix_notification_rules_cooperative_id", "notification_rules", ["cooperative_id"]
    )

    op.create_table(
        "push_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer(),
            _fk(
                "cooperatives", "push_subscriptions", "cooperative_id", "cooperatives.id", "CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "user_id",
            sa.Integer(),
            _fk("users", "push_subscriptions", "user_id", "users.id", "CASCADE"),
            nullable=False,
        ),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("p256dh", sa.String(128), nullable=False),
        sa.Column("auth", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_push_subscriptions"),
        sa.UniqueConstraint("endpoint", name="uq_push_subscriptions_endpoint"),
    )
    op.create_index(
        "ix_push_subscriptions_cooperative_id", "push_subscriptions", ["cooperative_id"]
    )
    op.create_index("ix_push_subscriptions_user_id", "push_subscriptions", ["user_id"])

    op.create_table(
        "notification_outbox",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer(),
            _fk(
                "cooperatives",
                "notification_outbox",
                "cooperative_id",
                "cooperatives.id",
                "CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("source", sa.String(24), nullable=False),
        sa.Column("ref_id", sa.BigInteger(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("clock_timestamp()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification_outbox"),
    )

    op.create_table(
        "notification_messages",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer(),
            _fk(
                "cooperatives",
                "notification_messages",
                "cooperative_id",
                "cooperatives.id",
                "CASCADE",
            ),
            nullable=False,
        ),
        sa.Column(
            "rule_id",
            sa.Integer(),
            _fk(
                "notification_rules",
                "notification_messages",
                "rule_id",
                "notification_rules.id",
                "SET NULL",
            ),
        ),
        sa.Column("event_kind", sa.String(40), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(40), nullable=False),
        sa.Column(
            "user_id",
            sa.Integer(),
            _fk("users", "notification_messages", "user_id", "users.id", "CASCADE"),
        ),
        sa.Column("address", sa.String(254)),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(10), server_default="queued", nullable=False),
        sa.Column("attempts", sa.SmallInteger(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_notification_messages"),
        sa.UniqueConstraint("dedupe_key", name="uq_notification_messages_dedupe_key"),
    )
    op.create_index(
        "ix_notification_messages_due",
        "notification_messages",
        ["next_attempt_at"],
        postgresql_where=sa.text("status IN ('queued', 'failed')"),
    )
    op.create_index(
        "ix_notification_messages_cooperative_id_id",
        "notification_messages",
        ["cooperative_id", "id"],
    )

    op.create_table(
        "webhook_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer(),
            _fk(
                "cooperatives",
                "webhook_subscriptions",
                "cooperative_id",
                "cooperatives.id",
                "CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("event_types", postgresql.ARRAY(sa.String(40)), nullable=False),
        sa.Column("description", sa.String(200)),
        sa.Column("enabled", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("disabled_reason", sa.Text()),
        sa.Column("disabled_at", sa.DateTime(timezone=True)),
        sa.Column("failing_since", sa.DateTime(timezone=True)),
        sa.Column("lease_until", sa.DateTime(timezone=True)),
        sa.Column(
            "created_by",
            sa.Integer(),
            _fk("users", "webhook_subscriptions", "created_by", "users.id", "SET NULL"),
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscriptions"),
    )
    op.create_index(
        "ix_webhook_subscriptions_cooperative_id", "webhook_subscriptions", ["cooperative_id"]
    )

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column(
            "cooperative_id",
            sa.Integer(),
            _fk(
                "cooperatives", "webhook_deliveries", "cooperative_id", "cooperatives.id", "CASCADE"
            ),
            nullable=False,
        ),
        sa.Column(
            "subscription_id",
            sa.Integer(),
            _fk(
                "webhook_subscriptions",
                "webhook_deliveries",
                "subscription_id",
                "webhook_subscriptions.id",
                "CASCADE",
            ),
            nullable=False,
        ),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("event_type", sa.String(40), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("status", sa.String(10), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False
        ),
        sa.Column("last_error", sa.Text()),
        sa.Column("last_status_code", sa.SmallInteger()),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True)),
        sa.Column("delivered_at", sa.DateTime(timezone=True)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=NOW, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.UniqueConstraint(
            "subscription_id", "event_key", name="uq_webhook_deliveries_subscription_id_event_key"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_pending",
        "webhook_deliveries",
        ["subscription_id", "id"],
        postgresql_where=sa.text("status <> 'delivered'"),
    )
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)


def downgrade() -> None:
    for trigger, table in (
        ("plans_outbox", "plans"),
        ("journey_events_outbox", "journey_events"),
        ("order_events_outbox", "order_events"),
        ("order_offers_outbox", "order_offers"),
    ):
        op.execute(f"DROP TRIGGER {trigger} ON {table}")
    op.execute("DROP FUNCTION notification_outbox_plan_accepted()")
    op.execute("DROP FUNCTION notification_outbox_capture()")
    for table in (
        "webhook_deliveries",
        "webhook_subscriptions",
        "notification_messages",
        "notification_outbox",
        "push_subscriptions",
        "notification_rules",
    ):
        op.drop_table(table)
