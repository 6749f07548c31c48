"""A tariff's arithmetic: pure, in VND integers, so a quote's breakdown can be checked by hand.

The trip part is base + per km + per hour, raised to the minimum; the night and the
weekend/holiday surcharges are percentages of that trip part (both may apply); waiting, extra
stops and loading help are added after, flat. Fractions of a đồng round half up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from market.holidays import is_weekend_or_holiday


@dataclass(frozen=True, slots=True)
class Rates:
    """The figures of one tariff version (VND; percentages as whole numbers)."""

    base_vnd: int
    per_km_vnd: int
    per_hour_vnd: int
    minimum_vnd: int
    night_pct: int = 0
    holiday_pct: int = 0
    waiting_per_hour_vnd: int = 0
    extra_stop_vnd: int = 0
    loading_help_vnd: int = 0
    night_start: time = time(22, 0)
    night_end: time = time(6, 0)


@dataclass(frozen=True, slots=True)
class Trip:
    """What is priced: road distance and duration, the pickup's local time, and extras."""

    distance_m: int
    duration_s: int
    pickup_local: datetime
    waiting_minutes: int = 0
    extra_stops: int = 0
    loading_help: bool = False


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    amount_vnd: int


@dataclass(frozen=True, slots=True)
class Price:
    total_vnd: int
    lines: tuple[Line, ...]


def _div_round(numerator: int, denominator: int) -> int:
    """Integer division rounding half up (amounts are never negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def is_night(moment: time, start: time, end: time) -> bool:
    """Whether a local time falls in the night span (which may cross midnight)."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


def price(rates: Rates, trip: Trip) -> Price:
    """The total and its breakdown, one line per part that is not zero (the trip parts always)."""
    lines = [
        Line("base", rates.base_vnd),
        Line("distance", _div_round(rates.per_km_vnd * trip.distance_m, 1000)),
        Line("duration", _div_round(rates.per_hour_vnd * trip.duration_s, 3600)),
    ]
    trip_part = sum(line.amount_vnd for line in lines)
    if trip_part < rates.minimum_vnd:
        lines.append(Line("minimum_top_up", rates.minimum_vnd - trip_part))
        trip_part = rates.minimum_vnd
    local = trip.pickup_local
    if rates.night_pct and is_night(local.time(), rates.night_start, rates.night_end):
        lines.append(Line("night", _div_round(trip_part * rates.night_pct, 100)))
    if rates.holiday_pct and is_weekend_or_holiday(local.date()):
        lines.append(Line("weekend_holiday", _div_round(trip_part * rates.holiday_pct, 100)))
    if trip.waiting_minutes and rates.waiting_per_hour_vnd:
        waiting = _div_round(rates.waiting_per_hour_vnd * trip.waiting_minutes, 60)
        lines.append(Line("waiting", waiting))
    if trip.extra_stops and rates.extra_stop_vnd:
        lines.append(Line("extra_stops", rates.extra_stop_vnd * trip.extra_stops))
    if trip.loading_help and rates.loading_help_vnd:
        lines.append(Line("loading_help", rates.loading_help_vnd))
    return Price(sum(line.amount_vnd for line in lines), tuple(lines))
