"""A real gateway process (``coopfleet gateway``) on free ports, with the private broker and an
ingest worker of tests/telematics, and devices bound to the test fleet's vehicles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import pytest

from core.config import Settings
from devtools.ports import free_port
from tests.telematics.conftest import (  # noqa: F401 (fixtures)
    Fleet,
    RunningWorker,
    broker,
    fleet,
    private_config,
    settings,
    start_worker,
)


@dataclass
class RunningGateway:
    process: subprocess.Popen[bytes]
    http_port: int
    gt06_port: int
    jt808_port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def connect(self, port: int) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.settimeout(10)
        return sock

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def start_gateway(settings: Settings, **extra: str) -> RunningGateway:  # noqa: F811
    ports = {"http": free_port(), "gt06": free_port(), "jt808": free_port()}
    environment = {
        **os.environ,
        "COOPFLEET_ENVIRONMENT": "test",
        "COOPFLEET_DATABASE_URL": settings.database_url,
        "COOPFLEET_SECRET_KEY": settings.secret_key,
        "COOPFLEET_MQTT_HOST": settings.mqtt_host,
        "COOPFLEET_MQTT_PORT": str(settings.mqtt_port),
        "COOPFLEET_GATEWAY_HTTP_PORT": str(ports["http"]),
        "COOPFLEET_GATEWAY_GT06_PORT": str(ports["gt06"]),
        "COOPFLEET_GATEWAY_JT808_PORT": str(ports["jt808"]),
        "COOPFLEET_METRICS_TOKEN": "gateway-test-metrics-token",
        **{f"COOPFLEET_{name.upper()}": value for name, value in extra.items()},
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "cli.main", "gateway", "--log-level", "warning"],
        env=environment,
        stdout=subprocess.DEVNULL,
    )
    running = RunningGateway(process, ports["http"], ports["gt06"], ports["jt808"])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, "the gateway exited"
        try:
            with urllib.request.urlopen(f"{running.base}/healthz", timeout=1):
                return running
        except OSError:
            time.sleep(0.1)
    running.stop()
    raise AssertionError("the gateway did not become ready")


@pytest.fixture
def devices(settings: Settings, fleet: Fleet) -> dict[str, tuple[int, str]]:  # noqa: F811
    """The fleet's vehicles as devices: a GT06 tracker (an IMEI), a JT/T 808 terminal (a phone
    number, stored with its leading zero) and a phone (Traccar Client, a text id), by protocol:
    protocol -> (vehicle id, identifier)."""
    tag = fleet.coop_id % 10**6
    chosen = {"gt06": f"86{tag:06d}1234567", "jt808": f"0139{tag:06d}12", "osmand": ""}
    out = {}
    with psycopg.connect(settings.sync_database_url, autocommit=True) as conn:
        for (protocol, identifier), vehicle_id in zip(
            chosen.items(), fleet.vehicle_ids, strict=True
        ):
            if identifier:
                conn.execute(
                    "UPDATE vehicles SET tracking_device_id = %s WHERE id = %s",
                    (identifier, vehicle_id),
                )
            out[protocol] = (vehicle_id, identifier or fleet.device_ids[vehicle_id])
    return out


@pytest.fixture
def worker(
    settings: Settings,  # noqa: F811
    fleet: Fleet,  # noqa: F811
    devices: dict[str, tuple[int, str]],
) -> Iterator[RunningWorker]:
    """An ingest worker started once the devices are on their vehicles (it caches vehicles)."""
    running = start_worker(private_config(settings, fleet))
    yield running
    running.stop()


@pytest.fixture
def gateway(settings: Settings, devices: dict[str, tuple[int, str]]) -> Iterator[RunningGateway]:  # noqa: F811
    running = start_gateway(settings)
    yield running
    running.stop()
