"""The driver app's shell, service worker and manifest as the server sends them (in process)."""

from __future__ import annotations

import json
import re

import httpx

from api.routers.driver_app import FIRST_SCREEN, cached_paths, shell_version


async def test_the_shell_is_vietnamese_by_default_and_english_on_the_switch(
    client: httpx.AsyncClient,
) -> None:
    vi = await client.get("/app/")
    assert vi.status_code == 200
    assert '<html lang="vi">' in vi.text and "Đăng nhập tài xế" in vi.text
    assert vi.headers["cache-control"] == "no-cache"
    texts = json.loads(re.search(r'id="texts">(.*?)</script>', vi.text, re.S).group(1))  # type: ignore[union-attr]
    assert texts["order_status_picked_up"] == "Đã nhận hàng"  # the console's own names
    en = await client.get("/app/", headers={"Cookie": "lang=en"})
    assert '<html lang="en">' in en.text and "Driver sign-in" in en.text
    odd = await client.get("/app/", headers={"Cookie": "lang=%3Cscript%3E"})
    assert '<html lang="vi">' in odd.text


async def test_the_shell_holds_no_tenant_data_and_obeys_the_page_policy(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/app/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    scripts = re.findall(r"<script([^>]*)>", page.text)
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)
    assert " style=" not in page.text and "<style" not in page.text
    config = json.loads(re.search(r'id="config">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert set(config) == {"language", "tileUrl", "tileAttribution"}
    preloaded = re.findall(r'rel="modulepreload" href="/app/static/([^"]+)"', page.text)
    assert preloaded == list(FIRST_SCREEN)


async def test_the_service_worker_may_fetch_our_files_and_nothing_else(
    client: httpx.AsyncClient,
) -> None:
    worker = await client.get("/app/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["content-security-policy"] == (
        "default-src 'none'; connect-src 'self'; script-src 'self'"
    )
    assert worker.headers["service-worker-allowed"] == "/app/"
    assert f'const VERSION = "{shell_version()}";' in worker.text
    files = json.loads(re.search(r"const FILES = (\[.*?\]);", worker.text).group(1))  # type: ignore[union-attr]
    assert files == cached_paths()
    for path in files:  # every file it keeps exists
        assert (await client.get(path)).status_code == 200, path
    assert "/console/vendor/leaflet/leaflet.js" in files
    assert not any(path.startswith("/api/") for path in files)


async def test_the_manifest_makes_it_installable(client: httpx.AsyncClient) -> None:
    answer = await client.get("/app/manifest.webmanifest", headers={"Cookie": "lang=en"})
    assert answer.headers["content-type"] == "application/manifest+json"
    manifest = answer.json()
    assert manifest["display"] == "standalone" and manifest["scope"] == "/app/"
    assert manifest["start_url"].startswith("/app/") and manifest["lang"] == "en"
    assert manifest["name"] == "coopfleet — driver app"
    assert (await client.get(manifest["icons"][0]["src"])).status_code == 200
    assert (await client.get("/app", follow_redirects=False)).headers["location"] == "/app/"
