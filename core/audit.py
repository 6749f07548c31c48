"""The audit log: who changed what, when — written by the database, read by admins.

Rows are written by triggers (migration 0018) on the registry, papers, accounts and roles, API
keys, speed limits, orders and plans: one row per changed row, holding only the fields that
changed (before and after; secrets shown as ``"***"``). A trigger cannot miss a change made
by any code path, and the row lives or dies with the change's own transaction. The edge tells
the triggers who is acting with ``set_actor`` (a transaction-local setting); work without an
actor (the job worker, the command line) is recorded as ``system``.

The table is append-only in the database: a trigger refuses UPDATE, DELETE and TRUNCATE.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Integer, String, func, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base
from core.listing import PageRequest, PageResult, paginate
from core.tenancy import Tenant, scoped

ACTOR_SETTING = "coopfleet.actor"
_ACTOR_SET = "audit_actor_set"  # session.info key: this transaction carries an actor


class AuditEntry(Base):
    """One change to one row. No foreign keys: the log outlives what it describes."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_cooperative_id_at", "cooperative_id", "at"),
        Index("ix_audit_log_cooperative_id_entity", "cooperative_id", "entity", "entity_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())
    entity: Mapped[str] = mapped_column(String(40))  # the table
    entity_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(8))  # insert, update, delete
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    actor_kind: Mapped[str] = mapped_column(String(8))  # user, api_key, system
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_api_key_id: Mapped[int | None] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting in this transaction: a person, or a machine client's API key (which acts
    for the admin who created it)."""

    user_id: int
    api_key_id: int | None = None

    def encoded(self) -> str:
        if self.api_key_id is not None:
            return f"api_key:{self.user_id}:{self.api_key_id}"
        return f"user:{self.user_id}"


async def set_actor(session: AsyncSession, actor: Actor) -> None:
    """Name the actor for the rest of this transaction (the triggers read it)."""
    await session.execute(
        text("SELECT set_config(:name, :value, true)"),
        {"name": ACTOR_SETTING, "value": actor.encoded()},
    )
    session.info[_ACTOR_SET] = True


async def clear_actor(session: AsyncSession) -> None:
    """Forget the actor before the transaction ends, when one was set.

    A transaction-local setting ends with its transaction; this matters where a transaction
    outlives the request (the test suite's savepoints): later changes must not be put on the
    last request's actor. Pending changes are flushed first, so they are still theirs.
    """
    if not session.info.pop(_ACTOR_SET, False):
        return
    await session.flush()
    await session.execute(text("SELECT set_config(:name, '', true)"), {"name": ACTOR_SETTING})


@dataclass(frozen=True, slots=True)
class AuditFilter:
    entity: str | None = None
    entity_id: str | None = None
    actor_user_id: int | None = None
    actor_api_key_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None


SORTABLE = {"at": AuditEntry.at, "entity": AuditEntry.entity}


async def list_entries(
    session: AsyncSession, tenant: Tenant, filters: AuditFilter, page: PageRequest
) -> PageResult:
    """The tenant's audit rows, newest first unless ``page.sort`` says otherwise."""
    statement = scoped(select(AuditEntry), tenant)
    if filters.entity is not None:
        statement = statement.where(AuditEntry.entity == filters.entity)
    if filters.entity_id is not None:
        statement = statement.where(AuditEntry.entity_id == filters.entity_id)
    if filters.actor_user_id is not None:
        statement = statement.where(AuditEntry.actor_user_id == filters.actor_user_id)
    if filters.actor_api_key_id is not None:
        statement = statement.where(AuditEntry.actor_api_key_id == filters.actor_api_key_id)
    if filters.start is not None:
        statement = statement.where(AuditEntry.at >= filters.start)
    if filters.end is not None:
        statement = statement.where(AuditEntry.at < filters.end)
    sorted_page = page if page.sort else PageRequest(page.limit, page.offset, "-at")
    return await paginate(
        session, statement, sorted_page, sortable=SORTABLE, tiebreak=AuditEntry.id.desc()
    )
