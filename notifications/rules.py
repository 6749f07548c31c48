"""The cooperative's notification rules and its message log (admins manage them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidValue, NotFound
from core.tenancy import Tenant, get_scoped, scoped
from fleet.models import User
from notifications.models import NotificationMessage, NotificationRule
from notifications.schemas import RuleIn, RulePatch


async def create(session: AsyncSession, tenant: Tenant, body: RuleIn) -> NotificationRule:
    if body.user_id is not None:
        user = await session.get(User, body.user_id)
        if user is None or user.cooperative_id != tenant.cooperative_id:
            raise NotFound(f"user {body.user_id} not found", field="user_id")
    rule = NotificationRule(cooperative_id=tenant.cooperative_id, **body.model_dump())
    session.add(rule)
    await session.flush()
    await session.refresh(rule)
    return rule


async def listing(session: AsyncSession, tenant: Tenant) -> list[NotificationRule]:
    rows = await session.execute(
        scoped(select(NotificationRule), tenant).order_by(NotificationRule.id)
    )
    return list(rows.scalars())


async def get(session: AsyncSession, tenant: Tenant, rule_id: int) -> NotificationRule:
    return await get_scoped(session, NotificationRule, rule_id, tenant, what="rule")


async def update(
    session: AsyncSession, tenant: Tenant, rule_id: int, body: RulePatch
) -> NotificationRule:
    rule = await get(session, tenant, rule_id)
    changes = body.model_dump(exclude_unset=True)
    for field in ("enabled", "language"):
        if field in changes and changes[field] is None:
            raise InvalidValue(f"{field} cannot be null", field=field)
    for field, value in changes.items():
        setattr(rule, field, value)
    if (rule.quiet_from is None) != (rule.quiet_to is None):
        raise InvalidValue("quiet hours need both a start and an end", field="quiet_to")
    await session.flush()
    return rule


async def delete(session: AsyncSession, tenant: Tenant, rule_id: int) -> None:
    await session.delete(await get(session, tenant, rule_id))
    await session.flush()


def messages(
    tenant: Tenant, *, status: str | None, channel: str | None, event_kind: str | None
) -> Select[Any]:
    """The message log, filtered; the caller pages it."""
    statement = scoped(select(NotificationMessage), tenant)
    if status is not None:
        statement = statement.where(NotificationMessage.status == status)
    if channel is not None:
        statement = statement.where(NotificationMessage.channel == channel)
    if event_kind is not None:
        statement = statement.where(NotificationMessage.event_kind == event_kind)
    return statement
