"""A driver's driving time judged against the rules in force on each day (fleet.legal).

Pure: the driver's trips in, events and a status out. Continuous driving is the driving time
(trip time, short halts included) since the last break of at least ``break_min_s``; a standstill
shorter than that neither resets nor adds to it. Daily and weekly totals are sums of trip time per
local day and ISO week, checked only on days whose rules have such caps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from fleet.legal import DrivingRules, driving_rules_on
from telematics.journey.facts import Event, Kind


@dataclass(frozen=True, slots=True)
class Drive:
    """One trip of the driver (epoch seconds)."""

    start_t: float
    end_t: float
    vehicle_id: int


@dataclass(slots=True)
class DrivingStatus:
    continuous_s: float
    continuous_limit_s: int
    remaining_s: float
    break_needed: bool
    on_break_s: float  # standing still since the last trip (0 while driving)
    today_s: float
    week_s: float
    daily_limit_s: int | None
    weekly_limit_s: int | None
    rules_from: date
    rules_source: str


@dataclass(slots=True)
class Verdict:
    events: list[Event] = field(default_factory=list)
    status: DrivingStatus | None = None


class _Crossings:
    """Emits one event per threshold crossing of a running total."""

    def __init__(self, driver_id: int, events: list[Event]) -> None:
        self.driver_id = driver_id
        self.events = events

    def check(
        self,
        kind: str,
        before: float,
        after: float,
        threshold: float | None,
        start_t: float,
        vehicle_id: int,
        rules: DrivingRules,
    ) -> Event | None:
        if threshold is None or not (before < threshold <= after):
            return None
        at = start_t + (threshold - before)
        details = {
            "limit_s": int(threshold),
            "rules_from": rules.effective_from.isoformat(),
            "rules_source": rules.source,
        }
        event = Event(kind, at, None, self.driver_id, None, details, vehicle_id)
        self.events.append(event)
        return event


def evaluate(
    driver_id: int, drives: Sequence[Drive], zone: str, now: float | None = None
) -> Verdict:
    """Events for every threshold crossed in ``drives`` (sorted by start), and the status now."""
    tz = ZoneInfo(zone)
    calendar = _Calendar(tz)
    verdict = Verdict()
    crossings = _Crossings(driver_id, verdict.events)
    continuous = 0.0
    last_end: float | None = None
    per_day: dict[date, float] = {}
    per_week: dict[tuple[int, int], float] = {}
    open_violation: Event | None = None
    for drive in drives:
        day_rules = driving_rules_on(calendar.day_of(drive.start_t)[0])
        if last_end is not None and drive.start_t - last_end >= day_rules.break_min_s:
            continuous = 0.0
            if open_violation is not None:
                open_violation.end_t = last_end
                open_violation = None
        for day, start, end in calendar.split(drive.start_t, drive.end_t):
            rules = driving_rules_on(day)
            span = end - start
            warn_at = rules.continuous_max_s - rules.warn_before_s
            crossings.check(
                Kind.DRIVING_WARNING,
                continuous,
                continuous + span,
                warn_at,
                start,
                drive.vehicle_id,
                rules,
            )
            crossed = crossings.check(
                Kind.CONTINUOUS_DRIVING,
                continuous,
                continuous + span,
                rules.continuous_max_s,
                start,
                drive.vehicle_id,
                rules,
            )
            if crossed is not None:
                open_violation = crossed
            continuous += span
            today = per_day.get(day, 0.0)
            crossings.check(
                Kind.DAILY_DRIVING, today, today + span, rules.daily_max_s, start,
                drive.vehicle_id, rules,
            )  # fmt: skip
            per_day[day] = today + span
            week = day.isocalendar()[:2]
            so_far = per_week.get(week, 0.0)
            crossings.check(
                Kind.WEEKLY_DRIVING, so_far, so_far + span, rules.weekly_max_s, start,
                drive.vehicle_id, rules,
            )  # fmt: skip
            per_week[week] = so_far + span
        last_end = drive.end_t
    if now is not None:
        verdict.status = _status(continuous, last_end, per_day, per_week, now, calendar)
        if open_violation is not None and last_end is not None:
            rules = driving_rules_on(calendar.day_of(last_end)[0])
            if now - last_end >= rules.break_min_s:
                open_violation.end_t = last_end
    return verdict


def _status(
    continuous: float,
    last_end: float | None,
    per_day: dict[date, float],
    per_week: dict[tuple[int, int], float],
    now: float,
    calendar: _Calendar,
) -> DrivingStatus:
    today = calendar.day_of(now)[0]
    rules = driving_rules_on(today)
    resting = now - last_end if last_end is not None else float("inf")
    if resting >= rules.break_min_s:
        continuous = 0.0
    return DrivingStatus(
        continuous_s=continuous,
        continuous_limit_s=rules.continuous_max_s,
        remaining_s=max(0.0, rules.continuous_max_s - continuous),
        break_needed=continuous >= rules.continuous_max_s - rules.warn_before_s,
        on_break_s=0.0 if last_end is None or resting < 60 else resting,
        today_s=per_day.get(today, 0.0),
        week_s=per_week.get(today.isocalendar()[:2], 0.0),
        daily_limit_s=rules.daily_max_s,
        weekly_limit_s=rules.weekly_max_s,
        rules_from=rules.effective_from,
        rules_source=rules.source,
    )


class _Calendar:
    """Local days of epoch seconds in one zone, remembering the last day's bounds: drives come
    sorted, so nearly every lookup falls in the day already known (converting each instant
    through the zone cost most of a suggestion's driving-time checks)."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.day = date.min
        self.starts = self.ends = 0.0

    def day_of(self, t: float) -> tuple[date, float]:
        """The local day holding ``t`` and the epoch of the midnight that ends it."""
        if not self.starts <= t < self.ends:
            local = datetime.fromtimestamp(t, self.tz)
            midnight = datetime(local.year, local.month, local.day, tzinfo=self.tz)
            self.day, self.starts = midnight.date(), midnight.timestamp()
            self.ends = (midnight + timedelta(days=1)).timestamp()
        return self.day, self.ends

    def split(self, start: float, end: float) -> list[tuple[date, float, float]]:
        """``[start, end)`` cut at local midnights, each piece with its day."""
        pieces = []
        while start < end:
            day, midnight = self.day_of(start)
            cut = min(end, midnight)
            pieces.append((day, start, cut))
            start = cut
        return pieces


def window_start(t: float, zone: str) -> float:
    """Where re-evaluating a driver must begin for a change at ``t``: the local Monday of its
    week (weekly totals), a day earlier still so a drive across midnight is seen whole."""
    tz = ZoneInfo(zone)
    local = datetime.fromtimestamp(t, tz)
    monday = datetime(local.year, local.month, local.day, tzinfo=tz) - timedelta(
        days=local.weekday()
    )
    return monday.timestamp()
