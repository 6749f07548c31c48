"""What the director reports answer as JSON (CSV and XLSX carry the same rows)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from fleet.schemas import ExpiringDocument


class PeriodRead(BaseModel):
    start_day: date
    end_day: date
    days: int | None = None  # the utilization report only


class UtilizationRow(BaseModel):
    key: int | str  # a vehicle, driver or member id, or a vehicle kind
    label: str | None
    km: float
    engine_hours: float
    moving_hours: float
    idle_hours: float
    idle_share: float
    days_active: int
    utilization: float
    trips: int
    orders_served: int
    on_time_share: float | None
    revenue_vnd: int
    revenue_per_km_vnd: int | None
    events_per_100_km: float | None
    rank: int
    bottom_10_percent: bool
    previous_km: float | None
    previous_utilization: float | None


class UtilizationTotals(BaseModel):
    km: float
    engine_hours: float
    moving_hours: float
    idle_hours: float
    trips: int
    orders_served: int
    revenue_vnd: int


class UtilizationAverages(BaseModel):
    km: float
    utilization: float


class FleetDay(BaseModel):
    day: date
    km: float
    moving_hours: float
    active_vehicles: int
    utilization: float


class UtilizationReport(BaseModel):
    period: PeriodRead
    group: str
    available_hours_per_day: int
    rows: list[UtilizationRow]
    totals: UtilizationTotals
    averages: UtilizationAverages
    days: list[FleetDay]


class MemberRow(BaseModel):
    member_id: int
    member_no: str
    full_name: str
    vehicles: int
    km: float
    moving_hours: float
    orders_served: int
    revenue_vnd: int
    fee_per_vehicle_vnd: int
    fee_due_vnd: int  # charged by the ledger in the month
    earnings_vnd: int = 0  # the member's share of jobs settled in the month
    paid_vnd: int = 0  # payments the member made in the month
    closing_balance_vnd: int = 0  # + owed to the cooperative, - owed to the member


class MemberTotals(BaseModel):
    vehicles: int
    revenue_vnd: int
    fee_due_vnd: int


class MemberStatement(BaseModel):
    period: PeriodRead
    rows: list[MemberRow]
    totals: MemberTotals


class ComplianceRow(BaseModel):
    subject: str  # driver or vehicle
    id: int
    label: str
    km: float
    driving_time_warning: int
    continuous_driving_violation: int
    daily_driving_violation: int
    weekly_driving_violation: int
    overspeed: int
    not_transmitting: int
    overspeed_per_100_km: float | None
    not_transmitting_minutes: float


class ComplianceReport(BaseModel):
    period: PeriodRead
    rows: list[ComplianceRow]
    documents: list[ExpiringDocument]


class DossierOwner(BaseModel):
    member_no: str
    name: str


class DossierVehicle(BaseModel):
    id: int
    plate: str
    kind: str
    owner: DossierOwner | None
    badge_number: str | None
    badge_expiry: date | None
    inspection_expiry: date | None
    insurance_expiry: date | None
    tracking_device_id: str | None


class DossierSummary(BaseModel):
    days_with_activity: int
    km: float
    trips: int
    dispatches: int
    delivered: int
    hours_without_data: float


class DossierDay(BaseModel):
    day: date
    km: float
    moving_hours: float
    engine_hours: float
    trips: int
    hours_without_data: float


class DossierDispatch(BaseModel):
    id: int
    reference: str
    status: str
    driver_id: int | None
    price_vnd: int
    created_at: datetime
    finished_at: datetime | None


class VehicleDossier(BaseModel):
    vehicle: DossierVehicle
    period: PeriodRead
    summary: DossierSummary
    days: list[DossierDay]
    dispatches: list[DossierDispatch]
    events: dict[str, int]


class SubscriptionRead(BaseModel):
    id: int
    email: str
