"""The driver's app: an installable web app under ``/app/`` on the driver API.

One server-rendered shell (the language from the ``lang`` cookie, Vietnamese by default) with
no tenant data in it; its ES modules call ``/api/v1/driver/…`` with the driver's token. The
service worker and the manifest are served here rather than as static files: the worker needs
the ``/app/`` scope, a policy that lets it fetch and cache our own files (every non-HTML answer
otherwise gets ``default-src 'none'``), and a version that changes with the files it caches.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Cookie, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.driver_app_texts import LANGUAGES, texts_json

HERE = Path(__file__).resolve().parent.parent
STATIC = HERE / "static" / "app"
TEMPLATES = HERE / "templates" / "app"
templates = Jinja2Templates(directory=HERE / "templates")
static_files = StaticFiles(directory=STATIC)

pages = APIRouter(prefix="/app", include_in_schema=False)

# What the service worker keeps for offline use: the shell, its modules and styles, the
# console's shared helpers and Leaflet (the map is drawn offline on a plain background).
SHELL = "/app/"
CONSOLE_COMMON = "/console/static/common.js"
LEAFLET = ("/console/vendor/leaflet/leaflet.js", "/console/vendor/leaflet/leaflet.css")
# The modules the route screen needs, fetched at once with the page (no round trip per level
# of imports on a slow network); app.js imports the others once the route is drawn.
FIRST_SCREEN = ("app.js", "session.js", "outbox.js", "route.js")
WORKER_POLICY = "default-src 'none'; connect-src 'self'; script-src 'self'"


@functools.cache
def _static_names() -> tuple[str, ...]:
    return tuple(sorted(p.name for p in STATIC.iterdir() if p.suffix in (".js", ".css", ".svg")))


@functools.cache
def shell_version() -> str:
    """A digest of the shell's files and the worker's source: a new release installs a new
    worker, which replaces the cached shell (read once per process)."""
    digest = hashlib.sha256()
    sources = [STATIC / name for name in _static_names()]
    for path in (*sources, TEMPLATES / "index.html", TEMPLATES / "sw.js"):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_paths() -> list[str]:
    """Every address the service worker stores when it installs."""
    own = [f"/app/static/{name}" for name in _static_names()]
    return [SHELL, *own, CONSOLE_COMMON, *LEAFLET, "/app/manifest.webmanifest"]


@pages.get("", response_class=RedirectResponse)
async def no_slash() -> RedirectResponse:
    return RedirectResponse("/app/")


@pages.get("/", response_class=HTMLResponse)
async def shell(request: Request, lang: Annotated[str | None, Cookie()] = None) -> Response:
    """The one page of the app; its screens are sections shown by the address's fragment."""
    language = lang if lang in LANGUAGES else LANGUAGES[0]
    texts, texts_data = texts_json(language)
    settings = request.app.state.settings
    config = {
        "language": language,
        "tileUrl": settings.map_tile_url,
        "tileAttribution": settings.map_tile_attribution,
    }
    return templates.TemplateResponse(
        request,
        "app/index.html",
        {
            "lang": language,
            "t": texts,
            "texts_json": texts_data,
            "config_json": _script_json(config),
            "version": shell_version(),
            "modules": FIRST_SCREEN,
        },
        headers={"Cache-Control": "no-cache"},
    )


@pages.get("/sw.js")
async def service_worker() -> Response:
    """The service worker: its source with the version and the list of files to keep."""
    source = (TEMPLATES / "sw.js").read_text(encoding="utf-8")
    source = source.replace("__VERSION__", shell_version()).replace(
        "__FILES__", _script_json(cached_paths())
    )
    return Response(
        source,
        media_type="text/javascript",
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": WORKER_POLICY,
            "Service-Worker-Allowed": "/app/",
        },
    )


@pages.get("/manifest.webmanifest")
async def manifest(lang: Annotated[str | None, Cookie()] = None) -> Response:
    """What the phone needs to install the app: name, icon, start page, standalone display."""
    language = lang if lang in LANGUAGES else LANGUAGES[0]
    texts, _ = texts_json(language)
    body = {
        "name": texts["app_title"],
        "short_name": "coopfleet",
        "lang": language,
        "start_url": "/app/#route",
        "scope": "/app/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0b3d91",
        "icons": [
            {"src": "/app/static/icon.svg", "sizes": "any", "type": "image/svg+xml"},
            {
                "src": "/app/static/icon.svg",
                "sizes": "any",
                "type": "image/svg+xml",
                "purpose": "maskable",
            },
        ],
    }
    return JSONResponse(body, media_type="application/manifest+json")


def _script_json(value: object) -> str:
    """JSON that is safe inside a <script> element or a script's source."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
