"""The API server and the job worker as their own processes, for the browser tests, the
worker tests and the benchmarks."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request

from devtools.ports import free_port

START_TIMEOUT_S = 30  # a loaded 2-core machine running two test processes needed more than 10 s
POLL_S = 0.05


def _wait_healthy(process: subprocess.Popen[bytes], base: str) -> None:
    """Poll ``/healthz`` until it answers; a server that exits first (a bad setting, a taken
    port) fails at once with its exit code instead of after the whole timeout."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310 (http, ours)
                return
        except OSError:
            pass
        if process.poll() is not None:
            raise RuntimeError(f"the API server exited with {process.returncode} before /healthz")
        if time.monotonic() >= deadline:
            process.kill()
            raise TimeoutError(f"the API server's /healthz did not answer in {START_TIMEOUT_S} s")
        time.sleep(POLL_S)


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
    process = subprocess.Popen([*command, "--log-level", "warning"], env=environment)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    _wait_healthy(process, base)
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
    return subprocess.Popen(command, env=environment)  # noqa: S603
