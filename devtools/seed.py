"""Demo data: a cooperative around Biên Hòa (Đồng Nai) with 3,000 members, drivers and vehicles.

Deterministic for a seed (one ``random.Random``; dates are relative to today in the cooperative's
zone), idempotent (a cooperative with the demo tax code is left alone), and fast: rows go in with
bulk inserts, and every demo account shares one Argon2 hash of the demo password.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import MultiPolygon, Point, Polygon
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.db import create_engine_from_settings, session_factory, unit_of_work
from core.timeutil import today_in
from devtools import demo_data as d
from fleet.entities import DRIVERS, MEMBERS, VEHICLES
from fleet.models import (
    Cooperative,
    Depot,
    Driver,
    Member,
    User,
    Vehicle,
    VehicleAssignment,
    Zone,
)
from fleet.passwords import hash_password

DEMO_PASSWORD = "demo1234"
DEMO_TAX_CODE = "3601234567"  # the main demo cooperative, HTX Vận tải Biên Hòa
DEMO_DISPATCHER = "dispatcher@bienhoa.demo"
ZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class DemoCoop:
    name: str
    tax_code: str
    login_domain: str
    size: int


def _weighted(rng: random.Random, options: list[tuple[Any, int]]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


class Maker:
    """Draws the demo's people, vehicles and dates from one random generator."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.phones: set[str] = set()
        self.plates: set[str] = set()
        self.serial = 0

    def next_serial(self) -> int:
        self.serial += 1
        return self.serial

    def name(self) -> str:
        family = _weighted(self.rng, d.FAMILY_NAMES)
        if self.rng.random() < 0.85:  # most drivers and owners in the trade are men
            return (
                f"{family} {self.rng.choice(d.MIDDLE_NAMES_MALE)} "
                f"{self.rng.choice(d.GIVEN_NAMES_MALE)}"
            )
        return (
            f"{family} {self.rng.choice(d.MIDDLE_NAMES_FEMALE)} "
            f"{self.rng.choice(d.GIVEN_NAMES_FEMALE)}"
        )

    def phone(self) -> str:
        while True:
            number = (
                self.rng.choice(["03", "05", "07", "08", "09"]) + f"{self.rng.randrange(10**8):08d}"
            )
            if number not in self.phones:
                self.phones.add(number)
                return number

    def national_id(self) -> str:
        return self.rng.choice(["075", "079", "072", "070"]) + f"{self.next_serial():09d}"

    def address(self) -> str:
        return (
            f"{self.rng.randint(1, 400)} {self.rng.choice(d.STREETS)}, "
            f"{self.rng.choice(d.WARDS)}, Đồng Nai"
        )

    def plate(self, kind: str) -> str:
        while True:
            province = _weighted(self.rng, d.PROVINCES)
            number = self.rng.randrange(10_000, 100_000)
            plate = f"{province}{d.PLATE_SERIES[kind]}-{number // 100:03d}.{number % 100:02d}"
            if plate not in self.plates:
                self.plates.add(plate)
                return plate

    def expiry(self) -> date:
        """Mostly well ahead; about 3 % lapsed and 5 % lapsing within the month."""
        roll = self.rng.random()
        if roll < 0.03:
            return self.today - timedelta(days=self.rng.randint(1, 90))
        if roll < 0.08:
            return self.today + timedelta(days=self.rng.randint(0, 30))
        return self.today + timedelta(days=self.rng.randint(31, 900))


def _vehicle(maker: Maker, owner_id: int) -> dict[str, Any]:
    rng = maker.rng
    kind, _, models, payload, seats, badge = _weighted(rng, [(k, k[1]) for k in d.VEHICLE_KINDS])
    make, _, model = rng.choice(models).partition(" ")
    values: dict[str, Any] = {
        "plate": maker.plate(kind),
        "kind": kind,
        "make": make,
        "model": model,
        "year": rng.randint(2008, 2026),
        "owner_member_id": owner_id,
        "features": [],
        "badge_number": f"PH-60-{maker.next_serial():06d}",
        "badge_type": badge,
        "badge_expiry": maker.expiry(),
        "inspection_expiry": maker.expiry(),
        "insurance_expiry": maker.expiry(),
        "tracking_device_id": f"VT-86{rng.randrange(10**13):013d}",
        "payload_kg": None,
        "volume_m3": None,
        "seats": None,
    }
    if payload:
        values["payload_kg"] = rng.randrange(payload[0], payload[1] + 1, 100)
        values["volume_m3"] = round(values["payload_kg"] / 250, 1)
        if kind == "truck" and rng.random() < 0.15:
            values["features"] = [rng.choice(["tail_lift", "refrigerated", "crane"])]
    if seats:
        values["seats"] = rng.randint(*seats)
    return values


