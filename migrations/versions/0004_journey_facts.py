"""Journey facts: the derive queue, trips, stops, events, per-segment day shares, daily rollups.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # One row per vehicle and ingest batch that stored new positions, written in the batch's own
    # transaction: the derive worker deletes exactly the rows it has handled, so a mark committed
    # while it works is never lost, and none blocks the ingest path.
    op.execute(
        """
        CREATE TABLE derive_marks (
            id bigserial PRIMARY KEY,
            vehicle_id integer NOT NULL,
            cooperative_id integer NOT NULL,
            dirty_from timestamptz NOT NULL,
            stored_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE trips (
            id bigserial PRIMARY KEY,
            cooperative_id integer NOT NULL
                CONSTRAINT fk_trips_cooperative_id_cooperatives
                REFERENCES cooperatives (id) ON DELETE CASCADE,
            vehicle_id integer NOT NULL
                CONSTRAINT fk_trips_vehicle_id_vehicles REFERENCES vehicles (id) ON DELETE CASCADE,
            driver_id integer
                CONSTRAINT fk_trips_driver_id_drivers REFERENCES drivers (id) ON DELETE SET NULL,
            started_at timestamptz NOT NULL,
            ended_at timestamptz NOT NULL,
            is_open boolean NOT NULL DEFAULT false,
            start_geom geometry(Point, 4326) NOT NULL,
            end_geom geometry(Point, 4326) NOT NULL,
            distance_m integer NOT NULL,
            odometer_m integer,
            duration_s integer NOT NULL,
            moving_s integer NOT NULL,
            idle_s integer NOT NULL,
            max_speed_kmh real NOT NULL,
            avg_speed_kmh real NOT NULL,
            path geometry(LineString, 4326),
            CONSTRAINT uq_trips_vehicle_id_started_at UNIQUE (vehicle_id, started_at)
        )
        """
    )
    op.execute("CREATE INDEX ix_trips_driver_id_started_at ON trips (driver_id, started_at)")
    op.execute(
        "CREATE INDEX ix_trips_cooperative_id_started_at ON trips (cooperative_id, started_at)"
    )
    op.execute(
        """
        CREATE TABLE stops (
            id bigserial PRIMARY KEY,
            cooperative_id integer NOT NULL
                CONSTRAINT fk_stops_cooperative_id_cooperatives
                REFERENCES cooperatives (id) ON DELETE CASCADE,
            vehicle_id integer NOT NULL
                CONSTRAINT fk_stops_vehicle_id_vehicles REFERENCES vehicles (id) ON DELETE CASCADE,
            driver_id integer
                CONSTRAINT fk_stops_driver_id_drivers REFERENCES drivers (id) ON DELETE SET NULL,
            started_at timestamptz NOT NULL,
            ended_at timestamptz NOT NULL,
            is_open boolean NOT NULL DEFAULT false,
            geom geometry(Point, 4326) NOT NULL,
            duration_s integer NOT NULL,
            engine_on_s integer NOT NULL,
            CONSTRAINT uq_stops_vehicle_id_started_at UNIQUE (vehicle_id, started_at)
        )
        """
    )
    op.execute("CREATE INDEX ix_stops_driver_id_started_at ON stops (driver_id, started_at)")
    op.execute(
        """
        CREATE TABLE journey_events (
            id bigserial PRIMARY KEY,
            cooperative_id integer NOT NULL
                CONSTRAINT fk_journey_events_cooperative_id_cooperatives
                REFERENCES cooperatives (id) ON DELETE CASCADE,
            source text NOT NULL CHECK (source IN ('vehicle', 'driver')),
            subject_id integer NOT NULL,
            kind text NOT NULL,
            vehicle_id integer
                CONSTRAINT fk_journey_events_vehicle_id_vehicles
                REFERENCES vehicles (id) ON DELETE CASCADE,
            driver_id integer
                CONSTRAINT fk_journey_events_driver_id_drivers
                REFERENCES drivers (id) ON DELETE SET NULL,
            started_at timestamptz NOT NULL,
            ended_at timestamptz,
            geom geometry(Point, 4326),
            details jsonb NOT NULL DEFAULT '{}',
            live boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL DEFAULT now(),
            acknowledged_at timestamptz,
            acknowledged_by integer
                CONSTRAINT fk_journey_events_acknowledged_by_users
                REFERENCES users (id) ON DELETE SET NULL,
            ack_note text,
            excuse_reason text,
            excused_by integer
                CONSTRAINT fk_journey_events_excused_by_users
                REFERENCES users (id) ON DELETE SET NULL,
            excused_at timestamptz,
            CONSTRAINT uq_journey_events_key UNIQUE (source, subject_id, kind, started_at)
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_journey_events_cooperative_id_id ON journey_events (cooperative_id, id)"
    )
    op.execute(
        "CREATE INDEX ix_journey_events_cooperative_id_started_at"
        " ON journey_events (cooperative_id, started_at)"
    )
    op.execute(
        "CREATE INDEX ix_journey_events_vehicle_id_started_at ON journey_events (vehicle_id, started_at)"
    )
    op.execute(
        "CREATE INDEX ix_journey_events_driver_id_started_at ON journey_events (driver_id, started_at)"
    )
    # A segment's (trip's or stop's — a stop and the trip leaving it can start at the same fix)
    # share of each local day, per driver: rollups are sums of
    # these, so recomputing a window replaces whole segments and re-sums the days they touch.
    op.execute(
        """
        CREATE TABLE segment_days (
            vehicle_id integer NOT NULL
                CONSTRAINT fk_segment_days_vehicle_id_vehicles
                REFERENCES vehicles (id) ON DELETE CASCADE,
            segment_start timestamptz NOT NULL,
            segment_kind char(1) NOT NULL CHECK (segment_kind IN ('t', 's')),  -- trip, stop
            day date NOT NULL,
            driver_id integer NOT NULL,
            cooperative_id integer NOT NULL,
            distance_m real NOT NULL,
            engine_s real NOT NULL,
            moving_s real NOT NULL,
            idle_s real NOT NULL,
            nodata_s real NOT NULL,
            trips smallint NOT NULL,
            stops smallint NOT NULL,
            first_move_at timestamptz,
            last_move_at timestamptz,
            CONSTRAINT pk_segment_days
                PRIMARY KEY (vehicle_id, segment_start, segment_kind, day, driver_id)
        )
        """
    )
    op.execute("CREATE INDEX ix_segment_days_vehicle_id_day ON segment_days (vehicle_id, day)")
    op.execute(
        """
        CREATE TABLE daily_activity (
            vehicle_id integer NOT NULL
                CONSTRAINT fk_daily_activity_vehicle_id_vehicles
                REFERENCES vehicles (id) ON DELETE CASCADE,
            day date NOT NULL,
            driver_id integer NOT NULL,
            cooperative_id integer NOT NULL
                CONSTRAINT fk_daily_activity_cooperative_id_cooperatives
                REFERENCES cooperatives (id) ON DELETE CASCADE,
            distance_m integer NOT NULL,
            engine_s integer NOT NULL,
            moving_s integer NOT NULL,
            idle_s integer NOT NULL,
            nodata_s integer NOT NULL,
            trips integer NOT NULL,
            stops integer NOT NULL,
            first_move_at timestamptz,
            last_move_at timestamptz,
            CONSTRAINT pk_daily_activity PRIMARY KEY (vehicle_id, day, driver_id)
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_daily_activity_cooperative_id_day ON daily_activity (cooperative_id, day)"
    )
    op.execute("CREATE INDEX ix_daily_activity_driver_id_day ON daily_activity (driver_id, day)")
    op.execute(
        """
        CREATE TABLE speed_limits (
            cooperative_id integer NOT NULL
                CONSTRAINT fk_speed_limits_cooperative_id_cooperatives
                REFERENCES cooperatives (id) ON DELETE CASCADE,
            vehicle_kind text NOT NULL,
            limit_kmh smallint NOT NULL CHECK (limit_kmh BETWEEN 5 AND 200),
            CONSTRAINT pk_speed_limits PRIMARY KEY (cooperative_id, vehicle_kind)
        )
        """
    )


def downgrade() -> None:
    for table in (
        "speed_limits",
        "daily_activity",
        "segment_days",
        "journey_events",
        "stops",
        "trips",
        "derive_marks",
    ):
        op.execute(f"DROP TABLE IF EXISTS {table}")
