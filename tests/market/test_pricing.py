"""Tariff arithmetic on cases worked out by hand."""

from __future__ import annotations

from datetime import date, datetime

from market.holidays import is_public_holiday, is_weekend_or_holiday
from market.pricing import Rates, Trip, price

TRUCK = Rates(
    base_vnd=200_000,
    per_km_vnd=15_000,
    per_hour_vnd=60_000,
    minimum_vnd=500_000,
    night_pct=20,
    holiday_pct=30,
    waiting_per_hour_vnd=90_000,
    extra_stop_vnd=50_000,
    loading_help_vnd=150_000,
)


def amounts(result: object) -> dict[str, int]:
    return {line.code: line.amount_vnd for line in result.lines}  # type: ignore[attr-defined]


def test_night_holiday_and_waiting() -> None:
    # 30 April 2026 (a Thursday, a public holiday), 23:30: night and holiday both apply
    trip = Trip(
        distance_m=62_400,
        duration_s=5_400,
        pickup_local=datetime(2026, 4, 30, 23, 30),
        waiting_minutes=40,
    )
    result = price(TRUCK, trip)
    # trip part: 200,000 + 15,000 × 62.4 = 936,000 + 60,000 × 1.5 = 90,000 → 1,226,000
    assert amounts(result) == {
        "base": 200_000,
        "distance": 936_000,
        "duration": 90_000,
        "night": 245_200,  # 20 % of 1,226,000
        "weekend_holiday": 367_800,  # 30 % of 1,226,000
        "waiting": 60_000,  # 90,000 × 40/60
    }
    assert result.total_vnd == 1_226_000 + 245_200 + 367_800 + 60_000


def test_minimum_on_a_weekday_morning() -> None:
    trip = Trip(distance_m=5_000, duration_s=900, pickup_local=datetime(2026, 12, 8, 9, 0))
    result = price(TRUCK, trip)
    # 200,000 + 75,000 + 15,000 = 290,000 → topped up to 500,000; no surcharge on a Tuesday
    assert amounts(result)["minimum_top_up"] == 210_000
    assert result.total_vnd == 500_000


def test_extras_and_the_edges_of_the_night() -> None:
    at_six = Trip(
        distance_m=1_000,
        duration_s=0,
        pickup_local=datetime(2026, 12, 8, 6, 0),
        extra_stops=2,
        loading_help=True,
    )
    result = price(TRUCK, at_six)
    assert "night" not in amounts(result)  # 06:00 is day again
    assert amounts(result)["extra_stops"] == 100_000
    assert amounts(result)["loading_help"] == 150_000
    assert result.total_vnd == 500_000 + 100_000 + 150_000
    before_six = Trip(distance_m=1_000, duration_s=0, pickup_local=datetime(2026, 12, 8, 5, 59))
    assert amounts(price(TRUCK, before_six))["night"] == 100_000


def test_rounding_half_up() -> None:
    rates = Rates(base_vnd=0, per_km_vnd=1, per_hour_vnd=0, minimum_vnd=0)
    trip = Trip(distance_m=1_500, duration_s=0, pickup_local=datetime(2026, 12, 8, 12, 0))
    assert price(rates, trip).total_vnd == 2


def test_holidays_as_data() -> None:
    assert is_public_holiday(date(2026, 9, 2))
    assert is_public_holiday(date(2026, 2, 17))  # mùng 1 Tết Bính Ngọ
    assert is_public_holiday(date(2026, 4, 26))  # Giỗ Tổ Hùng Vương
    assert not is_public_holiday(date(2026, 12, 8))
    assert is_weekend_or_holiday(date(2026, 12, 5))  # a Saturday
    assert not is_weekend_or_holiday(date(2026, 12, 7))
