"""Who a rule reaches for an event, with the address each channel needs.

The people of a whole batch of events are read at once (``Directory.load``: three queries
whatever the batch's size), so fanning out thousands of offers does not cost a query each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

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


@dataclass
class Directory:
    """The active accounts, drivers and members a batch of events and rules can reach."""

    users: list[User] = field(default_factory=list)
    driver_phones: dict[tuple[int, int], str] = field(default_factory=dict)  # (coop, id)
    members: dict[tuple[int, int], Member] = field(default_factory=dict)

    @classmethod
    async def load(
        cls,
        session: AsyncSession,
        events: Sequence[Event],
        rules: Iterable[NotificationRule],
    ) -> Directory:
        coops = {e.cooperative_id for e in events}
        drivers = {e.subject.driver_id for e in events} - {None}
        members = {e.subject.member_id for e in events} - {None}
        user_ids = {u for e in events for u in e.subject.user_ids}
        roles: set[str] = set()
        for rule in rules:
            if rule.role is not None:
                roles.add(rule.role)
            if rule.user_id is not None:
                user_ids.add(rule.user_id)
        conditions: list[ColumnElement[bool]] = [User.role.in_(roles), User.id.in_(user_ids)]
        conditions += [User.driver_id.in_(drivers), User.member_id.in_(members)]
        found = cls()
        if not coops:
            return found
        rows = await session.execute(
            select(User).where(User.cooperative_id.in_(coops), User.is_active, or_(*conditions))
        )
        found.users = list(rows.scalars())
        if drivers:
            phones = await session.execute(
                select(Driver.cooperative_id, Driver.id, Driver.phone).where(Driver.id.in_(drivers))
            )
            found.driver_phones = {(coop, id_): phone for coop, id_, phone in phones}
        if members:
            rows_m = await session.execute(select(Member).where(Member.id.in_(members)))
            found.members = {(m.cooperative_id, m.id): m for m in rows_m.scalars()}
        return found

    def _users(self, cooperative_id: int) -> list[User]:
        return [u for u in self.users if u.cooperative_id == cooperative_id]

    def for_rule(self, rule: NotificationRule, event: Event) -> Iterable[Recipient]:
        """The rule's audience for this event: a role, one account, or whom the event concerns
        (the offered driver, the paper's holder and its member, the order's customer)."""
        users = self._users(event.cooperative_id)
        if rule.audience == "role":
            return [_of_user(u) for u in users if u.role == rule.role]
        if rule.audience == "user":
            return [_of_user(u) for u in users if u.id == rule.user_id]
        return self._subject(event, users)

    def _subject(self, event: Event, users: list[User]) -> Iterable[Recipient]:
        coop, subject = event.cooperative_id, event.subject
        driver_phone = self.driver_phones.get((coop, subject.driver_id or 0))
        found: dict[str, Recipient] = {}
        matched = [
            u
            for u in users
            if u.id in subject.user_ids
            or (subject.driver_id is not None and u.driver_id == subject.driver_id)
            or (subject.member_id is not None and u.member_id == subject.member_id)
        ]
        for user in matched:
            phone = driver_phone if user.driver_id == subject.driver_id else None
            found[f"user:{user.id}"] = _of_user(user, phone)
        if driver_phone is not None and not any(u.driver_id == subject.driver_id for u in matched):
            key = f"driver:{subject.driver_id}"
            found[key] = Recipient(key=key, phone=driver_phone)
        member = self.members.get((coop, subject.member_id or 0))
        if member is not None and not any(u.member_id == member.id for u in matched):
            key = f"member:{member.id}"
            found[key] = Recipient(key=key, email=member.email, phone=member.phone)
        if subject.phone:
            key = f"phone:{subject.phone}"
            found[key] = Recipient(key=key, phone=subject.phone)
        return found.values()
