"""The app and its callers on committed data, for tests and benchmarks whose workers, servers
or streams use connections of their own (so nothing may sit in an uncommitted test transaction).
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from core.config import Settings
from core.db import session_factory
from fleet.auth import open_session
from fleet.models import User
from routing.schemas import _EXAMPLE


def committed_app(settings: Settings, engine: AsyncEngine) -> FastAPI:
    """The app on committed data: each request commits in its own session."""
    app = create_app(settings, engine)
    app.state.engine, app.state.session_factory = engine, session_factory(engine)
    return app


async def committed_bearer(
    engine: AsyncEngine,
    settings: Settings,
    *,
    cooperative_id: int,
    role: str,
    login: str,
    driver_id: int | None = None,
    device_id: str | None = None,
) -> dict[str, str]:
    """A user committed outside any test transaction, and the headers to call the API as them."""
    async with session_factory(engine)() as session:
        user = User(
            cooperative_id=cooperative_id,
            login=login,
            full_name=login,
            role=role,
            password_hash="x",
            driver_id=driver_id,
        )
        session.add(user)
        await session.flush()
        tokens = await open_session(session, user, device_id, settings)
        await session.commit()
    return {"Authorization": f"Bearer {tokens.access_token}"}


def order_body(reference: str = "DH-1") -> dict[str, Any]:
    """The documented example order (OpenAPI), under its own reference."""
    body = deepcopy(_EXAMPLE)
    body["reference"] = reference
    return body
