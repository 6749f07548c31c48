"""Pagination and sorting of list queries, the same for every list endpoint."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from core.errors import DomainError

SortKey = ColumnElement[Any] | QueryableAttribute[Any]


class BadQuery(DomainError):
    """A query parameter that is well-typed but names something that does not exist."""

    status = 422
    code = "validation_error"


def contains_text(
    column: ColumnElement[str] | QueryableAttribute[str], text: str
) -> ColumnElement[bool]:
    """A search: ``column`` contains ``text`` literally (``%`` and ``_`` typed by a user are not
    LIKE wildcards, and cannot turn a short search into a scan of every row)."""
    return column.contains(text, autoescape=True)


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = 50
    offset: int = 0
    sort: str | None = None  # a key, "-" in front for descending


@dataclass(frozen=True, slots=True)
class PageResult:
    rows: Sequence[Any]
    total: int
    limit: int
    offset: int

    def as_page(self) -> dict[str, Any]:
        """The JSON shape of a page (``fleet.schemas.Page``)."""
        return {"items": self.rows, "total": self.total, "limit": self.limit, "offset": self.offset}


def order_by_key(
    statement: Select[Any],
    sort: str | None,
    sortable: Mapping[str, SortKey],
    tiebreak: SortKey,
) -> Select[Any]:
    """Apply ``sort`` (e.g. ``-created_at``; empty values last), then a unique tiebreak column."""
    if sort:
        key = sort.removeprefix("-")
        column = sortable.get(key)
        if column is None:
            allowed = ", ".join(sorted(sortable))
            raise BadQuery(f"cannot sort by '{key}'; allowed: {allowed}", field="sort")
        direction = column.desc() if sort.startswith("-") else column.asc()
        statement = statement.order_by(direction.nulls_last())
    return statement.order_by(tiebreak)


async def paginate(
    session: AsyncSession,
    statement: Select[Any],
    page: PageRequest,
    *,
    sortable: Mapping[str, SortKey],
    tiebreak: SortKey,
) -> PageResult:
    """Run one page of ``statement`` and count all its rows."""
    total = await session.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    ordered = order_by_key(statement, page.sort, sortable, tiebreak)
    rows = (await session.scalars(ordered.limit(page.limit).offset(page.offset))).all()
    return PageResult(rows=rows, total=int(total or 0), limit=page.limit, offset=page.offset)
