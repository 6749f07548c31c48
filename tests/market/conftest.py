"""The market tests' client with tight limits (2 per window), to reach the 429s."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.config import Settings


@pytest_asyncio.fixture
async def strict_client(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        settings.model_copy(
            update={
                "market_quotes_per_address": 2,
                "market_signups_per_address": 2,
                "market_limit_window_seconds": 900,
            }
        ),
        engine,
    )
    app.state.engine = engine
    app.state.session_factory = sessions
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http
