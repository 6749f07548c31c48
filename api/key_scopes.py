"""Which scope an API key needs for a route: by the route's path template and the method.

A key's role decides as a user's would (the routes' own ``require``); its scopes narrow that to
what the admin granted. Routes not named here — sign-in and accounts, API keys themselves,
device credentials, the driver's app, push streams, platform routes — refuse every key (403):
deny by default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.errors import Forbidden

_ID = r"\{[a-z_]+\}"
READS = frozenset({"GET", "HEAD"})

# (template pattern, scope to read, scope to write or None: no key may write there); first match
RULES: Sequence[tuple[re.Pattern[str], str, str | None]] = [
    (re.compile(p), read, write)
    for p, read, write in [
        (rf"^/vehicles/{_ID}/device-credentials$", "", None),
        (rf"^/drivers/{_ID}/reset-credentials$", "", None),
        (r"/stream$", "", None),  # push streams re-check a person's session; keys poll instead
        (rf"^/vehicles/{_ID}/(track|live)$", "positions:read", None),
        (r"^/positions/", "positions:read", None),
        (rf"^/(vehicles|drivers)/{_ID}/(trips|stops|driving-time)$", "journeys:read", None),
        (r"^/(events|rollups)(/|$)", "journeys:read", None),
        (r"^/speed-limits(/|$)", "journeys:read", "registry:write"),
        (
            r"^/(members|drivers|vehicles|depots|zones)(/|\.geojson|$)",
            "registry:read",
            "registry:write",
        ),
        (r"^/(documents/|cooperative$)", "registry:read", "registry:write"),
        (r"^/reports/subscriptions", "", None),
        (r"^/reports/", "reports:read", None),
        (r"^/(orders|plans|proof-files)(/|$)", "orders:read", "orders:write"),
        (r"^/union-export", "union:export", None),
        (r"^/audit(/|$)", "audit:read", None),
    ]
]


def needed_scope(template: str, method: str) -> str | None:
    """The scope a key needs for ``method`` on a route (``template`` without the /api/v1
    prefix); None when no key may call it."""
    for pattern, read, write in RULES:
        if pattern.search(template):
            scope = read if method in READS else write
            return scope or None
    return None


class ScopeMissing(Forbidden):
    """The key's role may do this, its scopes do not cover it (or no key may)."""

    code = "scope_missing"


def check_key_scope(scopes: frozenset[str], template: str, method: str) -> None:
    """403 unless the key's scopes cover this route and method."""
    scope = needed_scope(template, method)
    if scope is None:
        raise ScopeMissing("API keys may not call this route")
    if scope not in scopes:
        raise ScopeMissing(f"this API key lacks the scope {scope}", scope=scope)
