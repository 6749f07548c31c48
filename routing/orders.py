"""Orders: create, change, list, move through the lifecycle with a full history; offers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound, StateConflict
from core.integrity import domain_error_from
from core.listing import contains_text
from core.tenancy import Tenant, get_scoped, scoped
from core.text import fold
from core.timeutil import utcnow
from fleet.assignments import current_vehicle_of
from fleet.geo import GeoJSONPoint
from fleet.models import Driver
from fleet.registry import flush_or_raise
from routing.lifecycle import ON_THE_JOB, OrderStatus, check_transition
from routing.models import DriverMessage, Offer, Order, OrderEvent
from routing.schemas import OrderCreate, OrderRead, OrderUpdate, StopIn, StopRead

ON_THE_ROAD = ON_THE_JOB  # the tracking link shows the vehicle in these states
TRACKING_DAYS = 14  # a tracking link works this long after the order was created


def _stop_columns(prefix: str, stop: StopIn) -> dict[str, Any]:
    return {
        f"{prefix}_address": stop.address,
        f"{prefix}_location": stop.location.to_db(),
        f"{prefix}_from": stop.window_from,
        f"{prefix}_to": stop.window_to,
        f"{prefix}_service_s": stop.service_s,
        f"{prefix}_contact": stop.contact,
        f"{prefix}_phone": stop.phone,
        f"{prefix}_notes": stop.notes,
    }


def _stop(order: Order, prefix: str) -> StopRead:
    def get(name: str) -> Any:
        return getattr(order, f"{prefix}_{name}")

    return StopRead(
        address=get("address"),
        location=GeoJSONPoint.model_validate(get("location")),
        window_from=get("from"),
        window_to=get("to"),
        service_s=get("service_s"),
        contact=get("contact"),
        phone=get("phone"),
        notes=get("notes"),
    )


def to_read(order: Order, base_url: str = "") -> OrderRead:
    plain = {
        key: getattr(order, key)
        for key in OrderRead.model_fields
        if key not in ("pickup", "dropoff", "tracking_url")
    }
    return OrderRead(
        **plain,
        pickup=_stop(order, "pickup"),
        dropoff=_stop(order, "dropoff"),
        tracking_url=f"{base_url}/api/v1/track/{order.tracking_token}",
    )


def _search_text(body: OrderCreate | Order) -> str:
    if isinstance(body, OrderCreate):
        parts = [body.reference, body.customer_name, body.pickup.address, body.dropoff.address]
    else:
        parts = [body.reference, body.customer_name, body.pickup_address, body.dropoff_address]
    return fold(" ".join(parts))


async def record(
    session: AsyncSession,
    order: Order,
    to_status: str,
    *,
    from_status: str | None,
    user_id: int | None = None,
    driver_id: int | None = None,
    reason: str | None = None,
    note: str | None = None,
    device_time: datetime | None = None,
    location: Any = None,
) -> OrderEvent:
    event = OrderEvent(
        cooperative_id=order.cooperative_id,
        order_id=order.id,
        from_status=from_status,
        to_status=to_status,
        user_id=user_id,
        driver_id=driver_id,
        reason=reason,
        note=note,
        device_time=device_time,
        location=location,
    )
    session.add(event)
    concerned = driver_id or order.driver_id
    if concerned is not None and to_status != OrderStatus.OFFERED:  # offers have their own
        tell(
            session,
            order.cooperative_id,
            concerned,
            "job",
            {"order_id": order.id, "reference": order.reference, "status": to_status,
             "from_status": from_status, "reason": reason},
        )  # fmt: skip
    return event


def tell(
    session: AsyncSession, coop_id: int, driver_id: int, kind: str, payload: dict[str, Any]
) -> None:
    """Queue a message for the driver's phone (push channel and polling read the same rows)."""
    session.add(
        DriverMessage(cooperative_id=coop_id, driver_id=driver_id, kind=kind, payload=payload)
    )


def _order_values(tenant: Tenant, body: OrderCreate) -> dict[str, Any]:
    """A new order's columns, from its body."""
    fields = body.model_dump(exclude={"pickup", "dropoff", "kind", "vehicle_kind"})
    return {
        "cooperative_id": tenant.cooperative_id,
        "kind": str(body.kind),
        "vehicle_kind": str(body.vehicle_kind) if body.vehicle_kind else None,
        "status": OrderStatus.NEW,
        "tracking_token": secrets.token_urlsafe(24),
        "tracking_expires_at": utcnow() + timedelta(days=TRACKING_DAYS),
        "search": _search_text(body),
        **fields,
        **_stop_columns("pickup", body.pickup),
        **_stop_columns("dropoff", body.dropoff),
    }


async def create(session: AsyncSession, tenant: Tenant, body: OrderCreate) -> Order:
    order = Order(**_order_values(tenant, body))
    session.add(order)
    await flush_or_raise(session, "order")
    await record(session, order, OrderStatus.NEW, from_status=None, user_id=tenant.user_id)
    await session.flush()
    await session.refresh(order)
    return order


