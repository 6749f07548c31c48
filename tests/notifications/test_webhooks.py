"""Webhooks end to end with a real ``coopfleet notify`` process and real local receivers:
signed bodies the receiver verifies, nothing lost while a receiver is down and each order's
steps in order, a receiver down past the limit disabled with the reason the admin reads, and
a slow receiver that does not slow the others."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from core.config import Settings
from devtools.notify_fakes import WebhookReceiver, start_notify
from notifications.signing import sign, verify
from tests.notifications.committed import V1, World, notify_process, outbox_empty, world
from tests.waiting import wait_until, wait_until_async

ORDER_TYPES = ["order.created", "order.status_changed"]


async def subscribe(w: World, receiver: WebhookReceiver, types: list[str]) -> int:
    made = await w.api.post(
        f"{V1}/webhooks",
        json={"url": receiver.url("/hook"), "event_types": types},
        headers=w.admin,
    )
    assert made.status_code == 201, made.text
    receiver.secret = made.json()["secret"]
    hook_id: int = made.json()["id"]
    return hook_id


async def deliveries(w: World, hook_id: int) -> list[dict[str, Any]]:
    log = await w.api.get(
        f"{V1}/webhooks/{hook_id}/deliveries", params={"limit": 200}, headers=w.admin
    )
    items: list[dict[str, Any]] = log.json()["items"]
    return items


def test_a_signature_verifies_only_the_body_and_time_it_was_made_for() -> None:
    body, now = b'{"id":"order_event:1"}', time.time()
    header = sign("whsec_x", int(now), body)
    assert verify("whsec_x", header, body, now)
    assert not verify("whsec_x", header, body + b" ", now)
    assert not verify("whsec_y", header, body, now)
    assert not verify("whsec_x", header, body, now + 600)  # a replay ten minutes later
    assert not verify("whsec_x", "t=abc,v1=00", body, now)


async def test_a_receiver_that_was_down_gets_every_event_in_order_per_order(
    settings: Settings, engine: AsyncEngine
) -> None:
    receiver = WebhookReceiver()  # its port is chosen, nothing listens yet: down
    async with world(settings, engine) as w, notify_process(settings):
        hook_id = await subscribe(w, receiver, ORDER_TYPES)
        orders = [await w.new_order(f"DH-WH-{n}") for n in range(3)]
        for status in ("planned", "new", "cancelled"):
            for order_id in orders:
                await w.step(order_id, status)

        async def retried() -> bool:
            log = await deliveries(w, hook_id)
            return any(d["status"] == "failed" and d["attempts"] >= 2 for d in log)

        await wait_until_async(retried, timeout=30, what="failed attempts while down")
        failed = [d for d in await deliveries(w, hook_id) if d["status"] == "failed"]
        assert failed and all("Cannot connect" in str(d["last_error"]) for d in failed)
        assert receiver.count() == 0

        receiver.start()  # back
        try:
            await wait_until_async(lambda: receiver.count() >= 12, timeout=30, what="12 events")
            assert all(receiver.verified(got) for got in receiver.received)
            events = receiver.events()
            assert len({e["id"] for e in events}) == 12  # nothing lost (at least once)
            steps: dict[int, list[str]] = defaultdict(list)
            for event in events:
                assert event["version"] == 1 and event["cooperative_id"] == w.cooperative_id
                data = event["data"]
                if (
                    data["order"]["id"] in steps
                    and steps[data["order"]["id"]][-1] == data["to_status"]
                ):
                    continue  # a repeat (at least once) is harmless to the order
                steps[data["order"]["id"]].append(data["to_status"])
            assert steps == {o: ["new", "planned", "new", "cancelled"] for o in orders}
            assert [e["type"] for e in events][:1] == ["order.created"]
            got = receiver.received[0]
            assert got.headers["X-Coopfleet-Event"] == "order.created"

            async def all_delivered() -> bool:  # recorded once the receiver answered
                log = await deliveries(w, hook_id)
                return {d["status"] for d in log} == {"delivered"} and len(log) == 12

            await wait_until_async(all_delivered, timeout=15, what="the log says delivered")
            log = await deliveries(w, hook_id)
            hook = (await w.api.get(f"{V1}/webhooks/{hook_id}", headers=w.admin)).json()
            assert hook["enabled"] is True and hook["failing_since"] is None

            # by hand: the first event again, and only it
            first = min(log, key=lambda d: int(str(d["id"])))
            again = await w.api.post(
                f"{V1}/webhooks/{hook_id}/deliveries/{first['id']}/redeliver", headers=w.admin
            )
            assert again.status_code == 202
            await wait_until_async(lambda: receiver.count() >= 13, timeout=15, what="redelivery")
            assert receiver.events()[-1]["id"] == first["event_key"]
        finally:
            receiver.stop()


async def test_a_receiver_down_past_the_limit_is_disabled_and_the_admin_sees_why(
    settings: Settings, engine: AsyncEngine
) -> None:
    receiver = WebhookReceiver()
    async with (
        world(settings, engine) as w,
        notify_process(settings, webhook_disable_after_seconds="1.5"),
    ):
        hook_id = await subscribe(w, receiver, ORDER_TYPES)
        order_id = await w.new_order("DH-OFF-1")

        async def disabled() -> bool:
            hook = await w.api.get(f"{V1}/webhooks/{hook_id}", headers=w.admin)
            return hook.json()["enabled"] is False

        await wait_until_async(disabled, timeout=30, what="the subscription disabled")
        hook = (await w.api.get(f"{V1}/webhooks/{hook_id}", headers=w.admin)).json()
        reason = hook["disabled_reason"]
        assert reason.startswith("failing since ") and "Cannot connect" in reason, reason
        assert hook["disabled_at"] is not None

        # nothing is lost: enabled again once the receiver is back, the waiting event goes out
        receiver.start()
        try:
            await w.step(order_id, "cancelled")  # while disabled: not queued for it
            wait_until(lambda: outbox_empty(settings), timeout=15, what="the step fanned out")
            enabled = await w.api.patch(
                f"{V1}/webhooks/{hook_id}", json={"enabled": True}, headers=w.admin
            )
            assert enabled.json()["enabled"] is True and enabled.json()["disabled_reason"] is None
            await wait_until_async(lambda: receiver.count() >= 1, timeout=15, what="delivery")
            assert [e["type"] for e in receiver.events()] == ["order.created"]
            assert receiver.verified(receiver.received[0])
        finally:
            receiver.stop()


async def test_a_slow_receiver_does_not_slow_the_others(
    settings: Settings, engine: AsyncEngine
) -> None:
    slow, fast = WebhookReceiver(), WebhookReceiver()
    slow.delay_s = 5.0
    slow.start()
    fast.start()
    try:
        async with world(settings, engine) as w, notify_process(settings):
            await subscribe(w, slow, ["order.created"])
            fast_id = await subscribe(w, fast, ["order.created"])
            created: dict[str, float] = {}
            for n in range(3):
                await w.new_order(f"DH-SLOW-{n}")
                created[f"DH-SLOW-{n}"] = time.time()
            await wait_until_async(lambda: fast.count() >= 3, timeout=15, what="fast receiver")
            waits = [
                got.at - created[event["data"]["order"]["reference"]]
                for got, event in zip(fast.received, fast.events(), strict=True)
            ]
            print(f"fast receiver: each event {max(waits):.2f} s at most after its order")
            assert max(waits) < slow.delay_s  # none waited on the slow receiver's 5 s
            assert len(await deliveries(w, fast_id)) == 3
    finally:
        slow.stop()
        fast.stop()


async def test_a_notify_process_killed_mid_delivery_loses_nothing(
    settings: Settings, engine: AsyncEngine
) -> None:
    """SIGKILL while a delivery is in flight: the subscription's lease runs out and a second
    process delivers every event (at least once: the interrupted one may come twice)."""
    receiver = WebhookReceiver()
    receiver.delay_s = 2.0  # the first delivery is still in flight when the process dies
    receiver.start()
    quick = {"notify_lease_seconds": "1", "webhook_timeout_seconds": "0.25"}
    try:
        async with world(settings, engine) as w:
            await subscribe(w, receiver, ["order.created"])
            first = start_notify(
                settings.database_url,
                settings.secret_key,
                environment="test",
                webhooks_allow_private="true",
                notify_poll_seconds="0.05",
                notify_lease_seconds="1",
                webhook_timeout_seconds="2.5",  # its leases: 4 × 2.5 = 10 s
            )
            try:
                for n in range(3):
                    await w.new_order(f"DH-KILL-{n}")
                wait_until(lambda: outbox_empty(settings), timeout=30, what="fanned out")
                await asyncio.sleep(0.5)  # the first POST is waiting on the receiver
            finally:
                first.kill()
                first.wait(timeout=30)
            receiver.delay_s = 0.0
            async with notify_process(settings, **quick):
                await wait_until_async(
                    lambda: len({e["id"] for e in receiver.events()}) == 3,
                    timeout=30,
                    what="all three events after the kill",
                )
            assert all(receiver.verified(got) for got in receiver.received)
    finally:
        receiver.stop()
