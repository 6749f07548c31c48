"""Where the notify process may send: webhook and push endpoints under the installation's SSRF
rules (``core.egress``: a host resolving to a private, loopback, link-local or reserved address is
refused unless ``COOPFLEET_WEBHOOKS_ALLOW_PRIVATE`` allows it), plus the rule of this channel:
no credentials in the URL, since the body is signed instead.

Checked at subscription time and again before each send (a name can be pointed elsewhere later).
Failures are ``UnsafeTarget`` with the reason, which the delivery log and the API show."""

from __future__ import annotations

import asyncio

from core import egress
from core.errors import DomainError

SCHEMES = frozenset({"http", "https"})


class UnsafeTarget(ValueError):
    """The URL may not be called; the message says why."""


def parse(url: str) -> tuple[str, int]:
    """Host and port of an http(s) URL without credentials, or UnsafeTarget."""
    try:
        parts = egress.parse_target(url, SCHEMES)
    except DomainError as exc:
        raise UnsafeTarget(exc.message) from None
    if parts.username is not None or parts.password is not None:
        raise UnsafeTarget("credentials in the URL are not allowed (use the signature)")
    return parts.hostname or "", parts.port or egress.DEFAULT_PORTS[parts.scheme]


async def check(url: str, *, allow_private: bool) -> None:
    """Raise UnsafeTarget unless every address ``url``'s host resolves to is public."""
    host, port = parse(url)
    if allow_private:
        return
    try:
        addresses = await asyncio.wait_for(
            asyncio.to_thread(egress.resolve, host, port), egress.RESOLVE_TIMEOUT_S
        )
    except (OSError, UnicodeError, ValueError, TimeoutError) as exc:
        raise UnsafeTarget(f"the host {host} does not resolve: {exc}") from None
    try:
        egress.check_addresses(host, addresses)
    except DomainError as exc:
        raise UnsafeTarget(exc.message) from None