async def create_many(session: AsyncSession, tenant: Tenant, bodies: Sequence[OrderCreate]) -> None:
    """New orders (references unique within ``bodies``, checked by the caller) and their first
    events, each table in one executemany that psycopg pipelines: flushing ORM objects, one
    at a time or batched, spent its time building and parsing the statements (5,000 orders:
    12-55 s on a loaded machine)."""
    if not bodies:
        return
    try:
        await session.execute(insert(Order), [_order_values(tenant, body) for body in bodies])
    except IntegrityError as exc:  # a concurrent import got there first
        raise domain_error_from(exc, what="order") from exc
    references = [body.reference for body in bodies]
    ids = await session.scalars(
        scoped(select(Order.id), tenant).where(Order.reference.in_(references))
    )
    await session.execute(
        insert(OrderEvent),
        [
            {
                "cooperative_id": tenant.cooperative_id,
                "order_id": order_id,
                "to_status": OrderStatus.NEW,
                "user_id": tenant.user_id,
            }
            for order_id in ids
        ],
    )


async def get(session: AsyncSession, tenant: Tenant, order_id: int, *, lock: bool = False) -> Order:
    if lock:
        found = (
            await session.execute(
                scoped(select(Order), tenant).where(Order.id == order_id).with_for_update()
            )
        ).scalar_one_or_none()
        if found is not None:
            return found
    return await get_scoped(session, Order, order_id, tenant)


async def change(session: AsyncSession, tenant: Tenant, order_id: int, body: OrderUpdate) -> Order:
    order = await get(session, tenant, order_id, lock=True)
    if order.status not in (OrderStatus.NEW, OrderStatus.PLANNED):
        raise StateConflict(
            f"an order that is {order.status} can no longer be changed", field="status"
        )
    values = body.model_dump(exclude_unset=True, exclude={"pickup", "dropoff"})
    for key, value in values.items():
        setattr(order, key, str(value) if key == "vehicle_kind" and value else value)
    for prefix in ("pickup", "dropoff"):
        stop = getattr(body, prefix)
        if stop is not None:
            for key, value in _stop_columns(prefix, stop).items():
                setattr(order, key, value)
    order.search = _search_text(order)
    await flush_or_raise(session, "order")
    await session.refresh(order)
    return order


