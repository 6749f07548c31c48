"""What every job of one worker process shares: settings, database sessions, travel tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.config import Settings
from core.db import create_engine_from_settings, session_factory
from routing.matrix import CachedTables


@dataclass
class Runtime:
    """Built when the worker starts (never at import) and disposed when it stops."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    tables: CachedTables = field(default_factory=CachedTables)  # re-planning the same places

    @classmethod
    def open(cls, settings: Settings) -> Runtime:
        engine = create_engine_from_settings(settings)
        return cls(settings, engine, session_factory(engine))

    async def close(self) -> None:
        await self.engine.dispose()
