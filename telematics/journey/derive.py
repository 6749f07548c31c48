"""The derive cycle: new positions in, journey facts out, one transaction per cycle.

Each vehicle's timeline stays in memory between cycles, so a vehicle reporting every second
costs only its new fixes. When positions arrive older than what a timeline has seen (a device's
backlog, a redelivery), or the worker has just started, the vehicle is recomputed from a settled
point: the start of the last stored stop before the new data. Running a cycle twice changes
nothing: facts are keyed and upserted, and the marks handled are deleted with them.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from fleet.legal import transmission_rules_on
from telematics.journey import store
from telematics.journey.context import Contexts
from telematics.journey.driving import Drive, evaluate, window_start
from telematics.journey.facts import Kind
from telematics.journey.rules import DEFAULT_RULES, JourneyRules
from telematics.journey.timeline import Timeline

log = logging.getLogger(__name__)
Conn = psycopg.Connection[tuple[Any, ...]]
NOTIFY_CHANNEL = "journey_events"


@dataclass(slots=True)
class CycleReport:
    vehicles: int = 0
    recomputed: int = 0
    fixes: int = 0
    new_events: int = 0
    drivers: int = 0
    latencies_s: list[float] = field(default_factory=list)  # stored -> facts committed
    seconds: float = 0.0
    more_pending: bool = False  # the cycle left vehicles for the next one


class Deriver:
    def __init__(
        self,
        conn: Conn,
        rules: JourneyRules = DEFAULT_RULES,
        *,
        workers: int = 1,
        worker: int = 0,
        cooperatives: list[int] | None = None,
        vehicles_per_cycle: int = 5000,
        context_ttl_s: float = 60.0,
    ) -> None:
        self.conn = conn
        self.cooperatives = cooperatives
        self.vehicles_per_cycle = vehicles_per_cycle  # bounds the fixes held in memory
        self.rules = rules
        self.workers = workers
        self.worker = worker
        self.contexts = Contexts(conn, context_ttl_s)
        conn.commit()
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        store.prepare(conn)
        conn.commit()
        self.timelines: dict[int, Timeline] = {}
        self.next_driver_check: dict[int, float] = {}

    def run_until_idle(self, max_cycles: int = 1000) -> CycleReport:
        """Cycles until no marks are left (tests, backfill); returns the summed report."""
        total = CycleReport()
        for _ in range(max_cycles):
            report = self.run_once()
            if report.vehicles == 0:
                break
            total.vehicles += report.vehicles
            total.recomputed += report.recomputed
            total.fixes += report.fixes
            total.new_events += report.new_events
            total.drivers += report.drivers
            total.latencies_s += report.latencies_s
            total.seconds += report.seconds
        return total

    def run_once(self) -> CycleReport:
        """One cycle in one REPEATABLE READ transaction: the marks and the positions read are
        of the same snapshot, so a fix is never fed before its mark is seen."""
        try:
            return self._cycle()
        except BaseException:
            self.timelines.clear()  # memory ran ahead of what was rolled back
            raise

    def _cycle(self) -> CycleReport:
        started = time.perf_counter()
        report = CycleReport()
        conn = self.conn
        with conn.transaction():
            marks = store.pending(conn, self.workers, self.worker, self.cooperatives)
            report.more_pending = len(marks) > self.vehicles_per_cycle
            marks = marks[: self.vehicles_per_cycle]
            if not marks:
                return report
            contexts = self.contexts.get(m.vehicle_id for m in marks)
            since: dict[int, float] = {}
            replace_from: dict[int, float] = {}
            touched_drivers: dict[int, float] = {}
            for mark in marks:
                ctx = contexts.get(mark.vehicle_id)
                if ctx is None:
                    continue  # the vehicle was deleted
                timeline = self.timelines.get(mark.vehicle_id)
                if timeline and timeline.last and mark.dirty_from > timeline.last.t:
                    # new data after all it has seen (a microsecond on: float seconds round)
                    since[mark.vehicle_id] = timeline.last.t + 5e-6
                    continue
                report.recomputed += 1
                anchor = store.anchor(conn, mark.vehicle_id, mark.dirty_from, self.rules.min_stop_s)
                for driver_id, start in store.clear_from(conn, mark.vehicle_id, anchor.since):
                    touched_drivers[driver_id] = min(touched_drivers.get(driver_id, start), start)
                timeline = Timeline(ctx, self.rules)
                if anchor.fix is not None:
                    timeline.resume_at_stop(anchor.fix, anchor.driver_id)
                    since[mark.vehicle_id] = anchor.since
                else:
                    since[mark.vehicle_id] = anchor.since - 1e-3
                self.timelines[mark.vehicle_id] = timeline
                replace_from[mark.vehicle_id] = anchor.since
            fixes = store.read_fixes(conn, since)
            batch = store.FactBatch()
            new_event_coops: set[int] = set()
            for vehicle_id, vehicle_fixes in fixes.items():
                coop_id = self.contexts.cooperative_of(vehicle_id)
                timeline = self.timelines[vehicle_id]
                report.fixes += timeline.feed_all(vehicle_fixes)
                out = timeline.drain()
                trips = out.trips + ([out.open_trip] if out.open_trip else [])
                batch.add_trips(coop_id, vehicle_id, trips)
                batch.add_stops(coop_id, vehicle_id, out.stops)
                if out.open_stop:
                    batch.add_stops(coop_id, vehicle_id, [out.open_stop])
                if out.events:
                    new_ids = store.write_events(
                        conn,
                        coop_id,
                        "vehicle",
                        vehicle_id,
                        out.events,
                        replace_from.get(vehicle_id),
                    )
                    if new_ids:
                        report.new_events += len(new_ids)
                        new_event_coops.add(coop_id)
                elif vehicle_id in replace_from:
                    store.write_events(
                        conn, coop_id, "vehicle", vehicle_id, [], replace_from[vehicle_id]
                    )
                for trip in trips:
                    if trip.driver_id is None:
                        continue
                    due = self.next_driver_check.get(trip.driver_id, 0.0)
                    if not trip.is_open or vehicle_id in replace_from or trip.end_t >= due:
                        earliest = touched_drivers.get(trip.driver_id, trip.start_t)
                        touched_drivers[trip.driver_id] = min(earliest, trip.start_t)
            batch.flush(conn)
            new_driver_events = self._judge_drivers(touched_drivers, new_event_coops)
            report.new_events += new_driver_events
            report.drivers = len(touched_drivers)
            store.forget_marks(conn, [i for m in marks for i in m.mark_ids])
            for coop_id in new_event_coops:
                conn.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, str(coop_id)))
            report.vehicles = len(marks)
        committed = time.time()
        report.latencies_s = [committed - m.stored_at for m in marks]
        report.seconds = time.perf_counter() - started
        return report

    def _judge_drivers(self, touched: dict[int, float], new_event_coops: set[int]) -> int:
        """Re-evaluate driving time from the start of the week of each driver's change."""
        if not touched:
            return 0
        conn = self.conn
        homes = store.driver_cooperatives(conn, list(touched))
        windows = {d: window_start(t, homes[d][1]) for d, t in touched.items() if d in homes}
        if not windows:
            return 0
        drives = store.driver_drives(conn, list(windows), min(windows.values()) - 86_400)
        created = 0
        for driver_id, w0 in windows.items():
            coop_id, zone = homes[driver_id]
            mine = [Drive(s, e, v) for s, e, v in drives[driver_id] if e >= w0 - 86_400]
            last_end = mine[-1].end_t if mine else w0
            verdict = evaluate(driver_id, mine, zone, now=last_end)
            events = [e for e in verdict.events if e.start_t >= w0]
            new_ids = store.write_events(
                conn, coop_id, "driver", driver_id, events, w0, kinds=Kind.DRIVER
            )
            if new_ids:
                created += len(new_ids)
                new_event_coops.add(coop_id)
            status = verdict.status
            if status is not None:
                warn_at = status.continuous_limit_s - 5 * 60
                gaps = [
                    x
                    for x in (
                        warn_at - status.continuous_s,
                        status.continuous_limit_s - status.continuous_s,
                        (status.daily_limit_s or 0) - status.today_s,
                        (status.weekly_limit_s or 0) - status.week_s,
                    )
                    if x > 0
                ]
                self.next_driver_check[driver_id] = last_end + min(gaps, default=3600.0)
        return created


