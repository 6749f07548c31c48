"""Devices the gateway heard, and a NOTIFY when a vehicle's device binding changes.

``gateway_devices``: one row per (protocol, identifier) the gateway heard, bound to a vehicle
or not (unknown identifiers are listed, never stored as positions), upserted by the gateway a
few times a minute, not once per frame. No foreign keys, as on ``positions``: the gateway
writes what it saw; the read joins the vehicles of today.

``coopfleet_vehicles``: a statement-level trigger (transition tables, as in 0014) names the
vehicles inserted, deleted, or whose ``tracking_device_id``, ``status`` or cooperative changed
(ids, comma-separated; ``*`` when more than 500 changed at once), so the gateway's device
directory and the ingest workers' vehicle cache follow within seconds.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

NOTIFY_FUNCTION = """
CREATE FUNCTION notify_vehicle_devices() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(id) INTO changed FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(id) INTO changed FROM old_rows;
    ELSE
        SELECT array_agg(n.id) INTO changed FROM new_rows AS n JOIN old_rows AS o USING (id)
        WHERE n.tracking_device_id IS DISTINCT FROM o.tracking_device_id
           OR n.status IS DISTINCT FROM o.status
           OR n.cooperative_id IS DISTINCT FROM o.cooperative_id;
    END IF;
    IF changed IS NULL THEN
        RETURN NULL;
    END IF;
    IF cardinality(changed) > 500 THEN
        PERFORM pg_notify('coopfleet_vehicles', '*');
    ELSE
        PERFORM pg_notify('coopfleet_vehicles', array_to_string(changed, ','));
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGERS = """
CREATE TRIGGER vehicles_notify_insert AFTER INSERT ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_vehicle_devices();
CREATE TRIGGER vehicles_notify_update AFTER UPDATE ON vehicles
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_vehicle_devices();
CREATE TRIGGER vehicles_notify_delete AFTER DELETE ON vehicles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT
    EXECUTE FUNCTION notify_vehicle_devices();
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE gateway_devices (
            protocol text NOT NULL,
            identifier text NOT NULL,
            cooperative_id integer,
            vehicle_id integer,
            remote_address text,
            first_heard_at timestamptz NOT NULL,
            last_heard_at timestamptz NOT NULL,
            messages bigint NOT NULL DEFAULT 0,
            fixes bigint NOT NULL DEFAULT 0,
            refused bigint NOT NULL DEFAULT 0,
            last_refusal text,
            CONSTRAINT pk_gateway_devices PRIMARY KEY (protocol, identifier)
        )
        """
    )
    op.execute("CREATE INDEX ix_gateway_devices_last_heard_at ON gateway_devices (last_heard_at)")
    op.execute(
        "CREATE INDEX ix_gateway_devices_coop_heard ON gateway_devices"
        " (cooperative_id, last_heard_at)"
    )
    op.execute(NOTIFY_FUNCTION)
    op.execute(TRIGGERS)


def downgrade() -> None:
    for name in ("vehicles_notify_delete", "vehicles_notify_update", "vehicles_notify_insert"):
        op.execute(f"DROP TRIGGER {name} ON vehicles")
    op.execute("DROP FUNCTION notify_vehicle_devices()")
    op.execute("DROP TABLE gateway_devices")
