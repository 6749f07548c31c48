"""Orders for dispatchers, offers for drivers, and the customer's tracking link."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import Field
from sqlalchemy import select

from api.deps import (
    DriverTenant,
    EditorTenant,
    OfficeTenant,
    PageDep,
    SessionDep,
    SettingsDep,
)
from api.routers.csv_io import CsvFile, KeepValid
from api.routers.csv_io import answer as csv_answer
from core.listing import paginate
from fleet.csv_io import CsvLimits, ImportReport
from fleet.schemas import Page
from fleet.validators import BigId, Id
from operations import tracking_link
from operations.tracking_link import TrackingRead
from routing import jobs, orders, orders_csv
from routing.lifecycle import OrderStatus, check_transition, waived_proof_note
from routing.models import Offer, Order
from routing.schemas import (
    OfferIn,
    OfferRead,
    OrderCreate,
    OrderEventRead,
    OrderRead,
    OrderUpdate,
    TransitionIn,
)

router = APIRouter(tags=["orders"])
public = APIRouter(tags=["tracking link"])
SORTABLE = {
    "created_at": Order.created_at,
    "reference": Order.reference,
    "priority": Order.priority,
    "price_vnd": Order.price_vnd,
    "status": Order.status,
}


@router.post(
    "/orders",
    response_model=OrderRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create an order",
)
async def create_order(body: OrderCreate, tenant: EditorTenant, session: SessionDep) -> OrderRead:
    """A new order (status ``new``) with its pickup and drop-off; the reference is unique in
    the cooperative (409). The answer carries the customer's tracking link."""
    return orders.to_read(await orders.create(session, tenant, body))


@router.post(
    "/orders/import",
    response_model=ImportReport,
    summary="Import orders from a CSV file",
    responses={422: {"description": "some rows are bad (same report): nothing was imported"}},
)
async def import_orders(
    tenant: EditorTenant,
    session: SessionDep,
    settings: SettingsDep,
    file: CsvFile,
    keep_valid: KeepValid = False,
) -> Any:
    """One order per row: reference, customer_name, pickup_address, pickup_lon, pickup_lat,
    dropoff_address, dropoff_lon, dropoff_lat are required; optional columns as in the order
    body (pickup_from, pickup_to, pickup_service_s, weight_kg, price_vnd…). Each bad cell is
    reported as ``{row, column, message}``; nothing is imported unless ``keep_valid``. A file
    over ``COOPFLEET_CSV_MAX_BYTES`` or ``COOPFLEET_CSV_MAX_ROWS`` is refused (413, ``file``)."""
    limits = CsvLimits.from_settings(settings)
    content = await file.read(limits.max_bytes + 1)
    report = await orders_csv.import_orders(
        session, tenant, content, keep_valid=keep_valid, limits=limits
    )
    return csv_answer(report, keep_valid)


@router.get("/orders", response_model=Page[OrderRead], summary="List orders")
async def list_orders(
    tenant: OfficeTenant,
    session: SessionDep,
    page: PageDep,
    status_: Annotated[list[str] | None, Query(alias="status")] = None,
    kind: str | None = None,
    driver_id: Id | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="reference, customer, address")
    ] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> dict[str, Any]:
    """One page of the cooperative's orders with filters and search, newest first by default."""
    statement = orders.listing(
        tenant,
        status=status_,
        kind=kind,
        driver_id=driver_id,
        q=q,
        created_from=created_from,
        created_to=created_to,
    )
    if page.sort is None:
        statement = statement.order_by(Order.created_at.desc())
    result = await paginate(session, statement, page, sortable=SORTABLE, tiebreak=Order.id)
    page_out = result.as_page()
    page_out["items"] = [orders.to_read(row) for row in result.rows]
    return page_out


@router.get("/orders/{order_id}", response_model=OrderRead, summary="Get an order")
async def get_order(order_id: Id, tenant: OfficeTenant, session: SessionDep) -> OrderRead:
    """One order of the cooperative; another cooperative's id is 404."""
    return orders.to_read(await orders.get(session, tenant, order_id))


@router.patch("/orders/{order_id}", response_model=OrderRead, summary="Change an order")
async def change_order(
    order_id: Id, body: OrderUpdate, tenant: EditorTenant, session: SessionDep
) -> OrderRead:
    """Change an order while it is new or planned (409 afterwards)."""
    return orders.to_read(await orders.change(session, tenant, order_id, body))