def listing(
    tenant: Tenant,
    *,
    status: list[str] | None = None,
    kind: str | None = None,
    driver_id: int | None = None,
    q: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Select[Order]:
    statement = scoped(select(Order), tenant)
    if status:
        for value in status:
            if value not in OrderStatus.__members__.values():
                raise InvalidInput(f"unknown status {value!r}", field="status")
        statement = statement.where(Order.status.in_(status))
    if kind:
        statement = statement.where(Order.kind == kind)
    if driver_id is not None:
        statement = statement.where(Order.driver_id == driver_id)
    if q:
        statement = statement.where(or_(contains_text(Order.search, fold(q)), Order.reference == q))
    if created_from:
        statement = statement.where(Order.created_at >= created_from)
    if created_to:
        statement = statement.where(Order.created_at < created_to)
    return statement


async def transition(
    session: AsyncSession,
    tenant: Tenant,
    order_id: int,
    target: str,
    *,
    reason: str | None = None,
    note: str | None = None,
    device_time: datetime | None = None,
    location: Any = None,
) -> Order:
    """Move an order one step, under a row lock, recording who, when, where and why."""
    order = await get(session, tenant, order_id, lock=True)
    before = order.status
    check_transition(before, target)
    if target == OrderStatus.FAILED and reason is None:
        raise InvalidInput("a failed order needs a reason", field="reason")
    if target == OrderStatus.NEW:
        order.driver_id = None
        order.vehicle_id = None
    if before == OrderStatus.OFFERED:
        await _close_open_offers(session, order.id, "withdrawn")
    order.status = target
    await record(
        session,
        order,
        target,
        from_status=before,
        user_id=tenant.user_id,
        driver_id=tenant.driver_id,
        reason=reason,
        note=note,
        device_time=device_time,
        location=location,
    )
    await session.flush()
    await session.refresh(order)
    return order


async def history(session: AsyncSession, tenant: Tenant, order_id: int) -> list[OrderEvent]:
    await get(session, tenant, order_id)
    rows = await session.execute(
        scoped(select(OrderEvent), tenant)
        .where(OrderEvent.order_id == order_id)
        .order_by(func.coalesce(OrderEvent.device_time, OrderEvent.at), OrderEvent.id)
    )
    return list(rows.scalars())


# -- offers -----------------------------------------------------------------------------------


async def _close_open_offers(session: AsyncSession, order_id: int, status: str) -> None:
    await session.execute(
        update(Offer)
        .where(Offer.order_id == order_id, Offer.status == "open")
        .values(status=status, answered_at=func.now())
    )


async def expire_offers(session: AsyncSession, tenant: Tenant | None = None) -> int:
    """Offers past their deadline expire; their orders go back to dispatch (new)."""
    statement = select(Offer).where(Offer.status == "open", Offer.deadline <= func.now())
    if tenant is not None:
        statement = statement.where(Offer.cooperative_id == tenant.cooperative_id)
    expired = list((await session.execute(statement.with_for_update(skip_locked=True))).scalars())
    for offer in expired:
        offer.status = "expired"
        offer.answered_at = utcnow()
        order = await session.get(Order, offer.order_id, with_for_update=True)
        if order is not None and order.status == OrderStatus.OFFERED:
            await _pass_on(session, offer, order, "offer expired")
    await session.flush()
    return len(expired)


async def offer(
    session: AsyncSession,
    tenant: Tenant,
    order_id: int,
    driver_id: int,
    deadline_s: int,
    then_driver_ids: Sequence[int] = (),
) -> Offer:
    """Offer an order to one driver (and, auto-dispatching, to the next ones in turn). The order
    row is locked and a partial unique index allows one open offer per order, so two concurrent
    offers cannot both succeed."""
    await expire_offers(session, tenant)
    for candidate in (driver_id, *then_driver_ids):
        await _active_driver(session, tenant, candidate)
    order = await get(session, tenant, order_id, lock=True)
    if order.status == OrderStatus.OFFERED:
        raise StateConflict("the order is already offered to a driver", field="order_id")
    check_transition(order.status, OrderStatus.OFFERED)
    return await _make_offer(
        session, order, driver_id, deadline_s, list(then_driver_ids), tenant.user_id
    )


async def _active_driver(session: AsyncSession, tenant: Tenant, driver_id: int) -> Driver:
    driver = await get_scoped(session, Driver, driver_id, tenant, what="driver")
    if driver.status != "active":
        raise StateConflict(f"driver {driver_id} is {driver.status}", field="driver_id")
    return driver


async def _make_offer(
    session: AsyncSession,
    order: Order,
    driver_id: int,
    deadline_s: int,
    queue: list[int],
    user_id: int | None,
) -> Offer:
    before = order.status
    made = Offer(
        cooperative_id=order.cooperative_id,
        order_id=order.id,
        driver_id=driver_id,
        deadline=utcnow() + timedelta(seconds=deadline_s),
        deadline_s=deadline_s,
        then_driver_ids=queue,
        offered_by=user_id,
    )
    session.add(made)
    order.status = OrderStatus.OFFERED
    order.driver_id = driver_id
    await flush_or_raise(session, "offer")
    tell(
        session,
        order.cooperative_id,
        driver_id,
        "offer",
        {
            "offer_id": made.id,
            "order_id": order.id,
            "deadline": made.deadline.isoformat(),
            "pickup_address": order.pickup_address,
            "dropoff_address": order.dropoff_address,
            "price_vnd": order.price_vnd,
        },
    )
    await record(
        session, order, OrderStatus.OFFERED, from_status=before, user_id=user_id,
        driver_id=driver_id,
    )  # fmt: skip
    await session.flush()
    await session.refresh(made)
    return made


async def _pass_on(session: AsyncSession, offer: Offer, order: Order, why: str) -> None:
    """After a decline or an expiry: the next driver in the offer's queue, else dispatch."""
    order.status = OrderStatus.NEW
    order.driver_id = None
    await record(
        session, order, OrderStatus.NEW, from_status=OrderStatus.OFFERED,
        driver_id=offer.driver_id, note=why,
    )  # fmt: skip
    await session.flush()
    if offer.then_driver_ids:
        following, *rest = offer.then_driver_ids
        await _make_offer(session, order, following, offer.deadline_s, rest, offer.offered_by)


async def answer(
    session: AsyncSession, tenant: Tenant, offer_id: int, accept: bool
) -> tuple[Offer, Order]:
    """The driver's answer: accepted makes the job theirs; declined or too late goes back."""
    await expire_offers(session, tenant)
    found = await get_scoped(session, Offer, offer_id, tenant, what="offer")
    if found.driver_id != tenant.driver_id:
        raise NotFound(f"offer {offer_id} not found", field="id")  # not theirs
    if found.status != "open":
        raise StateConflict(f"the offer is {found.status}", field="offer_id", status=found.status)
    order = await get(session, tenant, found.order_id, lock=True)
    found.status = "accepted" if accept else "declined"
    found.answered_at = utcnow()
    if not accept:
        await _pass_on(session, found, order, "declined")
        await session.refresh(order)
        return found, order
    assert tenant.driver_id is not None
    order.status = OrderStatus.ACCEPTED
    vehicle = await current_vehicle_of(session, tenant, tenant.driver_id)
    order.vehicle_id = vehicle.id if vehicle is not None else None
    await record(
        session,
        order,
        OrderStatus.ACCEPTED,
        from_status=OrderStatus.OFFERED,
        user_id=tenant.user_id,
        driver_id=tenant.driver_id,
    )
    await session.flush()
    await session.refresh(order)
    return found, order
