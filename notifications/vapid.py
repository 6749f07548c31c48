"""The installation's VAPID key pair (Web Push's application server key).

By default it is derived from the installation secret (HKDF), like the MQTT passwords: nothing
new to store or leak, and the same in every process. ``COOPFLEET_VAPID_PRIVATE_KEY`` (the
base64url P-256 scalar) sets it instead, so the secret can rotate without dropping every
browser's subscription. The private key is never logged or returned."""

from __future__ import annotations

import base64
import time
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.config import Settings

_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)
TOKEN_SECONDS = 12 * 3600  # push services accept up to 24 h


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@lru_cache(maxsize=4)
def private_key(secret_key: str, configured: str | None) -> ec.EllipticCurvePrivateKey:
    if configured:
        scalar = int.from_bytes(b64url_decode(configured), "big")
    else:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=48, salt=None, info=b"coopfleet vapid"
        ).derive(secret_key.encode())
        scalar = int.from_bytes(derived, "big") % (_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def key_of(settings: Settings) -> ec.EllipticCurvePrivateKey:
    return private_key(settings.secret_key, settings.vapid_private_key)


def public_key(settings: Settings) -> str:
    """The uncompressed P-256 point, base64url: the browser's ``applicationServerKey``."""
    point = (
        key_of(settings)
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return b64url(point)


class VapidSigner:
    """``Authorization: vapid t=…, k=…`` per push service origin, reused until near expiry."""

    def __init__(self, settings: Settings) -> None:
        self._key = key_of(settings)
        self._public = public_key(settings)
        self._subject = settings.vapid_subject
        self._cache: dict[str, tuple[float, str]] = {}

    def header(self, origin: str) -> str:
        now = time.time()
        cached = self._cache.get(origin)
        if cached is not None and cached[0] - now > 600:
            return cached[1]
        expires = int(now) + TOKEN_SECONDS
        claims = {"aud": origin, "exp": expires, "sub": self._subject}
        token = jwt.encode(claims, self._key, algorithm="ES256")
        value = f"vapid t={token}, k={self._public}"
        self._cache[origin] = (expires, value)
        return value