class OfficeTransitionIn(TransitionIn):
    """A step taken by the office; ``delivered`` may waive the proof, saying why."""

    proof_waived: str | None = Field(
        default=None,
        min_length=3,
        max_length=500,
        description="why the office marks the order delivered without the required proof "
        "(kept in the order's events with who gave it)",
        examples=["Khách xác nhận qua điện thoại, tài xế mất điện thoại"],
    )


@router.post("/orders/{order_id}/transitions", response_model=OrderRead, summary="Move an order on")
async def move_order(
    order_id: Id, body: OfficeTransitionIn, tenant: EditorTenant, session: SessionDep
) -> OrderRead:
    """Cancel, plan, put back to new, or record a job step for a driver. An invalid step
    answers 409 with ``details.allowed``, the states reachable from the current one.

    ``delivered`` needs the proof the driver's app needs (409 ``proof_required`` with
    ``details.missing``), unless ``proof_waived`` gives the reason to go without it: the reason
    is recorded in the order's events, with the user who gave it."""
    note = body.note
    if body.status == OrderStatus.DELIVERED:
        order = await orders.get(session, tenant, order_id, lock=True)
        check_transition(order.status, body.status)  # the allowed steps first, then the proof
        if body.proof_waived is None:
            await jobs.check_proof(session, order)
        else:
            note = waived_proof_note(body.proof_waived, body.note)
    order = await orders.transition(
        session, tenant, order_id, body.status, reason=body.reason, note=note
    )
    return orders.to_read(order)


@router.get(
    "/orders/{order_id}/events",
    response_model=list[OrderEventRead],
    summary="An order's history",
)
async def order_history(order_id: Id, tenant: OfficeTenant, session: SessionDep) -> Any:
    """Every step with who, when (server and device time), where and why, in device-time order."""
    return await orders.history(session, tenant, order_id)


@router.post(
    "/orders/{order_id}/offers",
    response_model=OfferRead,
    status_code=status.HTTP_201_CREATED,
    summary="Offer an order to a driver",
)
async def offer_order(
    order_id: Id, body: OfferIn, tenant: EditorTenant, session: SessionDep
) -> Any:
    """The driver has until the deadline to accept; declined or expired, the order is ``new``
    again. An order already offered answers 409: never two drivers at once."""
    return await orders.offer(
        session, tenant, order_id, body.driver_id, body.deadline_s, body.then_driver_ids
    )


@router.get("/driver/offers", response_model=list[OfferRead], summary="My open offers")
async def my_offers(tenant: DriverTenant, session: SessionDep) -> Any:
    """Offers waiting for this driver's answer (expired ones are gone)."""
    await orders.expire_offers(session, tenant)
    rows = await session.execute(
        select(Offer)
        .where(
            Offer.cooperative_id == tenant.cooperative_id,
            Offer.driver_id == tenant.driver_id,
            Offer.status == "open",
        )
        .order_by(Offer.deadline)
    )
    return list(rows.scalars())


@router.post(
    "/driver/offers/{offer_id}/accept", response_model=OfferRead, summary="Accept an offer"
)
async def accept_offer(offer_id: BigId, tenant: DriverTenant, session: SessionDep) -> Any:
    """The job becomes the driver's (order ``accepted``); 409 once the offer is no longer open."""
    offer, _ = await orders.answer(session, tenant, offer_id, accept=True)
    return offer


@router.post(
    "/driver/offers/{offer_id}/decline", response_model=OfferRead, summary="Decline an offer"
)
async def decline_offer(offer_id: BigId, tenant: DriverTenant, session: SessionDep) -> Any:
    """The order goes back to dispatch (``new``)."""
    offer, _ = await orders.answer(session, tenant, offer_id, accept=False)
    return offer


@public.get("/track/{token}", response_model=TrackingRead, summary="Customer tracking link")
async def track(token: str, session: SessionDep) -> TrackingRead:
    """No sign-in: the order's status, its stops' addresses and, while the vehicle is on its
    way, where it is and the ETA at the drop-off. The link is unguessable and expires (404
    afterwards)."""
    return await tracking_link.track(session, token)
