"""What the ledger's routes take and answer (JSON; statements and balances also as files)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from fleet.enums import VehicleKind
from fleet.schemas import Schema, examples
from fleet.validators import BIGINT_MAX, Id, Vnd
from ledger.chart import Charge

Day = Annotated[date, Field(ge=date(1970, 1, 1), le=date(2999, 12, 31))]
Reason = Annotated[str, Field(min_length=3, max_length=500)]
SignedVnd = Annotated[int, Field(ge=-BIGINT_MAX, le=BIGINT_MAX, description="+ owes more")]


class PaymentCreate(Schema):
    model_config = examples(
        {
            "member_id": 12,
            "amount_vnd": 1_500_000,
            "posted_on": "2026-11-20",
            "reference": "FT26324001",
            "account": "bank",
        }
    )

    member_id: Id
    amount_vnd: Annotated[int, Field(ge=1, le=BIGINT_MAX)]
    posted_on: Day
    direction: Literal["payment", "payout"] = "payment"  # payout: the cooperative pays them
    account: Literal["bank", "cash"] = "bank"
    reference: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    note: Annotated[str, Field(max_length=300)] | None = None


class AdjustmentCreate(Schema):
    model_config = examples(
        {
            "member_id": 12,
            "amount_vnd": -200_000,
            "posted_on": "2026-11-28",
            "reason": "Giảm phí quản lý tháng 11 theo nghị quyết đại hội",
        }
    )

    member_id: Id
    amount_vnd: SignedVnd
    posted_on: Day
    reason: Reason


class ReversalCreate(Schema):
    model_config = examples({"posted_on": "2026-12-02", "reason": "Nhập nhầm thành viên"})

    posted_on: Day
    reason: Reason


class EntryCreated(BaseModel):
    id: int


class StatementLine(BaseModel):
    posted_on: date
    entry_id: int
    source: str
    source_label: str
    reference: str | None
    memo: str
    reason: str | None
    reverses_id: int | None
    debit_vnd: int
    credit_vnd: int
    balance_vnd: int


class StatementRead(BaseModel):
    member_id: int
    member_no: str
    full_name: str
    payment_code: str  # what the member writes in a bank transfer's content
    month: str
    opening_vnd: int
    debits_vnd: int
    credits_vnd: int
    closing_vnd: int  # + the member owes the cooperative; - the cooperative owes the member
    lines: list[StatementLine]


class BalanceRow(BaseModel):
    member_id: int
    member_no: str
    full_name: str
    balance_vnd: int
    current_vnd: int
    days_31_60_vnd: int
    days_61_90_vnd: int
    over_90_vnd: int
    overdue_vnd: int


class BalanceTotals(BaseModel):
    balance_vnd: int
    current_vnd: int
    days_31_60_vnd: int
    days_61_90_vnd: int
    over_90_vnd: int
    overdue_vnd: int
    receivable_vnd: int
    payable_vnd: int


class BalancesRead(BaseModel):
    as_of: date
    rows: list[BalanceRow]
    totals: BalanceTotals


class TrialRow(BaseModel):
    account: str
    label: str
    opening_vnd: int
    debits_vnd: int
    credits_vnd: int
    closing_vnd: int


class TrialBalanceRead(BaseModel):
    month: str
    rows: list[TrialRow]
    total_closing_vnd: int  # 0 when the books balance
    total_debits_vnd: int
    total_credits_vnd: int


class MonthsRead(BaseModel):
    closed: list[str]  # "2026-10", oldest first


class CloseQueued(BaseModel):
    month: str
    status: Literal["queued"] = "queued"


class BankRowRead(BaseModel):
    row: int
    date: date
    amount_vnd: int
    reference: str
    transaction_id: str
    member_id: int | None = None
    member_no: str | None = None
    entry_id: int | None = None
    reason: str | None = None


class BankImportRead(BaseModel):
    matched: list[BankRowRead]
    already_imported: list[BankRowRead]
    unmatched: list[BankRowRead]  # no member code, or several: nothing posted


class ChargeRuleCreate(Schema):
    model_config = examples(
        {
            "charge": "management_fee",
            "per_vehicle": True,
            "vehicle_kind": "truck",
            "amount_vnd": 500_000,
            "starts_on": "2026-01-01",
        }
    )

    charge: Charge
    per_vehicle: bool = True
    vehicle_kind: VehicleKind | None = None  # None: every kind
    amount_vnd: Annotated[int, Field(ge=1, le=BIGINT_MAX)]
    starts_on: Day
    ends_on: Day | None = None


class ChargeRuleRead(BaseModel):
    id: int
    charge: str
    per_vehicle: bool
    vehicle_kind: str | None
    amount_vnd: int
    starts_on: date
    ends_on: date | None


class CommissionRuleCreate(Schema):
    model_config = examples(
        {"vehicle_kind": None, "method": "percent", "value": 1000, "starts_on": "2026-01-01"}
    )

    vehicle_kind: VehicleKind | None = None  # None: every kind
    method: Literal["percent", "fixed", "per_km"]
    value: Vnd  # basis points (1000 = 10 %), VND, or VND per km
    starts_on: Day


class CommissionRuleRead(BaseModel):
    id: int
    vehicle_kind: str | None
    method: str
    value: int
    starts_on: date
