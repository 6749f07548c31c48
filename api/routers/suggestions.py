"""Suggest drivers for one order (the use case lives in ``operations.suggestions``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import OfficeTenant, SessionDep
from fleet.validators import Id
from operations.suggestions import SuggestionsRead, suggest

router = APIRouter(tags=["orders"])


@router.get(
    "/orders/{order_id}/suggestions",
    response_model=SuggestionsRead,
    response_model_exclude_unset=True,
    summary="Best drivers for an order",
)
async def suggest_drivers(
    order_id: Id,
    request: Request,
    tenant: OfficeTenant,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
    shortlist: Annotated[int, Query(ge=1, le=500, description="nearest vehicles examined")] = 100,
    explain: Annotated[bool, Query(description="also list why the others were left out")] = False,
) -> SuggestionsRead:
    """The ``limit`` best drivers by ETA to the pickup among the ``shortlist`` nearest vehicles
    whose drivers are on shift (and not on a break), each qualified (kind, capacity, features,
    documents valid, continuous-driving time and shift left to reach the pickup); with
    ``explain``, the reason each other driver was left out."""
    travel = await request.app.state.speeds.travel(session, tenant)
    return await suggest(
        session, tenant, order_id, travel, limit=limit, shortlist=shortlist, explain=explain
    )
