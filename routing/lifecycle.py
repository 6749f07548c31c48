"""An order's lifecycle: one state machine shared by dispatch and the driver's job flow."""

from __future__ import annotations

from enum import StrEnum

from core.errors import InvalidTransition


class OrderStatus(StrEnum):
    NEW = "new"
    PLANNED = "planned"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EN_ROUTE_PICKUP = "en_route_pickup"
    AT_PICKUP = "at_pickup"
    PICKED_UP = "picked_up"
    EN_ROUTE_DROPOFF = "en_route_dropoff"
    AT_DROPOFF = "at_dropoff"
    DELIVERED = "delivered"
    FAILED = "failed"
    CANCELLED = "cancelled"


S = OrderStatus
ON_THE_JOB = (S.EN_ROUTE_PICKUP, S.AT_PICKUP, S.PICKED_UP, S.EN_ROUTE_DROPOFF, S.AT_DROPOFF)
TERMINAL = (S.DELIVERED, S.FAILED, S.CANCELLED)

# Who may take a step is the caller's business (dispatch or driver API); which steps exist is here.
TRANSITIONS: dict[OrderStatus, tuple[OrderStatus, ...]] = {
    S.NEW: (S.PLANNED, S.OFFERED, S.CANCELLED),
    S.PLANNED: (S.NEW, S.OFFERED, S.CANCELLED),
    S.OFFERED: (S.ACCEPTED, S.NEW, S.CANCELLED),  # declined or expired: back to dispatch
    S.ACCEPTED: (S.EN_ROUTE_PICKUP, S.NEW, S.FAILED, S.CANCELLED),
    S.EN_ROUTE_PICKUP: (S.AT_PICKUP, S.FAILED),
    S.AT_PICKUP: (S.PICKED_UP, S.FAILED),
    S.PICKED_UP: (S.EN_ROUTE_DROPOFF, S.FAILED),
    S.EN_ROUTE_DROPOFF: (S.AT_DROPOFF, S.FAILED),
    S.AT_DROPOFF: (S.DELIVERED, S.FAILED),
    S.DELIVERED: (),
    S.FAILED: (),
    S.CANCELLED: (),
}


class FailureReason(StrEnum):
    CUSTOMER_ABSENT = "customer_absent"
    REFUSED = "refused"
    ADDRESS_WRONG = "address_wrong"
    VEHICLE_PROBLEM = "vehicle_problem"
    GOODS_DAMAGED = "goods_damaged"
    OTHER = "other"


def check_transition(current: str, target: str) -> OrderStatus:
    """The target state, or 409 naming the states allowed from here."""
    allowed = TRANSITIONS[OrderStatus(current)]
    if target not in allowed:
        raise InvalidTransition(
            f"an order that is {current} cannot become {target}",
            field="status",
            allowed=[str(s) for s in allowed],
        )
    return OrderStatus(target)


def waived_proof_note(reason: str, note: str | None) -> str:
    """The event note of a delivery the office confirmed without the required proof."""
    waived = f"proof waived: {reason}"
    return f"{waived} — {note}" if note else waived
