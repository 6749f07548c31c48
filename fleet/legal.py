"""Legal thresholds, versioned by the date they took effect (see docs/journey.md for sources).

Every rule a report or an alert applies comes from here, looked up by the local calendar date it
is about: history is judged under the rules of its own day, never today's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

HOUR_S = 3600
MINUTE_S = 60


@dataclass(frozen=True, slots=True)
class DrivingRules:
    """Driving-time limits for commercial drivers in force from ``effective_from`` on."""

    effective_from: date
    source: str
    continuous_max_s: int  # longest continuous drive
    break_min_s: int  # a break at least this long ends continuous driving
    warn_before_s: int  # devices warn this long before the continuous limit
    daily_max_s: int | None  # None: no daily cap in the traffic law on that date
    weekly_max_s: int | None
    force_majeure_excuses: bool  # a recorded force-majeure reason may excuse a violation


DRIVING_RULES: tuple[DrivingRules, ...] = (
    DrivingRules(
        effective_from=date(2009, 7, 1),
        source="Luật Giao thông đường bộ 2008, Điều 65",
        continuous_max_s=4 * HOUR_S,
        break_min_s=15 * MINUTE_S,
        warn_before_s=5 * MINUTE_S,
        daily_max_s=10 * HOUR_S,
        weekly_max_s=None,
        force_majeure_excuses=False,
    ),
    DrivingRules(
        effective_from=date(2025, 1, 1),
        source="Luật Trật tự, an toàn giao thông đường bộ 2024, Điều 64",
        continuous_max_s=4 * HOUR_S,
        break_min_s=15 * MINUTE_S,
        warn_before_s=5 * MINUTE_S,
        daily_max_s=10 * HOUR_S,
        weekly_max_s=48 * HOUR_S,
        force_majeure_excuses=False,
    ),
    DrivingRules(
        effective_from=date(2026, 7, 1),
        source="Luật sửa đổi Luật TTATGTĐB (hiệu lực 01/07/2026)",
        continuous_max_s=4 * HOUR_S,
        break_min_s=15 * MINUTE_S,
        warn_before_s=5 * MINUTE_S,
        daily_max_s=None,
        weekly_max_s=None,
        force_majeure_excuses=True,
    ),
)


def driving_rules_on(day: date) -> DrivingRules:
    """The driving-time rules in force on a local calendar day."""
    chosen = DRIVING_RULES[0]
    for rules in DRIVING_RULES:
        if rules.effective_from <= day:
            chosen = rules
    return chosen


@dataclass(frozen=True, slots=True)
class TransmissionRules:
    """Longest silence allowed between two messages of a journey-monitoring device."""

    effective_from: date
    source: str
    moving_max_s: int
    stopped_max_s: int


TRANSMISSION_RULES: tuple[TransmissionRules, ...] = (
    TransmissionRules(
        effective_from=date(2014, 1, 1),
        source="QCVN 31:2014/BGTVT; Nghị định 10/2020/NĐ-CP",
        moving_max_s=30,
        stopped_max_s=15 * MINUTE_S,
    ),
)


def transmission_rules_on(day: date) -> TransmissionRules:
    chosen = TRANSMISSION_RULES[0]
    for rules in TRANSMISSION_RULES:
        if rules.effective_from <= day:
            chosen = rules
    return chosen


# Default speed limits by vehicle kind (km/h) until a cooperative sets its own (speed_limits table):
# the general limits outside urban areas on a dual carriageway for each class of vehicle.
DEFAULT_SPEED_LIMITS_KMH: dict[str, int] = {
    "contract_car": 90,
    "taxi": 90,
    "van": 90,
    "truck": 80,
    "coach": 80,
    "bus": 80,
    "container_tractor": 70,
}
FALLBACK_SPEED_LIMIT_KMH = 80


# Periodic technical inspection (đăng kiểm) of commercial vehicles: months between inspections
# by vehicle kind and age (years since the year of manufacture). Figures from summaries of the
# circulars' annex on inspection cycles: check against the text before relying on them.
GOODS_KINDS = ("truck", "container_tractor", "van")
SMALL_PASSENGER_KINDS = ("taxi", "contract_car")  # up to 9 seats, in the transport business
LARGE_PASSENGER_KINDS = ("coach", "bus")  # over 9 seats


@dataclass(frozen=True, slots=True)
class InspectionCycle:
    """Months between periodic inspections for some vehicle kinds, in force from a date.

    ``bands`` are (up to this age in years, months) in increasing age; past the last band the
    last figure applies. ``first_months``: the first inspection of a new vehicle."""

    effective_from: date
    source: str
    kinds: tuple[str, ...]
    first_months: int
    bands: tuple[tuple[int, int], ...]


INSPECTION_CYCLES: tuple[InspectionCycle, ...] = (
    InspectionCycle(
        date(2023, 3, 22),
        "Thông tư 02/2023/TT-BGTVT (sửa Thông tư 16/2021/TT-BGTVT), Phụ lục XI",
        GOODS_KINDS,
        first_months=24,
        bands=((7, 12), (20, 6), (999, 3)),
    ),
    InspectionCycle(
        date(2023, 3, 22),
        "Thông tư 02/2023/TT-BGTVT (sửa Thông tư 16/2021/TT-BGTVT), Phụ lục XI",
        SMALL_PASSENGER_KINDS,
        first_months=24,
        bands=((5, 12), (999, 6)),
    ),
    InspectionCycle(
        date(2023, 3, 22),
        "Thông tư 02/2023/TT-BGTVT (sửa Thông tư 16/2021/TT-BGTVT), Phụ lục XI",
        LARGE_PASSENGER_KINDS,
        first_months=24,
        bands=((5, 12), (15, 6), (999, 3)),
    ),
    InspectionCycle(
        date(2025, 1, 1),
        "Thông tư 47/2024/TT-BGTVT, Phụ lục XI",
        GOODS_KINDS,
        first_months=24,
        bands=((7, 12), (20, 6), (999, 3)),
    ),
    InspectionCycle(
        date(2025, 1, 1),
        "Thông tư 47/2024/TT-BGTVT, Phụ lục XI",
        SMALL_PASSENGER_KINDS,
        first_months=24,
        bands=((5, 12), (999, 6)),
    ),
    InspectionCycle(
        date(2025, 1, 1),
        "Thông tư 47/2024/TT-BGTVT, Phụ lục XI",
        LARGE_PASSENGER_KINDS,
        first_months=24,
        bands=((5, 12), (15, 6), (999, 3)),
    ),
)


def inspection_cycle_on(kind: str, day: date) -> InspectionCycle:
    """The cycle for a vehicle kind in force on a day (an unknown kind: the goods vehicles')."""
    family = kind if any(kind in c.kinds for c in INSPECTION_CYCLES) else GOODS_KINDS[0]
    chosen = [c for c in INSPECTION_CYCLES if family in c.kinds and c.effective_from <= day]
    return chosen[-1] if chosen else next(c for c in INSPECTION_CYCLES if family in c.kinds)


def inspection_months(kind: str, year_made: int | None, day: date, *, first: bool = False) -> int:
    """Months until the next periodic inspection of a vehicle inspected on ``day``: by its
    kind and its age that day (a year of manufacture not recorded counts as the oldest band)."""
    cycle = inspection_cycle_on(kind, day)
    if first:
        return cycle.first_months
    age = 999 if year_made is None else day.year - year_made
    for up_to, months in cycle.bands:
        if age <= up_to:
            return months
    return cycle.bands[-1][1]
