"""Security headers on every page, download and API answer (issue 21, item 8)."""

from __future__ import annotations

import re

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.security_headers import tile_source
from core.config import Settings

PAGES = ("/console/", "/console/login", "/console/fleet", "/console/reports")


def _common(answer: httpx.Response) -> str:
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "strict-origin"
    policy = answer.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    return policy


async def test_console_pages_have_a_strict_policy(client: httpx.AsyncClient) -> None:
    for path in PAGES:
        page = await client.get(path)
        assert page.status_code == 200, path
        policy = _common(page)
        assert "script-src 'self';" in policy and "style-src 'self';" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        # what the policy would block must not be on the page: inline scripts, style attributes
        scripts = re.findall(r"<script([^>]*)>", page.text)
        assert all("src=" in s or 'type="application/json"' in s for s in scripts), path
        assert " style=" not in page.text and "<style" not in page.text, path


async def test_api_answers_and_downloads_are_locked(client: httpx.AsyncClient) -> None:
    refused = await client.get("/api/v1/orders")
    assert refused.status_code == 401
    assert _common(refused).startswith("default-src 'none'")
    script = await client.get("/console/static/common.js")
    assert script.status_code == 200 and script.headers["x-content-type-options"] == "nosniff"
    docs = await client.get("/api/v1/docs")
    assert "cdn.jsdelivr.net" in _common(docs)  # Swagger UI's own sources, and only there
    redirect = await client.get("/api/v1/docs/oauth2-redirect")
    assert "'unsafe-inline'" in _common(redirect)  # its inline script runs
    too_large = await client.post("/api/v1/auth/token", content=b"x" * 20_000)
    assert too_large.status_code == 413  # answered by the body cap, headers all the same
    assert _common(too_large).startswith("default-src 'none'")


async def test_the_tile_server_is_allowed_for_images(
    settings: Settings, engine: AsyncEngine
) -> None:
    tiles = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
    app = create_app(settings.model_copy(update={"map_tile_url": tiles}), engine)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        page = await http.get("/console/login")
    policy = _common(page)
    assert "img-src 'self' data: https://*.tile.openstreetmap.org;" in policy


def test_tile_sources() -> None:
    assert tile_source("") is None
    assert tile_source("https://tile.example.vn/{z}/{x}/{y}.png") == "https://tile.example.vn"
    assert tile_source("http://{s}.tiles.example/{z}/{x}/{y}") == "http://*.tiles.example"
    assert tile_source("https://a.{s}.example/{z}") is None  # not expressible in CSP
    assert tile_source("javascript:alert(1)") is None