def watch_transmission(conn: Conn, now: float, tolerance: float) -> int:
    """Raise "not transmitting" for vehicles silent longer than the legal interval now, and
    close those whose devices speak again. Returns the number of new events."""
    legal = transmission_rules_on(store.ts(now).date())
    with conn.transaction():
        rows = conn.execute(
            """
            INSERT INTO journey_events (cooperative_id, source, subject_id, kind, vehicle_id,
                                        started_at, geom, details, live)
            SELECT s.cooperative_id, 'vehicle', s.vehicle_id, %s, s.vehicle_id, s.device_time,
                   s.geom, jsonb_build_object('allowed_s', CASE WHEN coalesce(s.speed_kmh, 0) >= 5
                        THEN %s ELSE %s END, 'detected', 'live'), true
            FROM vehicle_state s
            WHERE s.received_at < %s::timestamptz - make_interval(secs =>
                      CASE WHEN coalesce(s.speed_kmh, 0) >= 5 THEN %s ELSE %s END * %s)
            ON CONFLICT (source, subject_id, kind, started_at) DO NOTHING
            RETURNING cooperative_id
            """,
            (
                Kind.NOT_TRANSMITTING,
                legal.moving_max_s,
                legal.stopped_max_s,
                store.ts(now),
                legal.moving_max_s,
                legal.stopped_max_s,
                tolerance,
            ),
        ).fetchall()
        conn.execute(
            """
            UPDATE journey_events j SET ended_at = s.received_at
            FROM vehicle_state s
            WHERE j.live AND j.ended_at IS NULL AND j.kind = %s AND s.vehicle_id = j.vehicle_id
              AND s.device_time > j.started_at
            """,
            (Kind.NOT_TRANSMITTING,),
        )
        for coop_id in {r[0] for r in rows}:
            conn.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, str(coop_id)))
    return len(rows)
