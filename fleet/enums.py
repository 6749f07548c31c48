"""Closed vocabularies of the registry, stored as text so new values need no type migration."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    DIRECTOR = "director"
    DRIVER = "driver"
    ACCOUNTANT = "accountant"  # keeps the members' ledger, closes months
    MEMBER = "member"  # a member-owner reading their own vehicles and statement (portal)


class VehicleKind(StrEnum):
    TRUCK = "truck"
    CONTAINER_TRACTOR = "container_tractor"
    COACH = "coach"
    BUS = "bus"
    VAN = "van"
    TAXI = "taxi"
    CONTRACT_CAR = "contract_car"


class VehicleStatus(StrEnum):
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    RETIRED = "retired"


class PersonStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


class BadgeType(StrEnum):
    """Kinds of operating badge (phù hiệu)."""

    FREIGHT = "freight"
    CONTAINER = "container"
    CONTRACT = "contract"
    TAXI = "taxi"
    FIXED_ROUTE = "fixed_route"
    BUS = "bus"
    TOURISM = "tourism"


class LicenceClass(StrEnum):
    """Driving licence classes, after the 2025 reform and before it (old licences stay valid)."""

    B = "B"
    C1 = "C1"
    C = "C"
    D1 = "D1"
    D2 = "D2"
    D = "D"
    BE = "BE"
    C1E = "C1E"
    CE = "CE"
    D1E = "D1E"
    D2E = "D2E"
    DE = "DE"
    B2 = "B2"
    E = "E"
    FB2 = "FB2"
    FC = "FC"
    FD = "FD"
    FE = "FE"


class ZoneKind(StrEnum):
    SERVICE_AREA = "service_area"
    CITY = "city"
    RESTRICTED = "restricted"
    DEPOT_AREA = "depot_area"
    CUSTOMER_SITE = "customer_site"
