"""Which scope a key needs where: read and write by method, deny by default."""

from __future__ import annotations

import httpx
import pytest

from api.key_scopes import needed_scope
from tests.conftest import CoopWorld


@pytest.mark.parametrize(
    ("template", "method", "scope"),
    [
        ("/vehicles", "GET", "registry:read"),
        ("/vehicles/{ident}", "PATCH", "registry:write"),
        ("/vehicles/{vehicle_id}/assignments", "POST", "registry:write"),
        ("/zones.geojson", "GET", "registry:read"),
        ("/cooperative", "PATCH", "registry:write"),
        ("/vehicles/{vehicle_id}/track", "GET", "positions:read"),
        ("/positions/latest", "GET", "positions:read"),
        ("/drivers/{driver_id}/driving-time", "GET", "journeys:read"),
        ("/events", "GET", "journeys:read"),
        ("/events/{event_id}/acknowledge", "POST", None),  # no key writes journeys
        ("/speed-limits", "GET", "journeys:read"),
        ("/speed-limits/{kind}", "PUT", "registry:write"),
        ("/orders/{order_id}/transitions", "POST", "orders:write"),
        ("/plans/{plan_id}", "GET", "orders:read"),
        ("/reports/utilization", "GET", "reports:read"),
        ("/union-export", "GET", "union:export"),
        ("/audit", "GET", "audit:read"),
        # never for a key
        ("/events/stream", "GET", None),
        ("/driver/messages/stream", "GET", None),
        ("/reports/subscriptions", "POST", None),
        ("/vehicles/{vehicle_id}/device-credentials", "GET", None),
        ("/drivers/{driver_id}/reset-credentials", "POST", None),
        ("/users", "GET", None),
        ("/api-keys", "POST", None),
        ("/position-forwarders", "GET", None),
        ("/webhooks", "GET", None),
        ("/auth/me", "GET", None),
        ("/cooperatives", "GET", None),
    ],
)
def test_needed_scope(template: str, method: str, scope: str | None) -> None:
    assert needed_scope(template, method) == scope


async def test_refusals_speak_vietnamese_too(client: httpx.AsyncClient, coop_a: CoopWorld) -> None:
    """The codes a key or a target earns have their Vietnamese sentence (English in detail)."""
    refused = await client.post(
        "/api/v1/position-forwarders",
        json={"name": "x", "url": "http://127.0.0.1/x"},
        headers={**coop_a.admin.headers, "Accept-Language": "vi"},
    )
    assert refused.json()["error"] == "target_refused"
    assert "nội bộ" in refused.json()["message"] and "127.0.0.1" in refused.json()["detail"]
