"""Where the notify process may send: a webhook or push endpoint that resolves to a private,
loopback, link-local or otherwise non-public address is refused (SSRF), unless the
installation allows it (``COOPFLEET_WEBHOOKS_ALLOW_PRIVATE``: tests, closed networks).

Every address the name resolves to is checked, at subscription time and again before each
send (a name can be pointed elsewhere later)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

RESOLVE_TIMEOUT_S = 5.0  # a name that does not answer is refused, not waited on


class UnsafeTarget(ValueError):
    """The URL may not be called; the message says why."""


def parse(url: str) -> tuple[str, int]:
    """Host and port of an http(s) URL without credentials, or UnsafeTarget."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeTarget(f"not a valid URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeTarget("only http and https URLs are allowed")
    if not parts.hostname:
        raise UnsafeTarget("the URL has no host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("credentials in the URL are not allowed (use the signature)")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check(url: str, *, allow_private: bool) -> None:
    """Raise UnsafeTarget unless every address ``url``'s host resolves to is public."""
    host, port = parse(url)
    if allow_private:
        return
    try:
        infos = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM),
            RESOLVE_TIMEOUT_S,
        )
    except (OSError, TimeoutError) as exc:
        raise UnsafeTarget(f"the host {host} does not resolve: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise UnsafeTarget(
                f"the host {host} resolves to {address}, a private or reserved address"
            )
