"""Run a private Mosquitto from the project's broker configuration (tests and benchmarks).

``deploy/mosquitto/mosquitto.conf`` is a template (``@PORT@``, ``@BIND@``, ``@VAR@``): the same
file ``scripts/services.sh`` starts the local broker with, so tests exercise the configuration
that ships. A private instance lets a test restart the broker or load accounts without
disturbing anyone else's.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "deploy" / "mosquitto" / "mosquitto.conf"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def render(template: Path, *, port: int, var_dir: Path, bind: str = "127.0.0.1") -> str:
    return (
        template.read_text()
        .replace("@PORT@", str(port))
        .replace("@BIND@", bind)
        .replace("@VAR@", str(var_dir))
        .replace("@DEPLOY@", str(template.parent))
    )


BROKER_USER = "mosquitto"


def hand_to_broker_user(*paths: Path) -> bool:
    """Started as root, Mosquitto drops to its own user: it must still read and write these.

    Returns False when there is no such user here (e.g. the broker runs in another container).
    """
    if os.geteuid() != 0:
        return False
    try:
        pwd.getpwnam(BROKER_USER)
    except KeyError:
        return False
    for path in paths:
        if path.exists():
            shutil.chown(path, BROKER_USER, None)
    return True


class LocalBroker:
    """A Mosquitto process in the foreground of its own directory."""

    def __init__(self, var_dir: Path, port: int | None = None, template: Path = TEMPLATE) -> None:
        self.var_dir = var_dir
        self.port = port or free_port()
        self.template = template
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def password_file(self) -> Path:
        return self.var_dir / "passwd"

    @property
    def pid_file(self) -> Path:
        return self.var_dir / "mosquitto.pid"

    def start(self) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.var_dir.mkdir(parents=True, exist_ok=True)
        if not self.password_file.exists():
            self.password_file.write_text("")
        config = self.var_dir / "mosquitto.runtime.conf"
        config.write_text(render(self.template, port=self.port, var_dir=self.var_dir))
        hand_to_broker_user(self.var_dir, self.password_file, config)
        self.process = subprocess.Popen(  # noqa: S603
            [binary, "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited: {error}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on {self.port}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def reload(self) -> None:
        """Re-read the password and ACL files (SIGHUP)."""
        hand_to_broker_user(self.password_file)
        if self.process is not None:
            self.process.send_signal(signal.SIGHUP)
            time.sleep(0.3)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
    except OSError:
        return False
    return True


def pid_alive(pid_file: Path) -> bool:
    try:
        os.kill(int(pid_file.read_text().strip()), 0)
    except (FileNotFoundError, ValueError, ProcessLookupError, PermissionError):
        return False
    return True


def ensure_daemon(var_dir: Path, port: int, bind: str = "127.0.0.1") -> bool:
    """Start the project's broker in the background unless it already runs; True if started."""
    broker = LocalBroker(var_dir, port)
    if pid_alive(broker.pid_file):
        return False
    if port_open(port):
        print(f"port {port} is taken by another broker (another checkout's?): using it")
        return False
    var_dir.mkdir(parents=True, exist_ok=True)
    if not broker.password_file.exists():
        broker.password_file.write_text("")
    config = var_dir / "mosquitto.runtime.conf"
    config.write_text(render(broker.template, port=port, var_dir=var_dir, bind=bind))
    hand_to_broker_user(var_dir, broker.password_file, config)
    binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    subprocess.run([binary, "-d", "-c", str(config)], check=True)  # noqa: S603
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
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
    """``python -m telematics.broker ensure|stop`` for scripts/services.sh."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m telematics.broker")
    parser.add_argument("action", choices=["ensure", "stop"])
    parser.add_argument("--dir", type=Path, default=REPO / "var" / "mosquitto")
    parser.add_argument("--port", type=int, default=1884)
    parser.add_argument("--bind", default="127.0.0.1")
    args = parser.parse_args(argv)
    if args.action == "ensure":
        if ensure_daemon(args.dir.resolve(), args.port, args.bind):
            print(f"started the project's Mosquitto on port {args.port}")
    elif stop_daemon(args.dir.resolve()):
        print("stopped the project's Mosquitto")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
