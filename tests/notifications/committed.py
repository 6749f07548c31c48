"""A cooperative committed outside any test transaction, for the tests where ``coopfleet
notify`` runs as its own process and reads what the API wrote."""

from __future__ import annotations

import random
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import psycopg
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from devtools.apps import committed_app, committed_bearer, order_body
from devtools.notify_fakes import start_notify

V1 = "/api/v1"


@dataclass
class World:
    cooperative_id: int
    driver_id: int
    admin: dict[str, str]
    driver: dict[str, str]
    api: httpx.AsyncClient

    async def new_order(self, reference: str) -> int:
        made = await self.api.post(f"{V1}/orders", json=order_body(reference), headers=self.admin)
        assert made.status_code == 201, made.text
        order_id: int = made.json()["id"]
        return order_id

    async def step(self, order_id: int, status: str) -> None:
        moved = await self.api.post(
            f"{V1}/orders/{order_id}/transitions", json={"status": status}, headers=self.admin
        )
        assert moved.status_code == 200, moved.text


def open_settings(settings: Settings) -> Settings:
    """The tests' receivers listen on 127.0.0.1: the installation allows it explicitly."""
    return settings.model_copy(update={"webhooks_allow_private": True})


@asynccontextmanager
async def world(settings: Settings, engine: AsyncEngine) -> AsyncIterator[World]:
    tag = random.randrange(10**9)
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES (%s, %s) RETURNING id",
            (f"HTX thông báo {tag}", f"39{tag:09d}"[:13]),
        ).fetchone()[0]  # type: ignore[index]
        driver = conn.execute(
            "INSERT INTO drivers (cooperative_id, full_name, phone, licence_number,"
            " licence_class, licence_expiry) VALUES (%s, 'Tài xế Bình', '0912000111',"
            " 'KH000111', 'C', '2030-01-01') RETURNING id",
            (coop,),
        ).fetchone()[0]  # type: ignore[index]
    admin = await committed_bearer(
        engine, settings, cooperative_id=coop, role="admin", login=f"admin{tag}@htx.vn"
    )
    driver_headers = await committed_bearer(
        engine, settings, cooperative_id=coop, role="driver", login=f"09{tag:08d}"[:10],
        driver_id=driver,
    )  # fmt: skip
    transport = httpx.ASGITransport(app=committed_app(open_settings(settings), engine))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
        yield World(coop, driver, admin, driver_headers, api)


def outbox_empty(settings: Settings) -> bool:
    with psycopg.connect(settings.sync_database_url) as conn:
        return conn.execute("SELECT count(*) FROM notification_outbox").fetchone() == (0,)


@asynccontextmanager
async def notify_process(settings: Settings, **overrides: str) -> AsyncIterator[None]:
    """``coopfleet notify`` on the test database, loopback targets allowed, quick retries."""
    values = {
        "environment": "test",
        "webhooks_allow_private": "true",
        "notify_poll_seconds": "0.05",
        "notify_retry_base_seconds": "0.2",
        "notify_retry_max_seconds": "0.5",
        **overrides,
    }
    process = start_notify(settings.database_url, settings.secret_key, **values)
    try:
        yield
    finally:
        stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)
    assert process.returncode == 0 or process.returncode == -15, process.returncode
