"""Accounts of a cooperative: created, changed and disabled by its admins."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Forbidden, InvalidInput, NotAuthenticated
from core.tenancy import Tenant, get_scoped
from fleet.auth import revoke_all_sessions
from fleet.enums import Role
from fleet.models import Driver, User
from fleet.passwords import hash_password, verify_password
from fleet.registry import flush_or_raise
from fleet.schemas import PasswordChange, UserCreate, UserUpdate


async def create_user(session: AsyncSession, tenant: Tenant, data: UserCreate) -> User:
    if data.role is Role.PLATFORM_ADMIN:
        raise Forbidden("a cooperative cannot create platform admins", field="role")
    if data.role is Role.DRIVER:
        if data.driver_id is None:
            raise InvalidInput("a driver account needs driver_id", field="driver_id")
        await get_scoped(session, Driver, data.driver_id, tenant)
    elif data.driver_id is not None:
        raise InvalidInput("only driver accounts link to a driver", field="driver_id")
    user = User(
        cooperative_id=tenant.cooperative_id,
        login=data.login.lower(),
        full_name=data.full_name,
        role=data.role.value,
        password_hash=hash_password(data.password),
        driver_id=data.driver_id,
        language=data.language,
    )
    session.add(user)
    await flush_or_raise(session, "user")
    await session.refresh(user)
    return user


async def update_user(
    session: AsyncSession, tenant: Tenant, user_id: int, data: UserUpdate
) -> User:
    """Change an account; a new password, a role change or disabling signs it out everywhere."""
    user = await get_scoped(session, User, user_id, tenant)
    if data.role is not None and data.role != user.role:
        if data.role in (Role.PLATFORM_ADMIN, Role.DRIVER) or user.role == Role.DRIVER:
            raise InvalidInput("cannot change to or from this role", field="role")
        user.role = data.role.value
    if data.full_name is not None:
        user.full_name = data.full_name
    if data.language is not None:
        user.language = data.language
    if data.password is not None:
        user.password_hash = hash_password(data.password)
    if data.is_active is not None:
        if not data.is_active and user.id == tenant.user_id:
            raise InvalidInput("you cannot disable your own account", field="is_active")
        user.is_active = data.is_active
    if data.password is not None or data.is_active is False or data.role is not None:
        await revoke_all_sessions(session, user.id)
    await flush_or_raise(session, "user")
    return user


async def change_own_password(session: AsyncSession, user_id: int, data: PasswordChange) -> None:
    user = await session.get(User, user_id)
    if user is None or not verify_password(user.password_hash, data.current_password):
        raise NotAuthenticated("current password is wrong", field="current_password")
    user.password_hash = hash_password(data.new_password)
    await revoke_all_sessions(session, user.id)
    await session.flush()
