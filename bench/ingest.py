"""Ingestion benchmark: 3,000 simulated vehicles → Mosquitto → ingest workers → PostGIS.

Run ``python -m bench.ingest`` (after ``make services``). It builds a throwaway database, starts a
private broker from the shipped configuration and the ingest workers as their own processes, then
a load generator (a separate process speaking raw MQTT as every vehicle, over one connection per
vehicle) publishes at a target rate for a fixed time. It prints sustained positions/s, published
vs stored, duplicates, latency from device time to commit (p50/p99), worker RSS, CPU seconds by
process, bytes per stored position, and the raw COPY ceiling of the same rows with the ratio.
``--find-max`` ramps the rate until messages are lost or p99 passes 1 s. ``--outage N`` runs on a
private PostgreSQL cluster (``devtools.pgcluster``) and stops it for N seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

from devtools.broker import LocalBroker
from devtools.pgcluster import PrivateCluster
from migrations import upgrade
from telematics.contract import telemetry_topic
from telematics.credentials import device_password, device_username, write_password_file

BASE_URL = os.environ.get(
    "COOPFLEET_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/coopfleet"
)
SECRET = "bench-secret-key-bench-secret-key-0123456789"
TICKS = os.sysconf("SC_CLK_TCK")


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _with_database(url: str, name: str) -> str:
    head, _, _ = url.rpartition("/")
    return f"{head}/{name}"


# --- processes ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (FileNotFoundError, ProcessLookupError):
                continue
            if int(stat[1]) == pid:
                found.append(int(entry.name))
    return found


def postgres_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError):
                continue
    return pids


# --- the load generator (runs as its own process) -------------------------------------------


def loadgen(args: argparse.Namespace) -> None:
    """Publish ``rate`` fixes/s for ``seconds`` from every vehicle; print a JSON summary."""
    from devtools.mqtt_wire import DevicePool

    vehicles = json.loads(args.vehicles)
    pool = DevicePool("127.0.0.1", args.port)
    for vid, _ in vehicles:
        pool.open(str(vid), f"bench-{vid}", device_username(vid), device_password(SECRET, vid))
    pool.wait_connected(timeout=120)
    topics = [(str(vid), telemetry_topic(coop, vid)) for vid, coop in vehicles]
    print(json.dumps({"ready": True}), flush=True)
    started = time.time()
    sent = 0
    tick = 0.01
    last_ms = [0] * len(topics)  # device times stay unique per vehicle even if the loop lags
    while True:
        now = time.time()
        elapsed = now - started
        if elapsed >= args.seconds:
            break
        due = int(elapsed * args.rate) - sent
        now_ms = int(now * 1000)
        for k in range(due):
            index = (sent + k) % len(topics)
            name, topic = topics[index]
            stamp = last_ms[index] = max(now_ms, last_ms[index] + 1)
            # each vehicle on its own spot, creeping north about a metre a fix
            lat = 10.8 + (index % 100) * 0.003 + (sent + k) // len(topics) * 1e-5
            lon = 106.7 + (index // 100) * 0.003
            payload = (
                f'{{"time":{stamp},"lat":{lat:.6f},"lon":{lon:.6f},"speed":42.5,"heading":0,'
                f'"sats":10,"hdop":0.9,"ign":true,"odo":{12345678 + sent + k}}}'
            ).encode()
            pool.publish(name, topic, payload)
        sent += max(due, 0)
        pool.pump(tick)
    pool.flush(timeout=300)
    pool.close()
    print(
        json.dumps(
            {
                "published": pool.counters.published,
                "acked": pool.counters.acked,
                "seconds": time.time() - started,
                "cpu": time.process_time(),
            }
        ),
        flush=True,
    )


# --- one run --------------------------------------------------------------------------------


@dataclass
class RunResult:
    rate_target: int
    seconds: float
    published: int
    stored: int
    lost: int
    dead_letters: int
    duplicates: int
    sustained_per_s: float
    p50_ms: float
    p99_ms: float
    worker_rss_max_mb: float
    worker_rss_first_mb: float  # after the first minute (or at the start of a shorter run)
    worker_rss_last_mb: float
    cpu_broker_s: float
    cpu_ingest_s: float
    cpu_postgres_s: float
    cpu_publisher_s: float
    bytes_per_position: float


class Bench:
    def __init__(self, vehicles: int, workers: int, cluster: PrivateCluster | None = None) -> None:
        """``cluster``: a private PostgreSQL to run on, which ``--outage`` may stop; without it,
        the machine's server at COOPFLEET_DATABASE_URL (never stopped)."""
        self.name = f"coopfleet_bench_{uuid.uuid4().hex[:8]}"
        self.cluster = cluster
        self.server = cluster.url("postgres") if cluster else BASE_URL
        self.url = _with_database(self.server, self.name)
        self.vehicles = vehicles
        self.workers = workers
        self.broker_dir = Path(tempfile.mkdtemp(prefix="coopfleet-bench-mqtt-"))
        self.broker = LocalBroker(self.broker_dir)
        self.fleet: list[tuple[int, int]] = []
        self.group = f"bench{uuid.uuid4().hex[:6]}"

    def __enter__(self) -> Bench:
        with psycopg.connect(_libpq(_with_database(self.server, "postgres")), autocommit=True) as c:
            c.execute(f'CREATE DATABASE "{self.name}"')
        upgrade(self.url)
        with psycopg.connect(_libpq(self.url), autocommit=True) as conn:
            coop = conn.execute(
                "INSERT INTO cooperatives (name, tax_code) VALUES ('HTX bench', '3600000001')"
                " RETURNING id"
            ).fetchone()[0]  # type: ignore[index]
            rows = conn.execute(
                "INSERT INTO vehicles (cooperative_id, plate, plate_key, kind, payload_kg)"
                " SELECT %s, '60C-' || lpad(n::text, 5, '0'), '60C' || n, 'truck', 5000"
                " FROM generate_series(1, %s) AS n RETURNING id",
                (coop, self.vehicles),
            ).fetchall()
        self.fleet = [(row[0], coop) for row in rows]
        write_password_file(self.broker.password_file, SECRET, [v for v, _ in self.fleet])
        self.broker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.broker.stop()
        shutil.rmtree(self.broker_dir, ignore_errors=True)
        with psycopg.connect(_libpq(_with_database(self.server, "postgres")), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "COOPFLEET_DATABASE_URL": self.url,
            "COOPFLEET_MQTT_HOST": "127.0.0.1",
            "COOPFLEET_MQTT_PORT": str(self.broker.port),
            "COOPFLEET_SECRET_KEY": SECRET,
        }

    def count(self) -> int:
        with psycopg.connect(_libpq(self.url)) as conn:
            return int(conn.execute("SELECT count(*) FROM positions").fetchone()[0])  # type: ignore[index]

    def run(self, rate: int, seconds: float, outage: float = 0.0) -> RunResult:
        with psycopg.connect(_libpq(self.url), autocommit=True) as conn:
            conn.execute("TRUNCATE positions, vehicle_state, dead_letters, ingest_workers")
        # One group and worker id for every run of this bench: a new persistent session per run
        # would leave the old ones queueing every later message at the broker.
        group = self.group
        ingest = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "cli.main",
                "ingest",
                "--workers",
                str(self.workers),
                "--worker-id",
                group,
                "--group",
                group,
                "--log-level",
                "warning",
            ],
            env=self.env(),
        )
        time.sleep(2.0)
        ingest_pids = [ingest.pid, *children(ingest.pid)]
        publisher = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.ingest",
                "--loadgen",
                "--port",
                str(self.broker.device_port),  # the vehicles' listener
                "--rate",
                str(rate),
                "--seconds",
                str(seconds),
                "--vehicles",
                json.dumps(self.fleet),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert publisher.stdout is not None
        json.loads(publisher.stdout.readline())  # every vehicle connected
        broker_pid = self.broker.pid or 0
        pg = postgres_pids()
        cpu0 = {
            "broker": cpu_seconds(broker_pid),
            "ingest": sum(cpu_seconds(p) for p in ingest_pids),
            "postgres": sum(cpu_seconds(p) for p in pg),
            "publisher": cpu_seconds(publisher.pid),
        }
        rss_samples: list[float] = []
        windows: list[tuple[float, float]] = []
        start_count, started = self.count(), time.monotonic()
        if outage and self.cluster is None:
            raise ValueError("an outage stops a private cluster: pass one to Bench")
        outage_at = started + seconds / 3 if outage else None
        while publisher.poll() is None:
            time.sleep(1.0)
            rss_samples.append(
                sum(rss_mb(p) for p in ingest_pids[1:]) / max(1, len(ingest_pids) - 1)
            )
            if outage_at is not None and time.monotonic() >= outage_at:
                outage_at = None
                print(f"  stopping PostgreSQL for {outage:g} s", flush=True)
                assert self.cluster is not None
                self.cluster.stop()
                time.sleep(outage)
                self.cluster.start()
                pg = postgres_pids()
                cpu0["postgres"] = 0.0
                continue
            with contextlib.suppress(psycopg.OperationalError):
                windows.extend(self._latency_windows())
        summary = json.loads(publisher.stdout.read().strip().splitlines()[-1])
        cpu1 = {
            "broker": cpu_seconds(broker_pid),
            "ingest": sum(cpu_seconds(p) for p in ingest_pids),
            "postgres": sum(cpu_seconds(p) for p in pg),
            "publisher": float(summary["cpu"]),
        }
        published = int(summary["acked"])
        deadline = time.monotonic() + 60
        stored, dead = self.count(), self.dead_letters()
        while stored + dead < published and time.monotonic() < deadline:
            time.sleep(0.5)
            stored, dead = self.count(), self.dead_letters()
        drained = time.monotonic() - started
        time.sleep(6)  # one more stats report
        windows.extend(self._latency_windows())
        duplicates = self._duplicates()
        ingest.terminate()
        ingest.wait(timeout=60)
        p50s = [w[0] for w in windows if w[0] > 0]
        p99s = [w[1] for w in windows if w[1] > 0]
        return RunResult(
            rate_target=rate,
            seconds=round(float(summary["seconds"]), 1),
            published=published,
            stored=stored,
            lost=max(0, published - stored - dead),
            dead_letters=dead,
            duplicates=duplicates,
            sustained_per_s=round((stored - start_count) / max(drained, 1e-9)),
            p50_ms=round(statistics.median(p50s), 1) if p50s else 0.0,
            p99_ms=round(max(p99s), 1) if p99s else 0.0,
            worker_rss_max_mb=round(max(rss_samples, default=0.0), 1),
            worker_rss_first_mb=round(rss_samples[min(59, len(rss_samples) - 1)], 1)
            if rss_samples
            else 0.0,
            worker_rss_last_mb=round(rss_samples[-1], 1) if rss_samples else 0.0,
            cpu_broker_s=round(cpu1["broker"] - cpu0["broker"], 1),
            cpu_ingest_s=round(cpu1["ingest"] - cpu0["ingest"], 1),
            cpu_postgres_s=round(cpu1["postgres"] - cpu0["postgres"], 1),
            cpu_publisher_s=round(cpu1["publisher"] - cpu0["publisher"], 1),
            bytes_per_position=self._bytes_per_position(stored),
        )

    def dead_letters(self) -> int:
        with psycopg.connect(_libpq(self.url)) as conn:
            return int(conn.execute("SELECT count(*) FROM dead_letters").fetchone()[0])  # type: ignore[index]

    def _latency_windows(self) -> list[tuple[float, float]]:
        with psycopg.connect(_libpq(self.url)) as conn:
            rows = conn.execute(
                "SELECT latency_p50_ms, latency_p99_ms FROM ingest_workers"
                " WHERE updated_at > now() - interval '1.5 seconds'"
            ).fetchall()
        return [(float(a), float(b)) for a, b in rows]

    def _duplicates(self) -> int:
        with psycopg.connect(_libpq(self.url)) as conn:
            row = conn.execute("SELECT coalesce(sum(duplicates), 0) FROM ingest_workers").fetchone()
        return int(row[0]) if row else 0

    def _bytes_per_position(self, stored: int) -> float:
        with psycopg.connect(_libpq(self.url)) as conn:
            row = conn.execute(
                "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits"
                " WHERE inhparent = 'positions'::regclass"
            ).fetchone()
        return round(int(row[0]) / stored, 1) if row and stored else 0.0

    def copy_ceiling(self, rows: int, attempt: int) -> float:
        """Rows/s of a plain COPY of the same kind of rows straight into ``positions``."""
        day = datetime.now(UTC).date() + timedelta(days=2 + attempt)
        base = datetime(day.year, day.month, day.day, tzinfo=UTC)
        with psycopg.connect(_libpq(self.url)) as conn:
            conn.execute("SELECT coopfleet_ensure_positions_partition(%s)", (day,))
            conn.commit()
            vehicle_ids = [v for v, _ in self.fleet]
            coop = self.fleet[0][1]
            started = time.perf_counter()
            with (
                conn.cursor() as cur,
                cur.copy(
                    "COPY positions (cooperative_id, vehicle_id, device_time, received_at, geom,"
                    " speed_kmh, heading, satellites, hdop, ignition, odometer_m) FROM STDIN"
                ) as copy,
            ):
                for k in range(rows):
                    when = base + timedelta(milliseconds=k * 7)
                    lat = 10.9 + (k % 997) * 1e-5
                    copy.write_row(
                        (
                            coop,
                            vehicle_ids[k % len(vehicle_ids)],
                            when,
                            when,
                            f"SRID=4326;POINT(106.84 {lat:.6f})",
                            42.5,
                            90,
                            10,
                            0.9,
                            True,
                            12345678 + k,
                        )
                    )
            conn.commit()
            return rows / (time.perf_counter() - started)


