"""MQTT credentials: one account per vehicle, plus the service accounts, in Mosquitto's format.

Passwords are derived from the installation's secret key (HMAC), so nothing extra is stored: the
API can show a device's password to the admin who provisions it, and the simulator can sign in
as every vehicle. The secret is random per installation (the settings refuse the published
placeholder), so no password can be worked out from the repository. The broker checks them
against two password files that ``coopfleet mqtt-passwords`` writes (PBKDF2-SHA512, Mosquitto
2's ``$7$`` format) and reloads on SIGHUP: the vehicles' for the devices' listener, the
services' for theirs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pwd
import secrets
import shutil
import signal
from collections.abc import Iterable, Mapping
from pathlib import Path

SERVICE_ACCOUNTS = ("ingest", "api")
BROKER_USER = "mosquitto"
_ITERATIONS = 101  # what mosquitto_passwd uses


def _derive(secret_key: str, label: str) -> str:
    digest = hmac.new(secret_key.encode(), f"coopfleet-mqtt:{label}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()[:18]).decode()


def device_username(vehicle_id: int) -> str:
    """A device signs in as its vehicle id: the broker's ACL pattern ``%u`` is the topic's id."""
    return str(vehicle_id)


def device_password(secret_key: str, vehicle_id: int) -> str:
    return _derive(secret_key, f"vehicle:{vehicle_id}")


def service_password(secret_key: str, account: str) -> str:
    return _derive(secret_key, f"service:{account}")


def ingest_client_id(secret_key: str, worker_id: str) -> str:
    """The MQTT client id of an ingest worker: stable across its restarts (its persistent session
    keeps its queue) but not guessable from its name, which ``/metrics`` shows. Mosquitto lets
    any account that connects with a session's client id take that session over."""
    return f"{worker_id}-{_derive(secret_key, f'client:{worker_id}')[:16]}"


def hashed_entry(username: str, password: str) -> str:
    """One line of a Mosquitto 2 password file."""
    salt = secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, _ITERATIONS)
    encoded_salt = base64.b64encode(salt).decode()
    encoded_digest = base64.b64encode(digest).decode()
    return f"{username}:$7${_ITERATIONS}${encoded_salt}${encoded_digest}"


def _replace_file(path: Path, lines: list[str]) -> None:
    """Atomically: the broker may read the file at any moment."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n")
    os.chmod(temporary, 0o600)
    temporary.replace(path)


def write_password_file(
    path: Path,
    secret_key: str,
    vehicle_ids: Iterable[int],
    service_passwords: Mapping[str, str] | None = None,
) -> int:
    """Write the vehicles' accounts to ``path`` and the services' beside it
    (``services_password_file``); returns the number of accounts. ``service_passwords``
    overrides the derived password of a service account (``COOPFLEET_MQTT_INGEST_PASSWORD``)."""
    chosen = dict(service_passwords or {})
    services = [
        hashed_entry(name, chosen.get(name) or service_password(secret_key, name))
        for name in SERVICE_ACCOUNTS
    ]
    devices = [
        hashed_entry(device_username(vid), device_password(secret_key, vid))
        for vid in sorted(set(vehicle_ids))
    ]
    _replace_file(services_password_file(path), services)
    _replace_file(path, devices)
    return len(services) + len(devices)


def reload_broker(pid_file: Path) -> bool:
    """Ask a running Mosquitto to re-read its password file; False if it is not running."""
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, signal.SIGHUP)
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return False
    return True


def sync_password_file(
    dsn: str,
    secret_key: str,
    path: Path,
    pid_file: Path | None,
    service_passwords: Mapping[str, str] | None = None,
) -> int:
    """Write accounts for every vehicle not retired, and reload the broker if it runs."""
    import psycopg

    with psycopg.connect(dsn) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM vehicles WHERE status <> 'retired'")]
    count = write_password_file(path, secret_key, ids, service_passwords)
    for written in (path, services_password_file(path)):
        if not hand_to_broker_user(written):
            os.chmod(written, 0o644)  # a broker in another container reads it as another user
    if pid_file is not None:
        reload_broker(pid_file)
    return count


def services_password_file(devices_file: Path) -> Path:
    """The services' accounts (ingest, api), beside the vehicles' file: the two listeners each
    read their own, so a vehicle account cannot sign in where the services do."""
    return devices_file.with_name(devices_file.name + "-services")


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
