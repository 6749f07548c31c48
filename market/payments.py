"""Paying a booking by bank transfer: the cooperative's account, and the VietQR code for the
booking's price with its order's reference (what the ledger matches on the statement)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, StateConflict
from core.tenancy import Tenant
from core.timeutil import utcnow
from market import vietqr
from market.models import Booking, PaymentAccount


class AccountIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"bank_bin": "970436", "account": "1012345678", "account_name": "HTX VT BIEN HOA"}
            ]
        },
    )

    bank_bin: str = Field(pattern=r"^\d{6}$")  # NAPAS's bank identification number
    account: str = Field(pattern=r"^[0-9A-Za-z]{1,19}$")
    account_name: str = Field(min_length=1, max_length=100)


class AccountRead(AccountIn):
    model_config = ConfigDict(from_attributes=True)


class PaymentCode(BaseModel):
    booking_id: int
    amount_vnd: int
    reference: str
    bank_bin: str
    account: str
    account_name: str
    payload: str  # the VietQR text; the image is at …/payment.png


async def set_account(session: AsyncSession, tenant: Tenant, body: AccountIn) -> PaymentAccount:
    account = await session.get(PaymentAccount, tenant.cooperative_id)
    if account is None:
        account = PaymentAccount(cooperative_id=tenant.cooperative_id, **body.model_dump())
        session.add(account)
    else:
        for name, value in body.model_dump().items():
            setattr(account, name, value)
        account.updated_at = utcnow()
    await session.flush()
    return account


async def get_account(session: AsyncSession, tenant: Tenant) -> PaymentAccount:
    account = await session.get(PaymentAccount, tenant.cooperative_id)
    if account is None:
        raise NotFound("no payment account yet")
    return account


def reference_for(quote_id: int) -> str:
    """A booked quote's reference: its order's, and the transfer's (``CHO-<quote id>``)."""
    return f"CHO-{quote_id}"


async def code_for(session: AsyncSession, booking: Booking) -> PaymentCode:
    """The VietQR code for the booking's price to its cooperative's account; 404 naming
    ``booking_id`` while the cooperative has given none (pay cash on delivery then)."""
    account = await session.get(PaymentAccount, booking.cooperative_id)
    if account is None:
        raise NotFound("this cooperative takes no transfers yet", field="booking_id")
    if booking.price_vnd <= 0:
        raise StateConflict("nothing to pay for this booking", field="booking_id")
    reference = reference_for(booking.quote_id)
    return PaymentCode(
        booking_id=booking.id,
        amount_vnd=booking.price_vnd,
        reference=reference,
        bank_bin=account.bank_bin,
        account=account.account,
        account_name=account.account_name,
        payload=vietqr.payload(account.bank_bin, account.account, booking.price_vnd, reference),
    )
