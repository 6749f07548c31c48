"""Nothing acknowledged is lost: a worker killed by SIGKILL, or PostgreSQL restarted mid-stream.

Both run against a private PostgreSQL cluster (``devtools.pgcluster``: initdb in a temporary
folder, its own port), never the machine's own, which others may be using meanwhile.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.config import Settings
from devtools.mqtt_wire import DevicePool
from devtools.pgcluster import PrivateCluster
from devtools.throwaway import BASE_URL, admin_dsn
from telematics.credentials import device_password, device_username
from tests.cluster_watch import postmaster_unchanged
from tests.telematics.conftest import Fleet, count, private_config, start_worker, wait_for
from tests.telematics.test_ingest import encode, fix, stored


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    with PrivateCluster() as running:
        yield running


@pytest.fixture(scope="module")
def settings(settings: Settings, cluster: PrivateCluster) -> Settings:
    """The suite's settings (private broker) on a migrated database of the private cluster:
    the ``fleet`` fixture and the workers then use it."""
    url = cluster.create_database(f"coopfleet_fault_{uuid.uuid4().hex[:8]}")
    return settings.model_copy(update={"database_url": url})


def _publish_stream(
    settings: Settings, fleet: Fleet, total: int, per_second: int
) -> threading.Thread:
    """Publish ``total`` distinct fixes at about ``per_second``, QoS 1, as the fleet's devices."""

    def run() -> None:
        pool = DevicePool(settings.mqtt_host, settings.mqtt_device_port)
        for vid in fleet.vehicle_ids:
            pool.open(
                str(vid),
                f"pub-{vid}-{uuid.uuid4().hex[:6]}",
                device_username(vid),
                device_password(settings.secret_key, vid),
            )
        pool.wait_connected()
        start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        began = time.monotonic()
        for k in range(total):
            index = k % len(fleet.vehicle_ids)
            when = start + timedelta(seconds=k)
            pool.publish(str(fleet.vehicle_ids[index]), fleet.topic(index), encode(fix(when)))
            ahead = k / per_second - (time.monotonic() - began)
            pool.pump(max(0.0, ahead))
        pool.flush(timeout=120)
        pool.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _worker_process(
    settings: Settings, fleet: Fleet, worker_id: str, group: str, log: Path
) -> subprocess.Popen[bytes]:
    """``coopfleet ingest`` for the fleet's cooperative, logging to ``log`` (it says there when
    it has connected and subscribed)."""
    env = {
        **os.environ,
        "COOPFLEET_DATABASE_URL": settings.database_url,
        "COOPFLEET_MQTT_HOST": settings.mqtt_host,
        "COOPFLEET_MQTT_PORT": str(settings.mqtt_port),
        "COOPFLEET_SECRET_KEY": settings.secret_key,
        "COOPFLEET_INGEST_BATCH_MAX_MS": "50",
    }
    command = [
        sys.executable,
        "-m",
        "cli.main",
        "ingest",
        "--worker-id",
        worker_id,
        "--group",
        group,
        "--cooperative",
        str(fleet.coop_id),
        "--log-level",
        "info",
    ]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stderr=out)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_sigkill_mid_stream_loses_nothing(
    settings: Settings, fleet: Fleet, processes: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    worker_id, group = f"ingest-kill-{uuid.uuid4().hex[:6]}", f"kill{uuid.uuid4().hex[:6]}"
    total = 3000
    log = tmp_path / "ingest.log"
    first = _worker_process(settings, fleet, worker_id, group, log)
    processes.append(first)
    wait_for(lambda: "subscribed to" in log.read_text(), timeout=30)
    publisher = _publish_stream(settings, fleet, total, per_second=1500)
    wait_for(lambda: stored(settings, fleet) >= 600, timeout=20)
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = stored(settings, fleet)
    assert killed_at < total, "the stream ended before the kill: the test proves nothing"
    second = _worker_process(settings, fleet, worker_id, group, log)  # same session id
    processes.append(second)
    publisher.join(timeout=60)
    # positions are keyed by vehicle and device time: a redelivery adds no row, so the count
    # reaching the total is the whole proof
    wait_for(lambda: stored(settings, fleet) == total, timeout=60)


def test_postgresql_restart_mid_stream_loses_nothing(
    settings: Settings, fleet: Fleet, cluster: PrivateCluster, caplog: pytest.LogCaptureFixture
) -> None:
    total = 6000  # 6 s of stream: most of it still to come when the database stops
    running = start_worker(private_config(settings, fleet))
    try:
        with postmaster_unchanged(admin_dsn(BASE_URL)):  # the machine's cluster is not touched
            publisher = _publish_stream(settings, fleet, total, per_second=1000)
            wait_for(lambda: stored(settings, fleet) >= 300, timeout=20)
            cluster.stop()
            try:
                assert not cluster.running
                stopped_at = running.worker.stats.messages
                assert stopped_at < total, (
                    "the stream ended before the stop: the test proves nothing"
                )
                # the worker retries and acknowledges nothing meanwhile (twice: >= 1.5 s down)
                wait_for(lambda: _retries(caplog) >= 2, timeout=30)
                assert running.worker.stats.messages < total
            finally:
                cluster.start()
            publisher.join(timeout=60)
            wait_for(lambda: _safe_stored(settings, fleet) == total, timeout=60)
        query = "SELECT count(*) FROM positions WHERE cooperative_id = %s"
        assert count(settings, query, fleet.coop_id) == total
    finally:
        running.stop()


def _retries(caplog: pytest.LogCaptureFixture) -> int:
    """How often the ingest worker found the database unavailable and will try again."""
    return sum("database unavailable" in record.getMessage() for record in caplog.records)


def _safe_stored(settings: Settings, fleet: Fleet) -> int:
    try:
        return stored(settings, fleet)
    except Exception:  # the server is still starting
        return -1
