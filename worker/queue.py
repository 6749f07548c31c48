"""Task names and deferring a job inside the caller's transaction.

Procrastinate defers through its own connection, so a plan row and the job that runs it could
be committed apart (a crash between them leaves a plan nobody runs, and a rolled-back request
leaves a job for a plan that never existed). Deferring through the caller's session with the
SQL function procrastinate's own ``defer`` calls (``procrastinate_defer_jobs_v1``, part of the
schema of migration 0013) commits both or neither; its insert trigger wakes the workers.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

PLAN = "plan"  # run one plan: {"plan_id": …}
PLANS_QUEUE = "plans"  # long jobs, on their own slots so sweeps never wait behind them
HOUSEKEEPING_QUEUE = "housekeeping"
CLOSE_MONTH = "close_month"  # the ledger: {"cooperative_id", "month": "2026-11", "user_id"}

_DEFER = text(
    "SELECT procrastinate_defer_jobs_v1(ARRAY[CAST(ROW(:queue, :task, 0, NULL, NULL,"
    " CAST(:args AS jsonb), NULL) AS procrastinate_job_to_defer_v1)])"
)


async def defer(session: AsyncSession, task: str, queue: str, **args: Any) -> None:
    """Queue ``task`` with ``args``; it runs once the caller's transaction commits."""
    await session.execute(_DEFER, {"queue": queue, "task": task, "args": json.dumps(args)})


async def defer_plans(session: AsyncSession, plan_ids: list[int]) -> None:
    """Start these plans (just admitted to their cooperative's slots) on a worker."""
    for plan_id in plan_ids:
        await defer(session, PLAN, PLANS_QUEUE, plan_id=plan_id)
