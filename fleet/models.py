"""ORM models of the registry. Every tenant-owned table carries ``cooperative_id``.

Relationships are ``lazy="raise"``: serializing thousands of rows must never trigger lazy loads.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from core.db import Base, Timestamped


class Cooperative(Timestamped, Base):
    """A transport cooperative (hợp tác xã vận tải): the tenant."""

    __tablename__ = "cooperatives"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    tax_code: Mapped[str] = mapped_column(String(20), unique=True)
    time_zone: Mapped[str] = mapped_column(String(64), server_default="Asia/Ho_Chi_Minh")
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    management_fee_vnd: Mapped[int] = mapped_column(BigInteger, server_default="0")


def search_index(table: str) -> Index:
    """The trigram index behind a registry list's fuzzy search (``search``: the row's folded
    text, ``core.text``), so a partial plate or a name without diacritics is found fast."""
    return Index(
        f"ix_{table}_search_trgm",
        "search",
        postgresql_using="gin",
        postgresql_ops={"search": "gin_trgm_ops"},
    )


class CoopOwned:
    """Mixin for rows that belong to one cooperative (the tenancy key)."""

    @declared_attr
    def cooperative_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True)


class Member(CoopOwned, Timestamped, Base):
    """A member-owner of the cooperative; usually owns vehicles and often drives one."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "member_no"),
        UniqueConstraint("cooperative_id", "national_id"),
        search_index("members"),
        CheckConstraint("capital_contribution_vnd >= 0", name="capital_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_no: Mapped[str] = mapped_column(String(32))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    national_id: Mapped[str | None] = mapped_column(String(12))
    address: Mapped[str | None] = mapped_column(String(300))
    join_date: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    capital_contribution_vnd: Mapped[int] = mapped_column(BigInteger, server_default="0")
    search: Mapped[str] = mapped_column(Text, server_default="")


class Driver(CoopOwned, Timestamped, Base):
    """A person who drives for the cooperative, with the licence dispatch depends on."""

    __tablename__ = "drivers"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "phone"),
        UniqueConstraint("cooperative_id", "national_id"),
        UniqueConstraint("cooperative_id", "licence_number"),
        UniqueConstraint("cooperative_id", "driver_card_id"),
        search_index("drivers"),
        Index("ix_drivers_licence_expiry", "cooperative_id", "licence_expiry"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(20))
    national_id: Mapped[str | None] = mapped_column(String(12))
    date_of_birth: Mapped[date | None]
    licence_number: Mapped[str] = mapped_column(String(20))
    licence_class: Mapped[str] = mapped_column(String(4))
    licence_expiry: Mapped[date]
    driver_card_id: Mapped[str | None] = mapped_column(String(32))
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    search: Mapped[str] = mapped_column(Text, server_default="")


class Vehicle(CoopOwned, Timestamped, Base):
    """A vehicle operating under the cooperative's licence, with its expiring documents."""

    __tablename__ = "vehicles"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "plate"),
        UniqueConstraint("cooperative_id", "tracking_device_id"),
        search_index("vehicles"),
        CheckConstraint("payload_kg IS NULL OR payload_kg >= 0", name="payload_not_negative"),
        CheckConstraint("seats IS NULL OR seats >= 0", name="seats_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plate: Mapped[str] = mapped_column(String(16))
    plate_key: Mapped[str] = mapped_column(String(16), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    payload_kg: Mapped[int | None]
    volume_m3: Mapped[float | None] = mapped_column(Float)
    seats: Mapped[int | None] = mapped_column(SmallInteger)
    make: Mapped[str | None] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(60))
    year: Mapped[int | None] = mapped_column(SmallInteger)
    features: Mapped[list[str]] = mapped_column(ARRAY(String(32)), server_default="{}")
    owner_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="RESTRICT"), index=True
    )
    badge_number: Mapped[str | None] = mapped_column(String(32))
    badge_type: Mapped[str | None] = mapped_column(String(16))
    badge_expiry: Mapped[date | None]
    inspection_expiry: Mapped[date | None]
    insurance_expiry: Mapped[date | None]
    tracking_device_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    search: Mapped[str] = mapped_column(Text, server_default="")


class VehicleAssignment(CoopOwned, Base):
    """Who drives which vehicle, with history: one open assignment per vehicle and driver."""

    __tablename__ = "vehicle_assignments"
    __table_args__ = (
        Index(
            "uq_vehicle_assignments_open_vehicle",
            "vehicle_id",
            unique=True,
            postgresql_where=text("ends_at IS NULL"),
        ),
        Index(
            "uq_vehicle_assignments_open_driver",
            "driver_id",
            unique=True,
            postgresql_where=text("ends_at IS NULL"),
        ),
        CheckConstraint("ends_at IS NULL OR ends_at >= starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(
        ForeignKey("vehicles.id", ondelete="CASCADE"), index=True
    )
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ends_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(String(300))


class Depot(CoopOwned, Timestamped, Base):
    """A yard or office where vehicles start, end and park."""

    __tablename__ = "depots"
    __table_args__ = (UniqueConstraint("cooperative_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(300))
    location: Mapped[Any] = mapped_column(Geometry("POINT", srid=4326, spatial_index=True))
    radius_m: Mapped[int] = mapped_column(server_default="200")


class Zone(CoopOwned, Timestamped, Base):
    """An area used for geofencing and per-zone speed limits."""

    __tablename__ = "zones"
    __table_args__ = (UniqueConstraint("cooperative_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))
    speed_limit_kmh: Mapped[int | None] = mapped_column(SmallInteger)
    area: Mapped[Any] = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=True))


class User(Timestamped, Base):
    """A person who signs in. Bound to one cooperative, except platform admins."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "(role = 'platform_admin') = (cooperative_id IS NULL)", name="tenant_matches_role"
        ),
        CheckConstraint("(role = 'driver') = (driver_id IS NOT NULL)", name="driver_link"),
        CheckConstraint("(role = 'member') = (member_id IS NOT NULL)", name="member_link"),
        # per cooperative: one cooperative's answers never reveal another's logins
        UniqueConstraint("login", "cooperative_id", name="uq_users_cooperative_id_login"),
        Index(
            "uq_users_login",
            "login",
            unique=True,
            postgresql_where=text("cooperative_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    login: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # drivers: a 6-digit PIN
    pin_device: Mapped[str | None] = mapped_column(String(32))  # the one device the PIN works on
    must_change_password: Mapped[bool] = mapped_column(server_default="false")
    driver_id: Mapped[int | None] = mapped_column(
        ForeignKey("drivers.id", ondelete="CASCADE"), unique=True
    )
    member_id: Mapped[int | None] = mapped_column(  # members: the portal shows only their own
        ForeignKey("members.id", ondelete="CASCADE"), unique=True
    )
    is_active: Mapped[bool] = mapped_column(server_default="true")
    language: Mapped[str] = mapped_column(String(2), server_default="vi")


class AuthSession(Base):
    """One signed-in device, holding its refresh token's hash; revoking it signs the device out."""

    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str | None] = mapped_column(String(128))
    device_key: Mapped[str | None] = mapped_column(String(32))  # the known device (fleet.auth)
    refresh_hash: Mapped[str] = mapped_column(String(64))
    rotated_hashes: Mapped[list[str]] = mapped_column(ARRAY(String(64)), server_default="{}")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_used_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class LoginFailure(Base):
    """Failed sign-ins of one login, client address or known device in one window: a counter
    bumped atomically before the password is checked (fleet.signin_limits)."""

    __tablename__ = "login_failures"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    at: Mapped[datetime] = mapped_column(primary_key=True, index=True)  # the window's start
    count: Mapped[int]


class Shift(Base):
    """A driver's working session with one vehicle (their login under the regulation). At most
    one open shift per driver and per vehicle."""

    __tablename__ = "shifts"
    __table_args__ = (
        Index(
            "uq_shifts_open_driver",
            "driver_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "uq_shifts_open_vehicle",
            "vehicle_id",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    driver_id: Mapped[int] = mapped_column(ForeignKey("drivers.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("vehicles.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ended_at: Mapped[datetime | None]
    break_started_at: Mapped[datetime | None]
    break_total_s: Mapped[int] = mapped_column(server_default="0")
    # the driver's own plan for the shift: planning gives no work past the end and routes
    # finish at the end place (home, a yard); unset, DEFAULT_SHIFT_S from the start and back
    # where the vehicle is
    planned_end_at: Mapped[datetime | None]
    end_location: Mapped[Any | None] = mapped_column(
        Geometry("POINT", srid=4326, spatial_index=False)
    )
