"""Reading journey facts for the API: always within the caller's cooperative, never raw positions
(except the driving-time status, which adds the open trip)."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound, StateConflict
from core.tenancy import Tenant
from fleet.cooperatives import zone_of
from fleet.legal import driving_rules_on
from telematics.journey.driving import Drive, evaluate
from telematics.journey.facts import Kind

MAX_RANGE_DAYS = 93


def check_range(start: datetime, end: datetime) -> None:
    if end <= start:
        raise InvalidInput("end must be after start", field="end")
    if end - start > timedelta(days=MAX_RANGE_DAYS):
        raise InvalidInput(f"a range is at most {MAX_RANGE_DAYS} days", field="end")


_COLUMNS = {
    "trips": """id, vehicle_id, driver_id, started_at, ended_at, is_open, distance_m,
        odometer_m, duration_s, moving_s, idle_s, max_speed_kmh, avg_speed_kmh,
        ST_AsGeoJSON(start_geom)::json AS start_point, ST_AsGeoJSON(end_geom)::json AS end_point""",
    "stops": """id, vehicle_id, driver_id, started_at, ended_at, is_open, duration_s, engine_on_s,
        ST_AsGeoJSON(geom)::json AS point""",
}


async def _segments(
    session: AsyncSession,
    tenant: Tenant,
    table: str,
    start: datetime,
    end: datetime,
    *,
    vehicle_id: int | None,
    driver_id: int | None,
    extra: str = "",
) -> list[dict[str, Any]]:
    """Trips or stops overlapping the period, for one vehicle or driver (or all), oldest first."""
    check_range(start, end)
    rows = await session.execute(
        text(
            f"SELECT {_COLUMNS[table]}{extra} FROM {table}"  # noqa: S608 (constant fragments)
            " WHERE cooperative_id = :coop AND started_at < :end AND ended_at >= :start"
            " AND (CAST(:vehicle AS int) IS NULL OR vehicle_id = :vehicle)"
            " AND (CAST(:driver AS int) IS NULL OR driver_id = :driver)"
            " ORDER BY started_at LIMIT 5000"
        ),
        {
            "coop": tenant.cooperative_id,
            "start": start,
            "end": end,
            "vehicle": vehicle_id,
            "driver": driver_id,
        },
    )
    return [dict(row) for row in rows.mappings()]


async def trips(
    session: AsyncSession,
    tenant: Tenant,
    start: datetime,
    end: datetime,
    *,
    vehicle_id: int | None = None,
    driver_id: int | None = None,
    with_path: bool = False,
) -> list[dict[str, Any]]:
    path = ", ST_AsGeoJSON(path)::json AS path" if with_path else ""
    return await _segments(
        session, tenant, "trips", start, end, vehicle_id=vehicle_id, driver_id=driver_id, extra=path
    )


async def stops(
    session: AsyncSession,
    tenant: Tenant,
    start: datetime,
    end: datetime,
    *,
    vehicle_id: int | None = None,
    driver_id: int | None = None,
) -> list[dict[str, Any]]:
    return await _segments(
        session, tenant, "stops", start, end, vehicle_id=vehicle_id, driver_id=driver_id
    )


_EVENT_COLUMNS = """id, kind, source, vehicle_id, driver_id, started_at, ended_at, details, live,
    ST_AsGeoJSON(geom)::json AS point, created_at, acknowledged_at, acknowledged_by, ack_note,
    excuse_reason, excused_by, excused_at"""


async def events(
    session: AsyncSession,
    tenant: Tenant,
    *,
    kinds: list[str] | None = None,
    vehicle_id: int | None = None,
    driver_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    acknowledged: bool | None = None,
    after_id: int | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Newest first, unless ``after_id`` asks for what came since (oldest first, for feeds)."""
    for kind in kinds or []:
        if kind not in Kind.ALL:
            raise InvalidInput(f"unknown event kind {kind!r}", field="kind")
    order = "id ASC" if after_id is not None else "started_at DESC, id DESC"
    rows = await session.execute(
        text(
            f"SELECT {_EVENT_COLUMNS} FROM journey_events"  # noqa: S608 (constant fragments)
            " WHERE cooperative_id = :coop"
            " AND (CAST(:kinds AS text[]) IS NULL OR kind = ANY(CAST(:kinds AS text[])))"
            " AND (CAST(:vehicle AS int) IS NULL OR vehicle_id = :vehicle)"
            " AND (CAST(:driver AS int) IS NULL OR driver_id = :driver)"
            " AND (CAST(:start AS timestamptz) IS NULL OR started_at >= :start)"
            " AND (CAST(:end AS timestamptz) IS NULL OR started_at < :end)"
            " AND (CAST(:ack AS boolean) IS NULL OR (acknowledged_at IS NOT NULL) = :ack)"
            " AND (CAST(:after AS bigint) IS NULL OR id > :after)"
            f" ORDER BY {order} LIMIT :limit"
        ),
        {
            "coop": tenant.cooperative_id,
            "kinds": kinds or None,
            "vehicle": vehicle_id,
            "driver": driver_id,
            "start": start,
            "end": end,
            "ack": acknowledged,
            "after": after_id,
            "limit": limit,
        },
    )
    return [dict(row) for row in rows.mappings()]


