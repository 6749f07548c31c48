"""Maintenance tables: plans (tasks), due notices, work orders and their lines, drivers'
checklists and their photos, fuel fills, fuel events and other vehicle expenses.

Amounts are VND integers, distances metres, times UTC; every row carries ``cooperative_id``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


def _coop() -> Mapped[int]:
    return mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)


def _vehicle() -> Mapped[int]:
    return mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"), index=True)


class MaintenanceTask(Base):
    """A task of the plan, for one vehicle or every vehicle of a kind (or all: both empty):
    due every ``every_km``, ``every_engine_h`` and/or ``every_months``, whichever comes first;
    ``legal_inspection``: the periodic inspection, its interval from fleet.legal by age and kind.
    ``safety``: overdue, it blocks dispatch."""

    __tablename__ = "maintenance_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    name: Mapped[str] = mapped_column(String(120))
    vehicle_kind: Mapped[str | None] = mapped_column(String(24))
    vehicle_id: Mapped[int | None] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), index=True
    )
    every_km: Mapped[int | None] = mapped_column(Integer)
    every_engine_h: Mapped[int | None] = mapped_column(Integer)
    every_months: Mapped[int | None] = mapped_column(SmallInteger)
    legal_inspection: Mapped[bool] = mapped_column(Boolean, server_default="false")
    safety: Mapped[bool] = mapped_column(Boolean, server_default="false")
    starts_on: Mapped[date]  # counters run from here until the task is first done
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class MaintenanceNotice(Base):
    """One notice per task, vehicle and cycle (the day counting started) when it falls due."""

    __tablename__ = "maintenance_notices"
    __table_args__ = (UniqueConstraint("task_id", "vehicle_id", "since_day"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    task_id: Mapped[int] = mapped_column(ForeignKey("maintenance_tasks.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = _vehicle()
    since_day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(200))
    raised_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WorkOrder(Base):
    """Work on one vehicle, from a due task or a driver's defect; the vehicle is in
    ``maintenance`` while it is open."""

    __tablename__ = "work_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    vehicle_id: Mapped[int] = _vehicle()
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("maintenance_tasks.id", ondelete="SET NULL"), index=True
    )
    checklist_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(8), server_default="open")
    title: Mapped[str] = mapped_column(String(200))
    garage: Mapped[str | None] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(server_default=func.now())
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None]
    closed_on: Mapped[date | None]  # the cooperative's day the work was done
    closing_odometer_m: Mapped[int | None] = mapped_column(BigInteger)
    status_before: Mapped[str] = mapped_column(String(16), server_default="active")


class WorkOrderLine(Base):
    """A part or labour line; ``amount_vnd`` = quantity × unit price, rounded."""

    __tablename__ = "work_order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    work_order_id: Mapped[int] = mapped_column(
        ForeignKey("work_orders.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # part | labour
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[float] = mapped_column(Float)
    unit_price_vnd: Mapped[int] = mapped_column(BigInteger)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)


class Checklist(Base):
    """A driver's pre-trip or post-trip check: ``items`` as [{item, ok, note}]."""

    __tablename__ = "vehicle_checklists"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    vehicle_id: Mapped[int] = _vehicle()
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # pre | post
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    submitted_at: Mapped[datetime] = mapped_column(server_default=func.now())
    work_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("work_orders.id", ondelete="SET NULL")
    )


class ChecklistPhoto(Base):
    """A photo of a defect, stored through the proof-file storage (core.storage)."""

    __tablename__ = "checklist_photos"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    checklist_id: Mapped[int] = mapped_column(
        ForeignKey("vehicle_checklists.id", ondelete="CASCADE"), index=True
    )
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))


class FuelFill(Base):
    """A fill-up: by a driver, by the office, or a fuel card's line (one per vehicle and time)."""

    __tablename__ = "fuel_fills"
    __table_args__ = (UniqueConstraint("vehicle_id", "filled_at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("drivers.id", ondelete="SET NULL"))
    filled_at: Mapped[datetime]
    litres: Mapped[float] = mapped_column(Float)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    station: Mapped[str | None] = mapped_column(String(120))
    odometer_m: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(8))  # driver | office | card
    receipt_key: Mapped[str | None] = mapped_column(String(200))
    receipt_type: Mapped[str | None] = mapped_column(String(32))


class FuelEvent(Base):
    """A refuel or a sudden drop (possible drain) found in the tank level of the positions."""

    __tablename__ = "fuel_events"
    __table_args__ = (UniqueConstraint("vehicle_id", "kind", "at"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # refuel | drain
    at: Mapped[datetime]
    geom: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=False))
    litres: Mapped[float] = mapped_column(Float)
    level_before_l: Mapped[float] = mapped_column(Float)
    level_after_l: Mapped[float] = mapped_column(Float)


class FuelScanMark(Base):
    """How far each vehicle's tank level has been scanned for fuel events (device time)."""

    __tablename__ = "fuel_scan_marks"

    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True
    )
    scanned_to: Mapped[datetime]


class VehicleExpense(Base):
    """Another cost of a vehicle: insurance, badge, a fee, other."""

    __tablename__ = "vehicle_expenses"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = _coop()
    vehicle_id: Mapped[int] = _vehicle()
    kind: Mapped[str] = mapped_column(String(16))
    spent_on: Mapped[date]
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200))
