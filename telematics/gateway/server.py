"""``coopfleet gateway``: the TCP servers (GT06, JT/T 808) and the HTTP app in one event loop
(uvloop's: libuv's sockets cost the thousands of device connections less than asyncio's own
selector loop), beside the broker connection, the device directory's watch and the devices-heard
writer."""

from __future__ import annotations

import asyncio
import logging

import uvicorn
import uvloop

from core.config import Settings
from telematics.gateway.http import build_app
from telematics.gateway.service import Gateway
from telematics.gateway.tcp import gt06_handler, jt808_handler

log = logging.getLogger("coopfleet.gateway")
COUNTERS_LOG_SECONDS = 60


async def serve(settings: Settings, gateway: Gateway | None = None) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn's handlers end the HTTP server; the rest follows)."""
    gateway = gateway or Gateway.from_settings(settings)
    await gateway.directory.refresh()
    gateway.broker.start()
    background = [
        asyncio.create_task(gateway.directory.watch()),
        asyncio.create_task(gateway.heard.run()),
        asyncio.create_task(_log_counters(gateway)),
    ]
    host = settings.gateway_host
    tcp = [
        await asyncio.start_server(gt06_handler(gateway), host, settings.gateway_gt06_port),
        await asyncio.start_server(jt808_handler(gateway), host, settings.gateway_jt808_port),
    ]
    config = uvicorn.Config(
        build_app(gateway),
        host=host,
        port=settings.gateway_http_port,
        log_level="warning",
        access_log=False,
    )
    log.info(
        "gateway: HTTP %s, GT06 %s, JT/T 808 %s on %s",
        settings.gateway_http_port,
        settings.gateway_gt06_port,
        settings.gateway_jt808_port,
        host,
    )
    print(
        f"gateway listening on {host}: OsmAnd/Traccar HTTP {settings.gateway_http_port},"
        f" GT06 {settings.gateway_gt06_port}, JT/T 808 {settings.gateway_jt808_port}",
        flush=True,
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        for server in tcp:
            server.close()
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)  # the last tally written
        gateway.broker.close()


async def _log_counters(gateway: Gateway) -> None:
    while True:
        await asyncio.sleep(COUNTERS_LOG_SECONDS)
        log.info("gateway counters: %s", dict(gateway.counters.values))


def run_gateway(settings: Settings) -> None:
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(serve(settings))
