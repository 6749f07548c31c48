"""Gateway benchmark: simulated GT06 and JT/T 808 devices on persistent TCP connections, one fix
per second each, through ``coopfleet gateway``, the broker, the ingest workers and PostGIS.

Run ``python -m bench.gateway`` (after ``make services``): a throwaway database and a private
broker (``bench.ingest.Bench``), the ingest workers and the gateway as their own processes, and a
load generator process (uvloop, one connection per device as a protocol object: half GT06, half
JT/T 808) sending every device's fix at each whole second, the protocols' time resolution, so
device time → commit is a true latency; it prints how late its own sends were (p99), which that
latency includes.
Prints sent / stored / lost, the ingest workers' p50/p99 device time → commit, the JT/T 808
devices' p50/p99 send → acknowledgement (the gateway answers after the broker's PUBACK), the
gateway's CPU per 1,000 fixes/s and its RSS; ``--direct`` then runs the same rate straight over
MQTT (``bench.ingest``'s publisher) on the same database and broker and prints the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import statistics
import struct
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from typing import cast

import psycopg
import uvloop

from bench.ingest import SECRET, Bench, _libpq, _print, children, cpu_seconds, rss_mb
from devtools.ports import free_port
from telematics.contract import telemetry_topic
from telematics.credentials import device_password, device_username
from telematics.gateway import gt06, jt808

# --- the load generator (its own process) ---------------------------------------------------


def _gt06_fix(when: datetime, lat: float, serial: int) -> bytes:
    status = 0x1000 | 0x0400 | 90
    content = bytes([when.year - 2000, when.month, when.day, when.hour, when.minute, when.second])
    content += bytes([0xC9]) + struct.pack(">II", round(lat * 1_800_000), round(106.7 * 1_800_000))
    content += bytes([42]) + struct.pack(">H", status) + bytes(8)
    return gt06.build_packet(0x12, content, serial)


def _jt808_fix(phone: bytes, when: datetime, lat: float, serial: int) -> bytes:
    body = struct.pack(">IIIIhHH", 0, 0x03, round(lat * 1e6), round(106.8 * 1e6), 10, 425, 90)
    body += bytes.fromhex(when.strftime("%y%m%d%H%M%S"))
    return jt808.build_frame(0x0200, phone, serial, body)


class Stats:
    def __init__(self) -> None:
        self.sent = 0
        self.acked = 0
        self.ack_ms: list[float] = []
        self.failed = 0
        self.lag_ms: list[float] = []  # how late after its whole second each fix left


class Device(asyncio.Protocol):
    """One simulated tracker on its own TCP connection. A protocol object, not a task with a
    stream: 3,000 tasks woken at each whole second cost the load generator more than the
    gateway costs the pipeline, and its lateness was counted as the pipeline's latency."""

    def __init__(self, kind: str, identifier: str, n: int, stats: Stats) -> None:
        self.kind, self.identifier, self.n, self.stats = kind, identifier, n, stats
        self.transport: asyncio.Transport | None = None
        self.logged_in = asyncio.get_running_loop().create_future()
        self.done = asyncio.get_running_loop().create_future()
        self.splitter = jt808.Splitter()
        self.sent_at: dict[int, float] = {}
        self.expected = 0
        self.bcd = bytes.fromhex(identifier) if kind == "jt808" else b""
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not asyncio's class
        if self.kind == "gt06":
            self.transport.write(gt06.build_packet(0x01, bytes.fromhex("0" + self.identifier), 1))
        else:
            self.logged_in.set_result(None)  # a terminal known by its number: no login needed

    def data_received(self, data: bytes) -> None:
        if self.kind == "gt06":
            self.buffer += data
            while len(self.buffer) >= 10:  # every GT06 answer here is 10 bytes
                answer, self.buffer = self.buffer[:10], self.buffer[10:]
                target = self.logged_in if answer[3] == 0x01 else self.done
                if not target.done():
                    target.set_result(None)
            return
        now = time.time()
        for message in self.splitter.feed(data):
            if isinstance(message, jt808.Message) and len(message.body) == 5:
                serial = struct.unpack(">H", message.body[:2])[0]
                sent = self.sent_at.pop(serial, None)
                if sent is not None:
                    self.stats.ack_ms.append((now - sent) * 1000)
                    self.stats.acked += 1
                if message.body[4] != 0:
                    self.stats.failed += 1
                if not self.sent_at and self.expected and not self.done.done():
                    self.done.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        for future in (self.logged_in, self.done):
            if not future.done():
                future.set_exception(ConnectionError(f"{self.identifier}: connection lost"))

    def frame(self, start: float, k: int) -> bytes:
        """The fix of second ``k``, built ahead of its second (not while the wave is sent)."""
        lat = 10.8 + (self.n % 100) * 0.003 + k * 1e-5
        if self.kind == "gt06":
            when = datetime.fromtimestamp(int(start) + k, UTC)  # the tracker's clock: UTC
            return _gt06_fix(when, lat, (k + 2) & 0xFFFF)
        when = datetime.fromtimestamp(int(start) + k + 8 * 3600, UTC)  # BCD time in UTC+8
        return _jt808_fix(self.bcd, when, lat, k + 1)

    def send(self, frame: bytes, k: int) -> None:
        assert self.transport is not None
        if self.kind == "jt808":
            self.sent_at[k + 1] = time.time()
        self.transport.write(frame)
        self.stats.sent += 1

    def finish(self) -> None:
        assert self.transport is not None
        if self.kind == "gt06":  # a heartbeat, answered once everything before it is published
            self.transport.write(gt06.build_packet(0x13, bytes([0x42, 4, 4, 0, 2]), 1))
        else:
            self.expected = 1
            if not self.sent_at and not self.done.done():
                self.done.set_result(None)


