"""Cooperatives (platform admins) and the accounts of a cooperative (its admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.deps import AdminTenant, AnyTenant, PageDep, PlatformAdmin, SessionDep, SettingsDep
from core.errors import NotFound
from core.listing import paginate
from core.tenancy import get_scoped, scoped
from fleet import users
from fleet.models import Cooperative, User
from fleet.passwords import hash_password_async
from fleet.registry import flush_or_raise
from fleet.schemas import (
    CooperativeCreate,
    CooperativeRead,
    CooperativeUpdate,
    Page,
    UserCreate,
    UserRead,
    UserUpdate,
)
from fleet.validators import Id

router = APIRouter()


@router.get("/cooperatives", response_model=Page[CooperativeRead], tags=["platform"])
async def list_cooperatives(_: PlatformAdmin, session: SessionDep, page: PageDep) -> dict[str, Any]:
    """Every cooperative of the installation (platform admins only)."""
    result = await paginate(
        session,
        select(Cooperative),
        page,
        sortable={"name": Cooperative.name, "created_at": Cooperative.created_at},
        tiebreak=Cooperative.id,
    )
    return result.as_page()


@router.post(
    "/cooperatives",
    response_model=CooperativeRead,
    status_code=status.HTTP_201_CREATED,
    tags=["platform"],
)
async def create_cooperative(
    data: CooperativeCreate, _: PlatformAdmin, session: SessionDep
) -> Cooperative:
    """Register a cooperative; then create its first admin (``POST /cooperatives/{id}/admins``)."""
    coop = Cooperative(**data.model_dump())
    session.add(coop)
    await flush_or_raise(session, "cooperative")
    await session.refresh(coop)
    return coop


@router.post(
    "/cooperatives/{coop_id}/admins",
    response_model=UserRead,
    status_code=status.HTTP_201_CREATED,
    tags=["platform"],
)
async def create_cooperative_admin(
    coop_id: Id, data: UserCreate, _: PlatformAdmin, session: SessionDep, settings: SettingsDep
) -> User:
    """Create an admin account inside a cooperative (platform admins only); they choose their
    own password at their first sign-in."""
    if await session.get(Cooperative, coop_id) is None:
        raise NotFound(f"cooperative {coop_id} not found", field="coop_id")
    user = User(
        cooperative_id=coop_id,
        login=data.login.lower(),
        full_name=data.full_name,
        role="admin",
        password_hash=await hash_password_async(
            data.password, threads=settings.password_hash_threads
        ),
        must_change_password=True,
        language=data.language,
    )
    session.add(user)
    await flush_or_raise(session, "user")
    await session.refresh(user)
    return user


@router.get("/cooperative", response_model=CooperativeRead, tags=["cooperative"])
async def my_cooperative(tenant: AnyTenant, session: SessionDep) -> Cooperative:
    """The caller's cooperative."""
    return await _own_cooperative(session, tenant.cooperative_id)


@router.patch("/cooperative", response_model=CooperativeRead, tags=["cooperative"])
async def update_my_cooperative(
    data: CooperativeUpdate, tenant: AdminTenant, session: SessionDep
) -> Cooperative:
    """Change the caller's cooperative (its admins only)."""
    coop = await _own_cooperative(session, tenant.cooperative_id)
    for name, value in data.model_dump(exclude_unset=True).items():
        setattr(coop, name, value)
    await flush_or_raise(session, "cooperative")
    return coop


async def _own_cooperative(session: AsyncSession, coop_id: Id) -> Cooperative:
    coop = await session.get(Cooperative, coop_id)
    if coop is None:
        raise NotFound("cooperative not found")
    return coop


@router.get("/users", response_model=Page[UserRead], tags=["users"])
async def list_users(
    tenant: AdminTenant, session: SessionDep, page: PageDep, role: str | None = None
) -> dict[str, Any]:
    """Accounts of the cooperative (its admins only)."""
    statement = scoped(select(User), tenant)
    if role:
        statement = statement.where(User.role == role)
    result = await paginate(
        session,
        statement,
        page,
        sortable={"login": User.login, "full_name": User.full_name, "role": User.role},
        tiebreak=User.id,
    )
    return result.as_page()


@router.post("/users", response_model=UserRead, status_code=status.HTTP_201_CREATED, tags=["users"])
async def create_user(
    data: UserCreate, tenant: AdminTenant, session: SessionDep, settings: SettingsDep
) -> User:
    """Create an account in the cooperative; a driver account links to a driver record. Its
    owner changes the password at the first sign-in. Logins are unique within the cooperative."""
    return await users.create_user(session, tenant, data, settings)


@router.get("/users/{user_id}", response_model=UserRead, tags=["users"])
async def get_user(user_id: Id, tenant: AdminTenant, session: SessionDep) -> User:
    """One account of the cooperative."""
    return await get_scoped(session, User, user_id, tenant)


@router.patch("/users/{user_id}", response_model=UserRead, tags=["users"])
async def update_user(
    user_id: Id, data: UserUpdate, tenant: AdminTenant, session: SessionDep, settings: SettingsDep
) -> User:
    """Change, reset the password of, or disable an account; these sign it out everywhere. A
    reset password must be changed by its owner at the next sign-in."""
    return await users.update_user(session, tenant, user_id, data, settings)
