"""Tenant scoping in one place: every read of tenant data starts here.

A tenant-owned model has a ``cooperative_id`` column. ``scoped`` narrows a select to the caller's
cooperative; ``get_scoped`` loads one row or raises ``NotFound`` (another cooperative's id is a 404,
never a 403, so ids of other tenants cannot be probed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound

T = TypeVar("T")
S = TypeVar("S", bound="Select[*tuple[Any, ...]]")


@dataclass(frozen=True, slots=True)
class Tenant:
    """Who is asking: the cooperative they belong to and, for a driver or a member, their own
    record."""

    cooperative_id: int
    user_id: int
    role: str
    driver_id: int | None = None
    member_id: int | None = None  # a member (portal): their own vehicles and statement only


def scoped(statement: S, tenant: Tenant) -> S:
    """Restrict a select over tenant-owned entities to the tenant's cooperative."""
    scoped_statement = statement
    seen = False
    for description in statement.column_descriptions:
        entity = description.get("entity")
        column = getattr(entity, "cooperative_id", None)
        if entity is not None and column is not None:
            scoped_statement = scoped_statement.where(column == tenant.cooperative_id)
            seen = True
    if not seen:
        raise TypeError("scoped() needs a select over at least one tenant-owned entity")
    return scoped_statement


async def get_scoped(
    session: AsyncSession, model: type[T], ident: int, tenant: Tenant, *, what: str | None = None
) -> T:
    """Load ``model`` by primary key within the tenant, or raise NotFound."""
    row = await session.get(model, ident)
    if row is None or getattr(row, "cooperative_id") != tenant.cooperative_id:  # noqa: B009
        name = what or model.__name__.lower()
        raise NotFound(f"{name} {ident} not found", field="id")
    return row
