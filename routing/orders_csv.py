"""Orders from a CSV file: one row per order, the stops as flat columns; a per-row report,
nothing imported unless every row is valid or the caller keeps the valid ones. The valid rows
are inserted in batches (``orders.create_many``), the file's size and rows capped by settings."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant, scoped
from fleet.csv_io import CsvLimits, ImportReport, RowError, csv_reader, decode_csv, records
from routing import orders as order_service
from routing.models import Order
from routing.schemas import OrderCreate

TOP = ("reference", "customer_name", "customer_phone", "kind", "priority", "price_vnd",
       "weight_kg", "volume_m3", "seats", "vehicle_kind", "requires_photo",
       "requires_signature", "notes")  # fmt: skip
STOP = ("address", "lon", "lat", "from", "to", "service_s", "contact", "phone", "notes")
COLUMNS = [*TOP, *(f"{leg}_{name}" for leg in ("pickup", "dropoff") for name in STOP)]
REQUIRED = {"reference", "customer_name", "pickup_address", "pickup_lon", "pickup_lat",
            "dropoff_address", "dropoff_lon", "dropoff_lat"}  # fmt: skip
_WINDOW = {"from": "window_from", "to": "window_to"}


def _body(cells: dict[str, str]) -> dict[str, Any]:
    body: dict[str, Any] = {k: cells[k] for k in TOP if k in cells}
    for leg in ("pickup", "dropoff"):
        stop: dict[str, Any] = {}
        for name in STOP:
            value = cells.get(f"{leg}_{name}")
            if value is not None and name not in ("lon", "lat"):
                stop[_WINDOW.get(name, name)] = value
        lon, lat = cells.get(f"{leg}_lon"), cells.get(f"{leg}_lat")
        if lon is not None and lat is not None:
            stop["location"] = {"type": "Point", "coordinates": [lon, lat]}
        body[leg] = stop
    return body


def _column(location: tuple[int | str, ...]) -> str:
    """The CSV column a validation error points at."""
    head = str(location[0])
    if head in ("pickup", "dropoff") and len(location) > 1:
        name = str(location[1])
        if name == "location":
            return f"{head}_lat" if location[-1] == 1 else f"{head}_lon"
        return f"{head}_{ {'window_from': 'from', 'window_to': 'to'}.get(name, name) }"
    return head


async def import_orders(
    session: AsyncSession,
    tenant: Tenant,
    content: bytes,
    *,
    keep_valid: bool,
    limits: CsvLimits,
) -> ImportReport:
    rows = list(records(csv_reader(decode_csv(content, limits)), limits))
    report = ImportReport()
    header = [name.strip().lower() for name in rows[0][1]]
    unknown = [name for name in header if name and name not in COLUMNS]
    missing = sorted(REQUIRED - set(header))
    for name in unknown:
        report.errors.append(RowError(1, name, f"unknown column; known: {', '.join(COLUMNS)}"))
    for name in missing:
        report.errors.append(RowError(1, name, "required column missing"))
    if report.errors:
        return report
    existing = set((await session.execute(scoped(select(Order.reference), tenant))).scalars())
    valid: list[OrderCreate] = []
    seen: set[str] = set()
    for line, values in rows[1:]:
        cells = {h: v.strip() for h, v in zip(header, values, strict=False) if h and v.strip()}
        if not cells:
            continue
        try:
            order = OrderCreate.model_validate(_body(cells))
        except ValidationError as exc:
            report.rejected += 1
            for error in exc.errors():
                message = error["msg"].removeprefix("Value error, ")
                report.errors.append(RowError(line, _column(error["loc"]), message))
            continue
        if order.reference in existing or order.reference in seen:
            report.rejected += 1
            report.errors.append(RowError(line, "reference", "this reference is already used"))
            continue
        seen.add(order.reference)
        valid.append(order)
    if report.errors and not keep_valid:
        return report
    await order_service.create_many(session, tenant, valid)
    report.imported = len(valid)
    return report
