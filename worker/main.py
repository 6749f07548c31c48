"""``coopfleet worker``: the procrastinate app, its tasks and schedules, and the process.

One process runs two procrastinate workers on one connection pool: ``plans`` with
``worker_plan_slots`` jobs at once, and ``housekeeping`` (sweeps, retention, partitions,
reports), so a sweep due every few seconds never waits behind plans of up to ten minutes.
Succeeded jobs are deleted at once (a sweep every 5 s would otherwise pile up rows); failed
ones are kept a week for the operators.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

from procrastinate import App, PsycopgConnector

from core.config import Settings
from worker import forwarding, housekeeping, ledger, maintenance, plans, queue, union_push
from worker.runtime import Runtime

log = logging.getLogger(__name__)
HOUSEKEEPING_SLOTS = 2
IDLE_THREADS_END_S = 1.0  # at exit, for the thread pool's idle threads to see it shut down
FAILED_JOBS_KEPT_HOURS = 24 * 7
Job = Callable[[Runtime], Awaitable[Any]]


def schedules(settings: Settings) -> dict[str, str]:
    """Periodic job → cron (UTC; a sixth field is seconds)."""
    return {
        "watch_plans": f"* * * * * */{settings.worker_watch_seconds}",
        "sweep_offers": "* * * * * */5",
        "retention": "7 * * * *",  # hourly
        "maintain_positions": "11 * * * *",  # hourly: a day ahead is never missed
        "send_reports": "0 1 1 * *",  # 08:00 in Việt Nam on the 1st: the month just ended
        "remove_old_jobs": "23 3 * * *",
        "forward_positions": forwarding.SCHEDULE,  # position forwarders
        "union_exports": union_push.SCHEDULE,  # monthly, by webhook
        "ledger_keep_up": "29 * * * *",  # hourly: the month's charges, deliveries settled
        "scan_fuel": "*/5 * * * *",  # fuel events in the tank levels stored since the last run
        "maintenance_notices": "17 * * * *",  # hourly: maintenance tasks that fell due
    }


def build_app(settings: Settings, runtime: Runtime) -> App:
    """The procrastinate app on the installation's database, with every task bound to
    ``runtime`` (procrastinate's tasks are plain functions; ours need settings and sessions)."""
    app = App(
        connector=PsycopgConnector(conninfo=settings.sync_database_url, min_size=2, max_size=8)
    )

    @app.task(name=queue.PLAN, queue=queue.PLANS_QUEUE)
    async def plan(plan_id: int) -> None:
        await plans.run_plan(runtime, plan_id)

    @app.task(name=queue.CLOSE_MONTH, queue=queue.HOUSEKEEPING_QUEUE)
    async def close_month(cooperative_id: int, month: str, user_id: int | None) -> None:
        await ledger.close_month(runtime, cooperative_id, month, user_id)

    async def watch_plans(_: Runtime) -> None:
        await plans.watch(runtime, app.job_manager)

    async def remove_old_jobs(_: Runtime) -> None:
        await app.job_manager.delete_old_jobs(
            nb_hours=FAILED_JOBS_KEPT_HOURS,
            include_failed=True,
            include_cancelled=True,
            include_aborted=True,
        )

    periodic: dict[str, Job] = {
        "watch_plans": watch_plans,
        "sweep_offers": housekeeping.sweep_offers,
        "retention": housekeeping.apply_retention,
        "maintain_positions": housekeeping.maintain_positions,
        "send_reports": housekeeping.send_reports,
        "remove_old_jobs": remove_old_jobs,
        "forward_positions": forwarding.forward_positions,
        "union_exports": union_push.push_union_exports,
        "ledger_keep_up": ledger.keep_up,
        "scan_fuel": maintenance.scan_fuel,
        "maintenance_notices": maintenance.raise_notices,
    }
    for name, cron in schedules(settings).items():
        _every(app, runtime, name, cron, periodic[name])
    return app


def _every(app: App, runtime: Runtime, name: str, cron: str, job: Job) -> None:
    @functools.wraps(job)
    async def task(timestamp: int) -> None:  # procrastinate passes the tick's time
        await job(runtime)

    app.periodic(cron=cron, periodic_id=name)(
        app.task(name=name, queue=queue.HOUSEKEEPING_QUEUE)(task)
    )


async def run(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Work until ``stop`` is set (or SIGTERM/SIGINT when none is given); jobs still running
    then get ``worker_shutdown_seconds`` to end, the rest are aborted and ``watch`` runs their
    plans again."""
    stop = stop or _stop_on_signals()
    runtime = Runtime.open(settings)
    app = build_app(settings, runtime)
    options: dict[str, Any] = {
        "install_signal_handlers": False,
        "update_heartbeat_interval": settings.worker_stalled_seconds / 3,
        "stalled_worker_timeout": settings.worker_stalled_seconds,
        "shutdown_graceful_timeout": settings.worker_shutdown_seconds,
        "delete_jobs": "successful",
    }
    try:
        async with app.open_async():
            workers = [
                asyncio.create_task(
                    app.run_worker_async(
                        name="plans",
                        queues=[queue.PLANS_QUEUE],
                        concurrency=settings.worker_plan_slots,
                        **options,
                    )
                ),
                asyncio.create_task(
                    app.run_worker_async(
                        name="housekeeping",
                        queues=[queue.HOUSEKEEPING_QUEUE],
                        concurrency=HOUSEKEEPING_SLOTS,
                        **options,
                    )
                ),
            ]
            log.info("worker started: %s plan slots", settings.worker_plan_slots)
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait([stopped, *workers], return_when=asyncio.FIRST_COMPLETED)
            for task in (stopped, *workers):
                task.cancel()
            ended = await asyncio.gather(*workers, return_exceptions=True)
            for outcome in ended:  # a worker that stopped by itself stops the process, loudly
                if isinstance(outcome, Exception):
                    raise outcome
    finally:
        await runtime.close()


def serve(settings: Settings) -> int:
    """``coopfleet worker``'s process: ``run`` until SIGTERM/SIGINT, then exit at once.

    A plan aborted at shutdown leaves its solver running in a thread (a solve cannot be
    interrupted) that nobody will read: its job is aborted and ``watch`` runs the plan again
    elsewhere. ``asyncio.run`` would join that thread, holding a deploy for the rest of the
    plan's budget (up to 600 s) whatever ``worker_shutdown_seconds`` says; the process ends
    without it instead, after stopping the solver's own processes."""
    loop = asyncio.new_event_loop()
    code = 0
    try:
        loop.run_until_complete(run(settings))
        loop.run_until_complete(loop.shutdown_asyncgens())
    except Exception:
        log.exception("the worker stopped on an error")
        code = 1
    finally:
        loop.close()  # its thread pool is shut down without waiting
    left = _busy_threads(IDLE_THREADS_END_S)
    if left:
        log.warning("leaving %s aborted job thread(s) behind", len(left))
        for child in multiprocessing.active_children():
            child.terminate()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # skips joining those threads at interpreter exit
    return code


def _busy_threads(wait_s: float) -> list[threading.Thread]:
    """Threads other than the main one still running after ``wait_s``: idle pool threads end
    at once when their pool shuts down; what remains is work that was aborted."""
    deadline = time.monotonic() + wait_s
    others = [t for t in threading.enumerate() if t is not threading.main_thread()]
    for thread in others:
        if not thread.daemon:
            thread.join(max(0.0, deadline - time.monotonic()))
    return [t for t in others if t.is_alive() and not t.daemon]


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop
