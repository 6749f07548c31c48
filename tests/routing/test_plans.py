"""Planning through the API on committed data, run by a real job worker (procrastinate, in
this process): start, progress, result checked, accept; the per-cooperative cap; error codes."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from api.i18n import VIETNAMESE
from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from routing import planning
from routing.models import Plan
from routing.solver import Leg, Result, Route, Status, Unserved, Visit
from tests.conftest import CoopWorld
from tests.solver.tiny import MINUTE, parcel, problem, truck
from tests.waiting import wait_until_async
from worker.main import run

pytestmark = pytest.mark.solver  # plans solved by a real job worker

V1 = "/api/v1"
ENDED = ("done", "failed", "cancelled", "accepted")
PLAN_TIMEOUT_S = 60  # a few seconds of solving, on a loaded machine
# tests that need a plan, not its budget: stop once settled (the tiny days here settle at once)
SETTLING = {"time_limit_s": 3, "stop_when_no_improvement_s": 0.5}


@asynccontextmanager
async def running_worker(settings: Settings) -> AsyncIterator[None]:
    """``coopfleet worker``'s loop on the test database, stopped (and checked) at the end."""
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop))
    try:
        yield
    finally:
        stop.set()
        await task


@pytest_asyncio.fixture
async def worker(settings: Settings) -> AsyncIterator[None]:
    async with running_worker(settings):
        yield


@pytest.fixture
def small_coop(settings: Settings) -> Iterator[tuple[int, list[int]]]:
    """Three drivers on shift with trucks at a depot in Biên Hòa; one with an expired licence;
    a fourth with a vehicle but no shift, who must not be planned."""
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('HTX kế hoạch', '3900000088')"
            " RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        conn.execute(
            "INSERT INTO depots (cooperative_id, name, location)"
            " VALUES (%s, 'Bãi Amata', ST_SetSRID(ST_MakePoint(106.87, 10.95), 4326))",
            (coop,),
        )
        drivers = []
        for n in range(4):
            expiry = "2020-01-01" if n == 2 else "2030-01-01"
            driver = conn.execute(
                "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
                " licence_class, licence_expiry) VALUES (%s, %s, %s, %s, 'C', %s) RETURNING id",
                (coop, f"Tài xế {n}", f"0911000{n:03d}", f"KH{n:06d}", expiry),
            ).fetchone()[0]  # type: ignore[index]
            vehicle = conn.execute(
                "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind, payload_kg)"
                " VALUES (%s, %s, %s, 'truck', 8000) RETURNING id",
                (coop, f"60C-{n:03d}.77", f"60C{n:03d}77"),
            ).fetchone()[0]  # type: ignore[index]
            conn.execute(
                "INSERT INTO vehicle_assignments (cooperative_id, vehicle_id, driver_id)"
                " VALUES (%s, %s, %s)",
                (coop, vehicle, driver),
            )
            if n < 3:
                conn.execute(
                    "INSERT INTO shifts (cooperative_id, driver_id, vehicle_id)"
                    " VALUES (%s, %s, %s)",
                    (coop, driver, vehicle),
                )
            drivers.append(driver)
    yield coop, drivers
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute("DELETE FROM users WHERE cooperative_id = %s", (coop,))
        conn.execute("DELETE FROM cooperatives WHERE id = %s", (coop,))


def order(n: int, start: datetime) -> dict[str, object]:
    return {
        "reference": f"KH-{n}",
        "customer_name": "Khách hàng",
        "weight_kg": 2000,
        "vehicle_kind": "truck",
        "pickup": {
            "address": f"Kho {n}, Biên Hòa",
            "location": {"type": "Point", "coordinates": [106.80 + n * 0.01, 10.94]},
            "window_from": start.isoformat(),
            "window_to": (start + timedelta(hours=4)).isoformat(),
            "service_s": 600,
        },
        "dropoff": {
            "address": f"Cửa hàng {n}, Thủ Đức",
            "location": {"type": "Point", "coordinates": [106.75, 10.80 + n * 0.005]},
            "window_to": (start + timedelta(hours=8)).isoformat(),
            "service_s": 300,
        },
    }


