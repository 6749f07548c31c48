"""Fuel fills (a driver's, the office's, a fuel card's CSV lines) and consumption per 100 km.

Consumption over a period: the litres of every fill after the first, over the distance between
the first and the last fill — by their odometers when both were recorded, else the km of the
daily rollups between their days. (The first fill only tops the tank up to where counting
starts; each later one puts back what was burnt since the one before.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound, StateConflict
from core.storage import Spooled, Storage
from core.tenancy import Tenant, get_scoped, scoped
from fleet.assignments import current_vehicle_of
from fleet.csv_io import CsvLimits, ImportReport, RowError, csv_reader, decode_csv, records
from fleet.models import Vehicle
from fleet.plates import plate_search_key
from maintenance.checklists import store_image
from maintenance.models import FuelEvent, FuelFill

DRIVER, OFFICE, CARD = "driver", "office", "card"
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2999, 12, 31, tzinfo=UTC)


class FillIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filled_at": "2026-12-04T08:30:00+07:00",
                    "litres": 62.5,
                    "amount_vnd": 1250000,
                    "station": "Petrolimex Biên Hòa",
                    "odometer_m": 152300000,
                }
            ]
        },
    )

    filled_at: datetime
    litres: float = Field(gt=0, le=2000)
    amount_vnd: int = Field(ge=0, le=10**11)
    station: str | None = Field(default=None, max_length=120)
    odometer_m: int | None = Field(default=None, ge=0, le=2**53)

    @field_validator("filled_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("give the time with its offset (e.g. +07:00)")
        if not EARLIEST <= value <= LATEST:
            raise ValueError("the time lies outside 2000…2999")
        return value


class OfficeFillIn(FillIn):
    vehicle_id: int = Field(ge=1, le=2**31 - 1)


class FillRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    vehicle_id: int
    driver_id: int | None
    filled_at: datetime
    litres: float
    amount_vnd: int
    station: str | None
    odometer_m: int | None
    source: str
    has_receipt: bool


class ConsumptionRead(BaseModel):
    """Litres per 100 km from the fills of a period (None: fewer than two fills, or no km)."""

    vehicle_id: int
    plate: str
    fills: int
    litres: float
    amount_vnd: int
    km: float | None
    litres_per_100km: float | None


class FuelEventRead(BaseModel):
    id: int
    vehicle_id: int
    kind: str
    at: datetime
    lon: float
    lat: float
    litres: float
    level_before_l: float
    level_after_l: float


def to_read(fill: FuelFill) -> FillRead:
    return FillRead(
        id=fill.id,
        vehicle_id=fill.vehicle_id,
        driver_id=fill.driver_id,
        filled_at=fill.filled_at,
        litres=fill.litres,
        amount_vnd=fill.amount_vnd,
        station=fill.station,
        odometer_m=fill.odometer_m,
        source=fill.source,
        has_receipt=fill.receipt_key is not None,
    )


async def record(
    session: AsyncSession, tenant: Tenant, body: FillIn, *, vehicle_id: int | None = None
) -> FuelFill:
    """A fill: a driver's goes on the vehicle assigned to them now (409 naming ``vehicle`` when
    none), the office names the vehicle (404 naming ``vehicle_id`` outside the cooperative).
    The same vehicle and time twice is a 409 naming ``filled_at``."""
    if tenant.role == "driver":
        assert tenant.driver_id is not None
        vehicle = await current_vehicle_of(session, tenant, tenant.driver_id)
        if vehicle is None:
            raise StateConflict("no vehicle is assigned to you", field="vehicle")
        source, driver_id = DRIVER, tenant.driver_id
    else:
        assert vehicle_id is not None
        vehicle = await session.get(Vehicle, vehicle_id)
        if vehicle is None or vehicle.cooperative_id != tenant.cooperative_id:
            raise NotFound(f"vehicle {vehicle_id} not found", field="vehicle_id")
        source, driver_id = OFFICE, None
    taken = await session.scalar(
        select(FuelFill.id).where(
            FuelFill.vehicle_id == vehicle.id, FuelFill.filled_at == body.filled_at
        )
    )
    if taken is not None:
        raise StateConflict("a fill of this vehicle at this time is recorded", field="filled_at")
    fill = FuelFill(
        cooperative_id=tenant.cooperative_id,
        vehicle_id=vehicle.id,
        driver_id=driver_id,
        source=source,
        **body.model_dump(include={"filled_at", "litres", "amount_vnd", "station", "odometer_m"}),
    )
    session.add(fill)
    await session.flush()
    return fill


async def mine(session: AsyncSession, tenant: Tenant, fill_id: int) -> FuelFill:
    """A fill the caller may see: office roles any of the cooperative, a driver their own."""
    fill = await get_scoped(session, FuelFill, fill_id, tenant, what="fill")
    if tenant.role == "driver" and fill.driver_id != tenant.driver_id:
        raise NotFound(f"fill {fill_id} not found", field="id")
    return fill


async def attach_receipt(
    session: AsyncSession,
    tenant: Tenant,
    storage: Storage,
    fill_id: int,
    upload: Spooled,
    *,
    max_bytes: int,
) -> FuelFill:
    fill = await mine(session, tenant, fill_id)
    fill.receipt_type, fill.receipt_key = store_image(storage, upload, "receipt", max_bytes)
    await session.flush()
    return fill


async def fills(
    session: AsyncSession,
    tenant: Tenant,
    *,
    vehicle_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FuelFill]:
    """Newest first; a driver sees only their own fills."""
    query = scoped(select(FuelFill), tenant).order_by(FuelFill.filled_at.desc())
    if tenant.role == "driver":
        query = query.where(FuelFill.driver_id == tenant.driver_id)
    if vehicle_id is not None:
        query = query.where(FuelFill.vehicle_id == vehicle_id)
    if start is not None:
        query = query.where(FuelFill.filled_at >= start)
    if end is not None:
        query = query.where(FuelFill.filled_at < end)
    return list(await session.scalars(query.limit(limit).offset(offset)))


@dataclass(frozen=True, slots=True)
class FillPoint:
    filled_at: datetime
    litres: float
    odometer_m: int | None


def litres_per_100km(
    points: list[FillPoint], rollup_km: float | None
) -> tuple[float, float | None]:
    """(litres counted, km) of fills in time order: every fill after the first over the
    odometer distance first → last (else ``rollup_km``, the rollups' km between them)."""
    if len(points) < 2:
        return 0.0, None
    litres = sum(p.litres for p in points[1:])
    first, last = points[0], points[-1]
    if first.odometer_m is not None and last.odometer_m is not None:
        return litres, (last.odometer_m - first.odometer_m) / 1000
    return litres, rollup_km


_ROLLUP_KM = text(
    "SELECT coalesce(sum(distance_m), 0) / 1000.0 FROM daily_activity"
    " WHERE vehicle_id = :v AND day >= :first AND day <= :last"
)


async def consumption(
    session: AsyncSession, tenant: Tenant, start: datetime, end: datetime
) -> list[ConsumptionRead]:
    """Each vehicle with fills in [start, end): litres, spend, km and litres per 100 km."""
    rows = await session.execute(
        scoped(select(FuelFill, Vehicle.plate), tenant)
        .join(Vehicle, Vehicle.id == FuelFill.vehicle_id)
        .where(FuelFill.filled_at >= start, FuelFill.filled_at < end)
        .order_by(FuelFill.vehicle_id, FuelFill.filled_at)
    )
    grouped: dict[int, tuple[str, list[FuelFill]]] = {}
    for fill, plate in rows:
        grouped.setdefault(fill.vehicle_id, (plate, []))[1].append(fill)
    out = []
    for vehicle_id, (plate, found) in grouped.items():
        points = [FillPoint(f.filled_at, f.litres, f.odometer_m) for f in found]
        rollup_km = None
        if len(points) >= 2:
            rollup_km = float(
                await session.scalar(
                    _ROLLUP_KM,
                    {
                        "v": vehicle_id,
                        "first": points[0].filled_at.date(),
                        "last": points[-1].filled_at.date(),
                    },
                )
                or 0
            )
        litres, km = litres_per_100km(points, rollup_km)
        out.append(
            ConsumptionRead(
                vehicle_id=vehicle_id,
                plate=plate,
                fills=len(found),
                litres=round(sum(f.litres for f in found), 2),
                amount_vnd=sum(f.amount_vnd for f in found),
                km=None if km is None else round(km, 1),
                litres_per_100km=round(litres / km * 100, 2) if km else None,
            )
        )
    return out


async def fuel_events(
    session: AsyncSession,
    tenant: Tenant,
    *,
    vehicle_id: int | None,
    start: datetime,
    end: datetime,
    limit: int = 500,
) -> list[FuelEventRead]:
    query = (
        scoped(
            select(
                FuelEvent,
                text("ST_X(fuel_events.geom)"),
                text("ST_Y(fuel_events.geom)"),
            ),
            tenant,
        )
        .where(FuelEvent.at >= start, FuelEvent.at < end)
        .order_by(FuelEvent.at.desc())
        .limit(limit)
    )
    if vehicle_id is not None:
        query = query.where(FuelEvent.vehicle_id == vehicle_id)
    return [
        FuelEventRead(
            id=e.id,
            vehicle_id=e.vehicle_id,
            kind=e.kind,
            at=e.at,
            lon=lon,
            lat=lat,
            litres=e.litres,
            level_before_l=e.level_before_l,
            level_after_l=e.level_after_l,
        )
        for e, lon, lat in await session.execute(query)
    ]


# --- the fuel card's CSV -------------------------------------------------------------------

CARD_COLUMNS = ("plate", "filled_at", "litres", "amount_vnd", "station", "odometer_km")
CARD_REQUIRED = {"plate", "filled_at", "litres", "amount_vnd"}


class _CardRow(FillIn):
    plate: str = Field(min_length=1, max_length=16)
    odometer_km: float | None = Field(default=None, ge=0, le=10_000_000)
    odometer_m: int | None = None


async def import_card(
    session: AsyncSession,
    tenant: Tenant,
    content: bytes,
    *,
    keep_valid: bool,
    limits: CsvLimits,
) -> ImportReport:
    """A fuel card's statement: one fill per row (plate, filled_at with its offset, litres,
    amount_vnd; station, odometer_km optional). Each bad cell is reported with its row and
    column; a plate not in the cooperative names ``plate``; a fill already recorded (same
    vehicle and time, e.g. the same statement twice) names ``filled_at``. Nothing is imported
    unless every row is good or ``keep_valid``."""
    rows = list(records(csv_reader(decode_csv(content, limits)), limits))
    report = ImportReport()
    header = [name.strip().lower() for name in rows[0][1]]
    for name in header:
        if name and name not in CARD_COLUMNS:
            report.errors.append(
                RowError(1, name, f"unknown column; known: {', '.join(CARD_COLUMNS)}")
            )
    for name in sorted(CARD_REQUIRED - set(header)):
        report.errors.append(RowError(1, name, "required column missing"))
    if report.errors:
        return report
    vehicles: dict[str, int] = {
        row[0]: row[1]
        for row in await session.execute(scoped(select(Vehicle.plate_key, Vehicle.id), tenant))
    }
    valid: list[dict[str, object]] = []
    seen: set[tuple[int, datetime]] = set()
    for line, values in rows[1:]:
        cells = {h: v.strip() for h, v in zip(header, values, strict=False) if h and v.strip()}
        if not cells:
            continue
        try:
            row = _CardRow.model_validate(cells)
        except ValidationError as exc:
            report.rejected += 1
            for error in exc.errors():
                column = str(error["loc"][0]) if error["loc"] else None
                report.errors.append(
                    RowError(line, column, error["msg"].removeprefix("Value error, "))
                )
            continue
        vehicle_id = vehicles.get(plate_search_key(row.plate))
        if vehicle_id is None:
            report.rejected += 1
            report.errors.append(RowError(line, "plate", f"no vehicle {row.plate} here"))
            continue
        key = (vehicle_id, row.filled_at)
        if key in seen:
            report.rejected += 1
            report.errors.append(RowError(line, "filled_at", "this fill is twice in the file"))
            continue
        seen.add(key)
        valid.append(
            {
                "cooperative_id": tenant.cooperative_id,
                "vehicle_id": vehicle_id,
                "filled_at": row.filled_at,
                "litres": row.litres,
                "amount_vnd": row.amount_vnd,
                "station": row.station,
                "odometer_m": None if row.odometer_km is None else round(row.odometer_km * 1000),
                "source": CARD,
                "_line": line,
            }
        )
    if valid:
        recorded = {
            (row[0], row[1])
            for row in await session.execute(
                select(FuelFill.vehicle_id, FuelFill.filled_at).where(
                    FuelFill.vehicle_id.in_({v["vehicle_id"] for v in valid})
                )
            )
        }
        kept = []
        for value in valid:
            if (value["vehicle_id"], value["filled_at"]) in recorded:
                report.rejected += 1
                report.errors.append(
                    RowError(int(str(value["_line"])), "filled_at", "this fill is recorded")
                )
            else:
                kept.append(value)
        valid = kept
    if report.errors and not keep_valid:
        return report
    if valid:
        await session.execute(
            insert(FuelFill).on_conflict_do_nothing(),
            [{k: v for k, v in value.items() if k != "_line"} for value in valid],
        )
    report.imported = len(valid)
    return report
