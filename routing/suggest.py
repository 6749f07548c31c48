"""Which drivers could take one order now, best first, and why the others cannot.

Pure: the caller passes the shortlisted drivers (nearest vehicles first, from a KNN query on the
latest positions) with their vehicles, documents and driving-time headroom as plain values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from fleet import eligibility
from fleet.eligibility import Paper
from routing.matrix import GreatCircle


@dataclass(frozen=True, slots=True)
class Nearby:
    driver_id: int
    vehicle_id: int
    plate: str
    kind: str
    capacity: tuple[int | None, float | None, int | None]  # kg, m³, seats (None: not recorded)
    features: frozenset[str]
    driver_status: str
    vehicle_status: str
    expiries: dict[str, date | None]  # by fleet.eligibility document: licence, badge…
    position: tuple[float, float]
    headroom_s: float | None  # continuous driving time left now (None: unknown)
    shift_left_s: float | None = None  # time to the shift's planned end (None: unknown)
    holds: tuple[str, ...] = ()  # overdue safety maintenance, as reasons (fleet.eligibility)


@dataclass(frozen=True, slots=True)
class Need:
    pickup: tuple[float, float]
    kind: str | None
    load: tuple[int, float, int]
    features: frozenset[str]
    dropoff: tuple[float, float] | None = None
    service_s: int = 0  # at the pickup and the drop-off together


@dataclass(frozen=True, slots=True)
class Suggestion:
    driver_id: int
    vehicle_id: int
    plate: str
    distance_m: int
    eta_s: int
    headroom_s: float | None


@dataclass(frozen=True, slots=True)
class Exclusion:
    driver_id: int
    vehicle_id: int
    reason: str


def why_not(
    need: Need, driver: Nearby, today: date, eta_s: float, job_s: float = 0.0
) -> str | None:
    """The first reason this driver cannot take the order, or None. ``job_s``: from the pickup
    to the end of the drop-off."""
    papers = [Paper(document, expiry) for document, expiry in driver.expiries.items()]
    unavailable = eligibility.why_not(
        driver.driver_status, driver.vehicle_status, papers, today, driver.holds
    )
    if unavailable is not None:
        return unavailable
    if need.kind is not None and driver.kind != need.kind:
        return f"vehicle is a {driver.kind}, the order needs a {need.kind}"
    labels = ("kg", "m³", "seats")
    for label, wanted, has in zip(labels, need.load, driver.capacity, strict=True):
        if has is not None and wanted > has:
            return f"capacity {has} {label} < {wanted} {label}"
    missing = need.features - driver.features
    if missing:
        return f"vehicle lacks {', '.join(sorted(missing))}"
    if driver.headroom_s is not None and driver.headroom_s < eta_s:
        return f"needs a break in {round(driver.headroom_s / 60)} min, before reaching the pickup"
    if driver.shift_left_s is not None and driver.shift_left_s < eta_s + job_s:
        return (
            f"shift ends in {round(driver.shift_left_s / 60)} min, before the job would be done "
            f"(in {round((eta_s + job_s) / 60)} min)"
        )
    return None


def rank(
    need: Need,
    nearby: Iterable[Nearby],
    today: date,
    limit: int = 5,
    travel: GreatCircle | None = None,
) -> tuple[list[Suggestion], list[Exclusion]]:
    travel = travel or GreatCircle()
    fit, excluded = [], []
    carried = travel.road_metres(need.pickup, need.dropoff) if need.dropoff else 0.0
    for driver in nearby:
        metres = travel.road_metres(driver.position, need.pickup)
        speed = travel.speed_ms(driver.kind)
        eta = math.ceil(metres / speed)
        reason = why_not(need, driver, today, eta, carried / speed + need.service_s)
        if reason is None:
            fit.append(
                Suggestion(
                    driver.driver_id, driver.vehicle_id, driver.plate, math.ceil(metres), eta,
                    driver.headroom_s,
                )
            )  # fmt: skip
        else:
            excluded.append(Exclusion(driver.driver_id, driver.vehicle_id, reason))
    fit.sort(key=lambda s: (s.eta_s, s.driver_id))
    return fit[:limit], excluded
