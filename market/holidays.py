"""Vietnam's public holidays as data, for the weekend/holiday surcharge.

Source: Bộ luật Lao động 2019 (Labour Code, Law 45/2019/QH14), Article 112: 1 January; Tết
(lunar new year, 5 days); Hùng Kings' day (10th of the 3rd lunar month); 30 April; 1 May;
National Day 2 September and one day before or after it. Solar holidays are fixed month/day rows;
lunar ones fall on different solar dates each year, so they are dated rows per year (the Tết span
and the day beside 2 September are chosen each year by the government: check its announcement and
add the year's rows here). Days off moved by the government (compensation days) are not holidays
for pricing.
"""

from __future__ import annotations

from datetime import date

SOURCE = "Bộ luật Lao động 2019, Điều 112 (Labour Code 2019, Article 112)"

# (month, day, name): the same solar date every year
SOLAR: tuple[tuple[int, int, str], ...] = (
    (1, 1, "Tết Dương lịch / New Year's Day"),
    (4, 30, "Ngày Chiến thắng / Reunification Day"),
    (5, 1, "Quốc tế Lao động / Labour Day"),
    (9, 2, "Quốc khánh / National Day"),
)

# dated rows for the lunar-calendar holidays (and the second National Day holiday)
DATED: tuple[tuple[date, str], ...] = (
    # Tết Bính Ngọ: mùng 1 = 17 Feb 2026; the statutory 5 days, 29 Tết to mùng 3
    *((date(2026, 2, d), "Tết Nguyên đán / Lunar New Year") for d in range(16, 21)),
    (date(2026, 4, 26), "Giỗ Tổ Hùng Vương / Hùng Kings' day (10/3 âm lịch)"),
    (date(2026, 9, 1), "Quốc khánh / National Day (second day)"),
    # Tết Đinh Mùi: mùng 1 = 6 Feb 2027
    *((date(2027, 2, d), "Tết Nguyên đán / Lunar New Year") for d in range(5, 10)),
)

_SOLAR_DAYS = {(month, day) for month, day, _ in SOLAR}
_DATED_DAYS = {day for day, _ in DATED}


def is_public_holiday(day: date) -> bool:
    """Whether ``day`` (a local date) is a public holiday in Vietnam."""
    return (day.month, day.day) in _SOLAR_DAYS or day in _DATED_DAYS


def is_weekend_or_holiday(day: date) -> bool:
    """Saturday, Sunday or a public holiday: the days a tariff's weekend/holiday surcharge
    applies."""
    return day.weekday() >= 5 or is_public_holiday(day)
