"""The FastAPI application factory. The engine is built in the lifespan, never at import."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import RedirectResponse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.errors import install_error_handlers
from api.limits import BodyCaps, BodyLimit
from api.live import LiveHub
from api.nul_guard import NulGuard
from api.routers import (
    accounts,
    api_keys,
    assignments,
    audit,
    auth,
    console,
    cost_reports,
    csv_io,
    driver,
    driver_app,
    driver_maintenance,
    forwarders,
    gateway_devices,
    journeys,
    ledger,
    maintenance,
    market,
    market_pages,
    market_public,
    market_shippers,
    notifications,
    orders,
    phone,
    plans,
    portal,
    registry,
    reports,
    speed_limits,
    suggestions,
    tracking,
    union_export,
    webhooks,
)
from api.security_headers import SecurityHeaders
from api.speeds import SpeedCache
from api.streams import StreamHub
from core.config import Settings, get_settings
from core.db import create_engine_from_settings, session_factory
from telematics.journey.rules import JourneyRules
from telematics.metrics import IngestMetrics
from telematics.relay import Relay

API_PREFIX = "/api/v1"

DESCRIPTION = """
coopfleet serves a transport cooperative's dispatchers, drivers and directors.

Sign in with `POST /api/v1/auth/token` (OAuth2 password flow) and send the access token as
`Authorization: Bearer …`; a machine client sends an admin's API key as `X-API-Key: cfk_…`
(or as the bearer). Every answer is scoped to the caller's cooperative; another
cooperative's ids answer 404. Errors are JSON: `{"error", "message", "field", "errors"}`.
Times are UTC (ISO 8601), distances metres, speeds km/h, money VND (integers).
"""


def settle_heap() -> None:
    """Keep what the process holds once it is ready (modules, app, routes: ~250,000 objects)
    out of the collector's full passes: each one otherwise stopped every request for ~200 ms,
    every few seconds under load (measured with bench.suggest: p99 150-200 ms, p50 25 ms)."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None, engine: AsyncEngine | None = None) -> FastAPI:
    """Build the app; tests pass their own settings and engine."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own_engine = engine is None
        app_engine = engine or create_engine_from_settings(settings)
        app.state.engine = app_engine
        app.state.session_factory = session_factory(app_engine)
        app.state.relay = Relay(settings.mqtt_host, settings.mqtt_port, settings.secret_key)
        app.state.live = LiveHub(app.state.session_factory, JourneyRules())
        app.state.streams = StreamHub(settings, app.state.session_factory)
        app.state.streams.start()  # the LISTEN connection behind every push stream
        settle_heap()
        try:
            yield
        finally:
            await app.state.live.close()
            await app.state.streams.stop()
            app.state.relay.close()
            if own_engine:
                await app_engine.dispose()

    app = FastAPI(
        title="coopfleet",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.speeds = SpeedCache()  # calibrated speeds, read again every few minutes
    app.state.ingest_metrics = IngestMetrics()  # /metrics' own Prometheus registry
    # Innermost first: bodies are capped before anything reads them (authentication included),
    # and every answer, the 413 too, leaves with the security headers.
    app.add_middleware(NulGuard)  # a NUL named where it is, not refused later by psycopg
    app.add_middleware(BodyLimit, caps=BodyCaps.from_settings(settings))
    app.add_middleware(
        SecurityHeaders, tile_url=settings.map_tile_url, docs_path=f"{API_PREFIX}/docs"
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    install_error_handlers(app)

    v1 = APIRouter(prefix=API_PREFIX)
    v1.include_router(auth.router)
    v1.include_router(accounts.router)
    v1.include_router(registry.geojson)
    v1.include_router(csv_io.router)  # before the CRUD routes: /vehicles/export.csv is no id
    for router in (
        registry.members,
        registry.drivers,
        registry.vehicles,
        registry.depots,
        registry.zones,
    ):
        v1.include_router(router)
    v1.include_router(assignments.router)
    v1.include_router(tracking.router)
    v1.include_router(gateway_devices.router)  # devices heard: docs/gateway.md
    v1.include_router(journeys.router)
    v1.include_router(speed_limits.router)
    v1.include_router(orders.router)
    v1.include_router(orders.public)
    v1.include_router(plans.router)
    v1.include_router(suggestions.router)
    v1.include_router(driver.router, prefix="/driver")
    v1.include_router(driver.office)
    v1.include_router(driver_maintenance.router, prefix="/driver")  # docs/maintenance.md
    v1.include_router(maintenance.router)  # plans, work orders, fuel: docs/maintenance.md
    v1.include_router(cost_reports.router)  # costs per vehicle and member: docs/maintenance.md
    v1.include_router(reports.router)
    v1.include_router(ledger.router)  # the members' ledger: docs/ledger.md
    v1.include_router(market.router)  # tariffs, quotes: docs/market.md
    v1.include_router(market_public.router)  # the market's public doors: docs/market.md
    v1.include_router(market_shippers.router)  # shippers' sign-up and bookings: docs/market.md
    v1.include_router(portal.router)  # members' portal and rules: docs/ledger.md
    v1.include_router(phone.router)
    v1.include_router(console.router)
    v1.include_router(notifications.router)  # rules, push subscriptions, message log
    v1.include_router(webhooks.router)
    for integration in (api_keys, audit, union_export, forwarders):  # docs/integrations.md
        v1.include_router(integration.router)
    app.include_router(v1)
    app.include_router(console.pages)
    app.include_router(portal.pages)
    app.include_router(market_pages.pages)  # the market's public pages: docs/market.md
    app.mount("/console/static", console.static_files, name="console-static")
    app.mount("/console/vendor/leaflet", console.leaflet_files, name="leaflet")
    app.include_router(driver_app.pages)  # the driver's app: docs/driver-app.md
    app.mount("/app/static", driver_app.static_files, name="app-static")
    app.mount("/cho/static", market_pages.static_files, name="market-static")  # docs/market.md

    @app.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse("/console/")

    app.include_router(tracking.metrics_router)

    @app.get("/healthz", tags=["health"], summary="Liveness and database check")
    async def healthz() -> dict[str, str]:
        """``ok`` when the API answers and its database does."""
        async with app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    return app
