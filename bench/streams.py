"""Thousands of drivers' push channels open at once: offer → phone latency, the database's work
while they are idle, the API's memory (targets: p99 ≤ 1 s; queries/s independent of the number
of connections).

``python -m bench.streams [--drivers 3000] [--offers 100] [--at-once 1] [--idle-seconds 30]``
builds a throwaway database with the demo cooperative (3,000 drivers with accounts), starts
``coopfleet api`` as its own process, opens a device session for each driver and connects that
many WebSockets (``/driver/messages/ws``) from one asyncio client, then, as the demo dispatcher
through the API, creates ``--offers`` orders and offers each to a different connected driver
(``POST /orders/{id}/offers``, one after the other as a dispatcher would, or ``--at-once`` in
flight). Printed, with the raw baseline measured in the same run:

* p50/p99/max from just before the offer's POST to its arrival on the driver's socket, against
  a bare NOTIFY → LISTEN round trip on the same PostgreSQL (what the wake-up path adds to);
* transactions per second on the bench database (``pg_stat_database`` xact_commit +
  xact_rollback) while every connection is idle, with all of them open, then with a tenth;
  before the NOTIFY design each connection read the database once a second;
* the API process's resident memory with the connections open, and its CPU while they idle.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time
from typing import Any

import httpx
import psycopg
from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect

from core.config import Settings
from core.db import create_engine_from_settings, session_factory
from devtools.apps import order_body
from devtools.processes import start_api
from devtools.seed import DEMO_DISPATCHER
from devtools.throwaway import DEMO_COOPERATIVE, database
from fleet.auth import open_session
from fleet.models import Cooperative, User

SECRET = "bench-" + "k" * 40  # devtools.processes.start_api's default: the tokens below must match
CONNECT_AT_ONCE = 100
SETTLE_S = 15  # an idle backend flushes its statistics within 10 s (PostgreSQL ≥ 15)


def _libpq(url: str) -> str:
    return url.replace("+psycopg", "")


async def _tokens(url: str, drivers: int) -> tuple[str, list[tuple[int, str]]]:
    """The dispatcher's access token and (driver id, access token) for ``drivers`` drivers: device
    sessions opened directly (signing 3,000 phones in through Argon2 would measure Argon2)."""
    settings = Settings(database_url=url, secret_key=SECRET)
    engine = create_engine_from_settings(settings)
    try:
        async with session_factory(engine)() as session:
            coop = await session.scalar(
                select(Cooperative.id).where(Cooperative.name == DEMO_COOPERATIVE)
            )
            users = (
                await session.scalars(
                    select(User)
                    .where(User.cooperative_id == coop, User.driver_id.is_not(None))
                    .order_by(User.id)
                    .limit(drivers)
                )
            ).all()
            dispatcher = await session.scalar(select(User).where(User.login == DEMO_DISPATCHER))
            assert dispatcher is not None and len(users) == drivers, "seed the demo first"
            office = (await open_session(session, dispatcher, None, settings)).access_token
            phones = []
            for user in users:
                assert user.driver_id is not None
                tokens = await open_session(session, user, f"bench-{user.id}", settings)
                phones.append((user.driver_id, tokens.access_token))
            await session.commit()
    finally:
        await engine.dispose()
    return office, phones


class Phones:
    """The drivers' sockets, and when each offer reached its phone."""

    def __init__(self) -> None:
        self.sockets: dict[int, ClientConnection] = {}
        self.readers: dict[int, asyncio.Task[None]] = {}
        self.arrived: dict[int, float] = {}  # order id -> monotonic time
        self.waiting: dict[int, asyncio.Event] = {}

    async def connect(self, ws_base: str, driver_id: int, token: str) -> None:
        socket = await connect(
            f"{ws_base}/api/v1/driver/messages/ws?token={token}", open_timeout=60
        )
        self.sockets[driver_id] = socket
        self.readers[driver_id] = asyncio.create_task(self._read(socket))

    async def _read(self, socket: ClientConnection) -> None:
        async for text in socket:
            message: dict[str, Any] = json.loads(text)
            if message.get("kind") == "offer":
                order_id = int(message["payload"]["order_id"])
                self.arrived[order_id] = time.monotonic()
                event = self.waiting.get(order_id)
                if event is not None:
                    event.set()

    async def close(self, driver_ids: list[int]) -> None:
        for driver_id in driver_ids:
            self.readers.pop(driver_id).cancel()
            await self.sockets.pop(driver_id).close()


