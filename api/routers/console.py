"""The dispatcher console: its pages, the live map feed (WebSocket) and the vehicle panel.

Pages are server-rendered shells in the chosen language (cookie ``lang``, Vietnamese by
default) with no tenant data in them; their ES modules load data from the JSON API with the
signed-in user's token, so the one place that decides who sees what stays the API.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Annotated, Any

import xstatic.pkg.leaflet
from fastapi import APIRouter, Cookie, Request, WebSocket
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.console_texts import LANGUAGES, texts_for
from api.deps import OFFICE, OfficeTenant, SessionDep, socket_tenant
from api.live import CooperativeFeed, LiveHub, Subscriber
from api.streams import LIVE, Subscription, hub_of, open_socket, until_ended
from fleet.validators import Id
from operations import vehicle_panel
from operations.vehicle_panel import VehiclePanelRead

HERE = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=HERE / "templates")
static_files = StaticFiles(directory=HERE / "static" / "console")
leaflet_files = StaticFiles(directory=xstatic.pkg.leaflet.BASE_DIR)

pages = APIRouter(prefix="/console", include_in_schema=False)
router = APIRouter(tags=["console"])

PAGES = ("dispatch", "fleet", "reports", "devices", "login")


def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")


@functools.cache
def _page_texts(language: str) -> tuple[dict[str, str], str]:
    """The texts of a language, and the same as JSON for the page's modules (built once)."""
    texts = texts_for(language)
    return texts, _script_json(texts)


def _render(request: Request, page: str, lang: str | None) -> Response:
    language = lang if lang in LANGUAGES else LANGUAGES[0]
    settings = request.app.state.settings
    texts, texts_json = _page_texts(language)
    config = {
        "tileUrl": settings.map_tile_url,
        "tileAttribution": settings.map_tile_attribution,
        "language": language,
    }
    return templates.TemplateResponse(
        request,
        f"console/{page}.html",
        {
            "page": page,
            "lang": language,
            "t": texts,
            "texts_json": texts_json,
            "config_json": _script_json(config),
        },
    )


@pages.get("/", response_class=HTMLResponse)
async def dispatch_page(request: Request, lang: Annotated[str | None, Cookie()] = None) -> Response:
    return _render(request, "dispatch", lang)


@pages.get("/{page}", response_class=HTMLResponse)
async def other_page(
    page: str, request: Request, lang: Annotated[str | None, Cookie()] = None
) -> Response:
    if page not in PAGES or page == "dispatch":
        return RedirectResponse("/console/")
    return _render(request, page, lang)


@router.websocket("/live/ws")
async def live_socket(websocket: WebSocket, token: str | None = None) -> None:
    """The live map feed: sign in by offering the subprotocols ``bearer, <access token>`` (or
    with ``?token=``). The first message is a
    ``snapshot`` of every vehicle (``fields`` names the columns of each row); then, at most
    once a second, a ``delta`` with only what changed: ``full`` rows for vehicles new or
    relabelled, ``moves`` rows (``move_fields``) for vehicles that moved or changed status,
    ``orders`` whose status, driver or vehicle changed. Close codes 4401/4403: sign in again."""
    signed = await socket_tenant(websocket, token, *OFFICE)
    if signed is None:
        return
    tenant, principal = signed
    streams = hub_of(websocket.app.state, websocket.app.state.settings)
    topic = (LIVE, tenant.cooperative_id, None)
    subscription = await open_socket(streams, websocket, principal, topic)
    if subscription is None:
        return
    hub: LiveHub = websocket.app.state.live
    try:
        try:
            feed, subscriber = await hub.subscribe(tenant)
        except TimeoutError:  # the database does not answer: the browser retries
            await websocket.close(code=1011, reason="the live feed is not available")
            return
        try:
            changes = _send_changes(websocket, feed, subscriber, subscription)
            await until_ended(websocket, subscription, changes)
        finally:
            await hub.unsubscribe(feed, subscriber)
    finally:
        streams.close(subscription)


async def _send_changes(
    websocket: WebSocket, feed: CooperativeFeed, subscriber: Subscriber, subscription: Subscription
) -> None:
    """The snapshot, then each batch of changes; nothing once the session has ended."""
    await websocket.send_json(feed.snapshot())
    while True:
        await subscriber.ready.wait()
        if subscription.ended.is_set():
            return
        await websocket.send_json(subscriber.take())


@router.get(
    "/vehicles/{vehicle_id}/live",
    response_model=VehiclePanelRead,
    response_model_exclude_unset=True,
    summary="A vehicle now: the map's vehicle panel",
)
async def vehicle_now(
    vehicle_id: Id, tenant: OfficeTenant, session: SessionDep
) -> VehiclePanelRead:
    """The vehicle, its driver and their shift (planned end, on a break), its latest fix and
    status, today's distance and time (in the cooperative's zone), the order it is serving and
    its papers with days left."""
    return await vehicle_panel.vehicle_now(session, tenant, vehicle_id)
