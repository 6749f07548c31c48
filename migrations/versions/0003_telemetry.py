"""Telemetry storage: positions partitioned by UTC day, vehicle_state, dead_letters, workers.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # No foreign keys on positions: the hot path writes tens of thousands of rows a second and
    # vehicles are retired, not deleted; the ingest worker only accepts known vehicles.
    op.execute(
        """
        CREATE TABLE positions (
            cooperative_id integer NOT NULL,
            vehicle_id integer NOT NULL,
            device_time timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            geom geometry(Point, 4326) NOT NULL,
            speed_kmh real,
            heading smallint,
            altitude_m real,
            satellites smallint,
            hdop real,
            ignition boolean,
            odometer_m bigint,
            driver_card text,
            fuel_l real,
            CONSTRAINT pk_positions PRIMARY KEY (vehicle_id, device_time)
        ) PARTITION BY RANGE (device_time)
        """
    )
    op.execute(
        """
        CREATE FUNCTION coopfleet_ensure_positions_partition(day date) RETURNS boolean
        LANGUAGE plpgsql AS $$
        DECLARE
            name text := format('positions_p%s', to_char(day, 'YYYYMMDD'));
        BEGIN
            IF to_regclass(name) IS NOT NULL THEN
                RETURN false;
            END IF;
            EXECUTE format(
                'CREATE TABLE IF NOT EXISTS %I PARTITION OF positions '
                'FOR VALUES FROM (%L) TO (%L)',
                name,
                (day::timestamp AT TIME ZONE 'UTC'),
                ((day + 1)::timestamp AT TIME ZONE 'UTC')
            );
            RETURN true;
        END $$
        """
    )
    op.execute(
        """
        CREATE TABLE vehicle_state (
            vehicle_id integer PRIMARY KEY
                CONSTRAINT fk_vehicle_state_vehicle_id_vehicles
                REFERENCES vehicles (id) ON DELETE CASCADE,
            cooperative_id integer NOT NULL
                CONSTRAINT fk_vehicle_state_cooperative_id_cooperatives
                REFERENCES cooperatives (id) ON DELETE CASCADE,
            device_time timestamptz NOT NULL,
            received_at timestamptz NOT NULL,
            geom geometry(Point, 4326) NOT NULL,
            speed_kmh real,
            heading smallint,
            ignition boolean,
            odometer_m bigint,
            driver_card text
        )
        """
    )
    op.execute("CREATE INDEX ix_vehicle_state_cooperative_id ON vehicle_state (cooperative_id)")
    op.execute("CREATE INDEX ix_vehicle_state_geom ON vehicle_state USING gist (geom)")
    op.execute(
        """
        CREATE TABLE dead_letters (
            id bigserial CONSTRAINT pk_dead_letters PRIMARY KEY,
            received_at timestamptz NOT NULL,
            topic text NOT NULL,
            payload bytea NOT NULL,
            reason text NOT NULL,
            detail text NOT NULL,
            cooperative_id integer,
            vehicle_id integer
        )
        """
    )
    op.execute("CREATE INDEX ix_dead_letters_received_at ON dead_letters (received_at)")
    op.execute("CREATE INDEX ix_dead_letters_coop_reason ON dead_letters (cooperative_id, reason)")
    op.execute(
        """
        CREATE TABLE ingest_workers (
            worker_id text CONSTRAINT pk_ingest_workers PRIMARY KEY,
            started_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            messages_received bigint NOT NULL DEFAULT 0,
            positions_written bigint NOT NULL DEFAULT 0,
            duplicates bigint NOT NULL DEFAULT 0,
            dead_letters bigint NOT NULL DEFAULT 0,
            batches bigint NOT NULL DEFAULT 0,
            last_batch_seconds double precision NOT NULL DEFAULT 0,
            latency_p50_ms double precision NOT NULL DEFAULT 0,
            latency_p99_ms double precision NOT NULL DEFAULT 0,
            backlog integer NOT NULL DEFAULT 0
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE ingest_workers")
    op.execute("DROP TABLE dead_letters")
    op.execute("DROP TABLE vehicle_state")
    op.execute("DROP TABLE positions")
    op.execute("DROP FUNCTION coopfleet_ensure_positions_partition(date)")