def _transactions(url: str) -> int:
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database"
            " WHERE datname = current_database()"
        ).fetchone()
    assert row is not None
    return int(row[0])


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _idle(url: str, pid: int, seconds: float) -> tuple[float, float]:
    """Transactions per second on the database and the API's share of one core, idle."""
    cpu = _cpu_seconds(pid)
    rate = await _idle_rate(url, seconds)
    return rate, (_cpu_seconds(pid) - cpu) / seconds


async def _idle_rate(url: str, seconds: float) -> float:
    """The bench database's transactions per second over ``seconds``, measured once what came
    before has settled (a backend flushes its statistics at most once a second, and an idle one
    within 10 s). The first reading itself counts one."""
    before = _transactions(url)
    await asyncio.sleep(seconds)
    return (_transactions(url) - before - 1) / seconds


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _notify_round_trips(url: str, count: int) -> list[float]:
    """Seconds from NOTIFY (committed) to the listening connection receiving it."""
    spent = []
    with (
        psycopg.connect(_libpq(url), autocommit=True) as listener,
        psycopg.connect(_libpq(url), autocommit=True) as sender,
    ):
        listener.execute("LISTEN bench_ping")
        for n in range(count):
            start = time.monotonic()
            sender.execute("SELECT pg_notify('bench_ping', %s)", (str(n),))
            for _ in listener.notifies(timeout=5, stop_after=1):
                spent.append(time.monotonic() - start)
    return spent


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _offer_all(
    base: str, office: str, phones: Phones, driver_ids: list[int], at_once: int
) -> tuple[list[float], int]:
    """Create an order per driver and offer it; seconds from each POST to the phone, and how
    many never arrived within 10 s."""
    headers = {"Authorization": f"Bearer {office}"}
    gate = asyncio.Semaphore(at_once)
    latencies: list[float] = []
    answered: list[float] = []
    after_answer: list[float] = []  # the wake-up path's own part (< 0: before the answer)
    lost = 0
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as http:
        orders = []
        for n, _ in enumerate(driver_ids):
            made = await http.post("/api/v1/orders", json=order_body(f"BENCH-{n}"))
            assert made.status_code == 201, made.text
            orders.append(int(made.json()["id"]))

        async def offer(order_id: int, driver_id: int) -> None:
            nonlocal lost
            async with gate:
                phones.waiting[order_id] = asyncio.Event()
                start = time.monotonic()
                answer = await http.post(
                    f"/api/v1/orders/{order_id}/offers", json={"driver_id": driver_id}
                )
                assert answer.status_code in (200, 201), answer.text
                answered.append(time.monotonic() - start)
                try:
                    async with asyncio.timeout(10):
                        await phones.waiting[order_id].wait()
                except TimeoutError:
                    lost += 1
                    return
                latencies.append(phones.arrived[order_id] - start)
                after_answer.append(latencies[-1] - answered[-1])

        await asyncio.gather(*(offer(o, d) for o, d in zip(orders, driver_ids, strict=True)))
    print(
        f"  the offer POST alone (its answer, after the commit): p50"
        f" {_quantile(answered, 0.5) * 1000:.1f} ms, p99 {_quantile(answered, 0.99) * 1000:.1f} ms;"
        f" arrival after the answer p50 {_quantile(after_answer, 0.5) * 1000:.1f} ms,"
        f" p99 {_quantile(after_answer, 0.99) * 1000:.1f} ms"
    )
    return latencies, lost


