"""``coopfleet gateway``: the TCP servers (GT06, JT/T 808) and the HTTP app in one event loop
(uvloop's: libuv's sockets cost the thousands of device connections less than asyncio's own
selector loop), beside the broker connection, the device directory's watch and the devices-heard
writer.

With ``COOPFLEET_GATEWAY_PROCESSES`` above 1 the TCP ports are shared (``SO_REUSEPORT``: the
kernel spreads new connections over the processes) by that many processes, each with its own
loop, broker connection and directory: one Python process is one core at most, and on a busy
machine a process needing more than its share of a core falls behind (measured: docs/gateway.md).
The first process also serves HTTP and ``/metrics``, with the counters the others send it every
``REPORT_SECONDS``; the others end when it does.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import queue
import signal
from collections import Counter
from typing import TYPE_CHECKING, TypeAlias

import uvicorn
import uvloop

from core.config import Settings, get_settings
from telematics.gateway.http import build_app
from telematics.gateway.service import Gateway
from telematics.gateway.tcp import gt06_handler, jt808_handler

log = logging.getLogger("coopfleet.gateway")
COUNTERS_LOG_SECONDS = 60
REPORT_SECONDS = 2.0
if TYPE_CHECKING:
    from multiprocessing.queues import Queue

Reports: TypeAlias = "Queue[tuple[int, dict[tuple[str, str, str], int]]]"


async def _start(settings: Settings, gateway: Gateway, shared: bool) -> list[asyncio.Task[None]]:
    """The directory read, the broker connection, the background tasks and the TCP servers."""
    await gateway.directory.refresh()
    gateway.broker.start()
    host = settings.gateway_host
    for handler, port in (
        (gt06_handler(gateway), settings.gateway_gt06_port),
        (jt808_handler(gateway), settings.gateway_jt808_port),
    ):
        await asyncio.start_server(handler, host, port, reuse_port=shared or None)
    return [
        asyncio.create_task(gateway.directory.watch()),
        asyncio.create_task(gateway.heard.run()),
        asyncio.create_task(_log_counters(gateway)),
    ]


async def _stop(gateway: Gateway, background: list[asyncio.Task[None]]) -> None:
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)  # the last tally written
    gateway.broker.close()


async def serve(
    settings: Settings, gateway: Gateway | None = None, reports: Reports | None = None
) -> None:
    """Serve until SIGINT/SIGTERM (uvicorn's handlers end the HTTP server; the rest follows).
    ``reports``: the other processes' counters, when the TCP ports are shared."""
    gateway = gateway or Gateway.from_settings(settings)
    background = await _start(settings, gateway, shared=reports is not None)
    if reports is not None:
        background.append(asyncio.create_task(_gather_reports(gateway, reports)))
    config = uvicorn.Config(
        build_app(gateway),
        host=settings.gateway_host,
        port=settings.gateway_http_port,
        log_level="warning",
        access_log=False,
    )
    print(
        f"gateway listening on {settings.gateway_host}: OsmAnd/Traccar HTTP"
        f" {settings.gateway_http_port}, GT06 {settings.gateway_gt06_port}, JT/T 808"
        f" {settings.gateway_jt808_port} ({settings.gateway_processes} process(es))",
        flush=True,
    )
    try:
        await uvicorn.Server(config).serve()
    finally:
        await _stop(gateway, background)


async def _gather_reports(gateway: Gateway, reports: Reports) -> None:
    while True:
        try:
            pid, values = await asyncio.to_thread(reports.get, True, REPORT_SECONDS)
        except queue.Empty:
            continue
        gateway.counters.others[pid] = Counter(values)


async def _serve_tcp(reports: Reports, parent: int) -> None:
    """Another process on the shared TCP ports, until SIGTERM or its parent's end."""
    settings = get_settings()
    gateway = Gateway.from_settings(settings)
    background = await _start(settings, gateway, shared=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        while not stop.is_set() and os.getppid() == parent:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), REPORT_SECONDS)
            with contextlib.suppress(queue.Full):
                reports.put_nowait((os.getpid(), dict(gateway.counters.values)))
    finally:
        await _stop(gateway, background)


def _tcp_process(reports: Reports, parent: int, log_level: str) -> None:
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_serve_tcp(reports, parent))


async def _log_counters(gateway: Gateway) -> None:
    while True:
        await asyncio.sleep(COUNTERS_LOG_SECONDS)
        log.info("gateway counters: %s", dict(gateway.counters.values))


def run_gateway(settings: Settings) -> None:
    if settings.gateway_processes == 1:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(settings))
        return
    context = multiprocessing.get_context("spawn")
    reports: Reports = context.Queue(maxsize=1000)
    level = logging.getLevelName(logging.getLogger().getEffectiveLevel())
    others = [
        context.Process(target=_tcp_process, args=(reports, os.getpid(), str(level)), daemon=True)
        for _ in range(settings.gateway_processes - 1)
    ]
    for process in others:
        process.start()
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(settings, reports=reports))
    finally:
        for process in others:
            process.terminate()
        for process in others:
            process.join(10)
