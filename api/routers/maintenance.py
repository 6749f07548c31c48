"""Maintenance for the office: the plan's tasks, what is due, work orders, drivers' checklists,
fuel fills (and a fuel card's CSV), consumption and fuel events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from api.deps import AdminTenant, AnyTenant, EditorTenant, OfficeTenant, SessionDep, SettingsDep
from api.routers.csv_io import CsvFile, KeepValid
from api.routers.csv_io import answer as csv_answer
from core.errors import NotFound
from core.storage import PROOF_IMAGE_TYPES, storage_from
from core.tenancy import get_scoped
from fleet.cooperatives import local_today
from fleet.csv_io import CsvLimits, ImportReport
from fleet.models import Vehicle
from fleet.validators import BigId, Id
from maintenance import checklists, due, expenses, fuel, plans, work_orders
from maintenance.checklists import ChecklistRead
from maintenance.due import DueRead
from maintenance.expenses import ExpenseIn, ExpenseRead
from maintenance.fuel import ConsumptionRead, FillRead, FuelEventRead, OfficeFillIn
from maintenance.plans import TaskIn, TaskRead
from maintenance.work_orders import CloseIn, LineIn, WorkOrderIn, WorkOrderRead

router = APIRouter(tags=["maintenance"])

Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=2**62)]
Day = Annotated[date, Query(ge=date(1970, 1, 1), le=date(2999, 12, 31))]
STATES = (due.OK, due.DUE_SOON, due.OVERDUE)


@router.get("/maintenance/tasks", response_model=list[TaskRead], summary="The maintenance plan")
async def list_tasks(tenant: OfficeTenant, session: SessionDep) -> list[TaskRead]:
    """Every task: for one vehicle, a vehicle kind, or all vehicles (both empty)."""
    return [TaskRead.model_validate(t) for t in await plans.tasks(session, tenant)]


@router.post(
    "/maintenance/tasks",
    response_model=TaskRead,
    status_code=status.HTTP_201_CREATED,
    summary="Add a task to the maintenance plan",
)
async def create_task(body: TaskIn, tenant: EditorTenant, session: SessionDep) -> TaskRead:
    """Due every ``every_km``, ``every_engine_h`` and/or ``every_months``, whichever comes
    first, counted from ``starts_on`` (today) until first done; ``legal_inspection`` follows
    the inspection cycle by the vehicle's kind and age; ``safety`` tasks overdue hold the
    vehicle from dispatch."""
    return TaskRead.model_validate(await plans.create_task(session, tenant, body))


@router.delete(
    "/maintenance/tasks/{task_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a task from the plan",
)
async def delete_task(task_id: Id, tenant: AdminTenant, session: SessionDep) -> None:
    """Its notices go with it; work orders opened from it stay, without the link."""
    await plans.delete_task(session, tenant, task_id)


@router.get("/maintenance/due", response_model=list[DueRead], summary="What is due")
async def list_due(
    tenant: OfficeTenant,
    session: SessionDep,
    state: Annotated[list[str] | None, Query()] = None,
    vehicle_id: Id | None = None,
) -> list[DueRead]:
    """Each task on each vehicle it covers, with its counters since last done (km and engine
    hours from the daily rollups); ``state`` filters (``due_soon``, ``overdue``, ``ok``; by
    default the first two)."""
    wanted = state or [due.DUE_SOON, due.OVERDUE]
    for value in wanted:
        if value not in STATES:
            raise RequestValidationError(
                [{"loc": ("query", "state"), "msg": f"one of {', '.join(STATES)}", "type": "enum"}]
            )
    if vehicle_id is not None:
        await get_scoped(session, Vehicle, vehicle_id, tenant, what="vehicle")  # else 404
    return await due.due_list(
        session,
        tenant.cooperative_id,
        await local_today(session, tenant),
        vehicle_ids=None if vehicle_id is None else [vehicle_id],
        states=wanted,
    )


@router.get("/work-orders", response_model=list[WorkOrderRead], summary="Work orders")
async def list_work_orders(
    tenant: OfficeTenant,
    session: SessionDep,
    status_: Annotated[str | None, Query(alias="status", pattern="^(open|closed)$")] = None,
    vehicle_id: Id | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[WorkOrderRead]:
    """Newest first, with their lines and totals."""
    return await work_orders.list_orders(
        session, tenant, status=status_, vehicle_id=vehicle_id, limit=limit, offset=offset
    )


@router.post(
    "/work-orders",
    response_model=WorkOrderRead,
    status_code=status.HTTP_201_CREATED,
    summary="Open a work order",
)
async def open_work_order(
    body: WorkOrderIn, tenant: EditorTenant, session: SessionDep
) -> WorkOrderRead:
    """On a vehicle, from a due task or not; the vehicle is ``maintenance`` until its last open
    work order is closed."""
    order = await work_orders.open_order(
        session,
        tenant,
        body.vehicle_id,
        task_id=body.task_id,
        title=body.title,
        garage=body.garage,
        note=body.note,
    )
    return await work_orders.get_order(session, tenant, order.id)


@router.get("/work-orders/{order_id}", response_model=WorkOrderRead, summary="A work order")
async def get_work_order(order_id: Id, tenant: OfficeTenant, session: SessionDep) -> WorkOrderRead:
    """With its lines and total; another cooperative's id is a 404."""
    return await work_orders.get_order(session, tenant, order_id)


