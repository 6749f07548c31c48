"""``Idempotency-Key``: a retried mutating request answers what the first one did, once."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Header
from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import StateConflict
from core.idempotency import IdempotentAnswer
from core.tenancy import Tenant
from fleet.registry import flush_or_raise

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=128,
        description="any unique string per action; a retry with the same key applies once",
    ),
]


async def once(
    session: AsyncSession,
    tenant: Tenant,
    key: str | None,
    request: dict[str, Any],
    produce: Callable[[], Awaitable[Any]],
) -> Any:
    """Run ``produce`` once per (user, key); the answer is stored in the same transaction as
    the change, so either both exist or neither."""
    if key is None:
        return await produce()
    fingerprint = hashlib.sha256(
        json.dumps(jsonable_encoder(request), sort_keys=True).encode()
    ).hexdigest()
    found = await session.get(IdempotentAnswer, (tenant.user_id, key))
    if found is not None:
        if found.fingerprint != fingerprint:
            raise StateConflict(
                "this Idempotency-Key was used for another request", field="Idempotency-Key"
            )
        return found.body
    body = jsonable_encoder(await produce())
    session.add(
        IdempotentAnswer(
            user_id=tenant.user_id, key=key, fingerprint=fingerprint, status=200, body=body
        )
    )
    await flush_or_raise(session, "request with this Idempotency-Key")
    return body
