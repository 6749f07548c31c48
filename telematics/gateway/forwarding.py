"""Who may forward positions from a Traccar server: a bearer token per cooperative, derived from
the installation secret (nothing stored; rotating the secret rotates every token).

Traccar sends it with every forwarded position when its ``traccar.xml`` has
``<entry key='forward.header'>Authorization: Bearer <token></entry>`` (Traccar's "additional
HTTP header, can be used for authorization"). The token names its cooperative, and the gateway
takes from that server only the devices of that cooperative's vehicles: a Traccar server cannot
put positions on another cooperative's map, even knowing their devices' ids.
"""

from __future__ import annotations

import hmac

PREFIX = "Bearer "


def traccar_token(secret_key: str, cooperative_id: int) -> str:
    """``<cooperative id>.<32 hex digits of HMAC-SHA256>``."""
    digest = hmac.new(
        secret_key.encode(), f"coopfleet-traccar-forwarding:{cooperative_id}".encode(), "sha256"
    )
    return f"{cooperative_id}.{digest.hexdigest()[:32]}"


def token_cooperative(secret_key: str, authorization: str | None) -> int | None:
    """The cooperative an ``Authorization`` header's token belongs to; None if it is not one."""
    if not authorization or not authorization.startswith(PREFIX):
        return None
    token = authorization[len(PREFIX) :].strip()
    head, _, _ = token.partition(".")
    if not (head.isascii() and head.isdigit()) or len(head) > 10:
        return None
    cooperative_id = int(head)
    expected = traccar_token(secret_key, cooperative_id)
    return cooperative_id if hmac.compare_digest(token.encode(), expected.encode()) else None
