"""Webhook signatures: HMAC-SHA256 over ``timestamp.body`` with the subscription's secret, sent
as ``X-Coopfleet-Signature: t=<unix seconds>,v1=<hex>``. The timestamp inside the signed text
lets a receiver refuse replays older than a few minutes."""

from __future__ import annotations

import hashlib
import hmac
import secrets

HEADER = "X-Coopfleet-Signature"
TOLERANCE_S = 300


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def verify(secret: str, header: str, body: bytes, now: float) -> bool:
    """What a receiver does (docs/integrations.md shows the same in a few lines)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > TOLERANCE_S:
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return hmac.compare_digest(expected, fields.get("v1", ""))
