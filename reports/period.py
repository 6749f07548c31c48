"""A report period in the cooperative's local days, and the one before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import InvalidInput

MAX_DAYS = 366
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(2999, 12, 31)
"""Reports cover days in this range: the period before one and its local instants stay far from
the calendar's ends (year 1, 9999), where date arithmetic overflows."""


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # inclusive

    def __post_init__(self) -> None:
        for name, day in (("start_day", self.first), ("end_day", self.last)):
            if not FIRST_DAY <= day <= LAST_DAY:
                raise InvalidInput(f"{name} must be between {FIRST_DAY} and {LAST_DAY}", field=name)
        if self.last < self.first:
            raise InvalidInput("end_day must not be before start_day", field="end_day")
        if self.days > MAX_DAYS:
            raise InvalidInput(f"a report covers at most {MAX_DAYS} days", field="end_day")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        """The same number of days just before (compared against in reports)."""
        if self.first - FIRST_DAY < timedelta(days=self.days):
            raise InvalidInput(f"reports start on {FIRST_DAY}", field="start_day")
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @classmethod
    def month(cls, text: str) -> Period:
        try:
            year, month = (int(part) for part in text.split("-"))
            first = date(year, month, 1)
        except ValueError as exc:
            raise InvalidInput("month must look like 2026-11", field="month") from exc
        if not FIRST_DAY <= first <= LAST_DAY:
            raise InvalidInput(
                f"month must be between {FIRST_DAY:%Y-%m} and {LAST_DAY:%Y-%m}", field="month"
            )
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))