def _print(result: RunResult) -> None:
    print("  " + ", ".join(f"{k}={v}" for k, v in asdict(result).items()), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loadgen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--vehicles", default="3000")
    parser.add_argument("--rate", type=int, default=20_000, help="messages (positions) per s")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2, help="ingest worker processes")
    parser.add_argument("--find-max", action="store_true")
    parser.add_argument(
        "--outage",
        type=float,
        default=0.0,
        help="stop PostgreSQL this many seconds, a third into each run (a private cluster)",
    )
    args = parser.parse_args()
    if args.loadgen:
        loadgen(args)
        return
    with contextlib.ExitStack() as stack:
        # The outage stops PostgreSQL: a private cluster, never the machine's own.
        cluster = stack.enter_context(PrivateCluster()) if args.outage else None
        bench = stack.enter_context(Bench(int(args.vehicles), args.workers, cluster))
        print(
            f"ingest benchmark: {args.vehicles} vehicles, {args.workers} workers, "
            f"{os.cpu_count()} cores",
            flush=True,
        )
        if args.find_max:
            best = 0
            for rate in (3_000, 6_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000):
                result = bench.run(rate, args.seconds)
                _print(result)
                if result.lost or result.p99_ms > 1000:
                    break
                best = rate
            print(f"highest rate with 0 lost and p99 <= 1 s: {best} positions/s")
            return
        results = []
        for n in range(args.runs):
            result = bench.run(args.rate, args.seconds, args.outage)
            print(f"run {n + 1}:")
            _print(result)
            results.append(result)
        ceiling = statistics.median(bench.copy_ceiling(200_000, n) for n in range(3))
        sustained = statistics.median(r.sustained_per_s for r in results)
        print(
            f"median sustained: {sustained:.0f} positions/s; lost: "
            f"{[r.lost for r in results]}; p99 ms: {[r.p99_ms for r in results]}"
        )
        print(
            f"raw COPY ceiling (same rows, same table, text COPY): {ceiling:.0f} rows/s; "
            f"pipeline / ceiling = {sustained / ceiling:.2f}"
        )


if __name__ == "__main__":
    main()
