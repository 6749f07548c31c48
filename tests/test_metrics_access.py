"""``/metrics`` is not public: Prometheus presents COOPFLEET_METRICS_TOKEN, a platform admin may
look; cooperative staff and strangers may not. It names workers, never their MQTT client ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import pytest_asyncio
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families
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


async def test_metrics_are_a_typed_exposition_even_with_quotes_in_labels(
    scraped: httpx.AsyncClient, session: AsyncSession
) -> None:
    """prometheus_client renders them: its content type, HELP and TYPE per family, and label
    values escaped (a quote in a worker's name or a reason no longer breaks the whole scrape)."""
    odd_worker, odd_reason = 'ingest "east" \\ 2', 'odd "reason"'
    await session.execute(
        text(
            "INSERT INTO ingest_workers (worker_id, started_at, updated_at, messages_received,"
            " positions_written, duplicates, backlog, latency_p99_ms)"
            " VALUES (:w, now(), to_timestamp(1800000000), 7, 5, 2, 3, 41.5)"
        ),
        {"w": odd_worker},
    )
    await session.execute(
        text(
            "INSERT INTO dead_letters (received_at, topic, payload, reason, detail)"
            " VALUES (now(), 't', '\\x00', :r, '')"
        ),
        {"r": odd_reason},
    )
    await session.commit()
    answer = await scraped.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.headers["content-type"] == CONTENT_TYPE_LATEST
    families = {family.name: family for family in text_string_to_metric_families(answer.text)}
    expected = {
        "coopfleet_ingest_messages_received": ("counter", 7.0),
        "coopfleet_ingest_positions_written": ("counter", 5.0),
        "coopfleet_ingest_duplicates": ("counter", 2.0),
        "coopfleet_ingest_backlog": ("gauge", 3.0),
        "coopfleet_ingest_latency_p99_ms": ("gauge", 41.5),
        "coopfleet_ingest_worker_last_seen_seconds": ("gauge", 1_800_000_000.0),
    }
    for name, (kind, value) in expected.items():
        assert families[name].type == kind
        assert families[name].documentation
        assert [s.value for s in families[name].samples if s.labels == {"worker": odd_worker}] == [
            value
        ]
    letters = families["coopfleet_dead_letters"]
    assert letters.type == "counter"
    assert [(s.name, s.value) for s in letters.samples if s.labels == {"reason": odd_reason}] == [
        ("coopfleet_dead_letters_total", 1.0)
    ]
