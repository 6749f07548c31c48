"""Position forwarder benchmark: what a forwarder costs ingestion, and how fast it sends.

``python -m bench.forward`` builds a throwaway database with one cooperative of 3,000 vehicles
and stores positions through the ingest worker's write path (``telematics.store``: binary COPY,
5,000-row batches, one fix per vehicle per second) — in each run, half the batches with no
forwarder and half with one (so the trigger that marks them works), alternating, on the same
tables. Then the job worker's step (``telematics.forward.drain``) sends everything waiting to a
local HTTP receiver. Printed per run: the median batch write time without and with the
forwarder (their ratio is the trigger's cost), and the forwarder's throughput beside the raw
baseline of reading the same rows with one plain SELECT in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import create_async_engine

from core.db import session_factory
from devtools.throwaway import database
from telematics.forward import drain
from telematics.store import PositionStore, connect

VEHICLES = 3000
BATCH = 5000


class _Sink(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        _Sink.received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _setup(dsn: str) -> tuple[int, list[int]]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        coop = conn.execute(
            "INSERT INTO cooperatives (name, tax_code) VALUES ('HTX bench', '3600000001')"
            " RETURNING id"
        ).fetchone()[0]  # type: ignore[index]
        rows = conn.execute(
            "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind)"
            " SELECT %s, '60C-' || lpad(n::text, 5, '0'), '60C' || lpad(n::text, 5, '0'), 'truck'"
            " FROM generate_series(1, %s) AS n RETURNING id",
            (coop, VEHICLES),
        ).fetchall()
    return int(coop), [int(r[0]) for r in rows]


def _batches(coop: int, vehicles: list[int], start: datetime, count: int) -> list[list[Any]]:
    """``count`` batches of BATCH rows: every vehicle's fix of each second, in turn."""
    rows: list[Any] = []
    second = 0
    while len(rows) < count * BATCH:
        at = start + timedelta(seconds=second)
        now = datetime.now(UTC)
        rows += [
            (coop, v, at, now, 106.8 + i / 1e5, 10.9, 40.0, 90, None, 9, 1.0, True, second, None,
             None)
            for i, v in enumerate(vehicles)
        ]  # fmt: skip
        second += 1
    return [rows[i * BATCH : (i + 1) * BATCH] for i in range(count)]


def _write(store: PositionStore, batch: list[Any]) -> float:
    started = time.perf_counter()
    store.write(batch, [])
    return time.perf_counter() - started


async def _drain(url: str) -> tuple[int, float]:
    engine = create_async_engine(url)
    try:
        started = time.perf_counter()
        total = 0
        while True:
            outcome = await drain(session_factory(engine), allow_private=True, max_rounds=1000)
            total += outcome.sent
            if not outcome.sent:
                break
        return total, time.perf_counter() - started
    finally:
        await engine.dispose()


def run(batches_per_side: int, runs: int) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = f"http://127.0.0.1:{server.server_address[1]}/positions"
    with database("forward") as url:
        dsn = url.replace("+psycopg", "")
        coop, vehicles = _setup(dsn)
        start = datetime(2026, 11, 20, tzinfo=UTC)
        for run_no in range(1, runs + 1):
            batches = _batches(coop, vehicles, start, 2 * batches_per_side)
            start += timedelta(seconds=len(batches) * BATCH // VEHICLES + 1)
            without: list[float] = []
            with_forwarder: list[float] = []
            with connect(dsn) as conn, psycopg.connect(dsn, autocommit=True) as admin:
                store = PositionStore(conn)
                forwarder = admin.execute(
                    "INSERT INTO position_forwarders (cooperative_id, name, url, enabled)"
                    " VALUES (%s, 'bench', %s, false) RETURNING id",
                    (coop, target),
                ).fetchone()[0]  # type: ignore[index]
                for index, batch in enumerate(batches):  # alternate: same table, same moment
                    on = index % 2 == 1
                    admin.execute(
                        "UPDATE position_forwarders SET enabled = %s WHERE id = %s", (on, forwarder)
                    )
                    (with_forwarder if on else without).append(_write(store, batch))
                admin.execute(
                    "UPDATE position_forwarders SET enabled = true WHERE id = %s", (forwarder,)
                )
                started = time.perf_counter()
                raw = admin.execute(
                    "SELECT p.vehicle_id, v.plate, p.device_time, ST_X(p.geom), ST_Y(p.geom),"
                    " p.speed_kmh FROM positions p JOIN vehicles v ON v.id = p.vehicle_id"
                    " WHERE p.cooperative_id = %s AND p.device_time >= %s",
                    (coop, batches[0][0][2]),
                ).fetchall()
                raw_s = time.perf_counter() - started
            sent, drain_s = asyncio.run(_drain(url))
            with psycopg.connect(dsn, autocommit=True) as admin:
                admin.execute("DELETE FROM position_forwarders WHERE id = %s", (forwarder,))
            expected = batches_per_side * BATCH
            plain, marked = statistics.median(without), statistics.median(with_forwarder)
            print(
                f"run {run_no}: batch write median {plain * 1000:.1f} ms without a forwarder, "
                f"{marked * 1000:.1f} ms with one (ratio {marked / plain:.2f}); "
                f"forwarded {sent} of {expected} marked positions in {drain_s:.2f} s "
                f"({sent / drain_s:,.0f}/s, {_Sink.received} POSTs so far); raw SELECT of all "
                f"{len(raw)} rows {raw_s:.3f} s ({len(raw) / raw_s:,.0f}/s; the forwarder at "
                f"{(sent / drain_s) / (len(raw) / raw_s):.2f} of it)",
                flush=True,
            )
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20, help="batches each side, per run")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    run(args.batches, args.runs)


if __name__ == "__main__":
    main()
