"""CSV import and export of members, drivers and vehicles.

Import checks every row with the API's Create schemas, resolves references by business key
(``member_no``) in one query per file, finds duplicates inside the file and against the
cooperative in one query per unique column, then either imports nothing and reports every bad row
(``row`` = line in the file, the header being line 1) or, when asked, imports the valid rows in one
bulk INSERT. Excel habits are accepted: a UTF-8 BOM, semicolons, Vietnamese headers, DD/MM/YYYY
dates. Export writes the same columns, so an exported file imports back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import UnionType
from typing import TYPE_CHECKING, Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy import UniqueConstraint, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.errors import DomainError
from core.integrity import domain_error_from
from core.tenancy import Tenant, scoped
from core.text import fold
from fleet.entities import DRIVERS, MEMBERS, VEHICLES
from fleet.registry import Entity, column_values, list_statement
from fleet.schemas import DriverCreate, MemberCreate, VehicleCreate

if TYPE_CHECKING:
    from _csv import Reader

HEADER_LINE = 1
LIST_SEPARATOR = ";"  # inside one cell, e.g. features "crane;tail_lift"
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_UNIT = re.compile(r"\s*\([^)]*\)$")  # "Tải trọng (kg)" names the column "Tải trọng"
# Excel runs a cell starting with these as a formula: export quotes them with "'", import unquotes.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Vietnamese headers people type, folded like every header (no accents, lower case).
ALIASES = {
    fold(header): column
    for header, column in {
        "Mã thành viên": "member_no",
        "Họ tên": "full_name",
        "Họ và tên": "full_name",
        "Số điện thoại": "phone",
        "Số CCCD": "national_id",
        "Địa chỉ": "address",
        "Ngày vào": "join_date",
        "Vốn góp": "capital_contribution_vnd",
        "Trạng thái": "status",
        "Ngày sinh": "date_of_birth",
        "Số GPLX": "licence_number",
        "Hạng GPLX": "licence_class",
        "Hạn GPLX": "licence_expiry",
        "Số thẻ lái xe": "driver_card_id",
        "Biển số": "plate",
        "Loại xe": "kind",
        "Tải trọng": "payload_kg",
        "Thể tích": "volume_m3",
        "Số ghế": "seats",
        "Hãng xe": "make",
        "Dòng xe": "model",
        "Năm sản xuất": "year",
        "Trang bị": "features",
        "Chủ xe": "owner_member_no",
        "Số phù hiệu": "badge_number",
        "Loại phù hiệu": "badge_type",
        "Hạn phù hiệu": "badge_expiry",
        "Hạn đăng kiểm": "inspection_expiry",
        "Hạn bảo hiểm": "insurance_expiry",
        "Mã thiết bị": "tracking_device_id",
    }.items()
}


class FileTooLarge(DomainError):
    """Over the limits that keep one request's memory and time bounded."""

    status = 413
    code = "too_large"


class UnreadableFile(DomainError):
    """Not CSV text at all (empty, not UTF-8): there are no rows to report on."""

    status = 422
    code = "validation_error"


@dataclass(frozen=True)
class CsvLimits:
    """What one import may ask of the service: the file's bytes and its rows."""

    max_bytes: int
    max_rows: int

    @classmethod
    def from_settings(cls, settings: Settings) -> CsvLimits:
        return cls(max_bytes=settings.csv_max_bytes, max_rows=settings.csv_max_rows)


@dataclass(frozen=True)
class Reference:
    """An id field that the file gives as the referenced row's business key."""

    column: str  # the CSV column, e.g. ``owner_member_no``
    key: str  # the referenced model's business key, e.g. ``member_no``


def _accepts(annotation: Any, kind: type) -> bool:
    """Whether a field's type is ``kind`` (or ``kind[...]``), optionally ``| None``."""
    union = get_origin(annotation) in (Union, UnionType)
    options = get_args(annotation) if union else (annotation,)
    return any(kind in (option, get_origin(option)) for option in options)


