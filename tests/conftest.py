"""Test harness: a throwaway PostGIS database built by ``alembic upgrade head``; every test runs
in an outer transaction that is rolled back, and talks to the real app through httpx."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from api.app import create_app
from core.config import Settings
from core.tenancy import Tenant
from devtools.throwaway import BASE_URL, admin_dsn, fresh_database
from fleet.auth import open_session
from fleet.models import Cooperative, User
from tests import factories
from tests.cluster_watch import postmaster_unchanged

# Slices of the suite (README, Development): the markers follow from what a test uses, so a new
# test lands in the right slice without anyone remembering to mark it.
SOLVER_TESTS = Path(__file__).parent / "solver"
MARKED_BY_FIXTURE = {
    "browser": "browser",  # Chromium driven by Playwright (tests/console)
    "broker": "broker",  # a private Mosquitto (tests/telematics, tests/console)
}


# Rough seconds a test takes by its slice (a test in several counts as its longest): enough to
# tell the fuzz sweep from a module of quick tests when ordering the modules below.
EXPECTED_S = {"fuzz": 100.0, "slow": 8.0, "browser": 3.0, "broker": 1.0, "solver": 0.5}
QUICK_S = 0.25


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``browser``/``broker`` for tests that use those fixtures, ``solver`` for tests/solver;
    planning tests elsewhere and ``slow`` ones carry module or test marks. Then the modules
    longest first."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for fixture, marker in MARKED_BY_FIXTURE.items():
            if fixture in used:
                item.add_marker(marker)
        if SOLVER_TESTS in item.path.parents:
            item.add_marker("solver")
    longest_modules_first(items)


def expected_s(item: pytest.Item) -> float:
    marked = [seconds for name, seconds in EXPECTED_S.items() if item.get_closest_marker(name)]
    return max(marked, default=QUICK_S)


def longest_modules_first(items: list[pytest.Item]) -> None:
    """Modules in order of their expected time, longest first, each module's tests in their
    own order. ``make test`` hands whole modules to its two processes in this order
    (``--dist loadscope --no-loadscope-reorder``), so the fuzz sweep starts first instead of
    last, alone, while the other process has nothing left to do (xdist's own order is by the
    number of tests, which puts a module of one long test at the end)."""
    weight: dict[Path, float] = {}
    first: dict[Path, int] = {}
    for index, item in enumerate(items):
        weight[item.path] = weight.get(item.path, 0.0) + expected_s(item)
        first.setdefault(item.path, index)
    items.sort(key=lambda item: (-weight[item.path], first[item.path]))


@pytest.fixture(scope="session", autouse=True)
def _machine_cluster_stays_up() -> Iterator[None]:
    """The machine's own PostgreSQL runs throughout the tests (others may be using it): the
    run fails at its end if it was stopped or restarted. Fault tests stop a private cluster."""
    with postmaster_unchanged(admin_dsn(BASE_URL)):
        yield


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh database for this test run, migrated from empty."""
    with fresh_database("coopfleet_test") as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The run's settings; stored files go to a folder of this run (not the checkout's
    var/storage, which two test processes under ``-n 2`` would otherwise write at once)."""
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key="test-secret-key-that-is-long-enough-for-hs256",
        storage_dir=str(tmp_path_factory.mktemp("storage")),
    )


@pytest_asyncio.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    # pre-ping: the resilience tests restart PostgreSQL under this pool
    engine = create_async_engine(settings.database_url, pool_size=5, pool_pre_ping=True)
    yield engine
    await engine.dispose()


@pytest_asyncio.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """The test's connection, inside an outer transaction rolled back at the end."""
    async with engine.connect() as conn:
        outer = await conn.begin()
        try:
            yield conn
        finally:
            await outer.rollback()


@pytest.fixture
def sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Sessions on the test connection; their commits only release savepoints."""
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        autoflush=False,
        join_transaction_mode="create_savepoint",
    )


@pytest_asyncio.fixture
async def session(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        yield session


@pytest_asyncio.fixture
async def client(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, engine)
    app.state.engine = engine
    app.state.session_factory = sessions
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


@dataclass
class Actor:
    """A signed-in user of a cooperative, with the headers to call the API as them."""

    user: User
    headers: dict[str, str]

    @property
    def tenant(self) -> Tenant:
        assert self.user.cooperative_id is not None
        return Tenant(self.user.cooperative_id, self.user.id, self.user.role, self.user.driver_id)


async def sign_in_as(session: AsyncSession, settings: Settings, user: User) -> Actor:
    tokens = await open_session(session, user, None, settings)
    await session.commit()
    return Actor(user, {"Authorization": f"Bearer {tokens.access_token}"})


@dataclass
class CoopWorld:
    """One cooperative with a user of each role (the driver has a driver record)."""

    coop: Cooperative
    admin: Actor
    dispatcher: Actor
    director: Actor
    driver: Actor

    def by_role(self, role: str) -> Actor:
        actor: Actor = getattr(self, role)
        return actor


async def make_world(session: AsyncSession, settings: Settings, name: str) -> CoopWorld:
    coop = await factories.make_coop(session, name=name)
    driver_record = await factories.make_driver(session, coop)
    actors = {}
    for role in ("admin", "dispatcher", "director", "driver"):
        user = await factories.make_user(
            session, coop, role=role, driver=driver_record if role == "driver" else None
        )
        actors[role] = await sign_in_as(session, settings, user)
    return CoopWorld(coop=coop, **actors)


@pytest_asyncio.fixture
async def coop_a(session: AsyncSession, settings: Settings) -> CoopWorld:
    return await make_world(session, settings, "HTX Vận tải Biên Hòa")


@pytest_asyncio.fixture
async def coop_b(session: AsyncSession, settings: Settings) -> CoopWorld:
    return await make_world(session, settings, "HTX Vận tải Long Thành")
