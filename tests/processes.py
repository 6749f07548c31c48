"""The API server and the job worker as their own processes, for the browser tests, the
worker tests and the console benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request

from tests.waiting import wait_until

START_TIMEOUT_S = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_api(
    database_url: str, secret_key: str = "bench-" + "k" * 40, **settings: str
) -> tuple[subprocess.Popen[bytes], str]:
    """``coopfleet api`` on a free port with these settings (``mqtt_port="1885"`` becomes
    ``COOPFLEET_MQTT_PORT``); returns the process and its base URL once /healthz answers."""
    port = free_port()
    environment = {
        **os.environ,
        "COOPFLEET_DATABASE_URL": database_url,
        "COOPFLEET_SECRET_KEY": secret_key,
        **{f"COOPFLEET_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "cli.main", "api", "--port", str(port)]
    process = subprocess.Popen([*command, "--log-level", "warning"], env=environment)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):
                return True
        except OSError:
            return False

    try:
        wait_until(healthy, START_TIMEOUT_S, what="the API server's /healthz")
    except AssertionError:
        process.kill()
        raise
    return process, base


def start_job_worker(
    database_url: str, secret_key: str = "bench-" + "k" * 40, **settings: str
) -> subprocess.Popen[bytes]:
    """``coopfleet worker`` (plans, sweeps) with these settings, like ``start_api``; it is
    ready once it has connected, which its first job waits for anyway."""
    environment = {
        **os.environ,
        "COOPFLEET_DATABASE_URL": database_url,
        "COOPFLEET_SECRET_KEY": secret_key,
        **{f"COOPFLEET_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "cli.main", "worker", "--log-level", "warning"]
    return subprocess.Popen(command, env=environment)
