"""Sign-in (OAuth2 password flow), token refresh, sign-out and the caller's own account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status

from api.deps import SessionDep, SettingsDep, oauth2_scheme
from api.forms import SignInForm
from core.errors import DomainError, NotAuthenticated
from fleet import auth
from fleet.models import User
from fleet.schemas import PasswordChange, RefreshRequest, TokenPair, UserRead
from fleet.users import change_own_password

router = APIRouter(prefix="/auth", tags=["auth"])


async def _signed_in(
    token: Annotated[str, Depends(oauth2_scheme)], session: SessionDep, settings: SettingsDep
) -> auth.Principal:
    """The caller, even one who must change their password first (these routes let them)."""
    return await auth.authenticate(session, token, settings, password_change_ok=True)


SignedInDep = Annotated[auth.Principal, Depends(_signed_in)]


def _pair(tokens: auth.IssuedTokens) -> TokenPair:
    return TokenPair(
        access_token=tokens.access_token,
        refresh_token=tokens.refresh_token,
        expires_in=tokens.expires_in,
        must_change_password=tokens.must_change_password,
        device_token=tokens.device_token,
    )


@router.post("/token", response_model=TokenPair, summary="Sign in")
async def sign_in(
    form: Annotated[SignInForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    device_id: Annotated[str | None, Form(max_length=128)] = None,
    device_token: Annotated[str | None, Form(max_length=1000)] = None,
    cooperative_id: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None,
) -> TokenPair:
    """Exchange a login (e-mail or phone) and password for an access and a refresh token.

    Failed attempts are counted per login and per client address; past a limit the answer is
    429 with Retry-After. The answer carries a ``device_token``: send it back on later sign-ins
    from this device, which are then limited by this device's own failures only (someone
    guessing at the login cannot lock it out), and a driver's PIN works there. The client
    address is the connection's (X-Forwarded-For only from COOPFLEET_TRUSTED_PROXIES). Logins
    are unique per cooperative: the password tells the accounts apart; if it opens accounts in
    several, the answer is 400 on ``cooperative_id`` and the caller sends that field.
    """
    attempt = await auth.begin_sign_in(
        session,
        login=form.username,
        ip=request.client.host if request.client else None,
        device_token=device_token,
        cooperative_id=cooperative_id,
        settings=settings,
    )
    await session.commit()  # the attempt counts before the password is checked, even if we die
    try:
        tokens = await auth.finish_sign_in(
            session, attempt, password=form.password, device_id=device_id, settings=settings
        )
    except DomainError:
        await session.commit()  # a correct password gave its attempt back: keep that
        raise
    if tokens is None:
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
async def logout(principal: SignedInDep, session: SessionDep, everywhere: bool = False) -> None:
    """End this session (or, with ``everywhere=true``, every session of the account)."""
    await auth.sign_out(session, principal, everywhere=everywhere)


@router.get("/me", response_model=UserRead, summary="Who am I")
async def me(principal: SignedInDep, session: SessionDep) -> User | None:
    """The signed-in account."""
    return await session.get(User, principal.user_id)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, summary="Change my password")
async def change_password(
    data: PasswordChange, principal: SignedInDep, session: SessionDep, settings: SettingsDep
) -> None:
    """Change the caller's password (required first when someone else set it); every session of
    the account is signed out."""
    await change_own_password(session, principal.user_id, data, settings)
