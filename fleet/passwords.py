"""Password hashing with Argon2id (argon2-cffi's defaults), off the event loop.

One Argon2 call takes 0.1-0.4 s of CPU and 64 MiB. Run on the event loop it stalls every request
of the process; run in unbounded threads a flood of sign-ins takes every worker thread and all
the memory. So the async functions run it in a thread behind a per-process limiter
(``COOPFLEET_PASSWORD_HASH_THREADS``): a flood queues there while other requests go on.
"""

from __future__ import annotations

import asyncio
import weakref

import anyio
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verified against when the login is unknown, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")

# A limiter belongs to one event loop; tests run several loops in one process.
_limiters: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _limiter(threads: int) -> anyio.CapacityLimiter:
    loop = asyncio.get_running_loop()
    limiter = _limiters.get(loop)
    if limiter is None:
        limiter = _limiters[loop] = anyio.CapacityLimiter(threads)
    elif limiter.total_tokens != threads:
        limiter.total_tokens = threads
    return limiter


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str, *, threads: int) -> str:
    """``hash_password`` in a worker thread, at most ``threads`` at once in this process."""
    return await anyio.to_thread.run_sync(hash_password, password, limiter=_limiter(threads))


async def verify_password_async(password_hash: str | None, password: str, *, threads: int) -> bool:
    """``verify_password`` in a worker thread, at most ``threads`` at once in this process (None:
    verified against a dummy hash, so an unknown login costs the same)."""
    return await anyio.to_thread.run_sync(
        verify_password, password_hash, password, limiter=_limiter(threads)
    )
