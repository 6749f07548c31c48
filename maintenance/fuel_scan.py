"""Fuel events from the stored positions, a worker task away from the ingest and derive paths.

Each run reads, for every vehicle whose latest fix is past its mark, the fixes with a tank level
after the mark plus ``LOOKBACK_FIXES`` before it (the context a step needs), detects, and keeps
the events that are settled: past the lookback and with a whole window of fixes after them. The
mark then moves to the last fix that has such a window, so each fix is judged once with its
full context and an event is stored once (writing it again changes nothing). Fixes that arrive
later than the mark (a device's buffer emptied after the scan passed) are not scanned again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from maintenance.fuel_events import WINDOW_FIXES, FuelEventFound, LevelFix, detect

LOOKBACK_FIXES = 2 * WINDOW_FIXES
FIRST_SCAN_HOURS = 24  # a vehicle never scanned starts this long before its latest fix
VEHICLES_PER_RUN = 5000  # a run takes at most this many vehicles (the rest on the next)

_DUE = text(
    """
    SELECT s.vehicle_id, s.cooperative_id,
           coalesce(m.scanned_to, s.device_time - make_interval(hours => :first_hours)),
           s.device_time
    FROM vehicle_state s LEFT JOIN fuel_scan_marks m ON m.vehicle_id = s.vehicle_id
    WHERE (CAST(:coop AS int) IS NULL OR s.cooperative_id = :coop)
      AND (m.scanned_to IS NULL OR s.device_time > m.scanned_to)
    ORDER BY m.scanned_to NULLS FIRST LIMIT :limit
    """
)
_FIXES = text(
    """
    SELECT f.vehicle_id, extract(epoch FROM f.device_time)::float8, ST_X(f.geom), ST_Y(f.geom),
           f.fuel_l
    FROM unnest(CAST(:vehicles AS int[]), CAST(:marks AS timestamptz[])) AS q(vid, mark)
    CROSS JOIN LATERAL (
        (SELECT * FROM (SELECT p.vehicle_id, p.device_time, p.geom, p.fuel_l FROM positions p
                        WHERE p.vehicle_id = q.vid AND p.device_time <= q.mark
                          AND p.fuel_l IS NOT NULL
                        ORDER BY p.device_time DESC LIMIT :lookback) back)
        UNION ALL
        (SELECT p.vehicle_id, p.device_time, p.geom, p.fuel_l FROM positions p
         WHERE p.vehicle_id = q.vid AND p.device_time > q.mark AND p.fuel_l IS NOT NULL
           AND p.device_time <= :until)
    ) f
    ORDER BY f.vehicle_id, f.device_time
    """
)
_STORE = text(
    """
    INSERT INTO fuel_events (cooperative_id, vehicle_id, kind, at, geom, litres, level_before_l,
                             level_after_l)
    SELECT :coop, :vehicle, :kind, :at, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :litres,
           :before, :after
    ON CONFLICT (vehicle_id, kind, at) DO NOTHING
    """
)
_MARK = text(
    "INSERT INTO fuel_scan_marks (vehicle_id, scanned_to)"
    " SELECT * FROM unnest(CAST(:vehicles AS int[]), CAST(:marks AS timestamptz[]))"
    " ON CONFLICT (vehicle_id) DO UPDATE SET scanned_to = EXCLUDED.scanned_to"
)


def settled(fixes: Sequence[LevelFix], lookback: int) -> tuple[list[FuelEventFound], float | None]:
    """The events of ``fixes`` (the first ``lookback`` of them already scanned) that are
    settled, and how far the scan may move (None: not at all)."""
    last_judged = len(fixes) - WINDOW_FIXES - 1
    if last_judged < lookback:
        return [], None
    events = [e for e in detect(fixes) if lookback <= e.index <= last_judged]
    return events, fixes[last_judged].t


async def scan(
    session: AsyncSession,
    *,
    cooperative_id: int | None = None,
    until: datetime | None = None,
    limit: int = VEHICLES_PER_RUN,
) -> int:
    """One run over the vehicles with new fixes (of one cooperative, or all); up to ``until``
    (device time; None: everything stored). Returns the events stored."""
    due = list(
        await session.execute(
            _DUE, {"coop": cooperative_id, "limit": limit, "first_hours": FIRST_SCAN_HOURS}
        )
    )
    if not due:
        return 0
    coop_of = {row[0]: row[1] for row in due}
    marks = [row[2] for row in due]
    rows = await session.execute(
        _FIXES,
        {
            "vehicles": list(coop_of),
            "marks": marks,
            "lookback": LOOKBACK_FIXES,
            "until": until or datetime(2999, 1, 1, tzinfo=UTC),
        },
    )
    by_vehicle: dict[int, list[LevelFix]] = {v: [] for v in coop_of}
    for vehicle_id, t, lon, lat, fuel in rows:
        by_vehicle[vehicle_id].append(LevelFix(t, lon, lat, fuel))
    stored = 0
    moved: dict[int, datetime] = {}
    for (vehicle_id, _, mark, latest), fixes in zip(due, by_vehicle.values(), strict=True):
        lookback = sum(1 for f in fixes if f.t <= mark.timestamp())
        events, moved_to = settled(fixes, lookback)
        if lookback == len(fixes):  # no new level since the mark: nothing to wait for
            moved_to = latest.timestamp()
        for event in events:
            result = await session.execute(
                _STORE,
                {
                    "coop": coop_of[vehicle_id],
                    "vehicle": vehicle_id,
                    "kind": event.kind,
                    "at": datetime.fromtimestamp(event.t, UTC),
                    "lon": event.lon,
                    "lat": event.lat,
                    "litres": event.litres,
                    "before": event.before_l,
                    "after": event.after_l,
                },
            )
            stored += getattr(result, "rowcount", 0) or 0
        if moved_to is not None:
            moved[vehicle_id] = datetime.fromtimestamp(moved_to, UTC)
    if moved:  # every mark in one statement
        await session.execute(_MARK, {"vehicles": list(moved), "marks": list(moved.values())})
    return stored
