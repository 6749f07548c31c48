"""A driver's jobs: their orders, the steps they take, and proof of delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotFound, ProofRequired, StateConflict
from core.storage import Spooled, Storage, sniff_image
from core.tenancy import Tenant, scoped
from fleet.geo import lon_lat
from routing import orders as order_service
from routing.lifecycle import ON_THE_JOB, OrderStatus, check_transition
from routing.matrix import GreatCircle
from routing.models import Order, ProofFile

DRIVER_STEPS = (*ON_THE_JOB, OrderStatus.DELIVERED, OrderStatus.FAILED)
MY_JOBS = (OrderStatus.ACCEPTED, *ON_THE_JOB)


async def mine(session: AsyncSession, tenant: Tenant, order_id: int) -> Order:
    """One of the driver's orders; anyone else's is 404, as if it did not exist."""
    order = (
        await session.execute(
            scoped(select(Order), tenant)
            .where(Order.id == order_id, Order.driver_id == tenant.driver_id)
            .with_for_update()
        )
    ).scalar_one_or_none()
    if order is None:
        raise NotFound(f"job {order_id} not found", field="id")
    return order


async def current(session: AsyncSession, tenant: Tenant) -> list[Order]:
    """The driver's route: accepted and in-progress orders, by pickup window."""
    rows = await session.execute(
        scoped(select(Order), tenant)
        .where(Order.driver_id == tenant.driver_id, Order.status.in_(MY_JOBS))
        .order_by(Order.pickup_from.nulls_last(), Order.id)
    )
    return list(rows.scalars())


async def step(
    session: AsyncSession,
    tenant: Tenant,
    order_id: int,
    target: str,
    *,
    device_time: datetime | None,
    location: Any,
    reason: str | None,
    note: str | None,
) -> Order:
    order = await mine(session, tenant, order_id)
    if target not in DRIVER_STEPS:
        raise InvalidInput(f"a driver cannot set {target}", field="status")
    check_transition(order.status, target)  # the allowed steps first, then what they need
    if target == OrderStatus.DELIVERED:
        await check_proof(session, order)
    return await order_service.transition(
        session,
        tenant,
        order.id,
        target,
        reason=reason,
        note=note,
        device_time=device_time,
        location=location,
    )


async def check_proof(session: AsyncSession, order: Order) -> None:
    kinds = dict(
        (
            await session.execute(
                select(ProofFile.kind, func.count())
                .where(ProofFile.order_id == order.id)
                .group_by(ProofFile.kind)
            )
        ).all()
    )
    missing = []
    if order.requires_photo and not kinds.get("photo"):
        missing.append("photo")
    if order.requires_signature and not kinds.get("signature"):
        missing.append("signature")
    if missing:
        raise ProofRequired(
            f"proof of delivery needed first: {', '.join(missing)}", field="proof", missing=missing
        )


async def add_proof(
    session: AsyncSession,
    tenant: Tenant,
    storage: Storage,
    order_id: int,
    files: list[tuple[str, Spooled]],
    *,
    recipient_name: str | None,
    note: str | None,
    max_bytes: int,
) -> list[ProofFile]:
    """Store photos and a signature (content sniffed, size limited) with the recipient's name;
    the files come spooled to disk (``core.storage.spool``), never whole in memory."""
    order = await mine(session, tenant, order_id)
    if order.status not in (OrderStatus.AT_DROPOFF, OrderStatus.AT_PICKUP, OrderStatus.PICKED_UP):
        raise StateConflict(f"proof is taken at a stop, the job is {order.status}", field="status")
    stored = []
    for kind, upload in files:
        if upload.size > max_bytes:
            raise InvalidInput(f"{kind} is over {max_bytes} bytes, the limit", field=kind)
        content_type = sniff_image(upload.head)
        if content_type is None:
            raise InvalidInput(f"{kind} is not a JPEG, PNG or HEIC image", field=kind)
        suffix = "." + content_type.split("/")[1]
        proof = ProofFile(
            cooperative_id=tenant.cooperative_id,
            order_id=order.id,
            driver_id=tenant.driver_id,
            kind=kind,
            content_type=content_type,
            size=upload.size,
            sha256=upload.sha256,
            storage_key=storage.put_file(upload, suffix),
        )
        session.add(proof)
        stored.append(proof)
    if recipient_name is not None:
        order.recipient_name = recipient_name
    if note is not None:
        order.proof_note = note
    await session.flush()
    return stored


async def proof_file(session: AsyncSession, tenant: Tenant, file_id: int) -> ProofFile:
    """Office roles see any proof of the cooperative; a driver only their own uploads."""
    found = (
        await session.execute(scoped(select(ProofFile), tenant).where(ProofFile.id == file_id))
    ).scalar_one_or_none()
    if found is None or (tenant.role == "driver" and found.driver_id != tenant.driver_id):
        raise NotFound(f"file {file_id} not found", field="id")
    return found


BEFORE_PICKUP = (OrderStatus.ACCEPTED, OrderStatus.EN_ROUTE_PICKUP, OrderStatus.AT_PICKUP)


def etas(
    route: list[Order],
    start: tuple[float, float],
    now: datetime,
    speed_kind: str | None = None,
    travel: GreatCircle | None = None,
) -> dict[tuple[int, str], datetime]:
    """Arrival times along the route in its order (each job's pickup, if still ahead, then its
    drop-off), waiting for windows and adding service times; great-circle travel times at the
    cooperative's measured speeds where the caller passes them (as suggestions use)."""
    stops: list[tuple[int, str, tuple[float, float], datetime | None, int]] = []
    for order in route:
        if order.status in BEFORE_PICKUP:
            pickup = lon_lat(order.pickup_location)
            stops.append((order.id, "pickup", pickup, order.pickup_from, order.pickup_service_s))
        dropoff = lon_lat(order.dropoff_location)
        stops.append((order.id, "dropoff", dropoff, order.dropoff_from, order.dropoff_service_s))
    if not stops:
        return {}
    durations, _ = (travel or GreatCircle()).table([start, *[s[2] for s in stops]], speed_kind)
    out: dict[tuple[int, str], datetime] = {}
    clock, here = now, 0
    for index, (order_id, leg, _, opens, service_s) in enumerate(stops, start=1):
        arrival = clock + timedelta(seconds=int(durations[here, index]))
        out[(order_id, leg)] = arrival
        clock = max(arrival, opens) if opens else arrival
        clock += timedelta(seconds=service_s)
        here = index
    return out


@dataclass(frozen=True, slots=True)
class VehicleJob:
    """The order a vehicle is serving right now."""

    order_id: int
    reference: str
    status: str


async def jobs_by_vehicle(
    session: AsyncSession, tenant: Tenant, vehicle_id: int | None = None
) -> dict[int, VehicleJob]:
    """Vehicles on the road for an order (the newest one when a vehicle serves several), or
    only ``vehicle_id``'s."""
    statement = (
        scoped(select(Order.vehicle_id, Order.id, Order.reference, Order.status), tenant)
        .where(Order.status.in_(ON_THE_JOB), Order.vehicle_id.is_not(None))
        .order_by(Order.vehicle_id, Order.id.desc())
    )
    if vehicle_id is not None:
        statement = statement.where(Order.vehicle_id == vehicle_id)
    rows = await session.execute(statement)
    jobs: dict[int, VehicleJob] = {}
    for vehicle_id, order_id, reference, status in rows.all():
        if vehicle_id is not None:
            jobs.setdefault(vehicle_id, VehicleJob(order_id, reference, status))
    return jobs