class CsvSpec:
    """One entity's CSV columns, derived from its Create schema and its table so they cannot drift.

    The columns are the schema's fields, required ones first, references named by business key.
    """

    def __init__(
        self,
        entity: Entity[Any],
        schema: type[BaseModel],
        references: Mapping[str, Reference] | None = None,
    ) -> None:
        self.entity = entity
        self.schema = schema
        self.references = dict(references or {})
        fields = schema.model_fields
        names = sorted(fields, key=lambda name: not fields[name].is_required())
        self.field_of = {self._column(name): name for name in names}
        self.columns = tuple(self.field_of)
        self.required = [c for c, name in self.field_of.items() if fields[name].is_required()]
        self.dates = {
            c for c, name in self.field_of.items() if _accepts(fields[name].annotation, date)
        }
        self.lists = {
            c for c, name in self.field_of.items() if _accepts(fields[name].annotation, list)
        }
        unique = {
            column.name
            for constraint in entity.model.__table__.constraints
            if isinstance(constraint, UniqueConstraint)
            for column in constraint.columns
        }
        self.unique = [column for column in self.columns if column in unique]

    def _column(self, name: str) -> str:
        reference = self.references.get(name)
        return reference.column if reference else name

    def column_named(self, header: str) -> str | None:
        """The column a header cell names: trimmed, any case, accents optional, or an alias."""
        key = _UNIT.sub("", fold(header))
        column = key.replace(" ", "_")
        if column in self.field_of:
            return column
        alias = ALIASES.get(key)
        return alias if alias in self.field_of else None

    def column_at(self, error: ErrorDetails) -> str | None:
        """The column a schema error is about; a rule across fields names it first in its text."""
        if error["loc"]:
            return self._column(str(error["loc"][0]))
        first = _message(error).split(" ", 1)[0]
        return first if first in self.field_of else None


MEMBERS_CSV = CsvSpec(MEMBERS, MemberCreate)
DRIVERS_CSV = CsvSpec(DRIVERS, DriverCreate, {"member_id": Reference("member_no", "member_no")})
VEHICLES_CSV = CsvSpec(
    VEHICLES, VehicleCreate, {"owner_member_id": Reference("owner_member_no", "member_no")}
)


@dataclass(frozen=True)
class RowError:
    row: int  # line in the file, the header being line 1
    column: str | None
    message: str


@dataclass
class ImportReport:
    """What an import did: the answer's body, with or without the file being rejected."""

    imported: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def header_rejected(self) -> bool:
        """An unusable header rejects the whole file, whatever the caller asked for."""
        return any(error.row == HEADER_LINE for error in self.errors)


@dataclass
class _Row:
    line: int
    cells: dict[str, str]  # column -> its text, only the cells that are not empty
    errors: list[RowError] = field(default_factory=list)
    data: BaseModel | None = None  # set once the row is known to be valid

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))
        self.data = None


def _message(error: ErrorDetails) -> str:
    return error["msg"].removeprefix("Value error, ")


def decode_csv(content: bytes, limits: CsvLimits) -> str:
    if len(content) > limits.max_bytes:
        raise FileTooLarge(f"the file is over {limits.max_bytes} bytes", field="file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "the file is not UTF-8 (save it as 'CSV UTF-8')", field="file"
        ) from exc
    if not text.strip():
        raise UnreadableFile("the file is empty", field="file")
    return text


