"""The notify process's reading side: outbox rows (written by migration 0016's triggers in the
transaction of each change) turned into ``notifications.events.Event`` values, reading the
domains that raised them. Here, not in ``notifications``, because domains at one height do not
import each other: the worker sits above them all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from notifications import texts
from notifications.events import Event, Subject
from routing.lifecycle import OrderStatus
from routing.models import Offer, Order, OrderEvent, Plan, ProofFile

OFFER_URL = "/app/#offers"
_JOURNEY_KINDS = {
    "overspeed": "overspeed",
    "driving_time_warning": "driving_time_warning",
    "continuous_driving_violation": "driving_time_violation",
    "daily_driving_violation": "driving_time_violation",
    "weekly_driving_violation": "driving_time_violation",
    "not_transmitting": "not_transmitting",
    "geofence_enter": "geofence",
    "geofence_exit": "geofence",
    "geofence_dwell": "geofence",
}

# Two lanes, each with one claimer at a time (a transaction-level advisory lock): offers, which
# lapse in two minutes and have no webhooks, and everything else, whose rows become deliveries
# in the order the changes committed: one order's steps stay in order. So a flood of order
# steps fanned out to fifty webhooks never holds an offer's push back.
OFFERS, OTHERS = "offers", "others"
_LANES = {
    OFFERS: (0x636F6F70, "source = 'offer'"),  # "coop"
    OTHERS: (0x636F6F71, "source <> 'offer'"),
}


async def claim(
    session: AsyncSession, limit: int, lane: str = OTHERS
) -> list[tuple[int, str, int]] | None:
    """The oldest outbox rows of ``lane``, deleted in the caller's transaction (its commit is
    the only one that forgets them); None when another process is fanning the lane out now."""
    key, condition = _LANES[lane]
    locked = await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key})
    if not locked:
        return None
    claim_rows = text(
        f"""
        DELETE FROM notification_outbox WHERE id IN (
            SELECT id FROM notification_outbox WHERE {condition}
            ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED)
        RETURNING id, source, ref_id
        """  # noqa: S608 (the condition is one of the two above, never input)
    )
    rows = await session.execute(claim_rows, {"limit": limit})
    return sorted(rows)


async def events(session: AsyncSession, rows: Sequence[tuple[int, str, int]]) -> list[Event]:
    """The events of the claimed rows, in outbox order (rows whose change is gone are skipped)."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for _, source, ref_id in rows:
        by_source[source].append(ref_id)
    built: dict[tuple[str, int], list[Event]] = {}
    built.update(await _offers(session, by_source["offer"]))
    built.update(await _order_events(session, by_source["order_event"]))
    built.update(await _journey_events(session, by_source["journey_event"]))
    built.update(await _plans(session, by_source["plan_accepted"]))
    ordered: list[Event] = []
    for _, source, ref_id in rows:
        ordered.extend(built.get((source, ref_id), []))
    return ordered


async def _offers(session: AsyncSession, ids: list[int]) -> dict[tuple[str, int], list[Event]]:
    if not ids:
        return {}
    rows = await session.execute(
        select(Offer, Order).join(Order, Order.id == Offer.order_id).where(Offer.id.in_(ids))
    )
    found: dict[tuple[str, int], list[Event]] = {}
    for offer, order in rows:
        found[("offer", offer.id)] = [
            Event(
                cooperative_id=offer.cooperative_id,
                key=f"offer:{offer.id}",
                occurred_at=offer.offered_at,
                kind="offer",
                values={
                    "reference": order.reference,
                    "pickup": order.pickup_address,
                    "dropoff": order.dropoff_address,
                    "seconds": offer.deadline_s,
                },
                subject=Subject(driver_id=offer.driver_id),
                url=OFFER_URL,
                expires_at=offer.deadline,
            )
        ]
    return found


def _order_data(order: Order, step: OrderEvent) -> dict[str, Any]:
    return {
        "order": {
            "id": order.id,
            "reference": order.reference,
            "status": step.to_status,
            "driver_id": order.driver_id,
            "vehicle_id": order.vehicle_id,
        },
        "from_status": step.from_status,
        "to_status": step.to_status,
        "at": step.at.astimezone(UTC).isoformat(),
        "reason": step.reason,
        "note": step.note,
    }


async def _proofs(session: AsyncSession, order_ids: Iterable[int]) -> dict[int, list[Any]]:
    rows = await session.execute(
        select(ProofFile).where(ProofFile.order_id.in_(list(order_ids))).order_by(ProofFile.id)
    )
    found: dict[int, list[Any]] = defaultdict(list)
    for proof in rows.scalars():
        found[proof.order_id].append(
            {
                "id": proof.id,
                "kind": proof.kind,
                "content_type": proof.content_type,
                "size": proof.size,
                "sha256": proof.sha256,
            }
        )
    return found


