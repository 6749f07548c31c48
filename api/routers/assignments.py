"""Who drives which vehicle, and the documents about to expire."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.deps import EditorTenant, OfficeTenant, SessionDep
from fleet import assignments, documents
from fleet.cooperatives import local_today
from fleet.models import VehicleAssignment
from fleet.schemas import AssignmentCreate, AssignmentRead, ExpiringDocument
from fleet.validators import Id

router = APIRouter()


@router.post(
    "/vehicles/{vehicle_id}/assignments",
    response_model=AssignmentRead,
    status_code=status.HTTP_201_CREATED,
    tags=["assignments"],
)
async def assign_driver(
    vehicle_id: Id, data: AssignmentCreate, tenant: EditorTenant, session: SessionDep
) -> VehicleAssignment:
    """Make a driver the vehicle's driver from now; open assignments of both are closed."""
    return await assignments.assign(
        session, tenant, vehicle_id=vehicle_id, driver_id=data.driver_id, note=data.note
    )


@router.delete(
    "/vehicles/{vehicle_id}/assignments/current",
    response_model=AssignmentRead,
    tags=["assignments"],
)
async def end_assignment(
    vehicle_id: Id, tenant: EditorTenant, session: SessionDep
) -> VehicleAssignment:
    """End the vehicle's current assignment (it stays in the history)."""
    return await assignments.end_current(session, tenant, vehicle_id=vehicle_id)


@router.get(
    "/vehicles/{vehicle_id}/assignments", response_model=list[AssignmentRead], tags=["assignments"]
)
async def vehicle_assignments(
    vehicle_id: Id, tenant: OfficeTenant, session: SessionDep
) -> Sequence[VehicleAssignment]:
    """The vehicle's drivers over time, newest first."""
    return await assignments.history(session, tenant, vehicle_id=vehicle_id)


@router.get(
    "/drivers/{driver_id}/assignments", response_model=list[AssignmentRead], tags=["assignments"]
)
async def driver_assignments(
    driver_id: Id, tenant: OfficeTenant, session: SessionDep
) -> Sequence[VehicleAssignment]:
    """The driver's vehicles over time, newest first."""
    return await assignments.history(session, tenant, driver_id=driver_id)


@router.get("/documents/expiring", response_model=list[ExpiringDocument], tags=["documents"])
async def expiring_documents(
    tenant: OfficeTenant,
    session: SessionDep,
    days: Annotated[int, Query(ge=0, le=3650, description="look this many days ahead")] = 30,
) -> list[ExpiringDocument]:
    """Licences, badges, inspections and insurance expired or expiring within ``days``.

    Dates are compared with today in the cooperative's time zone.
    """
    today = await local_today(session, tenant)
    return await documents.expiring(session, tenant, today=today, within_days=days)
