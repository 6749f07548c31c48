"""Driving time against the rules of each day (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from telematics.journey.driving import Drive, evaluate
from telematics.journey.facts import Kind

ZONE = "Asia/Ho_Chi_Minh"
H, M = 3600, 60


def at(year: int, month: int, day: int, hour_local: int) -> float:
    return datetime(year, month, day, hour_local, tzinfo=ZoneInfo(ZONE)).timestamp()


def kinds(drives: list[Drive]) -> list[str]:
    return [e.kind for e in evaluate(9, drives, ZONE).events]


def test_four_hours_ten_warns_then_violates_at_the_right_minutes() -> None:
    start = at(2026, 8, 3, 6)
    events = evaluate(9, [Drive(start, start + 4 * H + 10 * M, 1)], ZONE).events
    assert [(e.kind, e.start_t - start) for e in events] == [
        (Kind.DRIVING_WARNING, 3 * H + 55 * M),
        (Kind.CONTINUOUS_DRIVING, 4 * H),
    ]


def test_a_fifteen_minute_break_resets_continuous_driving() -> None:
    start = at(2026, 8, 3, 6)
    first = Drive(start, start + 3 * H + 50 * M, 1)
    second = Drive(first.end_t + 15 * M, first.end_t + 15 * M + 3 * H + 50 * M, 1)
    assert kinds([first, second]) == []


def test_a_shorter_break_does_not() -> None:
    start = at(2026, 8, 3, 6)
    first = Drive(start, start + 3 * H + 50 * M, 1)
    second = Drive(first.end_t + 14 * M, first.end_t + 14 * M + 3 * H, 1)
    events = evaluate(9, [first, second], ZONE).events
    assert [e.kind for e in events] == [Kind.DRIVING_WARNING, Kind.CONTINUOUS_DRIVING]
    assert events[1].start_t == second.start_t + 10 * M


def eleven_hours_with_breaks(year: int, month: int, day: int) -> list[Drive]:
    drives, t = [], at(year, month, day, 5)
    for hours in (3.5, 3.5, 3.5, 0.5):
        drives.append(Drive(t, t + hours * H, 1))
        t += hours * H + 30 * M
    return drives


def test_a_day_is_judged_by_the_rules_of_its_own_date() -> None:
    assert kinds(eleven_hours_with_breaks(2026, 6, 15)) == [Kind.DAILY_DRIVING]
    assert kinds(eleven_hours_with_breaks(2026, 7, 15)) == []
    assert kinds(eleven_hours_with_breaks(2024, 6, 12)) == [Kind.DAILY_DRIVING]


def test_weekly_cap_only_between_2025_and_mid_2026() -> None:
    def week(year: int, month: int, monday: int) -> list[Drive]:
        drives = []
        for day in range(6):
            t = at(year, month, monday + day, 6)
            drives += [Drive(t, t + 3 * H, 1), Drive(t + 3.5 * H, t + 3.5 * H + 5.5 * H, 1)]
        return drives

    assert Kind.WEEKLY_DRIVING in kinds(week(2026, 3, 2))  # 6 x 8.5 h = 51 h
    assert Kind.WEEKLY_DRIVING not in kinds(week(2024, 3, 4))
    assert Kind.WEEKLY_DRIVING not in kinds(week(2026, 8, 3))


def test_status_now() -> None:
    start = at(2026, 8, 3, 6)
    drive = Drive(start, start + 2 * H, 1)
    status = evaluate(9, [drive], ZONE, now=drive.end_t + 60).status
    assert status is not None
    assert status.continuous_s == 2 * H and status.remaining_s == 2 * H
    rested = evaluate(9, [drive], ZONE, now=drive.end_t + 20 * M).status
    assert rested is not None and rested.continuous_s == 0 and rested.today_s == 2 * H
