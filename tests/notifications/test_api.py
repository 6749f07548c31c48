"""The notification and webhook routes: the agreed Web Push contract, rules, the webhook
administration, roles and tenancy (another cooperative's ids are 404)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.app import create_app
from core.config import Settings
from devtools.notify_fakes import BrowserKeys
from notifications.vapid import b64url_decode
from tests.conftest import CoopWorld

V1 = "/api/v1"


@pytest_asyncio.fixture
async def open_client(
    settings: Settings, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with loopback targets allowed (the tests' receivers listen on 127.0.0.1)."""
    app = create_app(settings.model_copy(update={"webhooks_allow_private": True}), engine)
    app.state.engine, app.state.session_factory = engine, sessions
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def browser(name: str) -> dict[str, object]:
    return BrowserKeys().subscription(f"http://127.0.0.1:9/push/{name}")


async def test_the_vapid_key_is_an_uncompressed_p256_point(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    answer = await client.get(f"{V1}/push/vapid-key", headers=coop_a.driver.headers)
    assert answer.status_code == 200
    point = b64url_decode(answer.json()["public_key"])
    assert len(point) == 65 and point[0] == 4
    again = await client.get(f"{V1}/push/vapid-key", headers=coop_a.dispatcher.headers)
    assert again.json() == answer.json()  # one key per installation
    assert (await client.get(f"{V1}/push/vapid-key")).status_code == 401


async def test_push_subscriptions_follow_the_agreed_contract(
    open_client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    body = browser("phone-1")
    made = await open_client.post(
        f"{V1}/push/subscriptions", json=body, headers=coop_a.driver.headers
    )
    assert made.status_code == 201, made.text
    assert made.json()["endpoint"] == body["endpoint"]
    again = await open_client.post(
        f"{V1}/push/subscriptions", json=body, headers=coop_a.driver.headers
    )
    assert again.status_code == 201 and again.json()["id"] == made.json()["id"]
    bad = dict(body, keys={"p256dh": "AAAA" * 22, "auth": "short"})
    refused = await open_client.post(
        f"{V1}/push/subscriptions", json=bad, headers=coop_a.driver.headers
    )
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} >= {"keys.p256dh", "keys.auth"}
    # someone else's (another user, another cooperative) cannot remove it
    endpoint = {"endpoint": body["endpoint"]}
    for other in (coop_a.dispatcher, coop_b.driver):
        gone = await open_client.request(
            "DELETE", f"{V1}/push/subscriptions", json=endpoint, headers=other.headers
        )
        assert gone.status_code == 404
    mine = await open_client.request(
        "DELETE", f"{V1}/push/subscriptions", json=endpoint, headers=coop_a.driver.headers
    )
    assert mine.status_code == 204


async def test_a_push_endpoint_on_a_private_address_is_refused_by_default(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    answer = await client.post(
        f"{V1}/push/subscriptions", json=browser("x"), headers=coop_a.driver.headers
    )
    assert answer.status_code == 422
    assert answer.json()["field"] == "endpoint"


async def test_rules_are_managed_by_admins_of_their_cooperative(
    client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    rule = {
        "event_kind": "papers_expiring",
        "channel": "email",
        "audience": "role",
        "role": "director",
        "quiet_from": "21:00",
        "quiet_to": "07:00",
    }
    made = await client.post(f"{V1}/notification-rules", json=rule, headers=coop_a.admin.headers)
    assert made.status_code == 201, made.text
    rule_id = made.json()["id"]
    assert made.json()["quiet_from"] == "21:00:00"
    for role in ("dispatcher", "director", "driver"):
        denied = await client.post(
            f"{V1}/notification-rules", json=rule, headers=coop_a.by_role(role).headers
        )
        assert denied.status_code == 403, role
    inconsistent = await client.post(
        f"{V1}/notification-rules",
        json={"event_kind": "offer", "channel": "push", "audience": "role"},
        headers=coop_a.admin.headers,
    )
    assert inconsistent.status_code == 422
    unknown_kind = await client.post(
        f"{V1}/notification-rules",
        json={"event_kind": "lunch", "channel": "push", "audience": "subject"},
        headers=coop_a.admin.headers,
    )
    assert unknown_kind.status_code == 422 and unknown_kind.json()["field"] == "event_kind"
    their_user = await client.post(
        f"{V1}/notification-rules",
        json={
            "event_kind": "offer",
            "channel": "push",
            "audience": "user",
            "user_id": coop_b.dispatcher.user.id,
        },
        headers=coop_a.admin.headers,
    )
    assert their_user.status_code == 404 and their_user.json()["field"] == "user_id"
    for method in ("GET", "PATCH", "DELETE"):
        other = await client.request(
            method,
            f"{V1}/notification-rules/{rule_id}",
            json={"enabled": False} if method == "PATCH" else None,
            headers=coop_b.admin.headers,
        )
        assert other.status_code == 404, method
    assert (await client.get(f"{V1}/notification-rules", headers=coop_b.admin.headers)).json() == []
    patched = await client.patch(
        f"{V1}/notification-rules/{rule_id}",
        json={"enabled": False, "language": "en"},
        headers=coop_a.admin.headers,
    )
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    null = await client.patch(
        f"{V1}/notification-rules/{rule_id}", json={"enabled": None}, headers=coop_a.admin.headers
    )
    assert null.status_code == 422 and null.json()["field"] == "enabled"
    removed = await client.delete(
        f"{V1}/notification-rules/{rule_id}", headers=coop_a.admin.headers
    )
    assert removed.status_code == 204


async def test_webhooks_show_their_secret_once_and_stay_in_their_cooperative(
    open_client: httpx.AsyncClient, coop_a: CoopWorld, coop_b: CoopWorld
) -> None:
    body = {"url": "http://127.0.0.1:9/hook", "event_types": ["order.status_changed"]}
    made = await open_client.post(f"{V1}/webhooks", json=body, headers=coop_a.admin.headers)
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["secret"].startswith("whsec_") and hook["enabled"] is True
    read = await open_client.get(f"{V1}/webhooks/{hook['id']}", headers=coop_a.admin.headers)
    assert read.status_code == 200 and "secret" not in read.json()
    denied = await open_client.post(f"{V1}/webhooks", json=body, headers=coop_a.dispatcher.headers)
    assert denied.status_code == 403
    bad_type = await open_client.post(
        f"{V1}/webhooks",
        json={"url": body["url"], "event_types": ["order.eaten"]},
        headers=coop_a.admin.headers,
    )
    assert bad_type.status_code == 422
    bad_url = await open_client.post(
        f"{V1}/webhooks",
        json={"url": "ftp://127.0.0.1/x", "event_types": ["order.created"]},
        headers=coop_a.admin.headers,
    )
    assert bad_url.status_code == 422 and bad_url.json()["field"] == "url"
    base = f"{V1}/webhooks/{hook['id']}"
    for method, path, json_body in (
        ("GET", base, None),
        ("PATCH", base, {"enabled": False}),
        ("GET", f"{base}/deliveries", None),
        ("POST", f"{base}/deliveries/1/redeliver", None),
        ("DELETE", base, None),
    ):
        other = await open_client.request(
            method, path, json=json_body, headers=coop_b.admin.headers
        )
        assert other.status_code == 404, (method, path)
    listed = await open_client.get(f"{V1}/webhooks", headers=coop_b.admin.headers)
    assert listed.json()["total"] == 0
    log = await open_client.get(f"{base}/deliveries", headers=coop_a.admin.headers)
    assert log.status_code == 200 and log.json()["items"] == []
    missing = await open_client.post(
        f"{base}/deliveries/9999999/redeliver", headers=coop_a.admin.headers
    )
    assert missing.status_code == 404
    off = await open_client.patch(base, json={"enabled": False}, headers=coop_a.admin.headers)
    assert off.json()["enabled"] is False and off.json()["disabled_reason"]
    on = await open_client.patch(base, json={"enabled": True}, headers=coop_a.admin.headers)
    assert on.json()["enabled"] is True and on.json()["disabled_reason"] is None


async def test_a_loopback_webhook_is_refused_unless_allowed(
    client: httpx.AsyncClient, coop_a: CoopWorld
) -> None:
    for url in ("http://127.0.0.1:8080/x", "http://localhost/x", "http://[::1]/x"):
        answer = await client.post(
            f"{V1}/webhooks",
            json={"url": url, "event_types": ["order.created"]},
            headers=coop_a.admin.headers,
        )
        assert answer.status_code == 422, url
        assert answer.json()["field"] == "url"
