"""Tasks fall due at whichever interval comes first, counted from the derived rollups; one
notice per cycle; the inspection follows the legal cycle; overdue safety tasks hold dispatch."""

from __future__ import annotations

from datetime import UTC, date, datetime

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.timeutil import today_in
from fleet import eligibility
from fleet.legal import inspection_cycle_on, inspection_months
from maintenance import due, work_orders
from maintenance.due import Counters, TaskTerms, add_months, assess
from maintenance.models import MaintenanceNotice
from maintenance.work_orders import CloseIn
from routing.planning import candidates
from tests import factories
from tests.conftest import CoopWorld
from tests.maintenance.helpers import drive, task
from tests.routing.test_orders import make
from tests.routing.test_suggestions import park

START = date(2026, 6, 1)


def test_whichever_interval_comes_first() -> None:
    terms = TaskTerms("oil", every_km=10_000, every_engine_h=300, every_months=6)
    fresh = assess(terms, Counters(START, 5_000_000, 100 * 3600), date(2026, 7, 1))
    assert (fresh.state, fresh.km_left, fresh.engine_h_left) == (due.OK, 5_000, 200.0)
    soon = assess(terms, Counters(START, 9_000_000, 0), date(2026, 7, 1))
    assert soon.state == due.DUE_SOON  # 1,000 km left: 10 % of the interval
    by_hours = assess(terms, Counters(START, 1_000_000, 300 * 3600), date(2026, 7, 1))
    assert by_hours.state == due.OVERDUE
    assert by_hours.reason == "oil: 300 engine hours since 2026-06-01 (every 300 h)"
    by_months = assess(terms, Counters(START, 0, 0), date(2026, 12, 2))
    assert (by_months.state, by_months.due_on) == (due.OVERDUE, date(2026, 12, 1))
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_inspection_interval_follows_the_age_rule_on_known_dates() -> None:
    day = date(2026, 3, 10)
    assert inspection_months("truck", 2019, day) == 12  # 7 years old
    assert inspection_months("truck", 2018, day) == 6  # 8
    assert inspection_months("container_tractor", 2005, day) == 3  # 21
    assert inspection_months("taxi", 2021, day) == 12  # 5
    assert inspection_months("taxi", 2020, day) == 6  # 6
    assert inspection_months("coach", 2010, day) == 3  # 16
    assert inspection_months("bus", 2026, day, first=True) == 24
    assert inspection_cycle_on("truck", day).source.startswith("Thông tư 47/2024")
    assert inspection_cycle_on("truck", date(2024, 6, 1)).source.startswith("Thông tư 02/2023")
    terms = TaskTerms("inspection", None, None, None, legal_inspection=True)
    old_truck = assess(terms, Counters(day, 0, 0), day, kind="truck", year_made=2018)
    assert old_truck.due_on == date(2026, 9, 10)
    recorded = assess(
        terms, Counters(day, 0, 0), day, kind="truck", inspection_expiry=date(2026, 3, 1)
    )
    assert (recorded.state, recorded.due_on) == (due.OVERDUE, date(2026, 3, 1))


async def test_crossing_10000_km_raises_exactly_one_notice(
    session: AsyncSession, coop_a: CoopWorld
) -> None:
    tenant = coop_a.admin.tenant
    car = await factories.make_vehicle(session, coop_a.coop)
    oil = await task(session, tenant, name="oil", every_km=10_000, starts_on=START)
    await drive(session, coop_a.coop.id, car.id, START, 49, 200.0)  # 9,800 km
    today = date(2026, 8, 1)
    assert await due.raise_notices(session, coop_a.coop.id, today) == 0
    [item] = await due.due_list(session, coop_a.coop.id, today)
    assert (item.state, item.km_since, item.km_left) == (due.DUE_SOON, 9_800, 200)
    await drive(session, coop_a.coop.id, car.id, date(2026, 7, 20), 2, 150.0)  # 10,100 km
    assert await due.raise_notices(session, coop_a.coop.id, today) == 1
    assert await due.raise_notices(session, coop_a.coop.id, today) == 0  # the sweep again
    notices = await session.scalar(
        select(func.count()).where(
            MaintenanceNotice.task_id == oil.id, MaintenanceNotice.vehicle_id == car.id
        )
    )
    assert notices == 1
    # done: the counters start again the day after, and a new cycle may be noticed later
    order = await work_orders.open_order(session, tenant, car.id, task_id=oil.id)
    await work_orders.close_order(session, tenant, order.id, CloseIn(closed_on=date(2026, 7, 21)))
    [item] = await due.due_list(session, coop_a.coop.id, today)
    assert (item.state, item.km_since, item.since) == (due.OK, 0, date(2026, 7, 22))


