"""Plain factory functions: ``make_vehicle(session, coop, **overrides)``."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from fleet.entities import DRIVERS, MEMBERS, VEHICLES
from fleet.models import Cooperative, Driver, Member, User, Vehicle
from fleet.passwords import hash_password

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def _next() -> int:
    return next(_counter)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(PASSWORD)


async def _save(session: AsyncSession, row: Any) -> Any:
    session.add(row)
    await session.flush()
    return row


async def make_coop(session: AsyncSession, **overrides: Any) -> Cooperative:
    n = _next()
    values: dict[str, Any] = {"name": f"HTX {n}", "tax_code": f"36{n:08d}"}
    values.update(overrides)
    coop: Cooperative = await _save(session, Cooperative(**values))
    return coop


async def make_member(session: AsyncSession, coop: Cooperative, **overrides: Any) -> Member:
    n = _next()
    values: dict[str, Any] = {
        "member_no": f"TV-{n:05d}",
        "full_name": f"Nguyễn Văn Thành {n}",
        "phone": f"09{n:08d}",
        "join_date": date(2020, 1, 1),
    }
    values.update(overrides)
    member = Member(cooperative_id=coop.id, **values)
    MEMBERS.derive(member)
    saved: Member = await _save(session, member)
    return saved


async def make_driver(session: AsyncSession, coop: Cooperative, **overrides: Any) -> Driver:
    n = _next()
    values: dict[str, Any] = {
        "full_name": f"Trần Thị Lan {n}",
        "phone": f"08{n:08d}",
        "licence_number": f"75{n:010d}",
        "licence_class": "C",
        "licence_expiry": date.today() + timedelta(days=900),
    }
    values.update(overrides)
    driver = Driver(cooperative_id=coop.id, **values)
    DRIVERS.derive(driver)
    saved: Driver = await _save(session, driver)
    return saved


async def make_vehicle(session: AsyncSession, coop: Cooperative, **overrides: Any) -> Vehicle:
    n = _next()
    values: dict[str, Any] = {
        "plate": f"60C-{n // 100 % 1000:03d}.{n % 100:02d}",
        "kind": "truck",
        "payload_kg": 5000,
        "features": [],
    }
    values.update(overrides)
    vehicle = Vehicle(cooperative_id=coop.id, **values)
    VEHICLES.derive(vehicle)
    saved: Vehicle = await _save(session, vehicle)
    return saved


async def make_user(
    session: AsyncSession,
    coop: Cooperative | None,
    *,
    role: str,
    driver: Driver | None = None,
    **overrides: Any,
) -> User:
    n = _next()
    values: dict[str, Any] = {
        "login": f"{role}{n}@example.vn",
        "full_name": f"{role.title()} {n}",
        "password_hash": _password_hash(),
    }
    values.update(overrides)
    user = User(
        cooperative_id=coop.id if coop else None,
        role=role,
        driver_id=driver.id if driver else None,
        **values,
    )
    saved: User = await _save(session, user)
    return saved
