"""Wait on a condition, never on the clock.

A fixed sleep is too long on an idle machine and too short on a loaded one (the suite runs on two
cores shared with other work, and in two processes under ``-n 2``). These helpers poll a
predicate until it holds and fail, naming what was awaited, once the deadline passes: a test
that waits this way is as quick as the system under test and can still fail.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

T = TypeVar("T")

POLL_S = 0.05
TIMEOUT_S = 10.0
# An app served in a thread of a test process: its start-up (gc.collect over the process's
# heap, the LISTEN connection) took more than 10 s here under -n 2 on a loaded machine.
SERVER_START_S = 30.0


def _expired(timeout: float, what: str, predicate: object) -> AssertionError:
    return AssertionError(f"still not true after {timeout} s: {what or predicate!r}")


def wait_until(
    predicate: Callable[[], T | None], timeout: float = TIMEOUT_S, *, what: str = ""
) -> T:
    """Call ``predicate`` every ``POLL_S`` until it returns something truthy, and return that;
    AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _expired(timeout, what, predicate)
        time.sleep(POLL_S)


@overload
async def wait_until_async(
    predicate: Callable[[], Awaitable[T | None]],
    timeout: float = ...,  # noqa: ASYNC109 (a deadline between polls, not a cancellation)
    *,
    what: str = ...,
) -> T: ...


@overload
async def wait_until_async(
    predicate: Callable[[], T | None],
    timeout: float = ...,  # noqa: ASYNC109
    *,
    what: str = ...,
) -> T: ...


async def wait_until_async(
    predicate: Callable[[], Any],
    timeout: float = TIMEOUT_S,  # noqa: ASYNC109
    *,
    what: str = "",
) -> Any:
    """``wait_until`` inside the event loop: the predicate may be a coroutine function (one
    HTTP call per poll, say), and the loop keeps running between polls."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() >= deadline:
            raise _expired(timeout, what, predicate)
        await asyncio.sleep(POLL_S)
