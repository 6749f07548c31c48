"""An offer reaches the driver's browser as a Web Push message: through the API, the outbox
trigger, a real ``coopfleet notify`` process and a local push service that decrypts it with
the subscription's private key, as the browser would."""

from __future__ import annotations

import asyncio
import time

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from devtools.notify_fakes import PushService
from notifications.vapid import b64url_decode
from tests.notifications.committed import V1, notify_process, outbox_empty, world
from tests.waiting import wait_until, wait_until_async

OFFER_TO_PUSH_S = 2.0  # the target


async def test_an_offer_arrives_as_web_push_within_two_seconds(
    settings: Settings, engine: AsyncEngine
) -> None:
    push = PushService()
    push.start()
    try:
        async with world(settings, engine) as w, notify_process(settings):
            rule = await w.api.post(
                f"{V1}/notification-rules",
                json={"event_kind": "offer", "channel": "push", "audience": "subject"},
                headers=w.admin,
            )
            assert rule.status_code == 201, rule.text
            key = (await w.api.get(f"{V1}/push/vapid-key", headers=w.driver)).json()["public_key"]
            subscribed = await w.api.post(
                f"{V1}/push/subscriptions", json=push.subscription("phone"), headers=w.driver
            )
            assert subscribed.status_code == 201, subscribed.text
            order_id = await w.new_order("DH-PUSH-1")
            # the notify process is up once it has taken the order's creation from the outbox
            wait_until(lambda: outbox_empty(settings), timeout=30, what="notify running")
            assert push.count() == 0  # no rule for order creation

            offered = await w.api.post(
                f"{V1}/orders/{order_id}/offers",
                json={"driver_id": w.driver_id, "deadline_s": 120},
                headers=w.admin,
            )
            assert offered.status_code == 201, offered.text
            committed_at = time.time()
            await wait_until_async(lambda: push.count() >= 1, timeout=10, what="a push")
            got = push.received[0]
            latency = got.at - committed_at
            print(f"offer committed → push at the push service: {latency:.3f} s")
            assert latency <= OFFER_TO_PUSH_S, latency

            payload = push.payload(got)
            assert payload == {
                "kind": "offer",
                "title": "Chuyến mới",
                "body": payload["body"],
                "url": "/app/#offers",
                "tag": f"offer:{offered.json()['id']}",
            }
            assert "DH-PUSH-1" in payload["body"] and "120" in payload["body"]
            assert got.headers["Content-Encoding"] == "aes128gcm"
            assert got.headers["Urgency"] == "high"
            assert 0 < int(got.headers["TTL"]) <= 120  # worthless once the offer lapses
            # VAPID: signed by the key the API hands browsers, for this push service's origin
            token, _, public = (
                got.headers["Authorization"].removeprefix("vapid t=").partition(", k=")
            )
            assert public == key
            verifying = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
            claims = jwt.decode(
                token, verifying, algorithms=["ES256"], audience=f"http://127.0.0.1:{push.port}"
            )
            assert claims["sub"].startswith("mailto:")

            log = await w.api.get(f"{V1}/notifications/messages", headers=w.admin)
            assert [(m["channel"], m["status"]) for m in log.json()["items"]] == [("push", "sent")]
            await asyncio.sleep(0.5)
            assert push.count() == 1  # sent once
    finally:
        push.stop()
