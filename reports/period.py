"""A report period in the cooperative's local days, and the one before it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from core.errors import InvalidInput

MAX_DAYS = 366


@dataclass(frozen=True, slots=True)
class Period:
    first: date
    last: date  # inclusive

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise InvalidInput("end_day must not be before start_day", field="end_day")
        if self.days > MAX_DAYS:
            raise InvalidInput(f"a report covers at most {MAX_DAYS} days", field="end_day")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def previous(self) -> Period:
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1))

    @classmethod
    def month(cls, text: str) -> Period:
        try:
            year, month = (int(part) for part in text.split("-"))
            first = date(year, month, 1)
        except ValueError as exc:
            raise InvalidInput("month must look like 2026-11", field="month") from exc
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(first, following - timedelta(days=1))
