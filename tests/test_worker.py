"""The job worker: a plan survives its worker being killed mid-plan (a real ``coopfleet worker``
process, SIGKILL, a second one started), and the periodic retention and partition jobs."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Settings
from devtools.apps import committed_app, committed_bearer
from devtools.processes import start_job_worker
from telematics.store import existing_partitions
from tests import factories
from tests.conftest import CoopWorld
from tests.routing.test_plans import V1, order, small_coop, wait_for
from tests.waiting import wait_until_async
from worker.housekeeping import apply_retention, maintain_positions, previous_month
from worker.main import build_app
from worker.plans import watch
from worker.runtime import Runtime

pytestmark = [pytest.mark.solver, pytest.mark.slow]  # plans on real worker processes

# The plans of the kill tests stop once settled for this long (a 10 s budget otherwise), so the
# rerun ends in seconds; the first run cannot end before the test stops its worker, whatever the
# load, because the test holds the plan's row meanwhile (``kill_mid_plan``).
QUIET_S = 0.5

__all__ = ["small_coop"]  # the fixture, shared with the planning tests


def start_worker(settings: Settings, **overrides: str) -> subprocess.Popen[bytes]:
    """A worker on the test database, dead after 2 s without a heartbeat, stalled jobs sought
    every second (the defaults are 30 s and 15 s)."""
    return start_job_worker(
        settings.database_url,
        settings.secret_key,
        environment="test",
        worker_stalled_seconds="2",
        worker_watch_seconds="1",
        **overrides,
    )


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


def plan_job(settings: Settings, plan_id: int) -> list[str]:
    """The statuses of the plan's procrastinate jobs, oldest first."""
    with psycopg.connect(settings.sync_database_url) as conn:
        rows = conn.execute(
            "SELECT status::text FROM procrastinate_jobs"
            " WHERE task_name = 'plan' AND args->>'plan_id' = %s ORDER BY id",
            (str(plan_id),),
        ).fetchall()
    return [status for (status,) in rows]


