"""What is due: each task of the plan on each vehicle it covers, with its counters since it was
last done (km and engine hours summed from the derived daily rollups, months from the day it
was done) and the state that follows — ok, due soon, overdue.

A task is due at whichever of its intervals comes first. The periodic inspection's interval
comes from fleet.legal by the vehicle's kind and age; its due day is the recorded inspection
expiry when there is one. Overdue safety tasks are the vehicle's *holds*: the callers that ask
fleet.eligibility pass them in as plain reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.legal import INSPECTION_CYCLES, inspection_months

# Named thresholds of "due soon": this share of a km or engine-hour interval left, or this many
# days before a dated due day.
DUE_SOON_SHARE = 0.10
DUE_SOON_DAYS = 30

OK, DUE_SOON, OVERDUE = "ok", "due_soon", "overdue"
SHORTEST_INSPECTION_MONTHS = min(m for c in INSPECTION_CYCLES for _, m in c.bands)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return date(year, month, candidate)
        except ValueError:
            continue
    return date(year, month, min(day.day, 28))


@dataclass(frozen=True, slots=True)
class Counters:
    """Where a vehicle stands on a task: counting from ``since`` (first day counted)."""

    since: date
    distance_m: int
    engine_s: int


@dataclass(frozen=True, slots=True)
class TaskTerms:
    name: str
    every_km: int | None
    every_engine_h: int | None
    every_months: int | None
    legal_inspection: bool = False


@dataclass(frozen=True, slots=True)
class Assessment:
    state: str
    reason: str | None  # why due or overdue, in plain words
    due_on: date | None
    km_left: int | None
    engine_h_left: float | None


def assess(
    terms: TaskTerms,
    counters: Counters,
    today: date,
    *,
    kind: str = "truck",
    year_made: int | None = None,
    inspection_expiry: date | None = None,
) -> Assessment:
    """The state of one task on one vehicle on ``today``: overdue once any interval is reached,
    due soon within ``DUE_SOON_SHARE`` of a counted interval or ``DUE_SOON_DAYS`` of its day."""
    km = counters.distance_m / 1000
    hours = counters.engine_s / 3600
    due_on = _due_day(terms, counters.since, kind, year_made, inspection_expiry)
    km_left = None if terms.every_km is None else terms.every_km - km
    h_left = None if terms.every_engine_h is None else terms.every_engine_h - hours
    overdue: list[str] = []
    soon: list[str] = []
    since = counters.since.isoformat()
    if km_left is not None and terms.every_km and km_left <= terms.every_km * DUE_SOON_SHARE:
        (overdue if km_left <= 0 else soon).append(
            f"{km:,.0f} km since {since} (every {terms.every_km:,} km)"
        )
    hours_every = terms.every_engine_h
    if h_left is not None and hours_every and h_left <= hours_every * DUE_SOON_SHARE:
        (overdue if h_left <= 0 else soon).append(
            f"{hours:,.0f} engine hours since {since} (every {hours_every:,} h)"
        )
    if due_on is not None and due_on <= today + timedelta(days=DUE_SOON_DAYS):
        (overdue if due_on < today else soon).append(f"due on {due_on.isoformat()}")
    state, reasons = (OVERDUE, overdue) if overdue else (DUE_SOON, soon) if soon else (OK, [])
    return Assessment(
        state=state,
        reason=f"{terms.name}: {'; '.join(reasons)}" if reasons else None,
        due_on=due_on,
        km_left=None if km_left is None else round(km_left),
        engine_h_left=None if h_left is None else round(h_left, 1),
    )


def _due_day(
    terms: TaskTerms,
    since: date,
    kind: str,
    year_made: int | None,
    inspection_expiry: date | None,
) -> date | None:
    if terms.legal_inspection:
        if inspection_expiry is not None:
            return inspection_expiry
        return add_months(since, inspection_months(kind, year_made, since))
    if terms.every_months is not None:
        return add_months(since, terms.every_months)
    return None


class DueRead(BaseModel):
    """One task on one vehicle: its counters since last done and its state."""

    task_id: int
    vehicle_id: int
    plate: str
    task: str
    safety: bool
    state: str
    reason: str | None
    since: date
    km_since: int
    engine_h_since: float
    km_left: int | None
    engine_h_left: float | None
    due_on: date | None
    odometer_km: int | None  # the vehicle's odometer at its latest fix, when it reports one
    open_work_order_id: int | None


# Each (task, vehicle) the plan covers, counting from the day after it was last done (or from
# the task's start), with km and engine seconds summed from the daily rollups since then.
_DUE = text(
    """
    WITH done AS (
        SELECT task_id, vehicle_id, max(closed_on) FILTER (WHERE status = 'closed') AS last_on,
               min(id) FILTER (WHERE status = 'open') AS open_wo
        FROM work_orders WHERE cooperative_id = :coop AND task_id IS NOT NULL
        GROUP BY task_id, vehicle_id
    ), pairs AS (
        SELECT t.id AS task_id, t.name, t.safety, t.every_km, t.every_engine_h, t.every_months,
               t.legal_inspection, v.id AS vehicle_id, v.plate, v.kind, v.year,
               v.inspection_expiry, coalesce(d.last_on + 1, t.starts_on) AS since, d.open_wo
        FROM maintenance_tasks t
        JOIN vehicles v ON v.cooperative_id = t.cooperative_id
         AND (t.vehicle_id = v.id
              OR (t.vehicle_id IS NULL AND (t.vehicle_kind IS NULL OR t.vehicle_kind = v.kind)))
        LEFT JOIN done d ON d.task_id = t.id AND d.vehicle_id = v.id
        WHERE t.cooperative_id = :coop AND v.status <> 'retired'
          AND (CAST(:vehicles AS int[]) IS NULL OR v.id = ANY(CAST(:vehicles AS int[])))
          AND (NOT :safety_only OR t.safety)
    )
    SELECT p.task_id, p.name, p.safety, p.every_km, p.every_engine_h, p.every_months,
           p.legal_inspection, p.vehicle_id, p.plate, p.kind, p.year, p.inspection_expiry,
           p.since, p.open_wo, coalesce(u.distance_m, 0), coalesce(u.engine_s, 0),
           s.odometer_m
    FROM pairs p
    LEFT JOIN LATERAL (  -- an index-only scan (ix_daily_activity_vehicle_usage, migration 0020)
        SELECT sum(a.distance_m)::bigint AS distance_m, sum(a.engine_s)::bigint AS engine_s
        FROM daily_activity a
        WHERE a.vehicle_id = p.vehicle_id AND a.day >= p.since
          AND (p.every_km IS NOT NULL OR p.every_engine_h IS NOT NULL)
    ) u ON true
    LEFT JOIN vehicle_state s ON s.vehicle_id = p.vehicle_id
    WHERE :every_state  -- else only what may be due (assess decides)
       OR (p.legal_inspection AND coalesce(p.inspection_expiry,
             p.since + make_interval(months => :shortest_cycle)) <= CAST(:soon AS date))
       OR u.distance_m >= p.every_km * 1000.0 * (1 - :share)
       OR u.engine_s >= p.every_engine_h * 3600.0 * (1 - :share)
       OR p.since + make_interval(months => p.every_months) <= CAST(:soon AS date)
    ORDER BY p.plate, p.task_id
    """
)


async def due_list(
    session: AsyncSession,
    cooperative_id: int,
    today: date,
    *,
    vehicle_ids: Sequence[int] | None = None,
    safety_only: bool = False,
    states: Iterable[str] = (OK, DUE_SOON, OVERDUE),
) -> list[DueRead]:
    """Every task on every vehicle it covers (or on ``vehicle_ids``), in the given states."""
    wanted = set(states)
    rows = await session.execute(
        _DUE,
        {
            "coop": cooperative_id,
            "vehicles": list(vehicle_ids) if vehicle_ids is not None else None,
            "safety_only": safety_only,
            "every_state": OK in wanted,
            "share": DUE_SOON_SHARE,
            "soon": today + timedelta(days=DUE_SOON_DAYS),
            "shortest_cycle": SHORTEST_INSPECTION_MONTHS,
        },
    )
    out = []
    for row in rows:
        terms = TaskTerms(row[1], row[3], row[4], row[5], row[6])
        counters = Counters(row[12], int(row[14]), int(row[15]))
        found = assess(
            terms, counters, today, kind=row[9], year_made=row[10], inspection_expiry=row[11]
        )
        if found.state not in wanted:
            continue
        out.append(
            DueRead.model_construct(  # our own values: no validation (the edge validates)
                task_id=row[0],
                vehicle_id=row[7],
                plate=row[8],
                task=row[1],
                safety=row[2],
                state=found.state,
                reason=found.reason,
                since=row[12],
                km_since=round(counters.distance_m / 1000),
                engine_h_since=round(counters.engine_s / 3600, 1),
                km_left=found.km_left,
                engine_h_left=found.engine_h_left,
                due_on=found.due_on,
                odometer_km=None if row[16] is None else round(row[16] / 1000),
                open_work_order_id=row[13],
            )
        )
    return out


async def holds(
    session: AsyncSession, cooperative_id: int, today: date, vehicle_ids: Sequence[int] | None
) -> dict[int, list[str]]:
    """Each vehicle's overdue safety tasks (of ``vehicle_ids``, or all) as plain reasons, for
    fleet.eligibility."""
    if vehicle_ids is not None and not vehicle_ids:
        return {}
    found: dict[int, list[str]] = {}
    for item in await due_list(
        session,
        cooperative_id,
        today,
        vehicle_ids=vehicle_ids,
        safety_only=True,
        states=(OVERDUE,),
    ):
        found.setdefault(item.vehicle_id, []).append(item.reason or item.task)
    return found


_NOTICE = text(
    "INSERT INTO maintenance_notices (cooperative_id, task_id, vehicle_id, since_day, reason)"
    " SELECT :coop, t, v, s, r FROM unnest(CAST(:tasks AS int[]), CAST(:vehicles AS int[]),"
    " CAST(:since AS date[]), CAST(:reasons AS text[])) AS x(t, v, s, r)"
    " ON CONFLICT (task_id, vehicle_id, since_day) DO NOTHING RETURNING id"
)


async def raise_notices(session: AsyncSession, cooperative_id: int, today: date) -> int:
    """One notice per task, vehicle and cycle once it is overdue; a cycle already noticed gets
    none again. Returns how many are new."""
    overdue = await due_list(session, cooperative_id, today, states=(OVERDUE,))
    if not overdue:
        return 0
    rows = await session.execute(
        _NOTICE,
        {
            "coop": cooperative_id,
            "tasks": [d.task_id for d in overdue],
            "vehicles": [d.vehicle_id for d in overdue],
            "since": [d.since for d in overdue],
            "reasons": [(d.reason or d.task)[:200] for d in overdue],
        },
    )
    return len(rows.fetchall())