async def test_plan_serves_what_it_can_and_says_why_not(
    settings: Settings, engine: AsyncEngine, small_coop: tuple[int, list[int]], worker: None
) -> None:
    coop, drivers = small_coop
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="plan@htx.vn"
    )
    start = datetime.now(UTC) + timedelta(minutes=30)
    transport = httpx.ASGITransport(app=committed_app(settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ids = []
        for n in range(6):
            created = await client.post(f"{V1}/orders", json=order(n, start), headers=headers)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        heavy = order(9, start) | {"reference": "KH-heavy", "weight_kg": 30000}
        too_heavy = (await client.post(f"{V1}/orders", json=heavy, headers=headers)).json()["id"]
        started = await client.post(f"{V1}/plans", json=SETTLING, headers=headers)
        assert started.status_code == 202, started.text
        plan_id = started.json()["id"]
        assert started.json()["status"] == "running"  # a slot was free: started at once

        async def ended() -> dict[str, Any] | None:
            plan: dict[str, Any] = (
                await client.get(f"{V1}/plans/{plan_id}", headers=headers)
            ).json()
            if plan["status"] in ENDED:
                return plan
            assert 0 <= plan["progress"] < 1
            return None

        plan = await wait_until_async(ended, timeout=PLAN_TIMEOUT_S)
        assert plan["status"] == "done", plan
        assert plan["drivers"] == 2 and plan["kpis"]["drivers_excluded"] == 1
        served = {s["order_id"] for r in plan["routes"] for s in r["stops"]}
        assert served == set(ids)
        assert [u["order_id"] for u in plan["unserved"]] == [too_heavy]
        assert "capacity" in plan["unserved"][0]["reason"]
        for route in plan["routes"]:
            assert route["driver_id"] in drivers[:2]
            legs = [(s["order_id"], s["leg"]) for s in route["stops"]]
            for order_id in {o for o, _ in legs}:  # pickup before drop-off, same vehicle
                assert legs.index((order_id, "pickup")) < legs.index((order_id, "dropoff"))
            for stop in route["stops"]:
                assert stop["eta"] <= stop["service_start"] <= stop["service_end"]
        accepted = await client.post(f"{V1}/plans/{plan_id}/accept", headers=headers)
        assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
        one = (await client.get(f"{V1}/orders/{ids[0]}", headers=headers)).json()
        assert one["status"] == "planned" and one["driver_id"] in drivers[:2]
        again = await client.post(f"{V1}/plans/{plan_id}/accept", headers=headers)
        assert again.status_code == 409

        # mid-day: the first order is on board with its driver; re-planning keeps it there, first
        with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
            conn.execute("UPDATE orders SET status = 'picked_up' WHERE id = %s", (ids[0],))
        keeper = one["driver_id"]
        replan = await client.post(f"{V1}/plans", json=SETTLING, headers=headers)
        second_id = replan.json()["id"]
        second = await wait_for(client, second_id, headers)
        assert second["status"] == "done", second
        route = next(r for r in second["routes"] if r["driver_id"] == keeper)
        assert route["stops"][0] == route["stops"][0] | {
            "order_id": ids[0],
            "leg": "dropoff",
            "fixed": True,
        }
        assert second["previous_accepted"]["id"] == plan_id
        offered = await client.post(
            f"{V1}/plans/{second_id}/accept",
            json={"offer": True, "offer_deadline_s": 600},
            headers=headers,
        )
        assert offered.status_code == 200, offered.text
        kept = (await client.get(f"{V1}/orders/{ids[0]}", headers=headers)).json()
        assert kept["status"] == "picked_up" and kept["driver_id"] == keeper
    # every other job is offered to its route's driver, once, with the deadline asked for
    route_of = {
        s["order_id"]: r["driver_id"]
        for r in second["routes"]
        for s in r["stops"]
        if not s["fixed"]
    }
    assert set(route_of) == set(ids[1:])
    with psycopg.connect(settings.sync_database_url) as conn:
        offers = conn.execute(
            "SELECT o.order_id, o.driver_id, r.status, o.deadline_s FROM order_offers o"
            " JOIN orders r ON r.id = o.order_id WHERE o.status = 'open' AND r.cooperative_id = %s",
            (coop,),
        ).fetchall()
    assert sorted(offers) == sorted(
        (order_id, driver, "offered", 600) for order_id, driver in route_of.items()
    )


async def wait_for(
    client: httpx.AsyncClient, plan_id: int, headers: dict[str, str]
) -> dict[str, Any]:
    async def ended() -> dict[str, Any] | None:
        plan: dict[str, Any] = (await client.get(f"{V1}/plans/{plan_id}", headers=headers)).json()
        return plan if plan["status"] in ENDED else None

    return await wait_until_async(ended, timeout=PLAN_TIMEOUT_S, what=f"plan {plan_id} ended")


async def test_a_shift_ends_when_and_where_the_driver_planned(
    settings: Settings, engine: AsyncEngine, small_coop: tuple[int, list[int]], worker: None
) -> None:
    """Driver 0 stops in 3 h at their last drop-off's street; driver 1's shift ends before the
    plan starts: they are left out, and an order that can only start after 3 h is unserved."""
    coop, drivers = small_coop
    now = datetime.now(UTC)
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE shifts SET planned_end_at = %s,"
            " end_location = ST_SetSRID(ST_MakePoint(106.75, 10.80), 4326) WHERE driver_id = %s",
            (now + timedelta(hours=3), drivers[0]),
        )
        conn.execute(
            "UPDATE shifts SET planned_end_at = %s WHERE driver_id = %s",
            (now + timedelta(minutes=1), drivers[1]),
        )
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="shift@htx.vn"
    )
    transport = httpx.ASGITransport(app=committed_app(settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        soon = await client.post(f"{V1}/orders", json=order(0, now), headers=headers)
        late = order(1, now + timedelta(hours=4)) | {"reference": "KH-late"}
        too_late = await client.post(f"{V1}/orders", json=late, headers=headers)
        started = await client.post(f"{V1}/plans", json=SETTLING, headers=headers)
        plan = await wait_for(client, started.json()["id"], headers)
    assert plan["status"] == "done", plan
    assert plan["drivers"] == 1 and plan["kpis"]["drivers_excluded"] == 2
    [route] = plan["routes"]
    assert route["driver_id"] == drivers[0]
    assert [s["order_id"] for s in route["stops"]] == [soon.json()["id"]] * 2
    assert datetime.fromisoformat(route["returns_at"]) <= now + timedelta(hours=3)
    # the drop-off is at (106.75, 10.80), the end place: no drive back to the depot ~21 km away
    returns = datetime.fromisoformat(route["returns_at"])
    assert returns - datetime.fromisoformat(route["stops"][-1]["service_end"]) < timedelta(
        minutes=1
    )
    assert [u["order_id"] for u in plan["unserved"]] == [too_late.json()["id"]]


async def test_a_plan_stops_once_settled_well_before_its_budget(
    settings: Settings, engine: AsyncEngine, small_coop: tuple[int, list[int]], worker: None
) -> None:
    """A 30 s budget with a 0.5 s quiet spell ends in seconds and serves the same orders as a
    plan that spends its whole (short) budget; the value is stored and shown."""
    coop, _ = small_coop
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="settled@htx.vn"
    )
    start = datetime.now(UTC) + timedelta(minutes=30)
    transport = httpx.ASGITransport(app=committed_app(settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        ids = set()
        for n in range(4):
            created = await client.post(f"{V1}/orders", json=order(n, start), headers=headers)
            ids.add(created.json()["id"])
        full = await client.post(f"{V1}/plans", json={"time_limit_s": 2}, headers=headers)
        full_plan = await wait_for(client, full.json()["id"], headers)
        quick = {"time_limit_s": 30, "stop_when_no_improvement_s": 0.5}
        started = await client.post(f"{V1}/plans", json=quick, headers=headers)
        assert started.status_code == 202, started.text
        assert started.json()["stop_when_no_improvement_s"] == 0.5
        settled = await wait_for(client, started.json()["id"], headers)
    assert full_plan["status"] == settled["status"] == "done", (full_plan, settled)
    assert full_plan["stop_when_no_improvement_s"] is None
    took = datetime.fromisoformat(settled["finished_at"]) - datetime.fromisoformat(
        settled["started_at"]
    )
    assert took < timedelta(seconds=10), took  # the budget was 30 s
    served = [
        {s["order_id"] for r in p["routes"] for s in r["stops"]} for p in (full_plan, settled)
    ]
    assert served[0] == served[1] == ids
    assert settled["stop_when_no_improvement_s"] == 0.5 and settled["time_limit_s"] == 30


@pytest.mark.parametrize(
    "body",
    [
        {"stop_when_no_improvement_s": 0},
        {"stop_when_no_improvement_s": -1},
        {"stop_when_no_improvement_s": "soon"},
        {"time_limit_s": 5, "stop_when_no_improvement_s": 5.5},
    ],
)
async def test_a_quiet_spell_outside_the_budget_is_refused_naming_the_field(
    client: httpx.AsyncClient, coop_a: CoopWorld, body: dict[str, Any]
) -> None:
    refused = await client.post(f"{V1}/plans", json=body, headers=coop_a.dispatcher.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "stop_when_no_improvement_s", refused.json()


async def jobs_for(session: AsyncSession, plan_ids: list[int]) -> list[int]:
    """Plans with a job to do, as the session sees them (deferred in its transaction)."""
    rows = await session.execute(
        text(
            "SELECT (args->>'plan_id')::int FROM procrastinate_jobs"
            " WHERE task_name = 'plan' AND status = 'todo' AND (args->>'plan_id')::int = ANY(:ids)"
        ),
        {"ids": plan_ids},
    )
    return sorted(rows.scalars())


async def test_beyond_the_cap_a_plan_waits_queued_with_no_job_until_a_slot_frees(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, settings: Settings
) -> None:
    """No worker here: the request's transaction admits the plan and defers its job, or leaves
    it queued with none; cancelling a running plan admits the next one, with its job."""
    assert settings.plans_per_cooperative == 2
    headers = coop_a.dispatcher.headers
    ids, answers = [], []
    for _ in range(3):
        started = await client.post(f"{V1}/plans", json={"time_limit_s": 60}, headers=headers)
        assert started.status_code == 202, started.text
        answers.append(started.json())
        ids.append(started.json()["id"])
    assert [a["status"] for a in answers] == ["running", "running", "queued"]
    assert answers[2]["progress"] == 0 and answers[2]["started_at"] is None
    assert await jobs_for(session, ids) == ids[:2]
    waiting = (await client.get(f"{V1}/plans/{ids[2]}", headers=headers)).json()
    assert waiting["status"] == "queued"

    cancelled = await client.post(f"{V1}/plans/{ids[0]}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    admitted = (await client.get(f"{V1}/plans/{ids[2]}", headers=headers)).json()
    assert admitted["status"] == "running" and admitted["started_at"] is not None
    assert await jobs_for(session, ids) == ids
    again = await client.post(f"{V1}/plans/{ids[0]}/cancel", headers=headers)
    assert again.status_code == 409


async def test_a_queued_plan_starts_when_the_running_one_ends(
    settings: Settings, engine: AsyncEngine, small_coop: tuple[int, list[int]]
) -> None:
    coop, _ = small_coop
    one_at_a_time = settings.model_copy(update={"plans_per_cooperative": 1})
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="cap@htx.vn"
    )
    start = datetime.now(UTC) + timedelta(minutes=30)
    transport = httpx.ASGITransport(app=committed_app(one_at_a_time, engine))
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        running_worker(one_at_a_time),
    ):
        for n in range(3):
            await client.post(f"{V1}/orders", json=order(n, start), headers=headers)
        first = (await client.post(f"{V1}/plans", json={"time_limit_s": 2}, headers=headers)).json()
        second = (
            await client.post(f"{V1}/plans", json={"time_limit_s": 1}, headers=headers)
        ).json()
        assert (first["status"], second["status"]) == ("running", "queued")
        waiting = (await client.get(f"{V1}/plans/{second['id']}", headers=headers)).json()
        assert waiting["status"] == "queued"  # the first one still runs
        second = await wait_for(client, second["id"], headers)
        first = await wait_for(client, first["id"], headers)
    assert (first["status"], second["status"]) == ("done", "done"), (first, second)
    assert second["started_at"] >= first["finished_at"]


async def test_a_failed_plan_shows_a_stable_code_and_a_message_never_the_exception(
    settings: Settings,
    engine: AsyncEngine,
    small_coop: tuple[int, list[int]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The travel-time service is down (nothing listens on port 9): the user reads the code
    and a sentence in their language; the exception goes to the log with the code."""
    coop, _ = small_coop
    no_osrm = settings.model_copy(update={"osrm_url": "http://127.0.0.1:9"})
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="osrm@htx.vn"
    )
    start = datetime.now(UTC) + timedelta(minutes=30)
    transport = httpx.ASGITransport(app=committed_app(no_osrm, engine))
    caplog.set_level(logging.ERROR, logger="routing.planning")
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
        running_worker(no_osrm),
    ):
        await client.post(f"{V1}/orders", json=order(0, start), headers=headers)
        started = await client.post(f"{V1}/plans", json={"time_limit_s": 2}, headers=headers)
        plan = await wait_for(client, started.json()["id"], headers)
        vi = {**headers, "Accept-Language": "vi-VN,vi;q=0.9"}
        in_vietnamese = (await client.get(f"{V1}/plans/{plan['id']}", headers=vi)).json()
    assert plan["status"] == "failed"
    assert plan["error"] == "travel_times_unavailable"
    assert plan["error_message"] == (
        "The travel-time service could not be reached; plan again later."
    )
    assert in_vietnamese["error_message"].startswith("Không kết nối được dịch vụ")
    assert "Error" not in repr(plan) and "127.0.0.1" not in repr(plan)
    [record] = [r for r in caplog.records if "travel_times_unavailable" in r.getMessage()]
    assert record.exc_info is not None and "ConnectError" in repr(record.exc_info[1])


def test_every_answer_of_the_solver_is_judged_before_it_is_stored() -> None:
    """A plan that breaks a rule (here: an order delivered twice) fails ``plan_invalid`` with
    every violation in the log's text; a valid one passes through unchanged."""
    case = problem(10, [truck("a")], [parcel("x", 2, 5)])
    visits = (
        Visit("x", Leg.PICKUP, 2, 2 * MINUTE, 2 * MINUTE, 2 * MINUTE),
        Visit("x", Leg.DELIVERY, 5, 5 * MINUTE, 5 * MINUTE, 5 * MINUTE),
    )
    good = Result(Status.FEASIBLE, (Route("a", 0, 10 * MINUTE, visits, (), 10_000),), (), 0, 0.0)
    assert planning.checked(case, good) is good
    twice = replace(good, unserved=(Unserved("x", "no vehicle"),))
    with pytest.raises(planning.InvalidPlan, match="'x'") as caught:
        planning.checked(case, twice)
    assert str(planning.error_code(caught.value)) == "plan_invalid"
    assert "plan_invalid" in VIETNAMESE and planning.PlanError.INVALID in planning.PLAN_ERROR_TEXTS


async def test_a_plan_stored_when_stops_said_delivery_reads_as_dropoff(
    client: httpx.AsyncClient, session: AsyncSession, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    """Plans stored before the plan JSON took the orders' word keep "delivery" in their JSON
    column; the API answers "dropoff" for them, and they can still be accepted. Another
    cooperative's id is a 404."""
    order_id = (
        await client.post(
            f"{V1}/orders", json=order(0, datetime.now(UTC)), headers=coop_a.dispatcher.headers
        )
    ).json()["id"]
    at = datetime.now(UTC).isoformat()
    stop = {"order_id": order_id, "eta": at, "service_start": at, "service_end": at}
    old = Plan(
        cooperative_id=coop_a.coop.id,
        status="done",
        time_limit_s=5,
        starts_at=datetime.now(UTC),
        routes=[
            {
                "driver_id": coop_a.driver.user.driver_id,
                "vehicle_id": None,
                "leaves_at": at,
                "returns_at": at,
                "distance_m": 1200,
                "stops": [stop | {"leg": "pickup"}, stop | {"leg": "delivery"}],
            }
        ],
        unserved=[],
        kpis={"served": 1},
    )
    session.add(old)
    await session.flush()
    read = await client.get(f"{V1}/plans/{old.id}", headers=coop_a.dispatcher.headers)
    assert read.status_code == 200, read.text
    [route] = read.json()["routes"]
    assert [s["leg"] for s in route["stops"]] == ["pickup", "dropoff"]
    assert route["stops"][1]["fixed"] is False and route["breaks"] == []
    listed = await client.get(f"{V1}/plans", headers=coop_a.dispatcher.headers)
    assert "delivery" not in listed.text
    elsewhere = await client.get(f"{V1}/plans/{old.id}", headers=coop_b.dispatcher.headers)
    assert elsewhere.status_code == 404
    accepted = await client.post(f"{V1}/plans/{old.id}/accept", headers=coop_a.dispatcher.headers)
    assert accepted.status_code == 200, accepted.text
    assert [s["leg"] for s in accepted.json()["routes"][0]["stops"]] == ["pickup", "dropoff"]
