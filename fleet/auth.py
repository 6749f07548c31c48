"""Sign-in, token issue and refresh, sign-out, and resolving an access token to a principal.

Access tokens are short-lived JWTs naming a session; each request checks that session is live and
the user active, so sign-out and disabling a user take effect at once. Refresh tokens are opaque
(``<session id>.<secret>``), stored hashed and rotated on every use; replaying an old one revokes
the session (it was stolen or copied).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.errors import NotAuthenticated, TooManyRequests
from core.tenancy import Tenant
from core.timeutil import utcnow
from fleet.enums import Role
from fleet.models import AuthSession, LoginFailure, User
from fleet.passwords import verify_password

_ALGORITHM = "HS256"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: int
    session_id: str
    role: Role
    cooperative_id: int | None
    driver_id: int | None

    @property
    def tenant(self) -> Tenant | None:
        if self.cooperative_id is None:
            return None
        return Tenant(self.cooperative_id, self.user_id, self.role.value, self.driver_id)


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _access_token(user: User, session_id: str, settings: Settings) -> tuple[str, int]:
    lifetime = settings.access_token_minutes * 60
    now = utcnow()
    claims = {
        "sub": str(user.id),
        "sid": session_id,
        "role": user.role,
        "coop": user.cooperative_id,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime),
        "typ": "access",
    }
    return jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM), lifetime


async def _check_rate_limit(session: AsyncSession, login: str, settings: Settings) -> None:
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    failures = await session.scalar(
        select(func.count()).where(LoginFailure.login == login, LoginFailure.at >= since)
    )
    if (failures or 0) >= settings.login_max_failures:
        raise TooManyRequests(
            f"too many failed sign-ins; try again in {settings.login_window_seconds // 60} minutes",
            field="username",
            retry_after=settings.login_window_seconds,
        )


async def record_failure(session: AsyncSession, login: str, ip: str | None) -> None:
    """Remember a failed sign-in; the caller commits it even though the request fails."""
    session.add(LoginFailure(login=login, ip=ip))
    await session.flush()


async def sign_in(
    session: AsyncSession,
    *,
    login: str,
    password: str,
    device_id: str | None,
    ip: str | None,
    settings: Settings,
) -> IssuedTokens | None:
    """Check credentials and open a session; None means wrong credentials (already recorded)."""
    login = login.strip().lower()
    await _check_rate_limit(session, login, settings)
    user = await session.scalar(select(User).where(func.lower(User.login) == login))
    if user is None or not _credentials_match(user, password) or not user.is_active:
        if user is None:
            verify_password(None, password)
        await record_failure(session, login, ip)
        return None
    await session.execute(delete(LoginFailure).where(LoginFailure.login == login))
    return await open_session(session, user, device_id, settings)


def _credentials_match(user: User, secret: str) -> bool:
    """The password, or for a driver who set one, the PIN (same rate limit, same failures)."""
    if verify_password(user.password_hash, secret):
        return True
    return user.pin_hash is not None and verify_password(user.pin_hash, secret)


async def open_session(
    session: AsyncSession, user: User, device_id: str | None, settings: Settings
) -> IssuedTokens:
    session_id = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            id=session_id,
            user_id=user.id,
            device_id=device_id,
            refresh_hash=_digest(secret),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.flush()
    access, lifetime = _access_token(user, session_id, settings)
    return IssuedTokens(access, f"{session_id}.{secret}", lifetime)


async def refresh(session: AsyncSession, refresh_token: str, settings: Settings) -> IssuedTokens:
    """Rotate a refresh token into a new pair. A replayed old token revokes its session."""
    session_id, _, secret = refresh_token.partition(".")
    row = await session.get(AuthSession, session_id, with_for_update=True)
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise NotAuthenticated("refresh token is invalid or expired", field="refresh_token")
    if not hmac.compare_digest(row.refresh_hash, _digest(secret)):
        row.revoked_at = now
        await session.flush()
        raise NotAuthenticated(
            "refresh token was already used; the session is closed", field="refresh_token"
        )
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("account is disabled", field="refresh_token")
    new_secret = secrets.token_urlsafe(32)
    row.refresh_hash = _digest(new_secret)
    row.last_used_at = now
    await session.flush()
    access, lifetime = _access_token(user, session_id, settings)
    return IssuedTokens(access, f"{session_id}.{new_secret}", lifetime)


async def sign_out(session: AsyncSession, principal: Principal, *, everywhere: bool) -> int:
    """Revoke this session, or every session of the user; returns how many were revoked."""
    statement = update(AuthSession).where(
        AuthSession.user_id == principal.user_id, AuthSession.revoked_at.is_(None)
    )
    if not everywhere:
        statement = statement.where(AuthSession.id == principal.session_id)
    result = await session.execute(statement.values(revoked_at=utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


async def revoke_all_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def authenticate(session: AsyncSession, token: str, settings: Settings) -> Principal:
    """Resolve a bearer access token to a live principal or raise NotAuthenticated."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[_ALGORITHM])
    except jwt.ExpiredSignatureError as exc:
        raise NotAuthenticated("access token expired; refresh it") from exc
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("access token is invalid") from exc
    if claims.get("typ") != "access":
        raise NotAuthenticated("not an access token")
    found = (
        await session.execute(
            select(User, AuthSession.revoked_at)
            .join(AuthSession, AuthSession.user_id == User.id)
            .where(AuthSession.id == claims.get("sid"), User.id == int(claims.get("sub", 0)))
        )
    ).first()
    if found is None:
        raise NotAuthenticated("session not found")
    user, revoked_at = found
    if revoked_at is not None:
        raise NotAuthenticated("signed out; sign in again")
    if not user.is_active:
        raise NotAuthenticated("account is disabled")
    return Principal(
        user_id=user.id,
        session_id=str(claims["sid"]),
        role=Role(user.role),
        cooperative_id=user.cooperative_id,
        driver_id=user.driver_id,
    )