def csv_reader(text: str) -> Reader:
    """Rows of ``text``; the delimiter is whichever of ``;`` and ``,`` the header uses more."""
    header = text.partition("\n")[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def records(reader: Reader, limits: CsvLimits) -> Iterator[tuple[int, list[str]]]:
    """The header, then each non-blank row, with the line it starts on (a quoted cell may span
    lines). A row the csv module cannot read (a cell over its 131,072-character limit, a stray
    quote) is a 422 naming its line, not a 500; more than ``limits.max_rows`` rows is a 413."""
    start, count = reader.line_num + 1, 0
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problem = str(exc)
            if "field larger than field limit" in problem:
                problem = f"a cell is longer than {csv.field_size_limit()} characters"
            raise UnreadableFile(f"line {start}: {problem}", field="file", row=start) from exc
        if any(value.strip() for value in values):
            if count > limits.max_rows:  # the header is row 0
                raise FileTooLarge(f"the file has more than {limits.max_rows} rows", field="file")
            count += 1
            yield start, values
        start = reader.line_num + 1


def _header(names: Sequence[str], spec: CsvSpec) -> tuple[list[str | None], list[RowError]]:
    """Each header cell's column (None for an empty cell), and what is wrong with the header."""
    columns: list[str | None] = []
    errors: list[RowError] = []
    for name in (name.strip() for name in names):
        column = spec.column_named(name) if name else None
        if name and column is None:
            expected = ", ".join(spec.columns)
            errors.append(RowError(HEADER_LINE, name, f"unknown column (expected: {expected})"))
        elif column is not None and column in columns:
            errors.append(RowError(HEADER_LINE, name, f"column {column} is given twice"))
        columns.append(column)
    errors += [
        RowError(HEADER_LINE, column, "this column is required")
        for column in spec.required
        if column not in columns
    ]
    return columns, errors


def _cells(line: int, values: Sequence[str], columns: Sequence[str | None]) -> _Row:
    row = _Row(line, {})
    for position, value in enumerate(values):
        text = value.strip()
        column = columns[position] if position < len(columns) else None
        if text and column is None:  # e.g. an unquoted comma inside an address
            row.fail(None, f"value '{text}' in position {position + 1} is under no column")
        elif text and column is not None:
            unquoted = text[1:] if text[:1] == "'" and text[1:].startswith(_FORMULA_START) else text
            row.cells[column] = unquoted
    return row


async def _ids_by_key(
    session: AsyncSession, tenant: Tenant, spec: CsvSpec, rows: Sequence[_Row]
) -> dict[str, dict[Any, int]]:
    """For each reference field, business key -> id in the caller's cooperative (one query)."""
    found: dict[str, dict[Any, int]] = {}
    for name, reference in spec.references.items():
        model = spec.entity.references[name]
        keys = {row.cells[reference.column] for row in rows if reference.column in row.cells}
        key = getattr(model, reference.key)
        statement = scoped(select(key, model.id), tenant).where(key.in_(keys))
        found[name] = dict((await session.execute(statement)).all()) if keys else {}
    return found


def _value(spec: CsvSpec, column: str, text: str) -> Any:
    if column in spec.lists:
        return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
    match = _DMY.fullmatch(text) if column in spec.dates else None
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def _validate(row: _Row, spec: CsvSpec, ids: Mapping[str, Mapping[Any, int]]) -> None:
    """Set ``row.data`` from the Create schema, or record one error per column at fault."""
    values: dict[str, Any] = {}
    for column, text in row.cells.items():
        name = spec.field_of[column]
        if name not in spec.references:
            values[name] = _value(spec, column, text)
        elif text in ids[name]:
            values[name] = ids[name][text]
        else:
            target = spec.entity.references[name].__name__.lower()
            row.fail(column, f"no {target} '{text}' in this cooperative")
    try:
        data = spec.schema.model_validate(values)
    except ValidationError as exc:
        for error in exc.errors():
            row.fail(spec.column_at(error), _message(error))
        return
    if not row.errors:
        row.data = data


async def _find_duplicates(
    session: AsyncSession, tenant: Tenant, spec: CsvSpec, rows: Sequence[_Row]
) -> None:
    """Fail rows whose unique value is already in the cooperative or on an earlier line."""
    for name in spec.unique:
        values = {getattr(row.data, name) for row in rows if row.data is not None} - {None}
        column = getattr(spec.entity.model, name)
        statement = scoped(select(column), tenant).where(column.in_(values))
        existing = set((await session.scalars(statement)).all()) if values else set()
        first_line: dict[Any, int] = {}
        for row in rows:
            value = getattr(row.data, name, None)
            if value is None:
                continue
            if value in existing:
                row.fail(name, f"'{value}' already exists")
            elif value in first_line:
                row.fail(name, f"'{value}' is also on line {first_line[value]}")
            else:
                first_line[value] = row.line


async def _insert(
    session: AsyncSession, tenant: Tenant, spec: CsvSpec, rows: Sequence[BaseModel]
) -> None:
    """One bulk INSERT; derived columns come from the entity's ``derive``, as for one create."""
    columns = spec.entity.model.__table__.columns
    has_default = {column.key for column in columns if column.server_default or column.primary_key}
    values = []
    for data in rows:
        row = spec.entity.model(
            cooperative_id=tenant.cooperative_id, **column_values(data, only_set=False)
        )
        spec.entity.derive(row)
        cells = {column.key: getattr(row, column.key) for column in columns}
        values.append({k: v for k, v in cells.items() if v is not None or k not in has_default})
    # The ORM sends one multi-row INSERT per run of rows with the same keys (None is rendered as
    # NULL except where the database has a default): sorting leaves one run per set of keys.
    values.sort(key=lambda row_values: tuple(row_values))
    statement = insert(spec.entity.model).execution_options(render_nulls=True)
    try:
        await session.execute(statement, values)
    except IntegrityError as exc:  # a concurrent write got there first: the constraints decide
        raise domain_error_from(exc, what=spec.entity.name) from exc


async def import_csv(
    session: AsyncSession,
    tenant: Tenant,
    spec: CsvSpec,
    content: bytes,
    *,
    keep_valid: bool,
    limits: CsvLimits,
) -> ImportReport:
    """Import the file's rows, all or (with ``keep_valid``) the valid ones, and report the rest."""
    lines = records(csv_reader(decode_csv(content, limits)), limits)
    columns, header_errors = _header(next(lines, (HEADER_LINE, []))[1], spec)
    rows = [_cells(line, values, columns) for line, values in lines]
    if header_errors:
        return ImportReport(rejected=len(rows), errors=header_errors)
    ids = await _ids_by_key(session, tenant, spec, rows)
    for row in rows:
        if not row.errors:
            _validate(row, spec, ids)
    await _find_duplicates(session, tenant, spec, rows)
    valid = [row.data for row in rows if row.data is not None]
    report = ImportReport(
        rejected=len(rows) - len(valid), errors=[error for row in rows for error in row.errors]
    )
    if valid and (keep_valid or not report.errors):
        await _insert(session, tenant, spec, valid)
        report.imported = len(valid)
    return report


def escape_formula(text: str) -> str:
    """Text a spreadsheet shows as text: a leading ``'`` where it would start a formula."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


async def export_csv(
    session: AsyncSession,
    tenant: Tenant,
    spec: CsvSpec,
    *,
    filters: Mapping[str, Any],
    q: str | None,
) -> Iterator[str]:
    """The cooperative's rows as CSV text in chunks, BOM first (so Excel reads it as UTF-8).

    Rows are loaded before the first chunk: the request's session is closed while the body streams.
    """
    statement = list_statement(spec.entity, tenant, filters=filters, q=q)
    rows = (await session.scalars(statement.order_by(spec.entity.model.id))).all()
    keys: dict[str, dict[int, Any]] = {}
    for name, reference in spec.references.items():
        model = spec.entity.references[name]
        ids = {getattr(row, name) for row in rows} - {None}
        key = getattr(model, reference.key)
        lookup = scoped(select(model.id, key), tenant).where(model.id.in_(ids))
        keys[name] = dict((await session.execute(lookup)).all()) if ids else {}
    return _chunks(spec, rows, keys)


def _chunks(
    spec: CsvSpec, rows: Sequence[Any], keys: Mapping[str, Mapping[int, Any]]
) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(spec.columns)
    for n, row in enumerate(rows, 1):
        cells = []
        for column, name in spec.field_of.items():
            value = getattr(row, name)
            if name in keys:
                value = keys[name].get(value)
            elif column in spec.lists:
                value = LIST_SEPARATOR.join(value)
            cells.append("" if value is None else escape_formula(str(value)))
        writer.writerow(cells)
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
