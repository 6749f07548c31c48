"""The booking market for a cooperative's office: tariff versions, the account shippers pay
(service zones are the registry's zones of kind ``service_area``)."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import AdminTenant, EditorTenant, OfficeTenant, SessionDep
from core.timeutil import utcnow
from fleet.enums import VehicleKind
from fleet.validators import BigId
from market import payments, tariffs
from market.bookings import BookingRead
from market.payments import AccountIn, AccountRead
from market.tariffs import TariffIn, TariffRead
from operations import market_booking

router = APIRouter(tags=["market"])


@router.get("/market/tariffs", response_model=list[TariffRead], summary="Tariffs and their history")
async def list_tariffs(
    tenant: OfficeTenant, session: SessionDep, vehicle_kind: VehicleKind | None = None
) -> list[TariffRead]:
    """Every version, by vehicle kind, newest first: old versions stay (quotes priced with them
    keep pointing at them)."""
    return [
        TariffRead.model_validate(t) for t in await tariffs.history(session, tenant, vehicle_kind)
    ]


@router.post(
    "/market/tariffs",
    response_model=TariffRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a tariff version",
)
async def add_tariff(body: TariffIn, tenant: AdminTenant, session: SessionDep) -> TariffRead:
    """A new version for the vehicle kind (a tariff is never edited): from ``valid_from`` it
    replaces the earlier versions; ``valid_to`` (inclusive) ends it."""
    return TariffRead.model_validate(await tariffs.add_version(session, tenant, body))


@router.get(
    "/market/payment-account", response_model=AccountRead, summary="The account shippers pay"
)
async def get_payment_account(tenant: OfficeTenant, session: SessionDep) -> AccountRead:
    """The bank account in the cooperative's VietQR codes; 404 while none is set."""
    return AccountRead.model_validate(await payments.get_account(session, tenant))


@router.put(
    "/market/payment-account", response_model=AccountRead, summary="Set the account shippers pay"
)
async def set_payment_account(
    body: AccountIn, tenant: AdminTenant, session: SessionDep
) -> AccountRead:
    """The bank's BIN (NAPAS), the account and its holder's name, as in the bank's records."""
    return AccountRead.model_validate(await payments.set_account(session, tenant, body))


@router.post(
    "/market/bookings/{booking_id}/decline",
    response_model=BookingRead,
    summary="Decline a shipper's booking",
)
async def decline_booking(
    booking_id: BigId, tenant: EditorTenant, session: SessionDep
) -> BookingRead:
    """The cooperative cannot take it: its order is cancelled and the shipper is offered the
    other cooperatives' quotes of the same request. Another cooperative's booking is 404."""
    return BookingRead.model_validate(
        await market_booking.decline(session, tenant, booking_id, utcnow())
    )
