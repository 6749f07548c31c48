"""The demo's working day: who goes on shift, what orders appear, and that it can run again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from devtools.demo_day import open_day
from routing.models import Order
from tests import factories
from tests.conftest import CoopWorld

NOW = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)


async def assign(session: AsyncSession, world: CoopWorld, **driver: object) -> int:
    person = await factories.make_driver(session, world.coop, **driver)
    car = await factories.make_vehicle(session, world.coop)
    await session.execute(
        text(
            "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
            " VALUES (:c, :v, :d)"
        ),
        {"c": world.coop.id, "v": car.id, "d": person.id},
    )
    return person.id


async def on_shift(session: AsyncSession, coop_id: int) -> set[int]:
    rows = await session.execute(
        text("SELECT driver_id FROM shifts WHERE cooperative_id = :c AND ended_at IS NULL"),
        {"c": coop_id},
    )
    return set(rows.scalars())


async def test_drivers_who_may_drive_go_on_shift_and_orders_wait_to_be_planned(
    session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    able = [await assign(session, coop_a) for _ in range(3)]
    lapsed = await assign(session, coop_a, licence_expiry=date(2020, 1, 1))
    tenant = coop_a.dispatcher.tenant
    day = await open_day(session, tenant, NOW, on_shift_share=1.0, waiting=25, seed=1)
    assert await on_shift(session, coop_a.coop.id) == set(able)
    assert lapsed not in await on_shift(session, coop_a.coop.id)
    assert (day.shifts_ended, day.on_shift, day.orders_added, day.orders_waiting) == (0, 3, 25, 25)
    orders = list(
        (
            await session.execute(select(Order).where(Order.cooperative_id == coop_a.coop.id))
        ).scalars()
    )
    assert len(orders) == 25 and {o.status for o in orders} == {"new"}
    for order in orders:
        assert order.pickup_from is not None and order.pickup_from > NOW
        assert order.dropoff_to is not None and order.dropoff_to > order.pickup_from
        assert order.vehicle_kind in {"truck", "van", "contract_car"}
        assert (order.seats > 0) == (order.kind == "passenger_charter")
        assert order.price_vnd >= 150_000
    # run again the same morning: nothing more to do
    again = await open_day(session, tenant, NOW, on_shift_share=1.0, waiting=25, seed=2)
    assert (again.shifts_ended, again.on_shift, again.orders_added) == (0, 3, 0)
    # the next morning: yesterday's shifts are over and new ones start
    tomorrow = await open_day(
        session, tenant, NOW + timedelta(hours=24), on_shift_share=1.0, waiting=25, seed=3
    )
    assert (tomorrow.shifts_ended, tomorrow.on_shift) == (3, 3)
    other = await session.scalar(
        select(func.count()).select_from(Order).where(Order.cooperative_id == coop_b.coop.id)
    )
    assert other == 0 and await on_shift(session, coop_b.coop.id) == set()
