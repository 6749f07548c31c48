"""NOTIFY on what the push streams wait for: a driver's new messages, a cooperative's new events,
a session revoked or deleted, an account disabled.

Statement-level triggers with transition tables: one notification per cooperative (and driver)
per statement, however many rows it wrote; payloads carry ids only. Listeners read what is new
themselves, through the same scoped queries as a poll.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0011"
branch_labels = None
depends_on = None

FUNCTIONS = """
CREATE FUNCTION notify_driver_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coopfleet_messages', cooperative_id || ':' || driver_id)
    FROM (SELECT DISTINCT cooperative_id, driver_id FROM new_rows) AS written;
    RETURN NULL;
END $$;

CREATE FUNCTION notify_journey_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coopfleet_events', cooperative_id::text)
    FROM (SELECT DISTINCT cooperative_id FROM new_rows) AS written;
    RETURN NULL;
END $$;

CREATE FUNCTION notify_sessions_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('coopfleet_sessions', 's:' || id) FROM old_rows;
    ELSE
        PERFORM pg_notify('coopfleet_sessions', 's:' || new_rows.id)
        FROM new_rows JOIN old_rows USING (id)
        WHERE new_rows.revoked_at IS NOT NULL AND old_rows.revoked_at IS NULL;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION notify_users_disabled() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('coopfleet_sessions', 'u:' || new_rows.id)
    FROM new_rows JOIN old_rows USING (id)
    WHERE old_rows.is_active AND NOT new_rows.is_active;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER driver_messages_notify AFTER INSERT ON driver_messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_driver_messages();
CREATE TRIGGER journey_events_notify AFTER INSERT ON journey_events
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_journey_events();
CREATE TRIGGER auth_sessions_notify_update AFTER UPDATE ON auth_sessions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_sessions_revoked();
CREATE TRIGGER auth_sessions_notify_delete AFTER DELETE ON auth_sessions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_sessions_revoked();
CREATE TRIGGER users_notify_disabled AFTER UPDATE ON users
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_users_disabled();
"""


def upgrade() -> None:
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)


def downgrade() -> None:
    op.execute("DROP TRIGGER users_notify_disabled ON users")
    op.execute("DROP TRIGGER auth_sessions_notify_delete ON auth_sessions")
    op.execute("DROP TRIGGER auth_sessions_notify_update ON auth_sessions")
    op.execute("DROP TRIGGER journey_events_notify ON journey_events")
    op.execute("DROP TRIGGER driver_messages_notify ON driver_messages")
    for name in (
        "notify_users_disabled",
        "notify_sessions_revoked",
        "notify_driver_messages",
        "notify_journey_events",
    ):
        op.execute(f"DROP FUNCTION {name}()")
