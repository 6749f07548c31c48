"""API keys: credentials for machine clients (a shipper's system, an accountant's, the union's).

An admin creates a key with a role (an office role: never a driver, never above an admin) and
scopes naming what it may touch; the key is shown once and stored as a keyed hash. A key acts in
the cooperative of the admin who created it and is recorded as theirs (``Tenant.user_id``): if
that account is disabled or removed, its keys stop working, as its sessions do.

Why HMAC-SHA256 and not Argon2: a key is 256 random bits, so no dictionary or brute force
reaches it and a slow hash would only slow every request (Argon2 costs ~0.1 s and a thread per
check). Keyed with a key derived from the installation secret, a leaked table alone does not even
let anyone test a candidate; the digest is looked up by a unique index, so checking a key is one
indexed read. Rotating the installation secret therefore invalidates every key (as it rotates
every device's MQTT password).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ARRAY, ForeignKey, String, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.audit import Actor, set_actor
from core.config import Settings
from core.db import Base
from core.errors import Conflict
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from fleet.auth import Principal
from fleet.enums import Role
from fleet.models import CoopOwned, User

KEY_PREFIX = "cfk_"
"""Every key starts with it: the edge tells a key from an access token, scanners find leaks."""
SHOWN_PREFIX_LENGTH = 12
LAST_USED_EVERY = timedelta(seconds=60)
"""``last_used_at`` is written at most this often per key: not one UPDATE per request."""

SCOPES: dict[str, str] = {
    "registry:read": "members, drivers, vehicles, papers, depots, zones, the cooperative",
    "registry:write": "create, change and delete them; speed limits",
    "positions:read": "latest positions, tracks, the vehicle panel",
    "journeys:read": "trips, stops, events, driving time, rollups, speed limits",
    "orders:read": "orders, their history and proof, suggestions, plans",
    "orders:write": "create and change orders, offers, plans",
    "reports:read": "director reports",
    "union:export": "the export for the cooperative union and the authorities",
    "audit:read": "the audit log (admin keys only)",
}
KEY_ROLES = (Role.ADMIN, Role.DISPATCHER, Role.DIRECTOR)


class ApiKey(CoopOwned, Base):
    """A machine client's credential; only its keyed digest is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    prefix: Mapped[str] = mapped_column(String(16))  # the key's first characters, to recognise it
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


@dataclass(frozen=True, slots=True)
class IssuedKey:
    row: ApiKey
    key: str  # shown once, never stored


def looks_like_key(credential: str) -> bool:
    return credential.startswith(KEY_PREFIX)


def digest(key: str, settings: Settings) -> str:
    """The stored form of a key: HMAC-SHA256 under a key derived from the installation secret."""
    hashing_key = hmac.new(settings.secret_key.encode(), b"coopfleet api keys", "sha256").digest()
    return hmac.new(hashing_key, key.encode(), hashlib.sha256).hexdigest()


async def create_key(
    session: AsyncSession,
    tenant: Tenant,
    *,
    name: str,
    role: Role,
    scopes: list[str],
    settings: Settings,
) -> IssuedKey:
    """A new key for the tenant's cooperative, owned by the admin creating it."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        cooperative_id=tenant.cooperative_id,
        user_id=tenant.user_id,
        name=name,
        role=role.value,
        scopes=sorted(set(scopes)),
        prefix=key[:SHOWN_PREFIX_LENGTH],
        key_hash=digest(key, settings),
    )
    session.add(row)
    await session.flush()
    return IssuedKey(row, key)


async def list_keys(session: AsyncSession, tenant: Tenant) -> list[ApiKey]:
    statement = scoped(select(ApiKey), tenant).order_by(ApiKey.id.desc())
    return list((await session.scalars(statement)).all())


async def revoke_key(session: AsyncSession, tenant: Tenant, key_id: int) -> ApiKey:
    """Revoke a key for good (409 when it already is)."""
    row = await get_scoped(session, ApiKey, key_id, tenant, what="API key")
    if row.revoked_at is not None:
        raise Conflict(f"API key {key_id} is already revoked", field="id")
    row.revoked_at = utcnow()
    await session.flush()
    return row


async def authenticate_key(session: AsyncSession, key: str, settings: Settings) -> Principal | None:
    """The principal a live key stands for; None for an unknown, revoked or orphaned key."""
    found = (
        await session.execute(
            select(ApiKey, User.is_active)
            .join(User, User.id == ApiKey.user_id)
            .where(ApiKey.key_hash == digest(key, settings))
        )
    ).first()
    if found is None:
        return None
    row, owner_active = found
    if row.revoked_at is not None or not owner_active:
        return None
    now = utcnow()
    if row.last_used_at is None or row.last_used_at < now - LAST_USED_EVERY:
        await session.execute(
            update(ApiKey)
            .where(ApiKey.id == row.id)
            .where((ApiKey.last_used_at.is_(None)) | (ApiKey.last_used_at < now - LAST_USED_EVERY))
            .values(last_used_at=now)
        )
    await set_actor(session, Actor(row.user_id, api_key_id=row.id))
    return Principal(
        user_id=row.user_id,
        session_id=f"key:{row.id}",
        role=Role(row.role),
        cooperative_id=row.cooperative_id,
        driver_id=None,
        api_key_id=row.id,
        scopes=frozenset(row.scopes),
    )
