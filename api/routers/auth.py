"""Sign-in (OAuth2 password flow), token refresh, sign-out and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from api.deps import PrincipalDep, SessionDep, SettingsDep
from core.errors import NotAuthenticated
from fleet import auth
from fleet.models import User
from fleet.schemas import PasswordChange, RefreshRequest, TokenPair, UserRead
from fleet.users import change_own_password

router = APIRouter(prefix="/auth", tags=["auth"])


def _pair(tokens: auth.IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
    )


@router.post("/token", response_model=TokenPair, summary="Sign in")
async def sign_in(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    device_id: Annotated[str | None, Form(max_length=128)] = None,
) -> TokenPair:
    """Exchange a login (e-mail or phone) and password for an access and a refresh token.

    Failed attempts are counted per login; past the limit the answer is 429 with Retry-After.
    """
    ip = request.client.host if request.client else None
    tokens = await auth.sign_in(
        session,
        login=form.username,
        password=form.password,
        device_id=device_id,
        ip=ip,
        settings=settings,
    )
    if tokens is None:
        await session.commit()  # keep the failure on record for rate limiting
        raise NotAuthenticated("wrong login or password", field="username")
    return _pair(tokens)


@router.post("/refresh", response_model=TokenPair, summary="Refresh tokens")
async def refresh(data: RefreshRequest, session: SessionDep, settings: SettingsDep) -> TokenPair:
    """Trade a refresh token for a new pair; the old refresh token stops working."""
    try:
        tokens = await auth.refresh(session, data.refresh_token, settings)
    except NotAuthenticated:
        await session.commit()  # a replayed token revokes its session: keep that
        raise
    return _pair(tokens)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
async def logout(principal: PrincipalDep, session: SessionDep, everywhere: bool = False) -> None:
    """End this session (or, with ``everywhere=true``, every session of the account)."""
    await auth.sign_out(session, principal, everywhere=everywhere)


@router.get("/me", response_model=UserRead, summary="Who am I")
async def me(principal: PrincipalDep, session: SessionDep) -> User | None:
    """The signed-in account."""
    return await session.get(User, principal.user_id)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, summary="Change my password")
async def change_password(
    data: PasswordChange, principal: PrincipalDep, session: SessionDep
) -> None:
    """Change the caller's password; every session of the account is signed out."""
    await change_own_password(session, principal.user_id, data)
