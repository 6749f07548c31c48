"""Shippers' doors of the market: sign-up by code, booking a quote, their own bookings,
cancelling and rating. A shipper's token (type ``shipper``) is needed past sign-up."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.deps import SessionDep, SettingsDep
from core.errors import InvalidInput, NotAuthenticated, TooManyRequests
from core.timeutil import utcnow
from fleet.signin_limits import Counter
from fleet.validators import BigId
from market import bookings, limits, payments, shippers, vietqr
from market.bookings import Alternative, BookAsk, BookingRead, RatingIn
from market.models import Shipper
from market.payments import PaymentCode
from market.shippers import CodeAsk, CodeSent, ShipperToken, Verify
from operations import market_booking

router = APIRouter(tags=["market"])
log = logging.getLogger("coopfleet.market")
_bearer = HTTPBearer(auto_error=False)


async def current_shipper(
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Shipper:
    """The shipper behind the bearer token, or 401."""
    if credentials is None:
        raise NotAuthenticated("sign in as a shipper")
    shipper_id = shippers.shipper_of(credentials.credentials, settings.secret_key)
    shipper = await session.get(Shipper, shipper_id)
    if shipper is None:
        raise NotAuthenticated("unknown shipper")
    return shipper


ShipperDep = Annotated[Shipper, Depends(current_shipper)]


@router.post(
    "/market/shippers/codes",
    response_model=CodeSent,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Ask for a sign-up code",
)
async def ask_code(
    body: CodeAsk, request: Request, session: SessionDep, settings: SettingsDep
) -> CodeSent:
    """A 6-digit code for the phone or e-mail, valid 10 minutes. Limited per client address
    and per contact (429). Not sent yet: logged by the API outside production."""
    address = request.client.host if request.client else "unknown"
    per = settings.market_signups_per_address
    counters = [
        Counter(limits.SIGNUP_ADDRESS, address, per),
        Counter(limits.SIGNUP_CONTACT, body.contact, per),
    ]
    try:
        await limits.take(session, counters, settings.market_limit_window_seconds, field="contact")
    finally:
        await session.commit()
    code, row = await shippers.issue_code(session, body.contact, settings.secret_key, utcnow())
    if settings.environment != "production":
        log.warning("market sign-up code for %s: %s", body.contact, code)
    return CodeSent(contact=body.contact, expires_at=row.expires_at)


@router.post("/market/shippers/verify", response_model=ShipperToken, summary="Sign up or in")
async def verify(body: Verify, session: SessionDep, settings: SettingsDep) -> ShipperToken:
    """The code for the contact: the shipper's token (the account is created at the first
    sign-up). Wrong code 400 naming ``code``; after 5 wrong codes 429 (ask a new one)."""
    now = utcnow()
    try:
        shipper = await shippers.verify(session, body, settings.secret_key, now)
    except (InvalidInput, TooManyRequests):
        await session.commit()  # the attempt stays counted
        raise
    token = shippers.token_for(shipper, settings.secret_key, now)
    return ShipperToken(shipper_id=shipper.id, name=shipper.name, access_token=token)


@router.post(
    "/market/bookings",
    response_model=BookingRead,
    status_code=status.HTTP_201_CREATED,
    summary="Book a quote",
)
async def book(
    body: BookAsk, shipper: ShipperDep, session: SessionDep, settings: SettingsDep
) -> BookingRead:
    """An unexpired quote at its price becomes an order of its cooperative (status ``new``);
    expired, booked or at another price: 409 naming the field. Limited per shipper (429)."""
    counter = Counter(limits.QUOTE_ACCOUNT, str(shipper.id), settings.market_quotes_per_account)
    try:
        await limits.take(session, [counter], settings.market_limit_window_seconds, field="body")
    finally:
        await session.commit()
    booking = await market_booking.book(session, shipper, body, utcnow())
    return BookingRead.model_validate(booking)


@router.get("/market/bookings", response_model=list[BookingRead], summary="My bookings")
async def my_bookings(shipper: ShipperDep, session: SessionDep) -> list[BookingRead]:
    """The signed-in shipper's bookings, newest first."""
    return [BookingRead.model_validate(b) for b in await bookings.mine(session, shipper.id)]


@router.get("/market/bookings/{booking_id}", response_model=BookingRead, summary="A booking")
async def my_booking(booking_id: BigId, shipper: ShipperDep, session: SessionDep) -> BookingRead:
    """One of the shipper's bookings; another's is 404."""
    return BookingRead.model_validate(await bookings.own(session, shipper.id, booking_id))


@router.post(
    "/market/bookings/{booking_id}/cancel", response_model=BookingRead, summary="Cancel a booking"
)
async def cancel(booking_id: BigId, shipper: ShipperDep, session: SessionDep) -> BookingRead:
    """Free until 2 hours before the pickup window opens (then 409); the order is cancelled."""
    booking = await market_booking.cancel(session, shipper.id, booking_id, utcnow())
    return BookingRead.model_validate(booking)


@router.post(
    "/market/bookings/{booking_id}/rating", response_model=BookingRead, summary="Rate the trip"
)
async def rate(
    booking_id: BigId, body: RatingIn, shipper: ShipperDep, session: SessionDep
) -> BookingRead:
    """1–5 stars and a comment, once."""
    booking = await bookings.own(session, shipper.id, booking_id, lock=True)
    bookings.rate(booking, body)
    await session.flush()
    return BookingRead.model_validate(booking)


@router.get(
    "/market/bookings/{booking_id}/payment",
    response_model=PaymentCode,
    summary="Pay by bank transfer (VietQR)",
)
async def payment(booking_id: BigId, shipper: ShipperDep, session: SessionDep) -> PaymentCode:
    """The cooperative's account, the price and the reference, and the VietQR payload any
    Vietnamese banking app reads; 404 while the cooperative takes no transfers."""
    booking = await bookings.own(session, shipper.id, booking_id)
    return await payments.code_for(session, booking)


@router.get(
    "/market/bookings/{booking_id}/payment.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
    summary="The VietQR image",
)
async def payment_png(booking_id: BigId, shipper: ShipperDep, session: SessionDep) -> Response:
    """The payment code as a QR image to scan."""
    booking = await bookings.own(session, shipper.id, booking_id)
    code = await payments.code_for(session, booking)
    return Response(vietqr.png(code.payload), media_type="image/png")


@router.get(
    "/market/bookings/{booking_id}/alternatives",
    response_model=list[Alternative],
    summary="Other cooperatives' prices",
)
async def alternatives(
    booking_id: BigId, shipper: ShipperDep, session: SessionDep
) -> list[Alternative]:
    """The other cooperatives' quotes of the same request still bookable, cheapest first: what
    a shipper whose booking was declined books next (expired ones are gone: ask again)."""
    booking = await bookings.own(session, shipper.id, booking_id)
    return await bookings.alternatives(session, booking, utcnow())
