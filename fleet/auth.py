"""Sign-in, token issue and refresh, sign-out, and resolving an access token to a principal.

Access tokens are short-lived JWTs naming a session; each request checks that session is live and
the user active, so sign-out and disabling a user take effect at once. Refresh tokens are opaque
(``<session id>.<secret>``), stored hashed and rotated on every use; replaying an old one revokes
the session (it was stolen or copied), while a token that never belonged to it changes nothing.

Sign-in is two steps so the edge can commit between them: ``begin_sign_in`` counts the attempt
(fleet.signin_limits) and ``finish_sign_in`` checks the password off the event loop. A device that
once signed in holds a *device token* (a signed ``{user, device key}``); its sign-ins are limited
by that device's own failures, not by the login's, so guessing at someone's login cannot lock
their phone out. A driver's PIN works only on the device that set it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.audit import Actor, set_actor
from core.config import Settings
from core.errors import Forbidden, InvalidInput, NotAuthenticated
from core.tenancy import Tenant
from core.timeutil import utcnow
from fleet import signin_limits
from fleet.enums import Role
from fleet.models import AuthSession, User
from fleet.passwords import verify_password_async
from fleet.signin_limits import Counter

_ALGORITHM = "HS256"
_ROTATED_KEPT = 10
"""Refresh tokens of a session remembered after rotation, to tell a replay from garbage."""


class PasswordChangeRequired(Forbidden):
    """The password was set by someone else: only /auth/password, /auth/me, /auth/logout."""

    code = "password_change_required"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    user_id: int
    session_id: str
    role: Role
    cooperative_id: int | None
    driver_id: int | None
    member_id: int | None = None
    api_key_id: int | None = None  # a machine client's key (fleet.api_keys), acting for user_id
    scopes: frozenset[str] = frozenset()  # what that key may touch; users: their role decides

    @property
    def tenant(self) -> Tenant | None:
        if self.cooperative_id is None:
            return None
        return Tenant(
            self.cooperative_id, self.user_id, self.role.value, self.driver_id, self.member_id
        )


@dataclass(frozen=True, slots=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    expires_in: int
    must_change_password: bool = False
    device_token: str | None = None  # only on sign-in: the client keeps it and sends it back


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


def _device_token(user_id: int, device_key: str, settings: Settings) -> str:
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "dev": device_key,
        "iat": now,
        "exp": now + timedelta(days=settings.known_device_days),
        "typ": "device",
    }
    return jwt.encode(claims, settings.secret_key, algorithm=_ALGORITHM)


def _known_device(device_token: str | None, settings: Settings) -> tuple[int, str] | None:
    """(user id, device key) of a valid device token; None for none, expired or forged."""
    if not device_token:
        return None
    try:
        claims = jwt.decode(device_token, settings.secret_key, algorithms=[_ALGORITHM])
        if claims.get("typ") != "device":
            return None
        return int(claims["sub"]), str(claims["dev"])
    except (jwt.PyJWTError, KeyError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An account the login names, as plain values (the session is committed in between)."""

    user_id: int
    password_hash: str
    pin_hash: str | None  # only when the PIN may be used: on the device that set it
    is_active: bool


@dataclass(frozen=True, slots=True)
class SignInAttempt:
    """A counted attempt, waiting for its password check."""

    candidates: tuple[_Candidate, ...]
    device_key: str | None
    counters: tuple[Counter, ...]
    window: datetime


async def begin_sign_in(
    session: AsyncSession,
    *,
    login: str,
    ip: str | None,
    device_token: str | None,
    cooperative_id: int | None,
    settings: Settings,
) -> SignInAttempt:
    """Find the accounts and count the attempt; TooManyRequests when a limit is reached.

    A valid device token of one of the accounts narrows the sign-in to it and counts against
    that device only; otherwise the attempt counts against the login and the client address.
    The caller commits right after, before any password is checked.
    """
    login = login.strip().lower()
    statement = select(User).where(User.login == login).order_by(User.id).limit(10)
    if cooperative_id is not None:
        statement = statement.where(User.cooperative_id == cooperative_id)
    users = list((await session.scalars(statement)).all())
    device = _known_device(device_token, settings)
    device_key: str | None = None
    if device is not None and any(user.id == device[0] for user in users):
        device_key = device[1]
        users = [user for user in users if user.id == device[0]]
        counters = [Counter(signin_limits.DEVICE, device_key, settings.login_max_failures)]
    else:
        counters = [Counter(signin_limits.LOGIN, login, settings.login_max_failures)]
        if ip:
            counters.append(
                Counter(signin_limits.ADDRESS, ip, settings.login_max_failures_per_address)
            )
    candidates = tuple(
        _Candidate(
            user_id=user.id,
            password_hash=user.password_hash,
            pin_hash=user.pin_hash if device_key and user.pin_device == device_key else None,
            is_active=user.is_active,
        )
        for user in users
    )
    window = await signin_limits.take(session, counters, settings.login_window_seconds)
    return SignInAttempt(candidates, device_key, tuple(counters), window)


