"""Who a rule reaches for an event, with the address each channel needs."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from fleet.models import Driver, Member, User
from notifications.events import Event
from notifications.models import NotificationRule


@dataclass(frozen=True, slots=True)
class Recipient:
    key: str  # user:5, member:3, phone:0901…: one message per person and channel
    user_id: int | None = None
    email: str | None = None
    phone: str | None = None

    def address(self, channel: str) -> str | None:
        """The address ``channel`` sends to (push goes to the user's subscriptions)."""
        if channel == "push":
            return None if self.user_id is None else f"user:{self.user_id}"
        return self.email if channel == "email" else self.phone


def _of_user(user: User, driver_phone: str | None = None) -> Recipient:
    login = user.login
    return Recipient(
        key=f"user:{user.id}",
        user_id=user.id,
        email=login if "@" in login else None,
        phone=driver_phone or (login if login.lstrip("+").isdigit() else None),
    )


async def _users(
    session: AsyncSession, cooperative_id: int, *conditions: ColumnElement[bool]
) -> list[User]:
    rows = await session.execute(
        select(User).where(
            User.cooperative_id == cooperative_id,
            User.is_active,
            or_(*conditions),
        )
    )
    return list(rows.scalars())


async def for_rule(
    session: AsyncSession, rule: NotificationRule, event: Event
) -> Iterable[Recipient]:
    """The rule's audience for this event: a role, one account, or whom the event concerns
    (the offered driver, the paper's holder and its member, the order's customer)."""
    coop = event.cooperative_id
    if rule.audience == "role":
        return [_of_user(u) for u in await _users(session, coop, User.role == rule.role)]
    if rule.audience == "user":
        return [_of_user(u) for u in await _users(session, coop, User.id == rule.user_id)]
    subject = event.subject
    found: dict[str, Recipient] = {}
    conditions: list[ColumnElement[bool]] = []
    if subject.user_ids:
        conditions.append(User.id.in_(subject.user_ids))
    if subject.driver_id is not None:
        conditions.append(User.driver_id == subject.driver_id)
    if subject.member_id is not None:
        conditions.append(User.member_id == subject.member_id)
    driver_phone = None
    if subject.driver_id is not None:
        driver = await session.get(Driver, subject.driver_id)
        if driver is not None and driver.cooperative_id == coop:
            driver_phone = driver.phone
    users = await _users(session, coop, *conditions) if conditions else []
    for user in users:
        phone = driver_phone if user.driver_id == subject.driver_id else None
        found[f"user:{user.id}"] = _of_user(user, phone)
    if driver_phone is not None and not any(u.driver_id == subject.driver_id for u in users):
        key = f"driver:{subject.driver_id}"
        found[key] = Recipient(key=key, phone=driver_phone)
    if subject.member_id is not None and not any(u.member_id == subject.member_id for u in users):
        member = await session.get(Member, subject.member_id)
        if member is not None and member.cooperative_id == coop:
            key = f"member:{member.id}"
            found[key] = Recipient(key=key, email=member.email, phone=member.phone)
    if subject.phone:
        found[f"phone:{subject.phone}"] = Recipient(
            key=f"phone:{subject.phone}", phone=subject.phone
        )
    return found.values()
