"""Who and what may be dispatched, and why not: the one rule for papers and statuses.

A driver may drive a vehicle on a day when both are ``active`` and no paper has lapsed: the
driver's licence and the vehicle's inspection, insurance and operating badge (a vehicle paper
not recorded does not block; a licence always has a date). Shifts, suggestions, planning, the
driver's home screen, the console's vehicle panel and the expiring-documents list all ask here,
so they agree on the names and the day a paper stops counting (valid through its expiry date).

Overdue safety maintenance blocks like a lapsed paper. Maintenance sits above fleet, so the
callers that gather eligibility inputs pass its holds in as plain reasons (``holds``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from fleet.models import Driver, Vehicle

# the papers, in the order they are shown, with the words used in reasons
LABELS = {
    "licence": "driving licence",
    "inspection": "inspection",
    "insurance": "insurance",
    "badge": "operating badge",
}
DRIVER_PAPERS = ("licence",)
MAINTENANCE_BLOCK = "blocked for maintenance"
VEHICLE_PAPERS = ("badge", "inspection", "insurance")


@dataclass(frozen=True, slots=True)
class Paper:
    document: str  # a key of LABELS
    expires_on: date | None  # None: not recorded

    def lapsed(self, today: date) -> bool:
        """Valid through its expiry date; a paper without a date never lapses here."""
        return self.expires_on is not None and self.expires_on < today

    def due(self, today: date, within_days: int) -> bool:
        """Lapsed, or expiring within ``within_days``."""
        return self.expires_on is not None and self.expires_on <= today + timedelta(
            days=within_days
        )


def driver_papers(driver: Driver) -> list[Paper]:
    return [Paper("licence", driver.licence_expiry)]


def vehicle_papers(vehicle: Vehicle) -> list[Paper]:
    return [
        Paper("badge", vehicle.badge_expiry),
        Paper("inspection", vehicle.inspection_expiry),
        Paper("insurance", vehicle.insurance_expiry),
    ]


def papers_of(driver: Driver | None, vehicle: Vehicle | None) -> list[Paper]:
    """The driver's and the vehicle's papers (either may be missing)."""
    return (driver_papers(driver) if driver else []) + (vehicle_papers(vehicle) if vehicle else [])


def lapsed(papers: list[Paper], today: date) -> list[str]:
    """The documents no longer valid on ``today``."""
    return [paper.document for paper in papers if paper.lapsed(today)]


def why_not(
    driver_status: str,
    vehicle_status: str,
    papers: list[Paper],
    today: date,
    holds: Sequence[str] = (),
) -> str | None:
    """The first reason this driver and vehicle cannot be dispatched on ``today``, or None.
    ``holds``: the vehicle's overdue safety maintenance, each a plain reason."""
    if driver_status != "active":
        return f"driver is {driver_status}"
    if vehicle_status != "active":
        return f"vehicle is {vehicle_status}"
    for paper in papers:
        if paper.lapsed(today):
            assert paper.expires_on is not None
            return f"{LABELS[paper.document]} expired on {paper.expires_on.isoformat()}"
    for hold in holds:
        return f"{MAINTENANCE_BLOCK}: {hold}"
    return None
