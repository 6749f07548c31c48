"""Real local servers standing in for what ``coopfleet notify`` talks to, for its tests and
benchmark: a Web Push service that keeps each encrypted message (and decrypts it with the
subscription's private key, as the browser would), a webhook receiver that verifies each
signature (it can be down, come back on the same port, or answer slowly), and the notify
process itself."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from devtools.ports import free_port
from notifications.signing import HEADER, verify


@dataclass
class Received:
    at: float  # time.time() when it arrived
    path: str
    headers: dict[str, str]
    body: bytes


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Server:
    """A threaded HTTP server on 127.0.0.1 answering POSTs with ``answer(request)``."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[Received] = []
        self.lock = threading.Lock()
        self.delay_s = 0.0
        self.status = 200
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if owner.delay_s:
                    time.sleep(owner.delay_s)
                got = Received(time.time(), self.path, dict(self.headers.items()), body)
                with owner.lock:
                    owner.received.append(got)
                self.send_response(owner.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def count(self) -> int:
        with self.lock:
            return len(self.received)


@dataclass
class BrowserKeys:
    """A browser's side of a push subscription: its ECDH key pair and auth secret."""

    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def public(self) -> str:
        point = self.private.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64(point)

    def subscription(self, endpoint: str) -> dict[str, Any]:
        """The JSON a browser posts: ``PushSubscription.toJSON()``."""
        return {"endpoint": endpoint, "keys": {"p256dh": self.public(), "auth": _b64(self.auth)}}


class PushService(_Server):
    """A push service: ``subscription()`` gives the JSON a browser would post to the API;
    ``payload()`` decrypts what arrived for it."""

    def __init__(self) -> None:
        super().__init__()
        self.browsers: dict[str, BrowserKeys] = {}

    def subscription(self, name: str) -> dict[str, Any]:
        keys = self.browsers.setdefault(name, BrowserKeys())
        return keys.subscription(self.url(f"/push/{name}"))

    def payload(self, got: Received) -> dict[str, Any]:
        keys = self.browsers[got.path.rsplit("/", 1)[1]]
        plain = http_ece.decrypt(
            got.body, private_key=keys.private, auth_secret=keys.auth, version="aes128gcm"
        )
        decoded: dict[str, Any] = json.loads(plain)
        return decoded


class WebhookReceiver(_Server):
    """A receiver that checks each body's signature with the subscription's secret."""

    secret = ""

    def verified(self, got: Received) -> bool:
        return verify(self.secret, got.headers.get(HEADER, ""), got.body, time.time())

    def events(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(got.body) for got in self.received]


def start_notify(database_url: str, secret_key: str, **settings: str) -> subprocess.Popen[bytes]:
    """``coopfleet notify`` with these settings (``webhooks_allow_private="true"`` becomes
    ``COOPFLEET_WEBHOOKS_ALLOW_PRIVATE``)."""
    environment = {
        **os.environ,
        "COOPFLEET_DATABASE_URL": database_url,
        "COOPFLEET_SECRET_KEY": secret_key,
        **{f"COOPFLEET_{name.upper()}": value for name, value in settings.items()},
    }
    command = [sys.executable, "-m", "cli.main", "notify", "--log-level", "warning"]
    return subprocess.Popen(command, env=environment)  # noqa: S603
