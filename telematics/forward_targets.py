"""Sending forwarded positions: JSON over HTTP, or one MQTT message per position (QoS 1).

The payload is versioned (``PAYLOAD_VERSION``) and documented in docs/integrations.md. Every
send checks the target's addresses again (SSRF rules, ``core.egress``) unless the admin allowed
private targets for the forwarder.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import httpx
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from core.egress import (
    DEFAULT_PORTS,
    RESOLVE_TIMEOUT_S,
    check_addresses,
    parse_target,
    resolve,
)
from core.errors import DomainError

PAYLOAD_VERSION = 1
SCHEMES = frozenset({"http", "https", "mqtt", "mqtts"})
TIMEOUT_S = 10.0


class SendFailed(Exception):
    """The target did not take the batch; the reason is kept on the forwarder."""


@dataclass(frozen=True, slots=True)
class Target:
    url: str
    topic: str | None
    allow_private: bool


TIMES = ("device_time", "received_at")


def position_json(row: dict[str, Any]) -> dict[str, Any]:
    """One position as the payload shows it (times in UTC, ISO 8601; metres, km/h)."""
    shown = dict(row)
    for key in TIMES:
        value = shown.get(key)
        if isinstance(value, datetime):
            shown[key] = value.astimezone(UTC).isoformat()
    return shown


def http_body(cooperative_id: int, forwarder_id: int, rows: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "version": PAYLOAD_VERSION,
            "cooperative_id": cooperative_id,
            "forwarder_id": forwarder_id,
            "positions": [position_json(row) for row in rows],
        },
        ensure_ascii=False,
    ).encode()


def mqtt_message(cooperative_id: int, row: dict[str, Any]) -> bytes:
    body = {"version": PAYLOAD_VERSION, "cooperative_id": cooperative_id, **position_json(row)}
    return json.dumps(body, ensure_ascii=False).encode()


def mqtt_topic(template: str, row: dict[str, Any]) -> str:
    return template.replace("{vehicle_id}", str(row["vehicle_id"])).replace(
        "{plate}", str(row["plate"])
    )


async def _checked(target: Target) -> None:
    parts = parse_target(target.url, SCHEMES)
    if target.allow_private:
        return
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS[parts.scheme]
    try:
        addresses = await asyncio.wait_for(
            asyncio.to_thread(resolve, host, port), RESOLVE_TIMEOUT_S
        )
        check_addresses(host, addresses)
    except (OSError, UnicodeError, ValueError, TimeoutError, DomainError) as exc:
        raise SendFailed(getattr(exc, "message", str(exc))) from None


class Sender:
    """Sends batches for one pass of the worker: one HTTP client (its TLS context and
    connections) for every HTTP target; an MQTT connection per batch."""

    def __init__(self) -> None:
        self.http = httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False)

    async def __aenter__(self) -> Sender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()

    async def send(
        self, target: Target, cooperative_id: int, forwarder_id: int, rows: list[dict[str, Any]]
    ) -> None:
        """Deliver ``rows`` or raise SendFailed."""
        await _checked(target)
        if target.url.startswith(("http://", "https://")):
            await self._post(target.url, http_body(cooperative_id, forwarder_id, rows))
        else:
            await asyncio.to_thread(_publish, target, cooperative_id, rows)

    async def _post(self, url: str, body: bytes) -> None:
        headers = {"Content-Type": "application/json", "User-Agent": "coopfleet-forwarder/1"}
        try:
            answer = await self.http.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= answer.status_code < 300:
            raise SendFailed(f"HTTP {answer.status_code}: {answer.text[:200]}")


def _publish(target: Target, cooperative_id: int, rows: list[dict[str, Any]]) -> None:
    """Publish each row with QoS 1 and wait for every PUBACK (a blocking client, in a thread)."""
    parts = parse_target(target.url, SCHEMES)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311)
    if parts.username:
        client.username_pw_set(unquote(parts.username), unquote(parts.password or ""))
    if parts.scheme == "mqtts":
        client.tls_set()
    connected = threading.Event()
    client.on_connect = lambda c, u, f, reason, p: (
        connected.set() if not reason.is_failure else None
    )
    try:
        client.connect(
            parts.hostname or "", parts.port or DEFAULT_PORTS[parts.scheme], keepalive=30
        )
    except OSError as exc:
        raise SendFailed(f"MQTT connect: {exc}") from None
    client.loop_start()
    try:
        if not connected.wait(TIMEOUT_S):
            raise SendFailed("MQTT broker refused or did not answer the connection")
        topic = target.topic or "coopfleet/{vehicle_id}/position"
        infos = [
            client.publish(mqtt_topic(topic, row), mqtt_message(cooperative_id, row), qos=1)
            for row in rows
        ]
        for info in infos:
            info.wait_for_publish(TIMEOUT_S)
            if not info.is_published():
                raise SendFailed("MQTT broker did not acknowledge every message")
    except (RuntimeError, ValueError) as exc:
        raise SendFailed(f"MQTT publish: {exc}") from None
    finally:
        client.disconnect()
        client.loop_stop()
