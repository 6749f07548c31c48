"""Request dependencies: the session (which owns the transaction), the caller, their tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Query, Request, WebSocket
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.callers import api_key_scheme, bearer_scheme, identify
from core.audit import clear_actor
from core.config import Settings
from core.errors import DomainError, Forbidden, NotAuthenticated
from core.listing import PageRequest
from core.tenancy import Tenant
from fleet.auth import Principal, authenticate
from fleet.enums import Role
from fleet.validators import BIGINT_MAX

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the handler succeeds, rolled back otherwise."""
    async with request.app.state.session_factory() as session:
        try:
            yield session
            await clear_actor(session)  # the audit log's actor ends with the request
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


# scope="function": commit before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_principal(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(api_key_scheme)],
) -> Principal:
    """The caller: a person's access token or an API key (``api.callers``)."""
    return await identify(request, session, settings, bearer=bearer, api_key=api_key)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(*roles: Role) -> Callable[..., Coroutine[Any, Any, Tenant]]:
    """A dependency giving the caller's tenant, refusing callers outside ``roles`` with 403."""
    allowed = frozenset(roles)

    async def dependency(principal: PrincipalDep) -> Tenant:
        tenant = principal.tenant
        if principal.role not in allowed or tenant is None:
            names = ", ".join(sorted(role.value for role in allowed))
            raise Forbidden(f"this needs one of the roles: {names}")
        return tenant

    return dependency


async def require_platform_admin(principal: PrincipalDep) -> Principal:
    if principal.role is not Role.PLATFORM_ADMIN:
        raise Forbidden("this needs the platform_admin role")
    return principal


OFFICE = (Role.ADMIN, Role.DISPATCHER, Role.DIRECTOR)
"""Everyone at the cooperative's office: may read the registry."""
EDITORS = (Role.ADMIN, Role.DISPATCHER)
"""May change the registry."""
ANY_MEMBER_ROLE = (*OFFICE, Role.DRIVER)

OfficeTenant = Annotated[Tenant, Depends(require(*OFFICE))]
EditorTenant = Annotated[Tenant, Depends(require(*EDITORS))]
AdminTenant = Annotated[Tenant, Depends(require(Role.ADMIN))]
AnyTenant = Annotated[Tenant, Depends(require(*ANY_MEMBER_ROLE))]
DriverTenant = Annotated[Tenant, Depends(require(Role.DRIVER))]
PlatformAdmin = Annotated[Principal, Depends(require_platform_admin)]


def page_request(
    limit: Annotated[int, Query(ge=1, le=500, description="rows per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX, description="rows to skip")] = 0,
    sort: Annotated[
        str | None,
        Query(pattern=r"^-?[a-z_]+$", description="column to sort by; '-' for descending"),
    ] = None,
) -> PageRequest:
    return PageRequest(limit=limit, offset=offset, sort=sort)


PageDep = Annotated[PageRequest, Depends(page_request)]


BEARER_PROTOCOL = "bearer"


async def socket_tenant(
    websocket: WebSocket, token: str | None, *roles: Role
) -> tuple[Tenant, Principal] | None:
    """Accept a signed-in WebSocket: the caller's tenant and principal (whose session the stream
    hub then watches: ``api.streams``), or None after closing it with a code the app can read
    (4401: sign in again, 4403: not for this role).

    A browser cannot send an Authorization header on a WebSocket. It offers the token as a
    subprotocol (``new WebSocket(url, ["bearer", token])``), which keeps it out of URLs and access
    logs; ``?token=`` is accepted too, for clients that cannot.
    """
    offered = [p.strip() for p in websocket.headers.get("sec-websocket-protocol", "").split(",")]
    by_protocol = offered[1] if len(offered) == 2 and offered[0] == BEARER_PROTOCOL else None
    await websocket.accept(subprotocol=BEARER_PROTOCOL if by_protocol else None)
    token = by_protocol or token
    try:
        if not token:
            raise NotAuthenticated("no token")
        async with websocket.app.state.session_factory() as session:
            principal = await authenticate(session, token, websocket.app.state.settings)
    except DomainError:
        await websocket.close(code=4401, reason="not authenticated")
        return None
    if principal.tenant is None or principal.role not in roles:
        await websocket.close(code=4403, reason="not for this role")
        return None
    return principal.tenant, principal
