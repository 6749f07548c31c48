"""Web Push (RFC 8030/8291/8292): the payload encrypted with pywebpush for the browser's keys,
sent to its push service with a VAPID signature."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from pywebpush import WebPusher

from notifications.addresses import UnsafeTarget, check
from notifications.outcome import SENT, Outcome, transient
from notifications.vapid import VapidSigner

DEFAULT_TTL_S = 24 * 3600


@dataclass(frozen=True, slots=True)
class Endpoint:
    id: int
    endpoint: str
    p256dh: str
    auth: str


def encrypt(endpoint: Endpoint, payload: dict[str, Any]) -> bytes:
    """The aes128gcm body only this subscription's browser can read."""
    info = {
        "endpoint": endpoint.endpoint,
        "keys": {"p256dh": endpoint.p256dh, "auth": endpoint.auth},
    }
    body: bytes = WebPusher(info).encode(json.dumps(payload).encode(), "aes128gcm")["body"]
    return body


def ttl_seconds(expires_at: datetime | None, now: datetime) -> int:
    """A push service drops the message after this: an offer is worthless once it lapsed."""
    if expires_at is None:
        return DEFAULT_TTL_S
    return max(int((expires_at - now).total_seconds()), 0)


async def send(
    client: aiohttp.ClientSession,
    signer: VapidSigner,
    endpoint: Endpoint,
    payload: dict[str, Any],
    *,
    ttl: int,
    urgent: bool,
    allow_private: bool,
) -> Outcome:
    """One subscription; 404/410 from the push service means the browser dropped it
    (``permanent``: the caller forgets the subscription)."""
    try:
        await check(endpoint.endpoint, allow_private=allow_private)
        body = encrypt(endpoint, payload)
    except UnsafeTarget as exc:
        return Outcome(False, f"push endpoint refused: {exc}", permanent=True)
    except Exception as exc:  # a subscription with malformed keys
        return Outcome(False, f"push keys unusable: {type(exc).__name__}", permanent=True)
    parts = urlsplit(endpoint.endpoint)
    headers = {
        "TTL": str(ttl),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "Urgency": "high" if urgent else "normal",
        "Authorization": signer.header(f"{parts.scheme}://{parts.netloc}"),
    }
    try:
        async with client.post(
            endpoint.endpoint, data=body, headers=headers, allow_redirects=False
        ) as answer:
            await answer.read()
            code = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Outcome(False, f"push service unreachable: {type(exc).__name__}: {exc}"[:500])
    if code in (200, 201, 202):
        return SENT
    return Outcome(False, f"push service answered {code}", not transient(code), code)
