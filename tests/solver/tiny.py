"""Tiny hand-made planning problems on a line of places, so every expected outcome can be
worked out by hand. Place ``i`` sits at kilometre ``i``; driving takes 60 s per kilometre."""

from __future__ import annotations

from collections.abc import Sequence

from routing.solver import (
    BreakRule,
    FixedPrefix,
    Matrix,
    Options,
    Order,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
)

MINUTE = 60
HOUR = 3600
DAY = 24 * HOUR
# tests stop each search phase once it stops improving, not at the wall clock: their
# assertions (feasible, served, checker) hold for the plan proven or settled by then
QUICK = Options(stop_when_no_improvement_s=0.1)


def line(places: int, seconds_per_km: int = MINUTE) -> tuple[Matrix, Matrix]:
    """Durations (s) and distances (m) between places on a straight road."""
    durations = [[abs(i - j) * seconds_per_km for j in range(places)] for i in range(places)]
    distances = [[abs(i - j) * 1000 for j in range(places)] for i in range(places)]
    return Matrix.from_rows(durations), Matrix.from_rows(distances)


def stop(node: int, start: int = 0, end: int = DAY, service: int = 0) -> Stop:
    return Stop(node, (TimeWindow(start, end),), service)


def truck(
    name: str,
    home: int = 0,
    capacity: Sequence[int] = (1000, 10, 2),
    shift: tuple[int, int] = (0, DAY),
    skills: frozenset[str] = frozenset(),
) -> Vehicle:
    """A vehicle with (kg, m³, seats) capacity starting and ending at ``home``."""
    return Vehicle(name, home, home, TimeWindow(*shift), tuple(capacity), skills=skills)


def parcel(
    name: str,
    pickup: int,
    delivery: int,
    kg: int = 100,
    skills: frozenset[str] = frozenset(),
    penalty: int | None = None,
) -> Order:
    """An order of ``kg`` kilograms and 1 m³ from ``pickup`` to ``delivery``, any time today."""
    return Order(
        name,
        pickup=stop(pickup),
        delivery=stop(delivery),
        demand=(kg, 1, 0),
        skills=skills,
        penalty=penalty,
    )


def problem(
    places: int,
    vehicles: Sequence[Vehicle],
    orders: Sequence[Order],
    fixed: Sequence[FixedPrefix] = (),
    break_rule: BreakRule | None = None,
) -> Problem:
    durations, distances = line(places)
    return Problem(durations, distances, tuple(vehicles), tuple(orders), tuple(fixed), break_rule)
