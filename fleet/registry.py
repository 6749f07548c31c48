"""Generic create/read/update/delete for the registry's tenant-owned entities.

Each entity is described once (``Entity``): its model, which fields reference other tenant rows,
how derived columns (search text, plate key) are recomputed. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput
from core.integrity import domain_error_from
from core.listing import PageRequest, PageResult, SortKey, contains_text, paginate
from core.tenancy import Tenant, get_scoped, scoped
from core.text import fold
from fleet.plates import plate_search_key

M = TypeVar("M")


@dataclass(frozen=True)
class Entity(Generic[M]):
    model: type[M]
    name: str
    sortable: tuple[str, ...]
    references: Mapping[str, type[Any]] = field(default_factory=dict)
    derive: Callable[[M], None] = lambda row: None
    searchable: bool = True

    def sort_columns(self) -> dict[str, SortKey]:
        return {name: getattr(self.model, name) for name in self.sortable}


def column_values(data: BaseModel, *, only_set: bool) -> dict[str, Any]:
    """Schema fields as column values; GeoJSON objects become PostGIS geometry."""
    names = data.model_fields_set if only_set else type(data).model_fields.keys()
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(data, name)
        to_db = getattr(value, "to_db", None)
        values[name] = to_db() if callable(to_db) else value
    return values


async def check_references(
    session: AsyncSession, entity: Entity[Any], values: Mapping[str, Any], tenant: Tenant
) -> None:
    """Referenced rows must exist in the caller's cooperative (an FK alone would cross tenants)."""
    for field_name, target in entity.references.items():
        ident = values.get(field_name)
        if ident is None:
            continue
        row = await session.get(target, ident)
        if row is None or row.cooperative_id != tenant.cooperative_id:
            raise InvalidInput(f"{field_name} {ident} does not exist", field=field_name)


async def flush_or_raise(session: AsyncSession, what: str) -> None:
    """Flush inside a savepoint so a constraint violation leaves the session usable."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise domain_error_from(exc, what=what) from exc


def search_clause(search_column: ColumnElement[str], text: str) -> ColumnElement[bool]:
    """Accent-insensitive substring match on a folded ``search`` column, plates without dots."""
    folded = fold(text)
    key = plate_search_key(text).lower()
    clauses = [contains_text(search_column, folded)]
    if key and key != folded:
        clauses.append(contains_text(search_column, key))
    return or_(*clauses)


def list_statement(
    entity: Entity[M], tenant: Tenant, *, filters: Mapping[str, Any], q: str | None
) -> Select[Any]:
    statement = scoped(select(entity.model), tenant)
    for name, value in filters.items():
        if value is not None:
            statement = statement.where(getattr(entity.model, name) == value)
    if q and entity.searchable:
        statement = statement.where(search_clause(getattr(entity.model, "search"), q))  # noqa: B009
    return statement


async def list_rows(
    session: AsyncSession,
    entity: Entity[M],
    tenant: Tenant,
    page: PageRequest,
    *,
    filters: Mapping[str, Any],
    q: str | None = None,
) -> PageResult:
    statement = list_statement(entity, tenant, filters=filters, q=q)
    return await paginate(
        session,
        statement,
        page,
        sortable=entity.sort_columns(),
        tiebreak=getattr(entity.model, "id"),  # noqa: B009
    )


async def get_row(session: AsyncSession, entity: Entity[M], tenant: Tenant, ident: int) -> M:
    return await get_scoped(session, entity.model, ident, tenant, what=entity.name)


async def create_row(
    session: AsyncSession, entity: Entity[M], tenant: Tenant, data: BaseModel
) -> M:
    values = column_values(data, only_set=False)
    await check_references(session, entity, values, tenant)
    row: M = cast(Any, entity.model)(cooperative_id=tenant.cooperative_id, **values)
    entity.derive(row)
    session.add(row)
    await flush_or_raise(session, entity.name)
    await session.refresh(row)
    return row


async def update_row(
    session: AsyncSession, entity: Entity[M], tenant: Tenant, ident: int, data: BaseModel
) -> M:
    row = await get_row(session, entity, tenant, ident)
    values = column_values(data, only_set=True)
    await check_references(session, entity, values, tenant)
    for name, value in values.items():
        setattr(row, name, value)
    entity.derive(row)
    await flush_or_raise(session, entity.name)
    await session.refresh(row)
    return row


async def delete_row(session: AsyncSession, entity: Entity[M], tenant: Tenant, ident: int) -> None:
    row = await get_row(session, entity, tenant, ident)
    await session.delete(row)
    await flush_or_raise(session, entity.name)
