"""Telemetry tables as SQLAlchemy Core tables, for reads. Created by migration 0003
(``gateway_devices``: 0019).

The write path (telematics.store) uses psycopg COPY directly; nothing here is on the hot path.
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    REAL,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    Table,
    Text,
)

from core.db import Base

metadata = Base.metadata

positions = Table(
    "positions",
    metadata,
    Column("cooperative_id", Integer, nullable=False),
    Column("vehicle_id", Integer, primary_key=True),
    Column("device_time", DateTime(timezone=True), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    Column("speed_kmh", REAL),
    Column("heading", SmallInteger),
    Column("altitude_m", REAL),
    Column("satellites", SmallInteger),
    Column("hdop", REAL),
    Column("ignition", Boolean),
    Column("odometer_m", BigInteger),
    Column("driver_card", Text),
    Column("fuel_l", REAL),
    postgresql_partition_by="RANGE (device_time)",
)

vehicle_state = Table(
    "vehicle_state",
    metadata,
    Column("vehicle_id", Integer, ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "cooperative_id",
        Integer,
        ForeignKey("cooperatives.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("device_time", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    Column("speed_kmh", REAL),
    Column("heading", SmallInteger),
    Column("ignition", Boolean),
    Column("odometer_m", BigInteger),
    Column("driver_card", Text),
    Index("ix_vehicle_state_geom", "geom", postgresql_using="gist"),  # KNN for suggestions
)

dead_letters = Table(
    "dead_letters",
    metadata,
    Column("id", BigInteger, primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("topic", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("detail", Text, nullable=False),
    Column("cooperative_id", Integer),
    Column("vehicle_id", Integer),
    Index("ix_dead_letters_coop_reason", "cooperative_id", "reason"),
)

ingest_workers = Table(
    "ingest_workers",
    metadata,
    Column("worker_id", Text, primary_key=True),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("messages_received", BigInteger, nullable=False),
    Column("positions_written", BigInteger, nullable=False),
    Column("duplicates", BigInteger, nullable=False),
    Column("dead_letters", BigInteger, nullable=False),
    Column("batches", BigInteger, nullable=False),
    Column("last_batch_seconds", Float, nullable=False),
    Column("latency_p50_ms", Float, nullable=False),
    Column("latency_p99_ms", Float, nullable=False),
    Column("backlog", Integer, nullable=False),
)

gateway_devices = Table(
    "gateway_devices",
    metadata,
    Column("protocol", Text, primary_key=True),
    Column("identifier", Text, primary_key=True),
    Column("cooperative_id", Integer),
    Column("vehicle_id", Integer),
    Column("remote_address", Text),
    Column("first_heard_at", DateTime(timezone=True), nullable=False),
    Column("last_heard_at", DateTime(timezone=True), nullable=False, index=True),
    Column("messages", BigInteger, nullable=False, server_default="0"),
    Column("fixes", BigInteger, nullable=False, server_default="0"),
    Column("refused", BigInteger, nullable=False, server_default="0"),
    Column("last_refusal", Text),
    Index("ix_gateway_devices_coop_heard", "cooperative_id", "last_heard_at"),
)