async def finish_sign_in(
    session: AsyncSession,
    attempt: SignInAttempt,
    *,
    password: str,
    device_id: str | None,
    settings: Settings,
) -> IssuedTokens | None:
    """Check the password (or, on its device, the PIN) and open a session; None means wrong
    credentials, left counted. A login and password that open accounts in several cooperatives
    need ``cooperative_id``."""
    threads = settings.password_hash_threads
    if not attempt.candidates:
        await verify_password_async(None, password, threads=threads)
    matched = [
        candidate
        for candidate in attempt.candidates
        if await _credentials_match(candidate, password, threads)
    ]
    active = [candidate for candidate in matched if candidate.is_active]
    if not active:
        return None
    await signin_limits.give_back(session, attempt.counters, attempt.window)
    if len(active) > 1:
        raise InvalidInput(
            "this login and password open accounts in several cooperatives; choose one",
            field="cooperative_id",
            cooperative_ids=sorted(await _cooperatives_of(session, active)),
        )
    user = await session.get(User, active[0].user_id)
    assert user is not None
    device_key = attempt.device_key or secrets.token_hex(16)
    tokens = await open_session(session, user, device_id, settings, device_key=device_key)
    return IssuedTokens(
        tokens.access_token,
        tokens.refresh_token,
        tokens.expires_in,
        must_change_password=user.must_change_password,
        device_token=_device_token(user.id, device_key, settings),
    )


async def _credentials_match(candidate: _Candidate, secret: str, threads: int) -> bool:
    """The password, or the PIN where it may be used (same limits, same failures)."""
    if await verify_password_async(candidate.password_hash, secret, threads=threads):
        return True
    return candidate.pin_hash is not None and await verify_password_async(
        candidate.pin_hash, secret, threads=threads
    )


async def _cooperatives_of(session: AsyncSession, candidates: list[_Candidate]) -> list[int]:
    ids = [candidate.user_id for candidate in candidates]
    rows = await session.scalars(select(User.cooperative_id).where(User.id.in_(ids)))
    return [coop for coop in rows if coop is not None]


async def open_session(
    session: AsyncSession,
    user: User,
    device_id: str | None,
    settings: Settings,
    *,
    device_key: str | None = None,
) -> IssuedTokens:
    session_id = secrets.token_hex(16)
    secret = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            id=session_id,
            user_id=user.id,
            device_id=device_id,
            device_key=device_key,
            refresh_hash=_digest(secret),
            expires_at=utcnow() + timedelta(days=settings.refresh_token_days),
        )
    )
    await session.flush()
    access, lifetime = _access_token(user, session_id, settings)
    return IssuedTokens(access, f"{session_id}.{secret}", lifetime)


async def refresh(session: AsyncSession, refresh_token: str, settings: Settings) -> IssuedTokens:
    """Rotate a refresh token into a new pair.

    Presenting one of the session's earlier (rotated) tokens is a replay: someone copied it, so
    the session is revoked. Anything else that does not match (a guess, garbage sent with the
    session id an access token names) is refused and changes nothing.
    """
    session_id, _, secret = refresh_token.partition(".")
    row = await session.get(AuthSession, session_id[:32], with_for_update=True)
    now = utcnow()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        raise NotAuthenticated("refresh token is invalid or expired", field="refresh_token")
    digest = _digest(secret)
    if not hmac.compare_digest(row.refresh_hash, digest):
        if any(hmac.compare_digest(old, digest) for old in row.rotated_hashes):
            row.revoked_at = now
            await session.flush()
            raise NotAuthenticated(
                "refresh token was already used; the session is closed", field="refresh_token"
            )
        raise NotAuthenticated("refresh token is invalid or expired", field="refresh_token")
    user = await session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("account is disabled", field="refresh_token")
    new_secret = secrets.token_urlsafe(32)
    row.rotated_hashes = [row.refresh_hash, *row.rotated_hashes][:_ROTATED_KEPT]
    row.refresh_hash = _digest(new_secret)
    row.last_used_at = now
    await session.flush()
    access, lifetime = _access_token(user, session_id, settings)
    return IssuedTokens(
        access,
        f"{session_id}.{new_secret}",
        lifetime,
        must_change_password=user.must_change_password,
    )


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
    """Sign the user out everywhere (password reset or change, disabling, a role change)."""
    await session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def authenticate(
    session: AsyncSession, token: str, settings: Settings, *, password_change_ok: bool = False
) -> Principal:
    """Resolve a bearer access token to a live principal or raise NotAuthenticated.

    An account that must change its password gets PasswordChangeRequired (403) everywhere but
    where ``password_change_ok`` (changing it, reading itself, signing out).
    """
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
    if user.must_change_password and not password_change_ok:
        raise PasswordChangeRequired(
            "your password was set by someone else; change it first (POST /api/v1/auth/password)"
        )
    await set_actor(session, Actor(user.id))  # the audit log's "who" for this transaction
    return Principal(
        user_id=user.id,
        session_id=str(claims["sid"]),
        role=Role(user.role),
        cooperative_id=user.cooperative_id,
        driver_id=user.driver_id,
        member_id=user.member_id,
    )
