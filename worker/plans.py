"""Plans on the worker: run one, start the next queued one, and never leave one ``running``
after its worker died.

A cooperative runs at most ``plans_per_cooperative`` plans at once (``routing.planning.admit``);
a plan's job is deferred when the plan is admitted, in the same transaction. If the worker
running it dies (SIGKILL, out of memory, the machine), its heartbeat stops: ``watch`` marks
the job failed once the heartbeat is ``worker_stalled_seconds`` old, then runs the plan again
while it has had fewer than ``plan_attempts`` jobs, else fails it with ``worker_lost``.
"""

from __future__ import annotations

import logging

from procrastinate.jobs import Status
from procrastinate.manager import JobManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from fleet.cooperatives import local_today
from maintenance import due
from routing import planning
from routing.matrix import GreatCircle, OsrmTable, TravelTimes
from routing.models import Plan
from telematics.journey.read import trip_speeds_by_kind
from telematics.live import latest_fixes
from worker import queue
from worker.runtime import Runtime

log = logging.getLogger(__name__)

# running plans whose every job has ended (none to do, none doing): their worker died
_ORPHANS = text(
    "SELECT p.id, count(j.id) FROM plans p"
    " JOIN procrastinate_jobs j ON j.task_name = :task AND j.args->>'plan_id' = p.id::text"
    " WHERE p.status = 'running' GROUP BY p.id"
    " HAVING bool_and(j.status NOT IN ('todo', 'doing'))"
)


async def run_plan(runtime: Runtime, plan_id: int) -> None:
    """Plan with the vehicles' latest positions and the cooperative's travel times, store the
    result (or a coded error), then start the cooperative's next queued plan."""
    async with runtime.sessions() as session:
        plan = await session.get(Plan, plan_id)
        if plan is None or plan.status != "running":
            return  # cancelled while it waited
        coop, order_ids = plan.cooperative_id, plan.order_ids
        tenant = Tenant(coop, plan.created_by or 0, "dispatcher")
        try:
            fixes = await latest_fixes(session, coop)
            travel = await _travel(runtime, session, tenant)
            held = await due.holds(session, coop, await local_today(session, tenant), None)
        except Exception as exc:  # the plan fails with a code; details to the log
            planning.fail(plan, planning.error_code(exc))
            log.exception("plan %s could not start: %s", plan_id, plan.error)
            await session.commit()
            await admit_next(runtime, coop)
            return
    positions = {fix.vehicle_id: (fix.lon, fix.lat) for fix in fixes}
    await planning.execute(
        runtime.sessions, tenant, plan_id, positions, order_ids, travel, holds=held
    )
    await admit_next(runtime, coop)


async def _travel(runtime: Runtime, session: AsyncSession, tenant: Tenant) -> TravelTimes:
    """OSRM when configured, else great circle at the speeds of the cooperative's trips."""
    settings = runtime.settings
    travel: TravelTimes = (
        OsrmTable(settings.osrm_url)
        if settings.osrm_url
        else GreatCircle.calibrated(await trip_speeds_by_kind(session, tenant))
    )
    return runtime.tables.over(travel)


async def admit_next(runtime: Runtime, cooperative_id: int) -> None:
    async with runtime.sessions() as session:
        cap = runtime.settings.plans_per_cooperative
        await queue.defer_plans(session, await planning.admit(session, cooperative_id, cap))
        await session.commit()


async def watch(runtime: Runtime, jobs: JobManager) -> None:
    """Jobs of dead workers end failed; their plans run again or fail ``worker_lost``; queued
    plans start where a slot is free (in case a worker died between a plan and the next)."""
    settings = runtime.settings
    for job in await jobs.get_stalled_jobs(seconds_since_heartbeat=settings.worker_stalled_seconds):
        assert job.id is not None
        log.warning("job %s (%s) lost its worker", job.id, job.call_string)
        await jobs.finish_job_by_id_async(job.id, Status.FAILED, delete_job=False)
    async with runtime.sessions() as session:
        orphans = (await session.execute(_ORPHANS, {"task": queue.PLAN})).all()
        for plan_id, runs in orphans:
            if runs < settings.plan_attempts:
                log.warning("plan %s: its worker died; running it again", plan_id)
                await queue.defer_plans(session, [plan_id])
            else:
                plan = await session.get(Plan, plan_id)
                assert plan is not None
                planning.fail(plan, planning.PlanError.WORKER_LOST)
                log.error("plan %s failed: %s after %s runs", plan_id, plan.error, runs)
        await session.commit()
        waiting = await session.scalars(
            text("SELECT DISTINCT cooperative_id FROM plans WHERE status = 'queued'")
        )
        cooperatives = list(waiting)
    for cooperative_id in cooperatives:
        await admit_next(runtime, cooperative_id)