async def kill_mid_plan(
    settings: Settings,
    engine: AsyncEngine,
    coop: int,
    workers: list[subprocess.Popen[bytes]],
    stop: signal.Signals = signal.SIGKILL,
    **overrides: str,
) -> dict[str, Any]:
    """Start a plan (10 s at most, ``QUIET_S`` once settled) on a worker, stop the worker with
    ``stop`` once it is working on it, start another worker, and return the plan once it has
    ended (within 60 s). Until the stop, the test holds the plan's row (FOR UPDATE): the first
    worker may load and solve, but cannot store anything of the plan, so it is always stopped
    mid-plan, on an idle machine as on one at load 16 (where a short plan could end before the
    test's signal)."""
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login=f"kill{time.time_ns()}"
    )
    start = datetime.now(UTC) + timedelta(minutes=30)
    transport = httpx.ASGITransport(app=committed_app(settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for n in range(12):
            created = await client.post(f"{V1}/orders", json=order(n, start), headers=headers)
            assert created.status_code == 201, created.text
        workers.append(start_worker(settings, **overrides))
        body = {"time_limit_s": 10, "stop_when_no_improvement_s": QUIET_S}
        started = await client.post(f"{V1}/plans", json=body, headers=headers)
        plan_id = started.json()["id"]
        with psycopg.connect(settings.sync_database_url) as holding:  # released at the end
            holding.execute("SELECT id FROM plans WHERE id = %s FOR UPDATE", (plan_id,))
            await wait_until_async(lambda: plan_job(settings, plan_id) == ["doing"], timeout=30)
            plan = (await client.get(f"{V1}/plans/{plan_id}", headers=headers)).json()
            assert plan["status"] == "running", plan  # killed mid-plan, not after
            workers[0].send_signal(stop)
            workers[0].wait(timeout=30)
        workers.append(start_worker(settings, **overrides))
        plan = await wait_for(client, plan_id, headers)
    # the plan row ends inside the job; the queue marks the job finished just after it returns
    await wait_until_async(
        lambda: not {"todo", "doing"} & set(plan_job(settings, plan_id)), timeout=30
    )
    return {**plan, "jobs": plan_job(settings, plan_id)}


async def test_a_plan_whose_worker_is_killed_runs_again_on_another(
    settings: Settings,
    engine: AsyncEngine,
    small_coop: tuple[int, list[int]],
    workers: list[subprocess.Popen[bytes]],
) -> None:
    coop, _ = small_coop
    plan = await kill_mid_plan(settings, engine, coop, workers)
    assert plan["status"] == "done", plan
    assert plan["kpis"]["served"] == 12
    assert plan["jobs"] == ["failed"]  # the killed one; the rerun succeeded (and was deleted)


async def test_a_plan_whose_worker_is_stopped_runs_again_on_another(
    settings: Settings,
    engine: AsyncEngine,
    small_coop: tuple[int, list[int]],
    workers: list[subprocess.Popen[bytes]],
) -> None:
    """SIGTERM (a deploy): the worker gives the plan 1 s here (10 s by default), aborts it and
    exits cleanly; the next worker runs it again."""
    coop, _ = small_coop
    plan = await kill_mid_plan(
        settings, engine, coop, workers, signal.SIGTERM, worker_shutdown_seconds="1"
    )
    assert workers[0].returncode == 0
    assert plan["status"] == "done", plan
    assert plan["jobs"] == ["aborted"]


async def test_a_stopped_worker_exits_within_its_grace_even_mid_solve(
    settings: Settings,
    engine: AsyncEngine,
    small_coop: tuple[int, list[int]],
    workers: list[subprocess.Popen[bytes]],
) -> None:
    """SIGTERM during a 60 s solve: the worker aborts the plan after its 1 s of grace and exits
    at once, not when the solver's thread ends (a deploy waited for the whole budget)."""
    coop, _ = small_coop
    headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="dispatcher", login="sigterm@htx.vn"
    )
    start = datetime.now(UTC) + timedelta(minutes=30)
    transport = httpx.ASGITransport(app=committed_app(settings, engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        for n in range(12):
            await client.post(f"{V1}/orders", json=order(n, start), headers=headers)
        workers.append(start_worker(settings, worker_shutdown_seconds="1"))
        started = await client.post(f"{V1}/plans", json={"time_limit_s": 60}, headers=headers)
        plan_id = started.json()["id"]
        await wait_until_async(lambda: plan_job(settings, plan_id) == ["doing"], timeout=30)
        stopping = time.monotonic()
        workers[0].send_signal(signal.SIGTERM)
        assert workers[0].wait(timeout=30) == 0
        took = time.monotonic() - stopping
        cancelled = await client.post(f"{V1}/plans/{plan_id}/cancel", headers=headers)
    assert took < 15, took  # 1 s of grace and the exit; the solve had ~60 s to go
    assert cancelled.json()["status"] == "cancelled"  # it was still running: aborted mid-solve
    assert plan_job(settings, plan_id) == ["aborted"]


async def test_a_plan_out_of_attempts_fails_with_worker_lost(
    settings: Settings,
    engine: AsyncEngine,
    small_coop: tuple[int, list[int]],
    workers: list[subprocess.Popen[bytes]],
) -> None:
    coop, _ = small_coop
    plan = await kill_mid_plan(settings, engine, coop, workers, plan_attempts="1")
    assert plan["status"] == "failed", plan
    assert plan["error"] == "worker_lost"
    assert plan["error_message"] == "The worker running this plan stopped; plan again."
    assert plan["jobs"] == ["failed"]  # not run again


async def test_retention_deletes_only_rows_past_each_tables_age(
    settings: Settings,
    engine: AsyncEngine,
    session: AsyncSession,
    sessions: async_sessionmaker[AsyncSession],
    coop_a: CoopWorld,
) -> None:
    """Each table gets a row just past its age and one just inside it (settings' defaults:
    the sign-in window, 48 h, 30 days, 90 days)."""
    driver = await factories.make_driver(session, coop_a.coop)
    now = datetime.now(UTC)
    ages = {
        "login_failures": timedelta(seconds=settings.login_window_seconds),
        "idempotency_keys": timedelta(hours=48),
        "driver_messages": timedelta(days=30),
        "dead_letters": timedelta(days=90),
    }
    for label, age in (("old", ages_plus(ages, 60)), ("new", ages_plus(ages, -60))):
        await session.execute(
            text("INSERT INTO login_failures (kind, key, at, count) VALUES ('login', :k, :at, 3)"),
            {"k": f"{label}@htx.vn", "at": now - age["login_failures"]},
        )
        await session.execute(
            text(
                "INSERT INTO idempotency_keys (user_id, key, fingerprint, status, body, created_at)"
                " VALUES (:user, :k, 'f', 200, '{}', :at)"
            ),
            {"user": coop_a.admin.user.id, "k": label, "at": now - age["idempotency_keys"]},
        )
        await session.execute(
            text(
                "INSERT INTO driver_messages (cooperative_id, driver_id, kind, payload, created_at)"
                " VALUES (:coop, :driver, :k, '{}', :at)"
            ),
            {
                "coop": coop_a.coop.id,
                "driver": driver.id,
                "k": label,
                "at": now - age["driver_messages"],
            },
        )
        await session.execute(
            text(
                "INSERT INTO dead_letters (received_at, topic, payload, reason, detail)"
                " VALUES (:at, :k, '\\x00', 'test', 'test')"
            ),
            {"k": label, "at": now - age["dead_letters"]},
        )
    await session.commit()
    deleted = await apply_retention(Runtime(settings, engine, sessions))
    assert deleted["login_failures"] >= 1 and deleted["driver_messages"] >= 1
    kept = {
        "login_failures": "SELECT key FROM login_failures WHERE key LIKE '%@htx.vn'",
        "idempotency_keys": "SELECT key FROM idempotency_keys WHERE user_id = :user",
        "driver_messages": "SELECT kind FROM driver_messages WHERE driver_id = :driver",
        "dead_letters": "SELECT topic FROM dead_letters WHERE topic IN ('old', 'new')",
    }
    for table, query in kept.items():
        rows = await session.execute(
            text(query), {"user": coop_a.admin.user.id, "driver": driver.id}
        )
        assert [r.replace("@htx.vn", "") for r in rows.scalars()] == ["new"], table


def ages_plus(ages: dict[str, timedelta], seconds: int) -> dict[str, timedelta]:
    return {table: age + timedelta(seconds=seconds) for table, age in ages.items()}


async def test_partition_job_keeps_days_ahead(settings: Settings, engine: AsyncEngine) -> None:
    ahead = settings.model_copy(update={"positions_partitions_ahead_days": 9})
    runtime = Runtime.open(ahead)
    try:
        await maintain_positions(runtime)
    finally:
        await runtime.close()
    with psycopg.connect(settings.sync_database_url) as conn:
        days = set(existing_partitions(conn))
    today = datetime.now(UTC).date()
    assert {today + timedelta(days=n) for n in range(10)} <= days


def test_the_report_job_sends_the_month_just_ended() -> None:
    assert previous_month(datetime(2026, 1, 1, tzinfo=UTC).date()) == "2025-12"
    assert previous_month(datetime(2026, 3, 31, tzinfo=UTC).date()) == "2026-02"


async def test_watch_starts_a_queued_plan_left_behind_when_a_slot_is_free(
    settings: Settings, engine: AsyncEngine, small_coop: tuple[int, list[int]]
) -> None:
    """A worker that died between ending a plan and admitting the next leaves it queued with
    no job: the periodic watch admits it and defers its job."""
    coop, _ = small_coop
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        plan_id = conn.execute(
            "INSERT INTO plans (cooperative_id, status, time_limit_s, starts_at)"
            " VALUES (%s, 'queued', 5, now()) RETURNING id",
            (coop,),
        ).fetchone()[0]  # type: ignore[index]
    runtime = Runtime.open(settings)
    app = build_app(settings, runtime)
    try:
        async with app.open_async():
            await watch(runtime, app.job_manager)
    finally:
        await runtime.close()
    assert plan_job(settings, plan_id) == ["todo"]
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        status = conn.execute("SELECT status FROM plans WHERE id = %s", (plan_id,)).fetchone()
        conn.execute("DELETE FROM procrastinate_jobs WHERE args->>'plan_id' = %s", (str(plan_id),))
    assert status == ("running",)
