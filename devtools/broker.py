"""Run a private Mosquitto from the project's broker configuration (tests and benchmarks), and
the project's own one for ``make demo`` / ``make test`` (``python -m devtools.broker ensure|stop``).

``deploy/mosquitto/mosquitto.conf`` is a template (``@PORT@``, ``@DEVICE_PORT@``, ``@BIND@``,
``@VAR@``): the same
file ``scripts/services.sh`` starts the local broker with, so tests exercise the configuration
that ships. A private instance lets a test restart the broker or load accounts without
disturbing anyone else's.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from devtools.ports import free_port, port_open
from telematics.credentials import hand_to_broker_user, services_password_file

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "deploy" / "mosquitto" / "mosquitto.conf"


def render(
    template: Path, *, port: int, device_port: int, var_dir: Path, bind: str = "127.0.0.1"
) -> str:
    """``port``: the services' listener; ``device_port``: the devices' (client id = username)."""
    return (
        template.read_text()
        .replace("@DEVICE_PORT@", str(device_port))
        .replace("@PORT@", str(port))
        .replace("@BIND@", bind)
        .replace("@VAR@", str(var_dir))
        .replace("@DEPLOY@", str(template.parent))
    )


class LocalBroker:
    """A Mosquitto process in the foreground of its own directory."""

    def __init__(
        self,
        var_dir: Path,
        port: int | None = None,
        template: Path = TEMPLATE,
        device_port: int | None = None,
    ) -> None:
        self.var_dir = var_dir
        self.port = port or free_port()  # the services (ingest, api)
        self.device_port = device_port or free_port()  # the vehicles
        self.template = template
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def password_file(self) -> Path:
        """The vehicles' accounts; the services' are beside it (``services_password_file``)."""
        return self.var_dir / "passwd"

    @property
    def account_files(self) -> tuple[Path, Path]:
        return self.password_file, services_password_file(self.password_file)

    def write_empty_accounts(self) -> None:
        for path in self.account_files:
            if not path.exists():
                path.write_text("")

    def write_config(self, bind: str = "127.0.0.1") -> Path:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        self.write_empty_accounts()
        config = self.var_dir / "mosquitto.runtime.conf"
        config.write_text(
            render(
                self.template,
                port=self.port,
                device_port=self.device_port,
                var_dir=self.var_dir,
                bind=bind,
            )
        )
        hand_to_broker_user(self.var_dir, *self.account_files, config)
        return config

    @property
    def pid_file(self) -> Path:
        return self.var_dir / "mosquitto.pid"

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        config = self.write_config()
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {error}")
            if port_open(self.port) and port_open(self.device_port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def reload(self) -> None:
        """Re-read the password and ACL files (SIGHUP)."""
        hand_to_broker_user(*self.account_files)
        if self.process is not None:
            self.process.send_signal(signal.SIGHUP)
            time.sleep(0.3)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


def pid_alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return False
    return True


def ensure_daemon(var_dir: Path, port: int, device_port: int, bind: str = "127.0.0.1") -> bool:
    """Start the project's broker in the background unless it already runs; True if started."""
    broker = LocalBroker(var_dir, port, device_port=device_port)
    if pid_alive(broker.pid_file):
        if port_open(port) and port_open(device_port):
            return False
        print("the project's Mosquitto runs an older configuration (one listener): restarting it")
        stop_daemon(var_dir)
        deadline = time.monotonic() + 10
        while pid_alive(broker.pid_file) and time.monotonic() < deadline:
            time.sleep(0.1)
    for taken in (port, device_port):
        if port_open(taken):
            raise RuntimeError(
                f"port {taken} is taken by another program (another checkout's broker?): this "
                "checkout's accounts would not reach it. Give this checkout its own ports in "
                ".env: COOPFLEET_MQTT_PORT=... and COOPFLEET_MQTT_DEVICE_PORT=..."
            )
    config = broker.write_config(bind)
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    subprocess.run([binary, "-d", "-c", str(config)], check=True)  # noqa: S603
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if port_open(port) and port_open(device_port):
            return True
        time.sleep(0.1)
    log = (
        (var_dir / "mosquitto.log").read_text()[-2000:]
        if (var_dir / "mosquitto.log").exists()
        else ""
    )
    raise RuntimeError(f"mosquitto did not listen on port {port}:\n{log}")


def stop_daemon(var_dir: Path) -> bool:
    pid_file = var_dir / "mosquitto.pid"
    if not pid_alive(pid_file):
        return False
    os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
    return True


def main(argv: list[str] | None = None) -> int:
    """``python -m devtools.broker ensure|stop`` for scripts/services.sh."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m devtools.broker")
    parser.add_argument("action", choices=["ensure", "stop"])
    parser.add_argument("--dir", type=Path, default=REPO / "var" / "mosquitto")
    parser.add_argument("--port", type=int, default=1884, help="the services' listener")
    parser.add_argument("--device-port", type=int, default=1885, help="the devices' listener")
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args(argv)
    if args.action == "ensure":
        if ensure_daemon(args.dir.resolve(), args.port, args.device_port, args.bind):
            print(
                f"started the project's Mosquitto: services on port {args.port}, "
                f"devices on port {args.device_port}"
            )
    elif stop_daemon(args.dir.resolve()):
        print("stopped the project's Mosquitto")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
