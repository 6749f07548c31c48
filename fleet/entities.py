"""The registry's entities as ``Entity`` descriptions: one place for their derived columns."""

from __future__ import annotations

from core.text import fold
from fleet.models import Depot, Driver, Member, Vehicle, Zone
from fleet.plates import parse_plate
from fleet.registry import Entity


def _derive_member(row: Member) -> None:
    row.search = fold(" ".join(filter(None, [row.full_name, row.member_no, row.phone])))


def _derive_driver(row: Driver) -> None:
    parts = [row.full_name, row.phone, row.licence_number, row.driver_card_id]
    row.search = fold(" ".join(filter(None, parts)))


def _derive_vehicle(row: Vehicle) -> None:
    plate = parse_plate(row.plate)
    row.plate_key = plate.key
    parts = [plate.display, plate.key, row.make, row.model, row.tracking_device_id]
    row.search = fold(" ".join(filter(None, parts)))


MEMBERS = Entity(
    model=Member,
    name="member",
    sortable=("member_no", "full_name", "join_date", "status", "created_at"),
    derive=_derive_member,
)
DRIVERS = Entity(
    model=Driver,
    name="driver",
    sortable=("full_name", "licence_expiry", "status", "created_at"),
    references={"member_id": Member},
    derive=_derive_driver,
)
VEHICLES = Entity(
    model=Vehicle,
    name="vehicle",
    sortable=(
        "plate",
        "kind",
        "status",
        "year",
        "payload_kg",
        "seats",
        "badge_expiry",
        "inspection_expiry",
        "insurance_expiry",
        "created_at",
    ),
    references={"owner_member_id": Member},
    derive=_derive_vehicle,
)
DEPOTS = Entity(model=Depot, name="depot", sortable=("name", "created_at"), searchable=False)
ZONES = Entity(model=Zone, name="zone", sortable=("name", "kind", "created_at"), searchable=False)