async def _event(session: AsyncSession, tenant: Tenant, event_id: int) -> dict[str, Any]:
    row = (
        (
            await session.execute(
                text(
                    f"SELECT {_EVENT_COLUMNS} FROM journey_events"  # noqa: S608 (constant)
                    " WHERE id = :id AND cooperative_id = :coop"
                ),
                {"id": event_id, "coop": tenant.cooperative_id},
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"event {event_id} not found", field="id")
    return dict(row)


async def acknowledge(
    session: AsyncSession, tenant: Tenant, event_id: int, note: str | None
) -> dict[str, Any]:
    await _event(session, tenant, event_id)
    await session.execute(
        text(
            "UPDATE journey_events SET acknowledged_at = now(), acknowledged_by = :user,"
            " ack_note = :note WHERE id = :id AND cooperative_id = :coop"
        ),
        {"id": event_id, "coop": tenant.cooperative_id, "user": tenant.user_id, "note": note},
    )
    return await _event(session, tenant, event_id)


async def excuse(
    session: AsyncSession, tenant: Tenant, event_id: int, reason: str
) -> dict[str, Any]:
    """Attach a force-majeure reason to a driving-time violation, where that day's rules allow."""
    event = await _event(session, tenant, event_id)
    if event["kind"] not in Kind.VIOLATIONS:
        raise StateConflict("only driving-time violations can be excused", field="id")
    rules = driving_rules_on(event["started_at"].date())
    if not rules.force_majeure_excuses:
        raise StateConflict(
            f"the rules in force on {event['started_at'].date().isoformat()}"
            f" ({rules.source}) allow no force-majeure excuse",
            field="id",
        )
    await session.execute(
        text(
            "UPDATE journey_events SET excuse_reason = :reason, excused_by = :user,"
            " excused_at = now() WHERE id = :id AND cooperative_id = :coop"
        ),
        {"id": event_id, "coop": tenant.cooperative_id, "user": tenant.user_id, "reason": reason},
    )
    return await _event(session, tenant, event_id)


async def daily(
    session: AsyncSession,
    tenant: Tenant,
    first: date,
    last: date,
    *,
    group: str,
    vehicle_id: int | None = None,
    driver_id: int | None = None,
) -> list[dict[str, Any]]:
    """Daily rollups per vehicle or per driver, with events by kind for the same day."""
    if last < first:
        raise InvalidInput("end_day must not be before start_day", field="end_day")
    if (last - first).days > 366:
        raise InvalidInput("a range is at most 366 days", field="end_day")
    key = {"vehicle": "vehicle_id", "driver": "driver_id"}[group]
    rows = await session.execute(
        text(
            f"""
            WITH a AS (
                SELECT day, {key} AS subject_id, sum(distance_m) AS distance_m,
                       sum(engine_s) AS engine_s, sum(moving_s) AS moving_s,
                       sum(idle_s) AS idle_s, sum(nodata_s) AS nodata_s, sum(trips) AS trips,
                       sum(stops) AS stops, min(first_move_at) AS first_move_at,
                       max(last_move_at) AS last_move_at
                FROM daily_activity
                WHERE cooperative_id = :coop AND day BETWEEN :first AND :last
                  AND (CAST(:vehicle AS int) IS NULL OR vehicle_id = :vehicle)
                  AND (CAST(:driver AS int) IS NULL OR driver_id = :driver)
                  AND {key} <> 0
                GROUP BY day, {key}
            ), e AS (
                SELECT day, subject_id, jsonb_object_agg(kind, n) AS events
                FROM (SELECT (j.started_at AT TIME ZONE c.time_zone)::date AS day,
                             j.{key} AS subject_id, j.kind, count(*) AS n
                      FROM journey_events j JOIN cooperatives c ON c.id = j.cooperative_id
                      WHERE j.cooperative_id = :coop
                        AND j.started_at >= CAST(:first AS date) - 1
                        AND j.started_at < CAST(:last AS date) + 2
                      GROUP BY 1, 2, 3) k
                GROUP BY day, subject_id
            )
            SELECT a.*, coalesce(e.events, '{{}}'::jsonb) AS events
            FROM a LEFT JOIN e USING (day, subject_id)
            ORDER BY a.day, a.subject_id LIMIT 50000
            """  # noqa: S608 (key is one of two column names)
        ),
        {
            "coop": tenant.cooperative_id,
            "first": first,
            "last": last,
            "vehicle": vehicle_id,
            "driver": driver_id,
        },
    )
    out = []
    for row in rows.mappings():
        item = dict(row)
        item[f"{group}_id"] = item.pop("subject_id")
        events_by_kind = item["events"]
        item["events"] = (
            json.loads(events_by_kind) if isinstance(events_by_kind, str) else events_by_kind
        )
        out.append(item)
    return out


async def recent_drives(
    session: AsyncSession, tenant: Tenant, driver_ids: Sequence[int], days: int
) -> dict[int, list[Drive]]:
    """The drivers' trips that ended in the last ``days``, oldest first: what driving time is
    judged on. The bound on started_at (a day more: no trip lasts a day) lets the
    (driver_id, started_at) index read just those, not every trip of each driver's month."""
    drives: dict[int, list[Drive]] = defaultdict(list)
    if not driver_ids:
        return drives
    rows = await session.execute(
        text(
            "SELECT driver_id, extract(epoch FROM started_at)::float8,"
            " extract(epoch FROM ended_at)::float8, vehicle_id FROM trips"
            " WHERE cooperative_id = :coop AND driver_id = ANY(:drivers)"
            " AND ended_at >= now() - make_interval(days => :days)"
            " AND started_at >= now() - make_interval(days => :days + 1)"
            " ORDER BY driver_id, started_at"
        ),
        {"coop": tenant.cooperative_id, "drivers": list(driver_ids), "days": days},
    )
    for driver_id, start, end, vehicle_id in rows:
        drives[driver_id].append(Drive(start, end, vehicle_id))
    return drives


async def driving_status(session: AsyncSession, tenant: Tenant, driver_id: int) -> dict[str, Any]:
    """Continuous driving so far and time left, from the driver's trips of this week."""
    zone = await zone_of(session, tenant)
    now = time.time()
    drives = (await recent_drives(session, tenant, [driver_id], days=8))[driver_id]
    verdict = evaluate(driver_id, drives, zone, now=now)
    assert verdict.status is not None
    status = asdict(verdict.status)
    status["driving_now"] = bool(drives) and now - drives[-1].end_t < 120
    status["as_of"] = datetime.fromtimestamp(now).astimezone()
    return status


async def trip_speeds_by_kind(
    session: AsyncSession, tenant: Tenant, days: int = 30, at_least: int = 20
) -> dict[str, float]:
    """Median door-to-door speed (km/h) of the cooperative's closed trips of the last ``days``
    by vehicle kind, for kinds with ``at_least`` trips of 5 minutes or more."""
    rows = await session.execute(
        text(
            "SELECT v.kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY t.avg_speed_kmh)"
            " FROM trips t JOIN vehicles v ON v.id = t.vehicle_id"
            " WHERE t.cooperative_id = :coop AND NOT t.is_open AND t.duration_s >= 300"
            " AND t.started_at >= now() - make_interval(days => :days)"
            " GROUP BY v.kind HAVING count(*) >= :at_least"
        ),
        {"coop": tenant.cooperative_id, "days": days, "at_least": at_least},
    )
    return {kind: float(speed) for kind, speed in rows if speed and speed > 3}