async def _loadgen(args: argparse.Namespace) -> None:
    loop = asyncio.get_running_loop()
    devices_wanted = json.loads(args.devices)
    stats = Stats()
    devices: list[Device] = []
    for n, (kind, identifier) in enumerate(devices_wanted):
        port = args.gt06_port if kind == "gt06" else args.jt808_port
        _, device = await loop.create_connection(
            functools.partial(Device, kind, identifier, n, stats), "127.0.0.1", port
        )
        devices.append(device)
        if n % 200 == 199:
            await asyncio.sleep(0.05)  # no connection storm
    await asyncio.wait_for(asyncio.gather(*(d.logged_in for d in devices)), 120)
    start = float(int(time.time()) + 2)
    print(json.dumps({"start": start}), flush=True)
    frames = [device.frame(start, 0) for device in devices]
    for k in range(args.seconds):  # every device sends at each whole second, as trackers do
        await asyncio.sleep(max(0.0, start + k - time.time()))
        for device, frame in zip(devices, frames, strict=True):
            device.send(frame, k)
            stats.lag_ms.append((time.time() - start - k) * 1000)
        if k + 1 < args.seconds:  # the next second's frames, while this wave goes through
            frames = [device.frame(start, k + 1) for device in devices]
    for device in devices:
        device.finish()
    results = await asyncio.gather(
        *(asyncio.wait_for(d.done, 120) for d in devices), return_exceptions=True
    )
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    ack, lag = sorted(stats.ack_ms), sorted(stats.lag_ms)
    print(
        json.dumps(
            {
                "sent": stats.sent,
                "acked": stats.acked,
                "failed": stats.failed,
                "errors": len(errors),
                "first_error": errors[0] if errors else None,
                "ack_p50_ms": round(ack[len(ack) // 2], 1) if ack else 0,
                "ack_p99_ms": round(ack[int(len(ack) * 0.99)], 1) if ack else 0,
                "send_lag_p99_ms": round(lag[int(len(lag) * 0.99)], 1) if lag else 0,
                "cpu": time.process_time(),
            }
        ),
        flush=True,
    )
    for device in devices:
        if device.transport is not None:
            device.transport.close()


def _burst_loadgen(args: argparse.Namespace) -> None:
    """The same wave straight over MQTT: every vehicle's fix published at each whole second,
    device time that second (the raw publisher of ``bench.ingest``, one connection each)."""
    from devtools.mqtt_wire import DevicePool

    vehicles = json.loads(args.devices)
    pool = DevicePool("127.0.0.1", args.mqtt_port)
    for vehicle_id, _ in vehicles:
        name = str(vehicle_id)
        pool.open(
            name, f"burst-{name}", device_username(vehicle_id), device_password(SECRET, vehicle_id)
        )
    pool.wait_connected(timeout=120)
    topics = [(str(v), telemetry_topic(coop, v)) for v, coop in vehicles]
    start = float(int(time.time()) + 2)
    print(json.dumps({"start": start}), flush=True)
    lag: list[float] = []
    for k in range(args.seconds):
        while time.time() < start + k:
            pool.pump(min(0.01, max(0.0, start + k - time.time())))
        stamp = int((start + k) * 1000)
        for n, (name, topic) in enumerate(topics):
            lat = 10.8 + (n % 100) * 0.003 + k * 1e-5
            payload = f'{{"time":{stamp},"lat":{lat:.6f},"lon":106.7,"speed":42.5}}'.encode()
            pool.publish(name, topic, payload)
            lag.append((time.time() - start - k) * 1000)
        pool.pump(0.0)
    pool.flush(timeout=300)
    pool.close()
    lag.sort()
    print(
        json.dumps(
            {
                "sent": pool.counters.published,
                "acked": pool.counters.acked,
                "send_lag_p99_ms": round(lag[int(len(lag) * 0.99)], 1) if lag else 0,
                "cpu": time.process_time(),
            }
        ),
        flush=True,
    )


def run_burst_direct(bench: Bench, seconds: int, workers: int) -> dict[str, object]:
    """The gateway run's wave (every fix at the same whole second) straight over MQTT, through
    the same broker, ingest workers and database: the gateway's part of the latency is the
    difference."""
    with psycopg.connect(_libpq(bench.url), autocommit=True) as conn:
        conn.execute("TRUNCATE positions, vehicle_state, dead_letters, ingest_workers")
    ingest_command = ["cli.main", "ingest", "--workers", str(workers), "--group", bench.group]
    ingest = subprocess.Popen(
        [
            sys.executable,
            "-m",
            *ingest_command,
            "--worker-id",
            bench.group,
            "--log-level",
            "warning",
        ],
        env=bench.env(),
    )
    time.sleep(2.0)
    port = str(bench.broker.device_port)  # the vehicles' listener
    publisher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.gateway",
            "--burst-loadgen",
            "--seconds",
            str(seconds),
            "--mqtt-port",
            port,
            "--devices",
            json.dumps(bench.fleet),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert publisher.stdout is not None
    json.loads(publisher.stdout.readline())
    windows: list[tuple[float, float]] = []
    while publisher.poll() is None:
        time.sleep(1.0)
        windows.extend(bench._latency_windows())
    summary = json.loads(publisher.stdout.read().strip().splitlines()[-1])
    sent = int(summary["acked"])
    drain = time.monotonic() + 60
    stored, dead = bench.count(), bench.dead_letters()
    while stored + dead < sent and time.monotonic() < drain:
        time.sleep(0.5)
        stored, dead = bench.count(), bench.dead_letters()
    time.sleep(6)  # one more stats report from the workers
    windows.extend(bench._latency_windows())
    ingest.terminate()
    ingest.wait(60)
    p99s = [w[1] for w in windows if w[1] > 0]
    p50s = [w[0] for w in windows if w[0] > 0]
    return {
        "sent": sent,
        "stored": stored,
        "lost": max(0, sent - stored - dead),
        "send_lag_p99_ms": summary["send_lag_p99_ms"],
        "commit_p50_ms": round(statistics.median(p50s), 1) if p50s else 0.0,
        "commit_p99_ms": round(max(p99s), 1) if p99s else 0.0,
    }


# --- the run --------------------------------------------------------------------------------


def _devices(bench: Bench) -> list[tuple[str, str]]:
    """Half the vehicles get a GT06 IMEI, half a JT/T 808 phone number."""
    devices = []
    with psycopg.connect(_libpq(bench.url), autocommit=True) as conn:
        for n, (vehicle_id, _) in enumerate(bench.fleet):
            kind = "gt06" if n % 2 == 0 else "jt808"
            identifier = f"86{vehicle_id:013d}" if kind == "gt06" else f"{vehicle_id + 10**10:012d}"
            conn.execute(
                "UPDATE vehicles SET tracking_device_id = %s WHERE id = %s",
                (identifier, vehicle_id),
            )
            devices.append((kind, identifier))
    return devices


def run(bench: Bench, seconds: int, workers: int, processes: int = 1) -> dict[str, object]:
    devices = _devices(bench)
    with psycopg.connect(_libpq(bench.url), autocommit=True) as conn:
        conn.execute("TRUNCATE positions, vehicle_state, dead_letters, ingest_workers")
    environment = bench.env()
    ingest = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli.main",
            "ingest",
            "--workers",
            str(workers),
            "--worker-id",
            bench.group,
            "--group",
            bench.group,
            "--log-level",
            "warning",
        ],
        env=environment,
    )
    ports = {"HTTP": free_port(), "GT06": free_port(), "JT808": free_port()}
    environment.update({f"COOPFLEET_GATEWAY_{k}_PORT": str(v) for k, v in ports.items()})
    environment["COOPFLEET_GATEWAY_PROCESSES"] = str(processes)
    gateway = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "gateway", "--log-level", "warning"],
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{ports['HTTP']}/healthz", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    time.sleep(1.0)
    loadgen = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.gateway",
            "--loadgen",
            "--seconds",
            str(seconds),
            "--gt06-port",
            str(ports["GT06"]),
            "--jt808-port",
            str(ports["JT808"]),
            "--devices",
            json.dumps(devices),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert loadgen.stdout is not None
    start = float(json.loads(loadgen.stdout.readline())["start"])
    time.sleep(max(0.0, start - time.time()))
    gateway_pids = [gateway.pid, *children(gateway.pid)]  # its other processes, if any
    cpu0 = sum(cpu_seconds(p) for p in gateway_pids)
    broker0 = cpu_seconds(bench.broker.pid or 0)
    ingest_pids = [ingest.pid, *children(ingest.pid)]
    ingest0 = sum(cpu_seconds(p) for p in ingest_pids)
    rss: list[float] = []
    windows: list[tuple[float, float]] = []
    while loadgen.poll() is None:
        time.sleep(1.0)
        rss.append(sum(rss_mb(p) for p in gateway_pids))
        windows.extend(bench._latency_windows())
    summary = json.loads(loadgen.stdout.read().strip().splitlines()[-1])
    sending_s = max(1.0, time.time() - start)
    cpu_gateway = sum(cpu_seconds(p) for p in gateway_pids) - cpu0
    sent = int(summary["sent"])
    drain = time.monotonic() + 60
    stored, dead = bench.count(), bench.dead_letters()
    while stored + dead < sent and time.monotonic() < drain:
        time.sleep(0.5)
        stored, dead = bench.count(), bench.dead_letters()
    time.sleep(6)  # one more stats report from the workers
    windows.extend(bench._latency_windows())
    cpu_ingest = sum(cpu_seconds(p) for p in ingest_pids) - ingest0
    cpu_broker = cpu_seconds(bench.broker.pid or 0) - broker0
    gateway.terminate()
    gateway.wait(30)
    ingest.terminate()
    ingest.wait(60)
    rate = sent / seconds
    p99s = [w[1] for w in windows if w[1] > 0]
    p50s = [w[0] for w in windows if w[0] > 0]
    return {
        "devices": len(devices),
        "gateway_processes": processes,
        "seconds": seconds,
        "sent": sent,
        "stored": stored,
        "lost": max(0, sent - stored - dead),
        "dead_letters": dead,
        "device_errors": summary["errors"],
        "first_error": summary["first_error"],
        "jt808_acked": summary["acked"],
        "jt808_failed": summary["failed"],
        "ack_p50_ms": summary["ack_p50_ms"],
        "ack_p99_ms": summary["ack_p99_ms"],
        "loadgen_send_lag_p99_ms": summary["send_lag_p99_ms"],
        "commit_p50_ms": round(statistics.median(p50s), 1) if p50s else 0.0,
        "commit_p99_ms": round(max(p99s), 1) if p99s else 0.0,
        "fixes_per_s": round(rate),
        "gateway_cpu_s": round(cpu_gateway, 1),
        "gateway_cpu_s_per_1000_fixes": round(cpu_gateway / max(sent, 1) * 1000, 3),  # = cores
        "sending_s": round(sending_s, 1),  # past ``seconds`` when the pipeline fell behind
        "gateway_rss_max_mb": round(max(rss, default=0.0), 1),
        "ingest_cpu_s": round(cpu_ingest, 1),
        "broker_cpu_s": round(cpu_broker, 1),
        "loadgen_cpu_s": round(float(summary["cpu"]), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--loadgen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--burst-loadgen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--mqtt-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--gt06-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--jt808-port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--devices", default="3000", help="devices (half GT06, half JT/T 808)")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="ingest worker processes")
    parser.add_argument(
        "--gateway-processes", type=int, default=1, help="COOPFLEET_GATEWAY_PROCESSES"
    )
    parser.add_argument("--direct", action="store_true", help="then the same rate over MQTT")
    parser.add_argument(
        "--direct-burst", action="store_true", help="then the same wave over MQTT (all at once)"
    )
    args = parser.parse_args()
    if args.burst_loadgen:
        _burst_loadgen(args)
        return
    if args.loadgen:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(_loadgen(args))
        return
    with Bench(int(args.devices), args.workers) as bench:
        print(
            f"gateway benchmark: {args.devices} devices at 1 fix/s for {args.seconds} s, "
            f"{args.workers} ingest workers, {os.cpu_count()} cores",
            flush=True,
        )
        result = run(bench, args.seconds, args.workers, args.gateway_processes)
        print("through the gateway:\n  " + ", ".join(f"{k}={v}" for k, v in result.items()))
        if args.direct_burst:
            burst = run_burst_direct(bench, args.seconds, args.workers)
            print("the same wave straight over MQTT (every fix at the whole second):")
            print("  " + ", ".join(f"{k}={v}" for k, v in burst.items()))
            if burst["commit_p99_ms"]:
                ratio = float(result["commit_p99_ms"]) / float(burst["commit_p99_ms"])  # type: ignore[arg-type]
                print(f"p99 device → commit, gateway / the same wave direct: {ratio:.2f}")
        if args.direct:
            direct = bench.run(int(args.devices), args.seconds)
            print("straight over MQTT (bench.ingest's publisher), same rate:")
            _print(direct)
            if direct.p99_ms:
                ratio = float(result["commit_p99_ms"]) / direct.p99_ms  # type: ignore[arg-type]
                print(f"p99 device → commit, gateway / direct: {ratio:.2f}")


if __name__ == "__main__":
    main()
