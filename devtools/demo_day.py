"""The demo's working day: drivers on shift and orders waiting to be planned, so the console's
orders, suggestions and plan tabs have work from the first minute of ``make demo``.

Run at every demo start (``coopfleet demo-day``): shifts whose planned end has passed are ended,
a share of the drivers who may drive start a 10-hour shift, and new orders between Đồng Nai's
towns are added until the cooperative has the wanted number waiting. Orders are created through
``routing.orders.create``, the path the API uses, so they carry the same history and checks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.db import create_engine_from_settings, session_factory, unit_of_work
from core.tenancy import Tenant
from core.timeutil import utcnow
from devtools import demo_data
from devtools.seed import DEMO_DISPATCHER, DEMO_TAX_CODE
from fleet.enums import VehicleKind
from fleet.geo import GeoJSONPoint
from fleet.models import Cooperative, User
from fleet.shifts import DEFAULT_SHIFT_S
from routing import orders as order_service
from routing.lifecycle import OrderStatus
from routing.matrix import GreatCircle
from routing.models import Order
from routing.schemas import OrderCreate, OrderKind, StopIn

HOUR = timedelta(hours=1)

_END_PAST_SHIFTS = text(
    """
    UPDATE shifts SET ended_at = coalesce(planned_end_at, started_at + make_interval(secs => :s))
    WHERE cooperative_id = :coop AND ended_at IS NULL
      AND coalesce(planned_end_at, started_at + make_interval(secs => :s)) <= :now
    """
)
# drivers who could start a shift in the app: active, with an active vehicle assigned now, papers
# valid today, neither of them on an open shift; a random share of them
_START_SHIFTS = text(
    """
    INSERT INTO shifts (cooperative_id, driver_id, vehicle_id, started_at, planned_end_at)
    SELECT d.cooperative_id, d.id, v.id, :now, :now + make_interval(secs => :s)
    FROM drivers d
    JOIN vehicle_assignments a ON a.driver_id = d.id AND a.ends_at IS NULL
    JOIN vehicles v ON v.id = a.vehicle_id
    WHERE d.cooperative_id = :coop AND d.status = 'active' AND v.status = 'active'
      AND d.licence_expiry >= :today
      AND coalesce(v.inspection_expiry, :today) >= :today
      AND coalesce(v.insurance_expiry, :today) >= :today
      AND coalesce(v.badge_expiry, :today) >= :today
      AND NOT EXISTS (SELECT 1 FROM shifts s WHERE s.ended_at IS NULL
                      AND (s.driver_id = d.id OR s.vehicle_id = v.id))
      AND random() < :share
    """
)
_ON_SHIFT = text("SELECT count(*) FROM shifts WHERE cooperative_id = :coop AND ended_at IS NULL")


@dataclass(frozen=True, slots=True)
class DemoDay:
    shifts_ended: int
    on_shift: int
    orders_added: int
    orders_waiting: int


async def open_day(
    session: AsyncSession,
    tenant: Tenant,
    now: datetime,
    *,
    on_shift_share: float = 0.6,
    waiting: int = 300,
    seed: int | None = None,
) -> DemoDay:
    """End past shifts, put about ``on_shift_share`` of the idle drivers on shift, top the
    cooperative's new orders up to ``waiting``."""
    params = {"coop": tenant.cooperative_id, "now": now, "s": DEFAULT_SHIFT_S}
    ended = (await session.execute(_END_PAST_SHIFTS, params)).rowcount  # type: ignore[attr-defined]
    await session.execute(_START_SHIFTS, params | {"today": now.date(), "share": on_shift_share})
    on_shift = (await session.execute(_ON_SHIFT, params)).scalar_one()
    have = await session.scalar(
        select(func.count())
        .select_from(Order)
        .where(Order.cooperative_id == tenant.cooperative_id, Order.status == OrderStatus.NEW)
    )
    rng = random.Random(seed)
    missing = max(0, waiting - int(have or 0))
    for n in range(missing):
        await order_service.create(session, tenant, demo_order(rng, now, n))
    return DemoDay(ended, int(on_shift), missing, int(have or 0) + missing)


async def demo_dispatcher(session: AsyncSession) -> Tenant:
    """The seeded demo cooperative, as its dispatcher."""
    found = (
        await session.execute(
            select(Cooperative.id, User.id)
            .join(User, User.cooperative_id == Cooperative.id)
            .where(Cooperative.tax_code == DEMO_TAX_CODE, User.login == DEMO_DISPATCHER)
        )
    ).first()
    if found is None:
        raise LookupError("no demo cooperative: run `coopfleet seed --demo` first")
    return Tenant(found[0], user_id=found[1], role="dispatcher")


async def open_demo_day(settings: Settings, **day: Any) -> DemoDay:
    """``open_day`` for the seeded demo cooperative (``coopfleet demo-day``)."""
    engine = create_engine_from_settings(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return await open_day(session, await demo_dispatcher(session), utcnow(), **day)
    finally:
        await engine.dispose()


def demo_order(rng: random.Random, now: datetime, n: int) -> OrderCreate:
    """A believable order of the day: freight by truck or van, or a passenger charter, between
    two places around Đồng Nai's towns, picked up within the next hours."""
    weights = [town[3] for town in demo_data.TOWNS]
    source, target = rng.choices(demo_data.TOWNS, weights=weights, k=2)
    pickup, dropoff = _near(rng, source), _near(rng, target)
    km = float(GreatCircle().table([pickup, dropoff])[1][0, 1]) / 1000  # by road, roughly
    ready = now + timedelta(minutes=rng.randrange(30, 6 * 60, 15))
    kind = rng.choices(("truck", "van", "contract_car"), weights=(70, 15, 15))[0]
    load: dict[str, int | float] = {}
    if kind == "truck":
        load = {"weight_kg": rng.randrange(500, 6000, 100), "volume_m3": rng.randrange(2, 20)}
    elif kind == "van":
        load = {"weight_kg": rng.randrange(50, 600, 10), "volume_m3": rng.randrange(1, 4)}
    else:
        load = {"seats": rng.randrange(2, 8)}
    charter = kind == "contract_car"
    return OrderCreate(
        reference=f"DEMO-{now:%y%m%d}-{n:04d}-{rng.randrange(16**4):04x}",
        kind=OrderKind.PASSENGER_CHARTER if charter else OrderKind.FREIGHT,
        customer_name=rng.choice(demo_data.CUSTOMERS),
        customer_phone=f"09{rng.randrange(10**8):08d}",
        priority=rng.choices((0, 1, 2), weights=(80, 15, 5))[0],
        price_vnd=round(150_000 + km * (9_000 if charter else 15_000), -3),
        vehicle_kind=VehicleKind(kind),
        pickup=StopIn(
            address=f"{rng.choice(demo_data.STREETS)}, {source[0]}, Đồng Nai",
            location=GeoJSONPoint(type="Point", coordinates=pickup),
            window_from=ready,
            window_to=ready + 2 * HOUR,
            service_s=300 if charter else 900,
        ),
        dropoff=StopIn(
            address=f"{rng.choice(demo_data.STREETS)}, {target[0]}, Đồng Nai",
            location=GeoJSONPoint(type="Point", coordinates=dropoff),
            window_to=ready + 6 * HOUR,
            service_s=300 if charter else 900,
        ),
        **load,
    )


def _near(rng: random.Random, town: tuple[str, float, float, int]) -> tuple[float, float]:
    """A (lon, lat) point within a few kilometres of the town's centre."""
    _, lat, lon, _ = town
    return (round(lon + rng.gauss(0, 0.03), 5), round(lat + rng.gauss(0, 0.03), 5))
