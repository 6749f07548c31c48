"""The live map with 3,000 vehicles moving at 1 Hz, in Debian's Chromium (targets: ≥ 30 frames/s
while panning, a flat heap over 5 minutes, the feed sending only changes).

``python -m bench.console [--minutes 5] [--runs 3]`` builds a throwaway database with the demo
cooperative (3,000 vehicles), starts ``coopfleet api`` as its own process, moves every vehicle
once a second (one UPDATE of vehicle_state, what ingestion would write) and opens the map as
the demo dispatcher. Printed, with the raw baseline measured in the same run:

* frames/s while panning (rAF count) with the vehicles drawn, and with the vehicle layer removed;
* WebSocket bytes/s received (Chrome DevTools Protocol), against the whole fleet's snapshot sent
  every second, which is what a feed without deltas would cost;
* the tab's JS heap after a forced GC, every 30 s over ``--minutes``;
* the API process's CPU (share of one core) while it feeds the page.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import threading
import time
from typing import Any

import psycopg
from playwright.async_api import CDPSession, Page, async_playwright

from devtools.processes import start_api
from devtools.seed import DEMO_PASSWORD
from devtools.throwaway import database, place_demo_fleet

CHROMIUM = os.environ.get("COOPFLEET_CHROMIUM", "/usr/bin/chromium")
PAN_SECONDS = 10
HEAP_EVERY_S = 30

# Pans the map back and forth for `seconds`, counting animation frames; returns frame times.
PAN_AND_COUNT = """
async (seconds) => {
  const map = window.coopfleet.map;
  const stamps = [];
  let running = true;
  const tick = (now) => { stamps.push(now); if (running) requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  const end = performance.now() + seconds * 1000;
  let direction = 1;
  while (performance.now() < end) {
    map.panBy([400 * direction, 150 * direction], { animate: true, duration: 0.9 });
    direction = -direction;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  running = false;
  return stamps;
}
"""


def _place(n: int) -> tuple[float, float]:
    return 106.6 + (n * 7919 % 1000) / 1000 * 0.8, 10.7 + (n * 104729 % 1000) / 1000 * 0.6


class Mover(threading.Thread):
    """Moves every vehicle of the cooperative once a second, as 3,000 devices at 1 Hz would."""

    def __init__(self, url: str, coop: int) -> None:
        super().__init__(daemon=True)
        self.url, self.coop = url.replace("+psycopg", ""), coop
        self.stop = threading.Event()
        self.seconds: list[float] = []

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.is_set():
                started = time.monotonic()
                conn.execute(
                    "UPDATE vehicle_state SET geom = ST_SetSRID(ST_MakePoint("
                    " ST_X(geom) + (random() - 0.5) * 0.001,"
                    " ST_Y(geom) + (random() - 0.5) * 0.001),"
                    " 4326), device_time = now(), received_at = now(),"
                    " speed_kmh = 20 + random() * 50, heading = (random() * 359)::int"
                    " WHERE cooperative_id = %s",
                    (self.coop,),
                )
                self.seconds.append(time.monotonic() - started)
                self.stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _fps(stamps: list[float]) -> tuple[float, float]:
    """Frames per second over the run, and the 95th-percentile frame interval in ms."""
    gaps = sorted(b - a for a, b in itertools.pairwise(stamps))
    seconds = (stamps[-1] - stamps[0]) / 1000
    return (len(stamps) - 1) / seconds, gaps[int(len(gaps) * 0.95)]


async def _heap_mb(cdp: CDPSession) -> float:
    await cdp.send("HeapProfiler.collectGarbage")
    usage: dict[str, Any] = await cdp.send("Runtime.getHeapUsage")
    return float(usage["usedSize"]) / 1e6


async def _measure(base: str, minutes: float, runs: int, api_pid: int) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        page: Page = await browser.new_page(viewport={"width": 1366, "height": 768})
        cdp = await page.context.new_cdp_session(page)
        await cdp.send("Network.enable")
        frames: list[tuple[float, int, bool]] = []  # when, bytes, is the snapshot

        def received(event: dict[str, Any]) -> None:
            payload: str = event["response"]["payloadData"]
            frames.append((time.monotonic(), len(payload.encode()), "snapshot" in payload[:30]))

        cdp.on("Network.webSocketFrameReceived", received)
        await page.goto(f"{base}/console/login")
        await page.fill("input[name=username]", "dispatcher@bienhoa.demo")
        await page.fill("input[name=password]", DEMO_PASSWORD)
        await page.click("form#sign-in button[type=submit]")
        await page.wait_for_selector("body[data-ready]", state="attached")
        await page.wait_for_function("window.coopfleet.feed.vehicles.size >= 3000", timeout=60000)
        await page.evaluate("window.coopfleet.map.setView([10.95, 106.85], 11)")
        await asyncio.sleep(5)
        drawn = await page.evaluate("window.coopfleet.layer.drawn.length")

        with_layer, without_layer = [], []
        for _ in range(runs):
            with_layer.append(_fps(await page.evaluate(PAN_AND_COUNT, PAN_SECONDS)))
            await page.evaluate("window.coopfleet.map.removeLayer(window.coopfleet.layer)")
            without_layer.append(_fps(await page.evaluate(PAN_AND_COUNT, PAN_SECONDS)))
            await page.evaluate("window.coopfleet.layer.addTo(window.coopfleet.map)")

        cpu_start, wall_start = _cpu_seconds(api_pid), time.monotonic()
        window_start = time.monotonic()
        heap: list[tuple[float, float]] = [(0.0, await _heap_mb(cdp))]
        end = window_start + minutes * 60
        while time.monotonic() < end:
            await asyncio.sleep(min(HEAP_EVERY_S, end - time.monotonic()))
            heap.append((time.monotonic() - window_start, await _heap_mb(cdp)))
        api_cpu = (_cpu_seconds(api_pid) - cpu_start) / (time.monotonic() - wall_start)
        window = [f for f in frames if f[0] >= window_start]
        snapshot = next(size for _, size, first in frames if first)
        seconds = time.monotonic() - window_start
        await browser.close()

    fps = [f for f, _ in with_layer]
    bare = [f for f, _ in without_layer]
    print(
        f"map at zoom 11 with {drawn} of 3,000 vehicles in view (incl. margin), all moving at 1 Hz"
    )
    print(
        f"  panning: {statistics.median(fps):.1f} frames/s median of {runs} runs of {PAN_SECONDS} s"
        f" ({', '.join(f'{f:.1f}' for f in fps)}); p95 frame interval"
        f" {statistics.median(g for _, g in with_layer):.1f} ms (target ≥ 30 frames/s)"
    )
    print(
        f"  baseline, same pans without the vehicle layer: {statistics.median(bare):.1f} frames/s"
        f" -> ratio {statistics.median(fps) / statistics.median(bare):.2f}"
    )
    per_second = sum(size for _, size, _ in window) / seconds
    print(
        f"  feed: {per_second / 1000:.1f} kB/s in {len(window)} messages over {seconds:.0f} s;"
        f" whole-fleet snapshot {snapshot / 1000:.1f} kB -> changes-only is"
        f" {per_second / snapshot:.2f}× a snapshot every second"
    )
    print(
        "  heap after GC (MB): "
        + ", ".join(f"{t / 60:.1f} min {mb:.1f}" for t, mb in heap)
        + f"; last − first {heap[-1][1] - heap[0][1]:+.1f} MB"
    )
    print(f"  API process CPU while feeding: {api_cpu:.2f} of one core")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0, help="heap watch duration")
    parser.add_argument("--runs", type=int, default=3, help="panning runs")
    args = parser.parse_args()
    with database("console", demo=True) as url:
        coop = place_demo_fleet(url, _place)
        server, base = start_api(url)
        mover = Mover(url, coop)
        mover.start()
        try:
            asyncio.run(_measure(base, args.minutes, args.runs, server.pid))
        finally:
            mover.stop.set()
            mover.join(5)
            server.terminate()
            server.wait(10)
    print(
        f"  mover: one UPDATE of 3,000 positions per second,"
        f" median {statistics.median(mover.seconds) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
