"""Accounts of a cooperative: created, changed and disabled by its admins.

A password someone else chose (a new account, a reset) must be changed by its owner at the next
sign-in (``must_change_password``); logins are unique within a cooperative only, so a 409 here
never tells an admin anything about another cooperative's accounts.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from core.tenancy import Tenant, get_scoped
from fleet.auth import revoke_all_sessions
from fleet.enums import Role
from fleet.models import AuthSession, Driver, Member, User
from fleet.passwords import hash_password_async, verify_password_async
from fleet.registry import flush_or_raise
from fleet.schemas import PasswordChange, UserCreate, UserUpdate


async def create_user(
    session: AsyncSession, tenant: Tenant, data: UserCreate, settings: Settings
) -> User:
    if data.role is Role.PLATFORM_ADMIN:
        raise Forbidden("a cooperative cannot create platform admins", field="role")
    if data.role is Role.DRIVER:
        if data.driver_id is None:
            raise InvalidInput("a driver account needs driver_id", field="driver_id")
        await get_scoped(session, Driver, data.driver_id, tenant)
    elif data.driver_id is not None:
        raise InvalidInput("only driver accounts link to a driver", field="driver_id")
    if data.role is Role.MEMBER:
        if data.member_id is None:
            raise InvalidInput("a member account needs member_id", field="member_id")
        await get_scoped(session, Member, data.member_id, tenant)
    elif data.member_id is not None:
        raise InvalidInput("only member accounts link to a member", field="member_id")
    user = User(
        cooperative_id=tenant.cooperative_id,
        login=data.login.lower(),
        full_name=data.full_name,
        role=data.role.value,
        password_hash=await hash_password_async(
            data.password, threads=settings.password_hash_threads
        ),
        must_change_password=True,
        driver_id=data.driver_id,
        member_id=data.member_id,
        language=data.language,
    )
    session.add(user)
    await flush_or_raise(session, "user")
    await session.refresh(user)
    return user


async def update_user(
    session: AsyncSession, tenant: Tenant, user_id: int, data: UserUpdate, settings: Settings
) -> User:
    """Change an account; a new password, a role change or disabling signs it out everywhere.
    A password set for someone else must be changed by them at their next sign-in."""
    user = await get_scoped(session, User, user_id, tenant)
    if data.role is not None and data.role != user.role:
        linked = (Role.PLATFORM_ADMIN, Role.DRIVER, Role.MEMBER)
        if data.role in linked or user.role in (Role.DRIVER, Role.MEMBER):
            raise InvalidInput("cannot change to or from this role", field="role")
        user.role = data.role.value
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.language is not None:
        user.language = data.language
    if data.password is not None:
        user.password_hash = await hash_password_async(
            data.password, threads=settings.password_hash_threads
        )
        user.must_change_password = user.id != tenant.user_id
    if data.is_active is not None:
        if not data.is_active and user.id == tenant.user_id:
            raise InvalidInput("you cannot disable your own account", field="is_active")
        user.is_active = data.is_active
    if data.password is not None or data.is_active is False or data.role is not None:
        await revoke_all_sessions(session, user.id)
    await flush_or_raise(session, "user")
    return user


async def change_own_password(
    session: AsyncSession, user_id: int, data: PasswordChange, settings: Settings
) -> None:
    """The owner's own password: clears a forced change; signs out every session."""
    threads = settings.password_hash_threads
    user = await session.get(User, user_id)
    if user is None or not await verify_password_async(
        user.password_hash, data.current_password, threads=threads
    ):
        raise NotAuthenticated("current password is wrong", field="current_password")
    if data.new_password == data.current_password:
        raise InvalidInput("choose a password different from the current one", field="new_password")
    user.password_hash = await hash_password_async(data.new_password, threads=threads)
    user.must_change_password = False
    await revoke_all_sessions(session, user.id)
    await session.flush()


_EASY_PINS = frozenset({"000000", "123456", "111111", "654321"})


async def set_pin(
    session: AsyncSession,
    user_id: int,
    session_id: str,
    *,
    password: str,
    pin: str,
    settings: Settings,
) -> None:
    """A driver's 6-digit PIN, tied to the known device of the calling session: it signs in on
    that device only (with its device token), never in place of the password elsewhere."""
    threads = settings.password_hash_threads
    user = await session.get(User, user_id)
    if user is None or not await verify_password_async(
        user.password_hash, password, threads=threads
    ):
        raise InvalidInput("the current password is wrong", field="password")
    if pin in _EASY_PINS:
        raise InvalidInput("choose a PIN that is not so easy to guess", field="pin")
    device_key = await session.scalar(
        select(AuthSession.device_key).where(AuthSession.id == session_id)
    )
    if device_key is None:
        raise InvalidInput(
            "sign in on this device with your password first; the PIN works on that device",
            field="pin",
        )
    user.pin_hash = await hash_password_async(pin, threads=threads)
    user.pin_device = device_key
    await session.flush()


async def reset_driver_credentials(
    session: AsyncSession, tenant: Tenant, driver_id: int, settings: Settings
) -> tuple[str, str]:
    """A new one-time password for a driver's account (login, password): the PIN is cleared,
    every session ends, and the driver must choose their own password at the next sign-in."""
    await get_scoped(session, Driver, driver_id, tenant, what="driver")
    user = await session.scalar(
        select(User).where(
            User.driver_id == driver_id, User.cooperative_id == tenant.cooperative_id
        )
    )
    if user is None:
        raise NotFound(f"driver {driver_id} has no account", field="id")
    temporary = secrets.token_urlsafe(9)
    user.password_hash = await hash_password_async(
        temporary, threads=settings.password_hash_threads
    )
    user.must_change_password = True
    user.pin_hash = user.pin_device = None
    await revoke_all_sessions(session, user.id)
    await session.flush()
    return user.login, temporary