@router.post(
    "/work-orders/{order_id}/lines",
    response_model=WorkOrderRead,
    summary="Add a part or labour line",
)
async def add_line(
    order_id: Id, body: LineIn, tenant: EditorTenant, session: SessionDep
) -> WorkOrderRead:
    """``amount_vnd`` = quantity × unit price, rounded; a closed order answers 409."""
    await work_orders.add_line(session, tenant, order_id, body)
    return await work_orders.get_order(session, tenant, order_id)


@router.post(
    "/work-orders/{order_id}/close", response_model=WorkOrderRead, summary="Close a work order"
)
async def close_work_order(
    order_id: Id, body: CloseIn, tenant: EditorTenant, session: SessionDep
) -> WorkOrderRead:
    """The task counts again from the day after ``closed_on`` (today by default); an
    inspection sets the vehicle's next inspection expiry by the legal cycle."""
    await work_orders.close_order(session, tenant, order_id, body)
    return await work_orders.get_order(session, tenant, order_id)


@router.get("/checklists", response_model=list[ChecklistRead], summary="Drivers' checklists")
async def list_checklists(
    tenant: OfficeTenant,
    session: SessionDep,
    vehicle_id: Id | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> list[ChecklistRead]:
    """Newest first, with their defects, photos and the work orders they opened."""
    return await checklists.listing(
        session, tenant, vehicle_id=vehicle_id, limit=limit, offset=offset
    )


@router.get(
    "/checklist-photos/{photo_id}",
    response_class=Response,
    responses={200: {"content": {t: {} for t in PROOF_IMAGE_TYPES}}},
    summary="Download a checklist photo",
)
async def checklist_photo(
    photo_id: BigId, tenant: AnyTenant, session: SessionDep, settings: SettingsDep
) -> Response:
    """Office roles: any of the cooperative; a driver: their own."""
    found = await checklists.photo(session, tenant, photo_id)
    return _image(storage_from(settings).get(found.storage_key), found.content_type)


@router.get("/fuel-fills", response_model=list[FillRead], summary="Fuel fills")
async def list_fills(
    tenant: OfficeTenant,
    session: SessionDep,
    vehicle_id: Id | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[FillRead]:
    """Newest first: drivers', the office's and fuel cards' fills."""
    found = await fuel.fills(
        session, tenant, vehicle_id=vehicle_id, start=start, end=end, limit=limit, offset=offset
    )
    return [fuel.to_read(f) for f in found]


@router.post(
    "/fuel-fills",
    response_model=FillRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a fuel fill",
)
async def record_fill(body: OfficeFillIn, tenant: EditorTenant, session: SessionDep) -> FillRead:
    """The same vehicle and time twice is a 409 naming ``filled_at``."""
    return fuel.to_read(await fuel.record(session, tenant, body, vehicle_id=body.vehicle_id))


@router.post(
    "/fuel-fills/import",
    response_model=ImportReport,
    summary="Import a fuel card's statement (CSV)",
    responses={422: {"description": "some rows are bad (same report): nothing was imported"}},
)
async def import_fills(
    tenant: EditorTenant,
    session: SessionDep,
    settings: SettingsDep,
    file: CsvFile,
    keep_valid: KeepValid = False,
) -> Any:
    """Columns ``plate``, ``filled_at`` (with its offset), ``litres``, ``amount_vnd``;
    optional ``station``, ``odometer_km``. Each bad cell is reported as ``{row, column,
    message}`` (an unknown plate names ``plate``, a fill already recorded ``filled_at``);
    nothing is imported unless ``keep_valid``."""
    limits = CsvLimits.from_settings(settings)
    content = await file.read(limits.max_bytes + 1)
    report = await fuel.import_card(session, tenant, content, keep_valid=keep_valid, limits=limits)
    return csv_answer(report, keep_valid)


@router.get(
    "/fuel-fills/{fill_id}/receipt",
    response_class=Response,
    responses={200: {"content": {t: {} for t in PROOF_IMAGE_TYPES}}},
    summary="Download a fill's receipt photo",
)
async def fill_receipt(
    fill_id: BigId, tenant: AnyTenant, session: SessionDep, settings: SettingsDep
) -> Response:
    """Office roles: any of the cooperative; a driver: their own fills."""
    fill = await fuel.mine(session, tenant, fill_id)
    if fill.receipt_key is None or fill.receipt_type is None:
        raise NotFound(f"fill {fill_id} has no receipt", field="id")
    return _image(storage_from(settings).get(fill.receipt_key), fill.receipt_type)


@router.get(
    "/fuel/consumption", response_model=list[ConsumptionRead], summary="Fuel used per 100 km"
)
async def consumption(
    tenant: OfficeTenant, session: SessionDep, start: Day, end: Day
) -> list[ConsumptionRead]:
    """Per vehicle with fills in [start, end] (days, UTC): litres of every fill after the
    first over the km from the first to the last (odometers, else the daily rollups)."""
    return await fuel.consumption(session, tenant, _day(start), _day(end) + timedelta(days=1))


@router.get("/fuel-events", response_model=list[FuelEventRead], summary="Refuels and drains")
async def list_fuel_events(
    tenant: OfficeTenant, session: SessionDep, start: Day, end: Day, vehicle_id: Id | None = None
) -> list[FuelEventRead]:
    """Found in the tank level of the positions (the worker's ``scan_fuel``), with place and
    time; ``drain`` is a sudden drop worth a look, not a proven theft."""
    return await fuel.fuel_events(
        session,
        tenant,
        vehicle_id=vehicle_id,
        start=_day(start),
        end=_day(end) + timedelta(days=1),
    )


@router.get("/vehicle-expenses", response_model=list[ExpenseRead], summary="Other vehicle costs")
async def list_expenses(
    tenant: OfficeTenant,
    session: SessionDep,
    vehicle_id: Id | None = None,
    start: Day | None = None,
    end: Day | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ExpenseRead]:
    """Insurance, badge, fees and other costs recorded on vehicles, newest first."""
    found = await expenses.listing(
        session, tenant, vehicle_id=vehicle_id, first=start, last=end, limit=limit, offset=offset
    )
    return [ExpenseRead.model_validate(e) for e in found]


@router.post(
    "/vehicle-expenses",
    response_model=ExpenseRead,
    status_code=status.HTTP_201_CREATED,
    summary="Record a vehicle cost",
)
async def record_expense(body: ExpenseIn, tenant: EditorTenant, session: SessionDep) -> ExpenseRead:
    """``kind``: insurance, badge, fee or other; counted in the vehicle costs report."""
    return ExpenseRead.model_validate(await expenses.record(session, tenant, body))


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _image(data: bytes, content_type: str) -> Response:
    extension = content_type.rpartition("/")[2]
    return Response(
        data,
        media_type=content_type,
        headers={
            "Content-Disposition": f'inline; filename="photo.{extension}"',
            "Cache-Control": "private, no-store",
        },
    )