async def _measure(url: str, base: str, pid: int, args: argparse.Namespace) -> None:
    office, drivers = await _tokens(url, args.drivers)
    phones = Phones()
    ws_base = base.replace("http", "ws")
    started = time.monotonic()
    for at in range(0, len(drivers), CONNECT_AT_ONCE):
        batch = drivers[at : at + CONNECT_AT_ONCE]
        await asyncio.gather(*(phones.connect(ws_base, d, t) for d, t in batch))
    print(
        f"  {len(phones.sockets)} WebSockets open in {time.monotonic() - started:.1f} s;"
        f" API RSS {_rss_mb(pid):.0f} MB"
    )
    await asyncio.sleep(SETTLE_S)  # the sign-ins' statistics are flushed (see _idle_rate)
    idle_all, cpu_all = await _idle(url, pid, args.idle_seconds)
    print(
        f"  idle, {len(phones.sockets)} connections: {idle_all:.2f} transactions/s on the"
        f" database over {args.idle_seconds:.0f} s (polling once a second per connection, as"
        f" before, would be ≥ {len(phones.sockets)}/s); API CPU {cpu_all:.3f} of one core"
    )

    step = max(1, len(drivers) // args.offers)
    chosen = [driver_id for driver_id, _ in drivers[::step][: args.offers]]
    latencies, lost = await _offer_all(base, office, phones, chosen, args.at_once)
    raw = _notify_round_trips(url, 200)
    p50, p99 = _quantile(latencies, 0.5), _quantile(latencies, 0.99)
    raw50, raw99 = _quantile(raw, 0.5), _quantile(raw, 0.99)
    print(
        f"  offer → phone over {len(latencies)} offers ({lost} not arrived within 10 s,"
        f" {args.at_once} at a time): p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms,"
        f" max {max(latencies) * 1000:.1f} ms (target p99 ≤ 1000 ms);"
        f" mean {statistics.mean(latencies) * 1000:.1f} ms"
    )
    print(
        f"  raw baseline, bare NOTIFY → LISTEN round trip (200): p50 {raw50 * 1000:.2f} ms,"
        f" p99 {raw99 * 1000:.2f} ms; offer p99 / raw p99 = {p99 / raw99:.0f}×"
        " (the offer's path adds the HTTP request, its transaction and the socket read)"
    )
    print(f"  API RSS with {len(phones.sockets)} connections: {_rss_mb(pid):.0f} MB")

    keep = max(1, len(drivers) // 10)
    await phones.close([driver_id for driver_id, _ in drivers[keep:]])
    await asyncio.sleep(SETTLE_S)
    idle_tenth, cpu_tenth = await _idle(url, pid, args.idle_seconds)
    print(
        f"  idle, {len(phones.sockets)} connections: {idle_tenth:.2f} transactions/s over"
        f" {args.idle_seconds:.0f} s; API CPU {cpu_tenth:.3f} of one core;"
        f" API RSS {_rss_mb(pid):.0f} MB"
    )
    await phones.close(list(phones.sockets))
    await asyncio.sleep(SETTLE_S)
    idle_none, cpu_none = await _idle(url, pid, args.idle_seconds)
    print(
        f"  idle, no connection: {idle_none:.2f} transactions/s; API CPU {cpu_none:.3f} of one core"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drivers", type=int, default=3000, help="connected drivers (≤ 3000)")
    parser.add_argument("--offers", type=int, default=100, help="offers sent, one per driver")
    parser.add_argument("--at-once", type=int, default=1, help="offers in flight at once")
    parser.add_argument("--idle-seconds", type=float, default=30.0, help="each idle window")
    args = parser.parse_args()
    os.environ["COOPFLEET_SECRET_KEY"] = SECRET  # the throwaway run's own (seed, API, tokens)
    with database("streams", demo=True) as url:
        server, base = start_api(url, SECRET)
        try:
            print(
                f"bench.streams: {args.drivers} drivers, {args.offers} offers, API pid {server.pid}"
            )
            asyncio.run(_measure(url, base, server.pid, args))
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
