"""Notifications and webhooks under load: events fanned out to thousands of Web Push
subscriptions and tens of webhooks by one ``coopfleet notify`` process, one receiver answering
in 5 s.

``python -m bench.notify [--events 10000] [--drivers 3000] [--webhooks 50] [--rate 500]``
builds a throwaway database with the demo cooperative (3,000 drivers with accounts), gives every
driver's account a Web Push subscription at a local push service and subscribes ``--webhooks``
receivers to ``order.status_changed`` (the first answers in 5 s, the others at once; all are one
aiohttp server in this process, the push service too). Then, at ``--rate`` events a second, it
commits half the events as offers to drivers (one push each, to the offered driver) and half as
order steps (one delivery per webhook), the way the API does: rows whose triggers fill the
outbox. Printed, with the raw baseline measured in the same run:

* throughput: pushes and webhook deliveries sent per second from the first event to the last
  delivery (the slow receiver's excluded: it is served on its own);
* p50/p99 from each event's commit to its push being accepted by the push service, and to its
  delivery being acknowledged by a receiver (the row's ``sent_at`` / ``delivered_at``);
* the slow receiver: deliveries made meanwhile (at most one per 5 s: in order, one at a time);
* the notify process's RSS (now and peak) and CPU seconds;
* raw baseline: the same pushes (encrypted, signed) and webhook POSTs (signed) sent straight
  from this process with the same HTTP client, as many in flight, no database: sends per
  second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

import aiohttp
import psycopg
from aiohttp import web

from core.config import Settings
from devtools.notify_fakes import BrowserKeys, start_notify
from devtools.ports import free_port
from devtools.throwaway import DEMO_COOPERATIVE, database
from notifications import push, signing
from notifications.vapid import VapidSigner

SECRET = "bench-" + "k" * 40
SLOW_S = 5.0
TICK_S = 0.1


class Receivers:
    """The push service and the webhook receivers: counts and nothing else (cheap)."""

    def __init__(self) -> None:
        self.pushes = 0
        self.hooks: dict[int, int] = {}
        self.port = free_port()

    async def push(self, request: web.Request) -> web.Response:
        await request.read()
        self.pushes += 1
        return web.Response(status=201)

    async def hook(self, request: web.Request) -> web.Response:
        await request.read()
        number = int(request.match_info["n"])
        if number == 0:
            await asyncio.sleep(SLOW_S)
        self.hooks[number] = self.hooks.get(number, 0) + 1
        return web.Response(status=200)

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/p/{user}", self.push)
        app.router.add_post("/h/{n}", self.hook)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port, backlog=1024).start()
        return runner


def _libpq(url: str) -> str:
    return url.replace("+psycopg", "")


def prepare(
    url: str, receivers: Receivers, drivers: int, webhooks: int, orders: int
) -> dict[str, Any]:
    """Subscriptions, rules, webhooks and the orders the events will be about."""
    keys = BrowserKeys()
    subscription = keys.subscription("")["keys"]
    base = f"http://127.0.0.1:{receivers.port}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        coop = conn.execute(
            "SELECT id FROM cooperatives WHERE name = %s", (DEMO_COOPERATIVE,)
        ).fetchone()[0]  # type: ignore[index]
        accounts = conn.execute(
            "SELECT id, driver_id FROM users WHERE cooperative_id = %s AND role = 'driver'"
            " ORDER BY id LIMIT %s",
            (coop, drivers),
        ).fetchall()
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO push_subscriptions (cooperative_id, user_id, endpoint, p256dh, auth)"
                " VALUES (%s, %s, %s, %s, %s)",
                [
                    (coop, user, f"{base}/p/{user}", subscription["p256dh"], subscription["auth"])
                    for user, _ in accounts
                ],
            )
            cur.executemany(
                "INSERT INTO webhook_subscriptions (cooperative_id, url, secret, event_types)"
                " VALUES (%s, %s, %s, ARRAY['order.status_changed'])",
                [(coop, f"{base}/h/{n}", signing.new_secret()) for n in range(webhooks)],
            )
        conn.execute(
            "INSERT INTO notification_rules (cooperative_id, event_kind, channel, audience)"
            " VALUES (%s, 'offer', 'push', 'subject')",
            (coop,),
        )
        conn.execute(
            """
            INSERT INTO orders (cooperative_id, reference, kind, customer_name, pickup_address,
                pickup_location, dropoff_address, dropoff_location, tracking_token,
                tracking_expires_at)
            SELECT %s, 'BN-' || n, 'freight', 'Khách ' || n, 'Kho ' || n,
                   ST_SetSRID(ST_MakePoint(106.8, 10.9), 4326), 'Cửa hàng ' || n,
                   ST_SetSRID(ST_MakePoint(106.7, 10.8), 4326), md5(random()::text || n),
                   now() + interval '7 days'
            FROM generate_series(1, %s) AS n
            """,
            (coop, orders),
        )
        order_ids = [
            r[0]
            for r in conn.execute(
                "SELECT id FROM orders WHERE cooperative_id = %s ORDER BY id", (coop,)
            )
        ]
        conn.execute("ANALYZE")
    return {"coop": coop, "drivers": [d for _, d in accounts], "orders": order_ids, "keys": keys}


def commit_events(url: str, world: dict[str, Any], events: int, rate: float) -> float:
    """Offers and order steps at ``rate`` a second, committed a tick at a time; seconds taken."""
    coop, drivers, orders = world["coop"], world["drivers"], world["orders"]
    offers = events // 2
    per_tick = max(1, round(rate * TICK_S))
    started = time.monotonic()
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        for first in range(0, events, per_tick):
            batch = range(first, min(first + per_tick, events))
            with conn.transaction(), conn.cursor() as cur:
                offered = [n for n in batch if n % 2 == 0 and n // 2 < offers]
                stepped = [n for n in batch if n not in offered]
                if offered:
                    cur.executemany(
                        "INSERT INTO order_offers (cooperative_id, order_id, driver_id, deadline)"
                        " VALUES (%s, %s, %s, now() + interval '120 seconds')",
                        [(coop, orders[n // 2], drivers[n // 2 % len(drivers)]) for n in offered],
                    )
                if stepped:
                    cur.executemany(
                        "INSERT INTO order_events (cooperative_id, order_id, from_status,"
                        " to_status) VALUES (%s, %s, 'new', 'planned')",
                        [(coop, orders[n // 2 % len(orders)]) for n in stepped],
                    )
            pause = started + (first + per_tick) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    return time.monotonic() - started


def progress(url: str) -> tuple[int, int, int]:
    """Messages not yet sent (or given up), deliveries to the fast receivers not delivered, and
    deliveries made to the slow one."""
    with psycopg.connect(_libpq(url)) as conn:
        row = conn.execute(
            """
            SELECT (SELECT count(*) FROM notification_messages
                    WHERE status IN ('queued', 'failed')) +
                   (SELECT count(*) FROM notification_outbox),
                   (SELECT count(*) FROM webhook_deliveries d JOIN webhook_subscriptions s
                      ON s.id = d.subscription_id
                    WHERE d.status <> 'delivered' AND s.url NOT LIKE '%%/h/0'),
                   (SELECT count(*) FROM webhook_deliveries d JOIN webhook_subscriptions s
                      ON s.id = d.subscription_id
                    WHERE d.status = 'delivered' AND s.url LIKE '%%/h/0')
            """
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


def latencies(url: str) -> dict[str, Any]:
    with psycopg.connect(_libpq(url)) as conn:
        pushes = [
            r[0]
            for r in conn.execute(
                """
                SELECT extract(epoch FROM m.sent_at - o.offered_at)
                FROM notification_messages m
                JOIN order_offers o
                  ON o.id = split_part(split_part(m.dedupe_key, '|', 1), ':', 2)::bigint
                WHERE m.status = 'sent'
                """
            )
        ]
        stages = conn.execute(
            """
            SELECT percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY extract(epoch FROM m.created_at - o.offered_at)),
                   percentile_cont(0.5) WITHIN GROUP (
                       ORDER BY extract(epoch FROM m.sent_at - m.created_at))
            FROM notification_messages m
            JOIN order_offers o
              ON o.id = split_part(split_part(m.dedupe_key, '|', 1), ':', 2)::bigint
            WHERE m.status = 'sent'
            """
        ).fetchone()
        hooks = [
            r[0]
            for r in conn.execute(
                """
                SELECT extract(epoch FROM d.delivered_at - e.at)
                FROM webhook_deliveries d
                JOIN webhook_subscriptions s ON s.id = d.subscription_id
                JOIN order_events e ON e.id = split_part(d.event_key, ':', 2)::bigint
                WHERE d.status = 'delivered' AND s.url NOT LIKE '%/h/0'
                """
            )
        ]
        span = conn.execute(
            """
            SELECT extract(epoch FROM greatest(
                       (SELECT max(sent_at) FROM notification_messages),
                       (SELECT max(d.delivered_at) FROM webhook_deliveries d
                          JOIN webhook_subscriptions s ON s.id = d.subscription_id
                        WHERE s.url NOT LIKE '%/h/0'))
                   - least((SELECT min(offered_at) FROM order_offers),
                           (SELECT min(at) FROM order_events)))
            """
        ).fetchone()
        failed = conn.execute(
            "SELECT status, count(*) FROM notification_messages GROUP BY status"
        ).fetchall()
    return {
        "pushes": sorted(float(x) for x in pushes),
        "hooks": sorted(float(x) for x in hooks),
        "span": float(span[0]) if span and span[0] is not None else 0.0,
        "messages": dict(failed),
        "stages": stages,
    }


def pct(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def process_figures(pid: int) -> dict[str, float]:
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                status[name] = int(value.split()[0]) / 1024
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    status["cpu_s"] = (int(fields[11]) + int(fields[12])) / ticks
    return status


async def raw_baseline(
    settings: Settings,
    receivers: Receivers,
    keys: BrowserKeys,
    pushes: int,
    hooks: int,
    webhooks: int,
) -> dict[str, float]:
    """The same sends straight from here: no database, no rows, no leases."""
    signer = VapidSigner(settings)
    endpoint = push.Endpoint(
        0, f"http://127.0.0.1:{receivers.port}/p/0", *keys.subscription("")["keys"].values()
    )
    payload = {"kind": "offer", "title": "Chuyến mới", "body": "Đơn BN-1", "url": "/app/#offers"}
    connector = aiohttp.TCPConnector(limit=2 * settings.notify_concurrency)
    async with aiohttp.ClientSession(connector=connector) as client:
        gate = asyncio.Semaphore(settings.notify_concurrency)

        async def one_push() -> None:
            async with gate:
                await push.send(
                    client, signer, endpoint, payload, ttl=120, urgent=True, allow_private=True
                )

        started = time.monotonic()
        await asyncio.gather(*(one_push() for _ in range(pushes)))
        push_rate = pushes / (time.monotonic() - started)

        body = json.dumps({"type": "order.status_changed", "data": {"n": 1}}).encode()

        async def receiver_sends(n: int, count: int) -> None:  # one at a time, as notify does
            for _ in range(count):
                headers = {signing.HEADER: signing.sign("whsec_x", int(time.time()), body)}
                url = f"http://127.0.0.1:{receivers.port}/h/{n}"
                async with client.post(url, data=body, headers=headers) as answer:
                    await answer.read()

        per = hooks // max(webhooks - 1, 1)
        started = time.monotonic()
        await asyncio.gather(*(receiver_sends(n, per) for n in range(1, webhooks)))
        hook_rate = per * (webhooks - 1) / (time.monotonic() - started)
    return {"push_rate": push_rate, "hook_rate": hook_rate}


async def run(args: argparse.Namespace, url: str) -> None:
    receivers = Receivers()
    runner = await receivers.start()
    try:
        if True:
            orders = max(args.events // 2, 1)
            world = await asyncio.to_thread(
                prepare, url, receivers, args.drivers, args.webhooks, orders
            )
            settings = Settings(database_url=url, secret_key=SECRET, webhooks_allow_private=True)
            process = start_notify(url, SECRET, webhooks_allow_private="true")
            try:
                await asyncio.sleep(2)  # imports and first connection
                figures_before = process_figures(process.pid)
                took = await asyncio.to_thread(commit_events, url, world, args.events, args.rate)
                print(f"committed {args.events} events in {took:.1f} s")
                deadline = time.monotonic() + args.timeout
                while time.monotonic() < deadline:
                    left_messages, left_hooks, slow = await asyncio.to_thread(progress, url)
                    if left_messages == 0 and left_hooks == 0:
                        break
                    await asyncio.sleep(0.5)
                figures = process_figures(process.pid)
            finally:
                process.terminate()
                await asyncio.to_thread(process.wait, 120)
            found = await asyncio.to_thread(latencies, url)
            _, left_hooks, slow = await asyncio.to_thread(progress, url)
            sent = len(found["pushes"]) + len(found["hooks"])
            print(
                f"drivers with a push subscription: {len(world['drivers'])}; webhooks:"
                f" {args.webhooks} (one answering in {SLOW_S:.0f} s); rate offered {args.rate}/s"
            )
            print(f"messages by state: {found['messages']}; fast deliveries left: {left_hooks}")
            print(
                f"throughput: {sent} sends in {found['span']:.1f} s = "
                f"{sent / found['span']:.0f}/s ({len(found['pushes'])} pushes,"
                f" {len(found['hooks'])} webhook deliveries)"
            )
            for name in ("pushes", "hooks"):
                values = found[name]
                print(
                    f"event → {name[:-2] if name == 'pushes' else 'webhook'}: p50"
                    f" {pct(values, 0.5):.3f} s, p99 {pct(values, 0.99):.3f} s, max"
                    f" {values[-1] if values else float('nan'):.3f} s"
                )
            fanned, sending = found["stages"] or (None, None)
            print(f"push stages, p50: event → message row {fanned} s, row → sent {sending} s")
            print(f"slow receiver: {slow} delivered meanwhile (one at a time, in order)")
            print(
                f"notify process: RSS {figures['VmRSS']:.0f} MB (peak {figures['VmHWM']:.0f} MB),"
                f" CPU {figures['cpu_s'] - figures_before['cpu_s']:.1f} s"
            )
            raw = await raw_baseline(
                settings,
                receivers,
                world["keys"],
                len(found["pushes"]),
                len(found["hooks"]),
                args.webhooks,
            )
            pipeline_push = len(found["pushes"]) / found["span"] if found["span"] else 0.0
            print(
                f"raw baseline (same sends from this process, no database): pushes"
                f" {raw['push_rate']:.0f}/s, webhook POSTs {raw['hook_rate']:.0f}/s"
                f" (one at a time per receiver); pipeline / raw: pushes"
                f" {pipeline_push / raw['push_rate']:.2f},"
                f" webhooks {len(found['hooks']) / found['span'] / raw['hook_rate']:.2f}"
                if found["span"]
                else "no sends measured"
            )
            if found["pushes"]:
                print(f"median push latency {statistics.median(found['pushes']):.3f} s")
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--drivers", type=int, default=3000)
    parser.add_argument("--webhooks", type=int, default=50)
    parser.add_argument("--rate", type=float, default=500, help="events committed per second")
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for sends")
    args = parser.parse_args()
    with database("notify", demo=True) as url:
        asyncio.run(run(args, url))


if __name__ == "__main__":
    main()
