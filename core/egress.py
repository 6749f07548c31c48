"""Where the installation may send data it is told to send (SSRF rules).

An admin names a target URL (a position forwarder, a webhook); the server then connects to it
from inside the installation's network. Unless the admin allowed private targets for it, a
target whose host resolves to a loopback, private, link-local, multicast or reserved address is
refused — when it is saved (the field named) and again before each send, since DNS answers
change.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import SplitResult, urlsplit

from core.errors import InvalidInput, InvalidValue

DEFAULT_PORTS = {"http": 80, "https": 443, "mqtt": 1883, "mqtts": 8883}
RESOLVE_TIMEOUT_S = 5.0


class TargetRefused(InvalidInput):
    """The target resolves to an address the installation does not send to."""

    code = "target_refused"


def parse_target(url: str, schemes: frozenset[str], *, field: str = "url") -> SplitResult:
    """The URL split, or 422 naming ``field`` when its scheme or host is missing or not allowed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidValue(f"not a URL: {exc}", field=field) from None
    if parts.scheme not in schemes:
        allowed = ", ".join(sorted(schemes))
        raise InvalidValue(f"the URL's scheme must be one of: {allowed}", field=field)
    if not parts.hostname:
        raise InvalidValue("the URL has no host", field=field)
    if port == 0:
        raise InvalidValue("the URL's port must be 1-65535", field=field)
    return parts


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to now (blocking: call it from a thread, with a time
    limit: ``RESOLVE_TIMEOUT_S``)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def check_addresses(host: str, addresses: list[str], *, field: str = "url") -> None:
    """Refuse a host whose addresses include one the installation must not reach."""
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if _forbidden(address):
            raise TargetRefused(
                f"{host} resolves to {address}, a private or reserved address",
                field=field,
            )


def check_target(
    url: str, schemes: frozenset[str], *, allow_private: bool, field: str = "url"
) -> None:
    """Parse ``url`` and, unless ``allow_private``, refuse it when its host resolves to a
    private or local address (or does not resolve at all)."""
    parts = parse_target(url, schemes, field=field)
    if allow_private:
        return
    host = parts.hostname or ""
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 443)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError, ValueError):  # no answer, or a name DNS cannot carry
        raise InvalidInput(f"{host} does not resolve", field=field) from None
    check_addresses(host, addresses, field=field)
