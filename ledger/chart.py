"""The chart of accounts and the closed vocabularies of the ledger, with their Vietnamese and
English names (statements, the portal and the API show these, never a second copy).

A member has one account (``member``): a debit means the member owes the cooperative more (a
fee, a payout made to them), a credit less (their share of a job, a payment they made). Its
balance is receivable when positive and payable (the cooperative owes the member) when negative.
"""

from __future__ import annotations

from enum import StrEnum


class Account(StrEnum):
    MEMBER = "member"
    FEE_INCOME = "fee_income"  # management fees
    COMMISSION_INCOME = "commission_income"  # the cooperative's share of jobs
    CAPITAL = "capital"  # members' capital contributions
    ON_BEHALF = "on_behalf"  # badges, insurance paid on a member's behalf
    CUSTOMERS = "customers"  # prices of delivered jobs, owed by customers
    BANK = "bank"
    CASH = "cash"
    ADJUSTMENTS = "adjustments"


class Charge(StrEnum):
    """Recurring monthly charges and the account each one credits."""

    MANAGEMENT_FEE = "management_fee"
    CAPITAL_CONTRIBUTION = "capital_contribution"
    BADGE_FEE = "badge_fee"
    INSURANCE_FEE = "insurance_fee"


CHARGE_ACCOUNT: dict[Charge, Account] = {
    Charge.MANAGEMENT_FEE: Account.FEE_INCOME,
    Charge.CAPITAL_CONTRIBUTION: Account.CAPITAL,
    Charge.BADGE_FEE: Account.ON_BEHALF,
    Charge.INSURANCE_FEE: Account.ON_BEHALF,
}


class Source(StrEnum):
    CHARGE = "charge"
    SETTLEMENT = "settlement"
    PAYMENT = "payment"  # a member paid the cooperative
    PAYOUT = "payout"  # the cooperative paid a member
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"


LABELS: dict[str, tuple[str, str]] = {
    Account.MEMBER: ("Tài khoản thành viên", "Member account"),
    Account.FEE_INCOME: ("Thu phí quản lý", "Management fee income"),
    Account.COMMISSION_INCOME: ("Thu hoa hồng vận chuyển", "Commission income"),
    Account.CAPITAL: ("Vốn góp thành viên", "Members' capital"),
    Account.ON_BEHALF: ("Chi hộ thành viên", "Paid on members' behalf"),
    Account.CUSTOMERS: ("Phải thu khách hàng", "Owed by customers"),
    Account.BANK: ("Tiền gửi ngân hàng", "Bank"),
    Account.CASH: ("Tiền mặt", "Cash"),
    Account.ADJUSTMENTS: ("Điều chỉnh", "Adjustments"),
    Charge.MANAGEMENT_FEE: ("Phí quản lý", "Management fee"),
    Charge.CAPITAL_CONTRIBUTION: ("Góp vốn", "Capital contribution"),
    Charge.BADGE_FEE: ("Phí phù hiệu", "Badge fee"),
    Charge.INSURANCE_FEE: ("Phí bảo hiểm", "Insurance fee"),
    Source.CHARGE: ("Phí định kỳ", "Recurring charge"),
    Source.SETTLEMENT: ("Quyết toán chuyến", "Job settlement"),
    Source.PAYMENT: ("Thành viên nộp tiền", "Payment received"),
    Source.PAYOUT: ("HTX chi trả", "Payout"),
    Source.ADJUSTMENT: ("Điều chỉnh", "Adjustment"),
    Source.REVERSAL: ("Bút toán đảo", "Reversing entry"),
}


def label(key: str, language: str = "vi") -> str:
    vi, en = LABELS.get(key, (key, key))
    return en if language == "en" else vi