def _derived(entity: Any, model: type[Any], values: dict[str, Any]) -> dict[str, Any]:
    row = model(**values)
    entity.derive(row)
    extra = {"search": row.search}
    if model is Vehicle:
        extra["plate_key"] = row.plate_key
    return {**values, **extra}


async def _insert(session: AsyncSession, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    result = await session.execute(
        insert(model).returning(model.id, sort_by_parameter_order=True), rows
    )
    return [row[0] for row in result]


async def _seed_coop(
    session: AsyncSession,
    spec: DemoCoop,
    rng: random.Random,
    password_hash: str,
    *,
    with_places: bool,
) -> dict[str, int]:
    today = today_in(ZONE)
    maker = Maker(rng, today)
    coop = Cooperative(
        name=spec.name,
        tax_code=spec.tax_code,
        time_zone=ZONE,
        address="Số 1 Phạm Văn Thuận, Biên Hòa, Đồng Nai",
        phone="02513822123",
        management_fee_vnd=300_000,
    )
    session.add(coop)
    await session.flush()
    cid = coop.id

    members = []
    for n in range(1, spec.size + 1):
        members.append(
            _derived(
                MEMBERS,
                Member,
                {
                    "cooperative_id": cid,
                    "member_no": f"TV-{n:05d}",
                    "full_name": maker.name(),
                    "phone": maker.phone(),
                    "national_id": maker.national_id(),
                    "address": maker.address(),
                    "join_date": date(2010, 1, 1) + timedelta(days=rng.randrange(16 * 365)),
                    "status": "active" if rng.random() > 0.02 else "suspended",
                    "capital_contribution_vnd": rng.choice([5, 10, 20, 50]) * 1_000_000,
                },
            )
        )
    member_ids = await _insert(session, Member, members)

    # Most members own one vehicle, some two to five; owners cycle until there are `size`.
    owners: list[int] = []
    for member_id in member_ids:
        owners += [member_id] * (1 if rng.random() < 0.8 else rng.randint(2, 5))
    owners = owners[: spec.size] + member_ids[: max(0, spec.size - len(owners))]
    vehicles = [
        _derived(VEHICLES, Vehicle, {"cooperative_id": cid, **_vehicle(maker, owner)})
        for owner in owners
    ]
    vehicle_ids = await _insert(session, Vehicle, vehicles)

    drivers = []
    member_names = {mid: m["full_name"] for mid, m in zip(member_ids, members, strict=True)}
    for vehicle, owner in zip(vehicles, owners, strict=True):
        drives_own = rng.random() < 0.85 and owner in member_names
        drivers.append(
            _derived(
                DRIVERS,
                Driver,
                {
                    "cooperative_id": cid,
                    "full_name": member_names.pop(owner) if drives_own else maker.name(),
                    "phone": maker.phone(),
                    "national_id": maker.national_id(),
                    "date_of_birth": date(1965, 1, 1) + timedelta(days=rng.randrange(35 * 365)),
                    "licence_number": f"75{maker.next_serial():010d}",
                    "licence_class": rng.choice(d.LICENCE_FOR_KIND[vehicle["kind"]]),
                    "licence_expiry": maker.expiry(),
                    "driver_card_id": f"DC-60-{maker.serial:06d}",
                    "member_id": owner if drives_own else None,
                    "status": "active",
                },
            )
        )
    driver_ids = await _insert(session, Driver, drivers)

    assignments = [
        {
            "cooperative_id": cid,
            "vehicle_id": v,
            "driver_id": dr,
            "starts_at": today - timedelta(days=rng.randint(1, 700)),
        }
        for v, dr in zip(vehicle_ids, driver_ids, strict=True)
    ]
    await _insert(session, VehicleAssignment, assignments)

    users = [
        {
            "cooperative_id": cid,
            "login": f"{role}@{spec.login_domain}",
            "role": role,
            "full_name": maker.name(),
            "password_hash": password_hash,
            "driver_id": None,
            "member_id": None,
        }
        for role in ("admin", "dispatcher", "director", "accountant")
    ]
    users += [
        {
            "cooperative_id": cid,
            "login": member["phone"],
            "role": "member",
            "full_name": member["full_name"],
            "password_hash": password_hash,
            "driver_id": None,
            "member_id": mid,
        }
        for member, mid in zip(members, member_ids, strict=True)
    ]
    users += [
        {
            "cooperative_id": cid,
            "login": driver["phone"],
            "role": "driver",
            "full_name": driver["full_name"],
            "password_hash": password_hash,
            "driver_id": did,
            "member_id": None,
        }
        for driver, did in zip(drivers, driver_ids, strict=True)
    ]
    await _insert(session, User, users)

    if with_places:
        await _insert(
            session,
            Depot,
            [
                {
                    "cooperative_id": cid,
                    "name": name,
                    "address": address,
                    "radius_m": 300,
                    "location": from_shape(Point(lon, lat), srid=4326),
                }
                for name, address, lat, lon in d.DEPOTS
            ],
        )
        await _insert(
            session,
            Zone,
            [
                {
                    "cooperative_id": cid,
                    "name": name,
                    "kind": kind,
                    "speed_limit_kmh": limit,
                    "area": from_shape(MultiPolygon([Polygon(ring)]), srid=4326),
                }
                for name, kind, limit, ring in d.ZONES
            ],
        )
    return {
        "cooperative": cid,
        "members": len(member_ids),
        "vehicles": len(vehicle_ids),
        "drivers": len(driver_ids),
        "users": len(users),
    }


async def seed_demo(settings: Settings, *, size: int = 3000, seed: int = 20261124) -> str:
    """Create the demo cooperatives and accounts unless they exist; a summary to print."""
    main = DemoCoop("HTX Vận tải Biên Hòa", DEMO_TAX_CODE, "bienhoa.demo", size)
    second = DemoCoop("HTX Vận tải Long Thành", "3607654321", "longthanh.demo", max(10, size // 60))
    engine = create_engine_from_settings(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            existing = await session.scalar(
                select(Cooperative.id).where(Cooperative.tax_code == main.tax_code)
            )
            if existing is not None:
                return f"demo data already present (cooperative {existing}); nothing changed"
            rng = random.Random(seed)
            password_hash = hash_password(DEMO_PASSWORD)
            first = await _seed_coop(session, main, rng, password_hash, with_places=True)
            other = await _seed_coop(session, second, rng, password_hash, with_places=False)
            await _platform_admin(session, "platform@coopfleet.demo", password_hash)
    finally:
        await engine.dispose()
    return "\n".join(
        [
            f"seeded {main.name}: {first['members']} members, {first['drivers']} drivers, "
            f"{first['vehicles']} vehicles, {first['users']} accounts",
            f"seeded {second.name}: {other['vehicles']} vehicles",
            f"demo logins (password {DEMO_PASSWORD}): admin@bienhoa.demo, dispatcher@bienhoa.demo, "
            "director@bienhoa.demo, accountant@bienhoa.demo, any driver's or member's phone "
            "number (the app at /app/, the members' portal at /portal/), admin@longthanh.demo, "
            "platform@coopfleet.demo",
        ]
    )


async def _platform_admin(session: AsyncSession, login: str, password_hash: str) -> None:
    user = await session.scalar(select(User).where(User.login == login))
    if user is None:
        session.add(
            User(
                cooperative_id=None,
                login=login,
                role="platform_admin",
                full_name="Quản trị nền tảng",
                password_hash=password_hash,
            )
        )
    else:
        user.password_hash = password_hash
        user.is_active = True
    await session.flush()


async def create_platform_admin(settings: Settings, *, login: str, password: str) -> None:
    """Create a platform admin, or reset its password."""
    engine = create_engine_from_settings(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            await _platform_admin(session, login.lower(), hash_password(password))
    finally:
        await engine.dispose()