async def _order_events(
    session: AsyncSession, ids: list[int]
) -> dict[tuple[str, int], list[Event]]:
    if not ids:
        return {}
    rows = list(
        await session.execute(
            select(OrderEvent, Order)
            .join(Order, Order.id == OrderEvent.order_id)
            .where(OrderEvent.id.in_(ids))
        )
    )
    delivered = [o.id for e, o in rows if e.to_status == OrderStatus.DELIVERED]
    proofs = await _proofs(session, delivered) if delivered else {}
    found: dict[tuple[str, int], list[Event]] = {}
    for step, order in rows:
        data = _order_data(order, step)
        status = texts.words(texts.ORDER_STATUSES, step.to_status)
        created = step.from_status is None
        first = Event(
            cooperative_id=step.cooperative_id,
            occurred_at=step.at,
            key=f"order_event:{step.id}",
            kind=None if created or step.to_status not in texts.ORDER_STATUSES else "order_status",
            webhook_type="order.created" if created else "order.status_changed",
            values={
                "reference": order.reference,
                "status_vi": status["vi"],
                "status_en": status["en"],
            },
            data=data,
            subject=Subject(phone=order.customer_phone),
            url=f"/track/{order.tracking_token}",
        )
        found[("order_event", step.id)] = [first]
        if step.to_status == OrderStatus.DELIVERED:
            proof = {
                "recipient_name": order.recipient_name,
                "note": order.proof_note,
                "files": proofs.get(order.id, []),
            }
            found[("order_event", step.id)].append(
                Event(
                    cooperative_id=step.cooperative_id,
                    occurred_at=step.at,
                    key=f"order_delivered:{step.id}",
                    webhook_type="order.delivered",
                    data={**data, "proof": proof},
                )
            )
    return found


_JOURNEY_SQL = text(
    """
    SELECT e.id, e.cooperative_id, e.kind, e.vehicle_id, e.driver_id, e.started_at, e.ended_at,
           e.details, ST_X(e.geom) AS lon, ST_Y(e.geom) AS lat, v.plate, d.full_name
    FROM journey_events e
    LEFT JOIN vehicles v ON v.id = e.vehicle_id
    LEFT JOIN drivers d ON d.id = e.driver_id
    WHERE e.id = ANY(CAST(:ids AS bigint[]))
    """
)


def _journey_event(row: Any) -> Event:
    kind, details = row["kind"], row["details"] or {}
    violation = texts.words(texts.VIOLATIONS, kind)
    action = texts.words(texts.GEOFENCE_ACTIONS, kind)
    ended = row["ended_at"]
    place = None if row["lon"] is None else {"lon": row["lon"], "lat": row["lat"]}
    return Event(
        cooperative_id=row["cooperative_id"],
        key=f"journey_event:{row['id']}",
        occurred_at=row["started_at"],
        kind=_JOURNEY_KINDS.get(kind),
        webhook_type="event.raised",
        values={
            "plate": row["plate"] or "",
            "driver": row["full_name"] or "",
            "speed_kmh": details.get("max_kmh", ""),
            "limit_kmh": details.get("limit_kmh", ""),
            "zone": details.get("name", ""),
            "rule_vi": violation["vi"],
            "rule_en": violation["en"],
            "action_vi": action["vi"],
            "action_en": action["en"],
        },
        data={
            "event": {
                "id": row["id"],
                "kind": kind,
                "vehicle_id": row["vehicle_id"],
                "driver_id": row["driver_id"],
                "started_at": row["started_at"].astimezone(UTC).isoformat(),
                "ended_at": ended.astimezone(UTC).isoformat() if ended else None,
                "location": place,
                "details": details,
            }
        },
        subject=Subject(driver_id=row["driver_id"]),
    )


async def _journey_events(
    session: AsyncSession, ids: list[int]
) -> dict[tuple[str, int], list[Event]]:
    if not ids:
        return {}
    rows = await session.execute(_JOURNEY_SQL, {"ids": ids})
    return {("journey_event", row["id"]): [_journey_event(row)] for row in rows.mappings()}


async def _plans(session: AsyncSession, ids: list[int]) -> dict[tuple[str, int], list[Event]]:
    if not ids:
        return {}
    rows = await session.execute(select(Plan).where(Plan.id.in_(ids)))
    found: dict[tuple[str, int], list[Event]] = {}
    for plan in rows.scalars():
        routes = plan.routes or []
        orders = (plan.kpis or {}).get("served", plan.orders)
        found[("plan_accepted", plan.id)] = [
            Event(
                cooperative_id=plan.cooperative_id,
                key=f"plan_accepted:{plan.id}",
                occurred_at=plan.finished_at or datetime.now(UTC),
                kind="plan_accepted",
                webhook_type="plan.accepted",
                values={"plan": plan.id, "orders": orders},
                data={"plan": {"id": plan.id, "orders": orders, "routes": len(routes)}},
                subject=Subject(user_ids=(plan.created_by,) if plan.created_by else ()),
            )
        ]
    return found