async def test_other_cooperatives_tasks_do_not_apply(
    session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    await task(session, coop_b.admin.tenant, name="oil", every_km=10_000, starts_on=START)
    car = await factories.make_vehicle(session, coop_a.coop)
    await drive(session, coop_a.coop.id, car.id, START, 60, 200.0)
    assert await due.due_list(session, coop_a.coop.id, date(2026, 8, 1)) == []


async def test_an_overdue_brake_task_removes_the_vehicle_from_suggestions_with_the_reason(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld
) -> None:
    order = await make(client, coop_a)
    ok_driver, ok_car = await park(session, coop_a, 106.873, 10.958, payload_kg=8000)
    worn_driver, worn = await park(session, coop_a, 106.8725, 10.9575, payload_kg=8000)
    await task(
        session, coop_a.admin.tenant, name="brakes", every_km=20_000, safety=True, vehicle_id=worn
    )
    await task(session, coop_a.admin.tenant, name="oil", every_km=1_000, vehicle_id=ok_car)
    today = today_in(coop_a.coop.time_zone)  # the cooperative's day
    await drive(session, coop_a.coop.id, worn, today, 1, 20_500.0)
    await drive(session, coop_a.coop.id, ok_car, today, 1, 5_000.0)  # overdue oil: no hold
    await session.commit()
    answer = await client.get(
        f"/api/v1/orders/{order['id']}/suggestions?explain=true",
        headers=coop_a.dispatcher.headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [d["driver_id"] for d in body["drivers"]] == [ok_driver]
    reasons = {e["driver_id"]: e["reason"] for e in body["excluded"]}
    assert reasons[worn_driver] == (
        f"{eligibility.MAINTENANCE_BLOCK}: brakes: 20,500 km since {today.isoformat()}"
        " (every 20,000 km)"
    )
    # planning says the same, with the holds the worker gathers
    held = await due.holds(session, coop_a.coop.id, today, None)
    assert list(held) == [worn]
    found, excluded = await candidates(
        session, coop_a.dispatcher.tenant, {}, datetime.now(UTC), held
    )
    assert {e.driver_id: e.reason for e in excluded}[worn_driver] == reasons[worn_driver]
    assert worn_driver not in [c.driver_id for c in found]


async def test_the_inspection_task_is_due_by_the_recorded_expiry_or_the_cycle(
    session: AsyncSession, coop_a: CoopWorld
) -> None:
    today = date(2026, 12, 4)
    soon = await factories.make_vehicle(session, coop_a.coop, inspection_expiry=date(2026, 12, 20))
    later = await factories.make_vehicle(session, coop_a.coop, inspection_expiry=date(2027, 5, 1))
    unrecorded = await factories.make_vehicle(session, coop_a.coop, year=2010, kind="truck")
    await task(
        session, coop_a.admin.tenant, name="inspection", legal_inspection=True, safety=True,
        starts_on=date(2026, 5, 1),
    )  # fmt: skip
    shown = await due.due_list(session, coop_a.coop.id, today, states=(due.DUE_SOON, due.OVERDUE))
    listed = {d.vehicle_id: d for d in shown}
    assert listed[soon.id].state == due.DUE_SOON and listed[soon.id].due_on == date(2026, 12, 20)
    assert later.id not in listed  # not due soon: left out by the query itself
    # a truck 16 years old: every 6 months from 2026-05-01, so overdue since 2026-11-01
    assert listed[unrecorded.id].state == due.OVERDUE
    assert listed[unrecorded.id].due_on == date(2026, 11, 1)
    every = await due.due_list(session, coop_a.coop.id, today, states=(due.OK,))
    assert [d.vehicle_id for d in every] == [later.id]
    assert (await due.holds(session, coop_a.coop.id, today, None)) == {
        unrecorded.id: ["inspection: due on 2026-11-01"]
    }
