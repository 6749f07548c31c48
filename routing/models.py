"""Orders, their event history and offers to drivers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, Timestamped


class Order(Timestamped, Base):
    """A freight or passenger job: one pickup, one drop-off, a load, a price."""

    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "reference"),
        Index("ix_orders_cooperative_id_status", "cooperative_id", "status"),
        CheckConstraint("price_vnd >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    reference: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(24), server_default="new")
    customer_name: Mapped[str] = mapped_column(String(200))
    customer_phone: Mapped[str | None] = mapped_column(String(20))
    priority: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    price_vnd: Mapped[int] = mapped_column(BigInteger, server_default="0")
    weight_kg: Mapped[int] = mapped_column(Integer, server_default="0")
    volume_m3: Mapped[float] = mapped_column(Float, server_default="0")
    seats: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    vehicle_kind: Mapped[str | None] = mapped_column(String(24))
    features: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default="{}")
    requires_photo: Mapped[bool] = mapped_column(Boolean, server_default="false")
    requires_signature: Mapped[bool] = mapped_column(Boolean, server_default="false")
    notes: Mapped[str | None] = mapped_column(Text)
    pickup_address: Mapped[str] = mapped_column(String(300))
    pickup_location: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    pickup_from: Mapped[datetime | None]
    pickup_to: Mapped[datetime | None]
    pickup_service_s: Mapped[int] = mapped_column(Integer, server_default="300")
    pickup_contact: Mapped[str | None] = mapped_column(String(120))
    pickup_phone: Mapped[str | None] = mapped_column(String(20))
    pickup_notes: Mapped[str | None] = mapped_column(Text)
    dropoff_address: Mapped[str] = mapped_column(String(300))
    dropoff_location: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    dropoff_from: Mapped[datetime | None]
    dropoff_to: Mapped[datetime | None]
    dropoff_service_s: Mapped[int] = mapped_column(Integer, server_default="300")
    dropoff_contact: Mapped[str | None] = mapped_column(String(120))
    dropoff_phone: Mapped[str | None] = mapped_column(String(20))
    dropoff_notes: Mapped[str | None] = mapped_column(Text)
    driver_id: Mapped[int | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="SET NULL"), index=True
    )
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id", ondelete="SET NULL"))
    tracking_token: Mapped[str] = mapped_column(String(64), unique=True)
    tracking_expires_at: Mapped[datetime]
    recipient_name: Mapped[str | None] = mapped_column(String(120))
    proof_note: Mapped[str | None] = mapped_column(Text)
    search: Mapped[str] = mapped_column(Text, server_default="")


class OrderEvent(Base):
    """One step of an order's life: who, when (server and device), where, why."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    device_time: Mapped[datetime | None]
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id", ondelete="SET NULL"))
    location: Mapped[Any] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False), nullable=True
    )
    reason: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class Offer(Base):
    """An order offered to one driver until a deadline. At most one open offer per order,
    enforced by a partial unique index: concurrent offers cannot both succeed."""

    __tablename__ = "order_offers"
    __table_args__ = (
        Index(
            "uq_order_offers_open",
            "order_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), server_default="open")
    offered_at: Mapped[datetime] = mapped_column(server_default=func.now())
    deadline: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    offered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # auto-dispatch: on decline or expiry the order is offered to the next of these drivers
    then_driver_ids: Mapped[list[int]] = mapped_column(ARRAY(Integer), server_default="{}")
    deadline_s: Mapped[int] = mapped_column(Integer, server_default="120")


class Plan(Base):
    """A planning run: its inputs, progress, routes and KPIs; accepted by a dispatcher."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), server_default="running")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    time_limit_s: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer, server_default="0")
    # the search stops once the plan has not improved for this long; None: the whole budget
    stop_when_no_improvement_s: Mapped[float | None] = mapped_column(Float)
    order_ids: Mapped[list[int] | None] = mapped_column(JSONB)  # None: every open order
    starts_at: Mapped[datetime]  # time zero of the plan's schedule
    started_at: Mapped[datetime | None]  # when a worker took it (``queued`` until then)
    finished_at: Mapped[datetime | None]
    orders: Mapped[int] = mapped_column(Integer, server_default="0")
    drivers: Mapped[int] = mapped_column(Integer, server_default="0")
    kpis: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    routes: Mapped[list[Any] | None] = mapped_column(JSONB)
    unserved: Mapped[list[Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)


class DriverMessage(Base):
    """What a driver's phone must learn (offers, job changes), numbered so a reconnecting phone
    resumes after the last id it saw and misses nothing."""

    __tablename__ = "driver_messages"
    __table_args__ = (Index("ix_driver_messages_driver_id_id", "driver_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ProofFile(Base):
    """A photo or signature of a delivery, stored through the file storage interface."""

    __tablename__ = "proof_files"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # photo | signature
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
