"""CSV import and export of members, drivers and vehicles.

Import validates every row with the same schemas as the API, resolves references by business key
(``member_no``) in one query per file, finds duplicates inside the file and against the
cooperative in one query per unique column, and then either imports nothing and reports every bad
row (row = line in the file, the header being line 1) or, when asked, imports the valid rows.
Excel habits are accepted: a UTF-8 BOM, semicolons, Vietnamese headers, dates as DD/MM/YYYY.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.tenancy import Tenant, scoped
from core.text import fold
from fleet.entities import DRIVERS, MEMBERS, VEHICLES
from fleet.models import Member
from fleet.registry import Entity, column_values, list_statement
from fleet.schemas import DriverCreate, MemberCreate, VehicleCreate

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Reference:
    """A CSV column naming another row by business key, e.g. ``owner_member_no``."""

    field: str  # the schema field it fills, e.g. ``owner_member_id``
    model: type[Any]
    key: str  # the business-key column of ``model``


@dataclass(frozen=True)
class CsvSpec:
    entity: Entity[Any]
    schema: type[BaseModel]
    columns: tuple[str, ...]
    unique: tuple[str, ...]
    references: dict[str, Reference] = field(default_factory=dict)
    list_columns: tuple[str, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)

    def column_of(self, schema_field: str) -> str:
        for column, reference in self.references.items():
            if reference.field == schema_field:
                return column
        return schema_field


COMMON_ALIASES = {
    "ho ten": "full_name",
    "ho va ten": "full_name",
    "so dien thoai": "phone",
    "dien thoai": "phone",
    "sdt": "phone",
    "cccd": "national_id",
    "so cccd": "national_id",
    "dia chi": "address",
    "trang thai": "status",
    "email": "email",
}
MEMBERS_CSV = CsvSpec(
    MEMBERS,
    MemberCreate,
    (
        "member_no",
        "full_name",
        "phone",
        "email",
        "national_id",
        "address",
        "join_date",
        "status",
        "capital_contribution_vnd",
    ),
    unique=("member_no", "national_id"),
    aliases={
        **COMMON_ALIASES,
        "ma thanh vien": "member_no",
        "ngay vao": "join_date",
        "ngay gia nhap": "join_date",
        "von gop": "capital_contribution_vnd",
    },
)
DRIVERS_CSV = CsvSpec(
    DRIVERS,
    DriverCreate,
    (
        "full_name",
        "phone",
        "national_id",
        "date_of_birth",
        "licence_number",
        "licence_class",
        "licence_expiry",
        "driver_card_id",
        "member_no",
        "status",
    ),
    unique=("phone", "national_id", "licence_number", "driver_card_id"),
    references={"member_no": Reference("member_id", Member, "member_no")},
    aliases={
        **COMMON_ALIASES,
        "ngay sinh": "date_of_birth",
        "so gplx": "licence_number",
        "hang gplx": "licence_class",
        "han gplx": "licence_expiry",
        "ma the lai xe": "driver_card_id",
        "ma thanh vien": "member_no",
    },
)
VEHICLES_CSV = CsvSpec(
    VEHICLES,
    VehicleCreate,
    (
        "plate",
        "kind",
        "payload_kg",
        "volume_m3",
        "seats",
        "make",
        "model",
        "year",
        "features",
        "owner_member_no",
        "badge_number",
        "badge_type",
        "badge_expiry",
        "inspection_expiry",
        "insurance_expiry",
        "tracking_device_id",
        "status",
    ),
    unique=("plate", "tracking_device_id"),
    references={"owner_member_no": Reference("owner_member_id", Member, "member_no")},
    list_columns=("features",),
    aliases={
        **COMMON_ALIASES,
        "bien so": "plate",
        "bien kiem soat": "plate",
        "loai xe": "kind",
        "tai trong (kg)": "payload_kg",
        "tai trong": "payload_kg",
        "so ghe": "seats",
        "hang xe": "make",
        "nam san xuat": "year",
        "chu xe": "owner_member_no",
        "han dang kiem": "inspection_expiry",
        "han bao hiem": "insurance_expiry",
        "han phu hieu": "badge_expiry",
        "so phu hieu": "badge_number",
        "ma thiet bi": "tracking_device_id",
    },
)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    message: str


@dataclass
class ImportReport:
    imported: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    data: BaseModel | None = None


def _decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"the file is over {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            "the file is not UTF-8 text (save it as CSV UTF-8)", field="file"
        ) from exc


def _cell(value: str, column: str, spec: CsvSpec) -> Any:
    value = value.strip()
    if column in spec.list_columns:
        return [part.strip() for part in value.split(";") if part.strip()]
    match = _DMY.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return value  # let the schema say what is wrong with it
    return value


def _read(text: str, spec: CsvSpec, report: ImportReport) -> list[_Row]:
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise InvalidInput("the file is empty", field="file")
    canonical: list[str | None] = []
    for name in header:
        key = fold(name)
        column = (
            key.replace(" ", "_")
            if key.replace(" ", "_") in spec.columns
            else (spec.aliases.get(key))
        )
        if column is None:
            report.errors.append(RowError(1, name, f"unknown column; expected {spec.columns}"))
        canonical.append(column)
    rows: list[_Row] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"the file has more than {MAX_ROWS} rows", field="file")
        cells = {
            column: value
            for column, value in zip(canonical, values, strict=False)
            if column is not None and value.strip()
        }
        rows.append(_Row(reader.line_num, cells))
    return rows


async def _reference_ids(
    session: AsyncSession, tenant: Tenant, spec: CsvSpec, rows: Sequence[_Row]
) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for column, reference in spec.references.items():
        keys = {row.cells[column].strip() for row in rows if column in row.cells}
        key_column = getattr(reference.model, reference.key)
        found[column] = {}
        if keys:
            result = await session.execute(
                scoped(select(key_column, reference.model.id), tenant).where(key_column.in_(keys))
            )
            found[column] = {str(key): int(ident) for key, ident in result}
    return found


def _validate(
    row: _Row, spec: CsvSpec, refs: dict[str, dict[str, int]], errors: list[RowError]
) -> None:
    values: dict[str, Any] = {}
    for column, raw in row.cells.items():
        reference = spec.references.get(column)
        if reference is None:
            values[column] = _cell(raw, column, spec)
            continue
        ident = refs[column].get(raw.strip())
        if ident is None:
            errors.append(RowError(row.line, column, f"no member with number '{raw.strip()}'"))
            return
        values[reference.field] = ident
    try:
        row.data = spec.schema.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            location = [str(part) for part in error["loc"]]
            at = spec.column_of(location[0]) if location else _named_column(error["msg"], spec)
            errors.append(RowError(row.line, at, error["msg"]))


def _named_column(message: str, spec: CsvSpec) -> str | None:
    """A rule across fields ("payload_kg is required for a truck") names its column first."""
    words = message.removeprefix("Value error, ").split()
    return words[0] if words and words[0] in spec.columns else None


async def _find_duplicates(
    session: AsyncSession,
    tenant: Tenant,
    spec: CsvSpec,
    rows: list[_Row],
    errors: list[RowError],
) -> None:
    """Mark rows whose unique values repeat in the file or already exist in the cooperative."""
    model = spec.entity.model
    for name in spec.unique:
        values = {getattr(row.data, name) for row in rows if row.data is not None} - {None}
        existing: set[Any] = set()
        if values:
            column = getattr(model, name)
            existing = set(
                (
                    await session.scalars(scoped(select(column), tenant).where(column.in_(values)))
                ).all()
            )
        seen: dict[Any, int] = {}
        for row in rows:
            value = getattr(row.data, name, None) if row.data is not None else None
            if value is None:
                continue
            if value in existing:
                errors.append(RowError(row.line, name, f"'{value}' already exists"))
                row.data = None
            elif value in seen:
                errors.append(RowError(row.line, name, f"'{value}' repeats line {seen[value]}"))
                row.data = None
            else:
                seen[value] = row.line


async def import_csv(
    session: AsyncSession, tenant: Tenant, spec: CsvSpec, content: bytes, *, keep_valid: bool
) -> ImportReport:
    report = ImportReport()
    rows = _read(_decode(content), spec, report)
    if report.errors:  # unknown columns: nothing can be trusted
        report.rejected = len(rows)
        return report
    refs = await _reference_ids(session, tenant, spec, rows)
    for row in rows:
        _validate(row, spec, refs, report.errors)
    await _find_duplicates(session, tenant, spec, rows, report.errors)
    bad_lines = {error.row for error in report.errors}
    good = [row for row in rows if row.data is not None and row.line not in bad_lines]
    report.rejected = len(rows) - len(good)
    if report.errors and not keep_valid:
        return report
    if good:
        await session.execute(
            insert(spec.entity.model), [_values(spec, row, tenant) for row in good]
        )
    report.imported = len(good)
    return report


def _values(spec: CsvSpec, row: _Row, tenant: Tenant) -> dict[str, Any]:
    assert row.data is not None
    instance = spec.entity.model(
        cooperative_id=tenant.cooperative_id, **column_values(row.data, only_set=False)
    )
    spec.entity.derive(instance)
    return {
        column.key: getattr(instance, column.key)
        for column in spec.entity.model.__table__.columns
        if getattr(instance, column.key) is not None
    }


async def export_rows(
    session: AsyncSession,
    tenant: Tenant,
    spec: CsvSpec,
    *,
    filters: dict[str, Any],
    q: str | None,
) -> Iterator[str]:
    """The CSV text, in chunks (UTF-8 BOM first, so Excel shows Vietnamese correctly)."""
    statement = list_statement(spec.entity, tenant, filters=filters, q=q)
    rows = (await session.scalars(statement.order_by(spec.entity.model.id))).all()
    keys: dict[str, dict[int, str]] = {}
    for column, reference in spec.references.items():
        ids = {getattr(row, reference.field) for row in rows} - {None}
        keys[column] = {}
        if ids:
            result = await session.execute(
                scoped(
                    select(reference.model.id, getattr(reference.model, reference.key)), tenant
                ).where(reference.model.id.in_(ids))
            )
            keys[column] = {int(ident): str(key) for ident, key in result}
    return _chunks(spec, rows, keys)


def _chunks(spec: CsvSpec, rows: Sequence[Any], keys: dict[str, dict[int, str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(spec.columns)
    for n, row in enumerate(rows, 1):
        cells = []
        for column in spec.columns:
            reference = spec.references.get(column)
            if reference is not None:
                ident = getattr(row, reference.field)
                cells.append(keys[column].get(ident, "") if ident is not None else "")
            elif column in spec.list_columns:
                cells.append(";".join(getattr(row, column) or []))
            else:
                value = getattr(row, column)
                cells.append("" if value is None else str(value))
        writer.writerow(cells)
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


SPECS = {"members": MEMBERS_CSV, "drivers": DRIVERS_CSV, "vehicles": VEHICLES_CSV}
