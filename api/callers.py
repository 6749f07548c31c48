"""Who is calling: a person's access token or a machine client's API key, one code path.

``Authorization: Bearer <token>`` carries either (keys start with ``cfk_``); ``X-API-Key: <key>``
carries a key. A key is checked as the routes' roles check a user, then against its scopes for
the route (``api.key_scopes``). A wrong key counts as a failed sign-in from the client address
(``fleet.signin_limits``, committed before the 401): past the
address's limit the answer is 429 with Retry-After, as for people.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from api.key_scopes import check_key_scope
from core.config import Settings
from core.errors import NotAuthenticated
from fleet import signin_limits
from fleet.api_keys import authenticate_key, looks_like_key
from fleet.auth import Principal, authenticate

API_PREFIX = "/api/v1"
bearer_scheme = OAuth2PasswordBearer(tokenUrl=f"{API_PREFIX}/auth/token", auto_error=False)
api_key_scheme = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="a machine client's API key (or send it as `Authorization: Bearer <key>`)",
)


async def identify(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    *,
    bearer: str | None,
    api_key: str | None,
) -> Principal:
    """The live principal behind the request's credentials, or 401 (429 past the limit)."""
    credential = api_key or bearer
    if not credential:
        raise NotAuthenticated("Not authenticated")
    if api_key is None and not looks_like_key(credential):
        return await authenticate(session, credential, settings)
    principal = await authenticate_key(session, credential, settings)
    if principal is None:
        await _count_failure(request, session, settings)
        raise NotAuthenticated("the API key is unknown or revoked")
    route = request.scope.get("route")
    template = str(getattr(route, "path", request.url.path)).removeprefix(API_PREFIX)
    check_key_scope(principal.scopes, template, request.method)
    return principal


async def _count_failure(request: Request, session: AsyncSession, settings: Settings) -> None:
    """Count a wrong key against the client address and commit it now (the request, which
    has done nothing else yet, then fails and rolls back)."""
    if request.client is None:
        return
    counter = signin_limits.Counter(
        signin_limits.ADDRESS, request.client.host, settings.login_max_failures_per_address
    )
    try:
        await signin_limits.take(session, [counter], settings.login_window_seconds)
    finally:
        await session.commit()
