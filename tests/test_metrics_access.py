"""``/metrics`` is not public: Prometheus presents COOPFLEET_METRICS_TOKEN, a platform admin may
look; cooperative staff and strangers may not. It names workers, never their MQTT client ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.config import Settings
from telematics.worker import config_from_settings
from tests import factories
from tests.conftest import CoopWorld, sign_in_as

TOKEN = "scrape-" + "t" * 32


@pytest_asyncio.fixture
async def scraped(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a metrics token configured, on the test's transaction."""
    app = create_app(settings.model_copy(update={"metrics_token": TOKEN}), engine)
    app.state.engine, app.state.session_factory = engine, sessions
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def test_prometheus_reads_metrics_with_its_token(scraped: httpx.AsyncClient) -> None:
    answer = await scraped.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert "coopfleet_dead_letters_total" in answer.text


@pytest.mark.parametrize("token", [None, "wrong-" + "t" * 32])
async def test_strangers_are_refused(scraped: httpx.AsyncClient, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = await scraped.get("/metrics", headers=headers)
    assert answer.status_code == 401
    assert "coopfleet_" not in answer.text


@pytest.mark.parametrize("role", ["admin", "dispatcher", "director", "driver"])
async def test_cooperative_staff_are_refused(
    scraped: httpx.AsyncClient, coop_a: CoopWorld, role: str
) -> None:
    answer = await scraped.get("/metrics", headers=coop_a.by_role(role).headers)
    assert answer.status_code == 403
    assert answer.json()["error"] == "forbidden"


async def test_a_platform_admin_may_look_even_without_a_token_configured(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    assert settings.metrics_token is None
    platform = await sign_in_as(
        session, settings, await factories.make_user(session, None, role="platform_admin")
    )
    assert (await client.get("/metrics")).status_code == 401
    answer = await client.get("/metrics", headers=platform.headers)
    assert answer.status_code == 200


async def test_metrics_name_workers_not_their_mqtt_client_ids(
    scraped: httpx.AsyncClient, session: AsyncSession, settings: Settings
) -> None:
    config = config_from_settings(settings, worker_id="ingest-metrics-test")
    await session.execute(
        text(
            "INSERT INTO ingest_workers (worker_id, started_at, updated_at)"
            " VALUES (:w, now(), now())"
        ),
        {"w": config.worker_id},
    )
    await session.commit()
    body = (await scraped.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text
    assert 'worker="ingest-metrics-test"' in body
    assert config.mqtt_client_id != config.worker_id
    assert config.mqtt_client_id not in body
