"""The members' portal JSON: a member sees only their own vehicles (another member's vehicle is
404, another cooperative's too), office roles are not members (403), and the rules are public."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.config import Settings
from core.timeutil import today_in
from tests import factories
from tests.conftest import CoopWorld, sign_in_as
from tests.ledger.helpers import post_the_month, small_coop

V1 = "/api/v1"


async def test_a_member_sees_only_their_own(
    client: httpx.AsyncClient, session: AsyncSession, settings: Settings, coop_b: CoopWorld
) -> None:
    world = await small_coop(session)
    world.t1.inspection_expiry = today_in(world.coop.time_zone) + timedelta(days=12)
    await post_the_month(session, world)
    user = await factories.make_user(session, world.coop, role="member", member_id=world.a.id)
    member = await sign_in_as(session, settings, user)
    office = await sign_in_as(
        session, settings, await factories.make_user(session, world.coop, role="director")
    )
    home = await client.get(f"{V1}/member/home", headers=member.headers)
    assert home.status_code == 200, home.text
    body = home.json()
    assert [v["id"] for v in body["vehicles"]] == sorted(
        [world.t1.id, world.c1.id], key=lambda i: {world.t1.id: world.t1.plate,
                                                  world.c1.id: world.c1.plate}[i]
    )  # fmt: skip
    t1 = next(v for v in body["vehicles"] if v["id"] == world.t1.id)
    inspection = next(p for p in t1["papers"] if p["document"] == "inspection")
    assert inspection["days_left"] == 12 and inspection["soon"] is True
    assert body["balance_vnd"] == -1_000_000
    assert body["payment_code"] == f"XV{world.a.member_no}"

    mine = await client.get(f"{V1}/member/vehicles/{world.c1.id}", headers=member.headers)
    assert mine.status_code == 200
    theirs = await client.get(f"{V1}/member/vehicles/{world.t2.id}", headers=member.headers)
    assert theirs.status_code == 404
    other_coop = await factories.make_vehicle(session, coop_b.coop)
    await session.commit()
    elsewhere = await client.get(f"{V1}/member/vehicles/{other_coop.id}", headers=member.headers)
    assert elsewhere.status_code == 404
    jobs = await client.get(f"{V1}/member/jobs?month=2026-11", headers=member.headers)
    assert jobs.status_code == 200 and jobs.json() == []
    sent = (
        (f"user:{user.id}", user.id, "a"),  # to their account, by push and e-mail: once
        (f"user:{user.id}", user.id, "a"),
        (f"member:{world.a.id}", None, "b"),  # to them as a member (an SMS)
        (f"member:{world.b.id}", None, "c"),  # another member's: not theirs
    )
    for n, (recipient, user_id, tag) in enumerate(sent):
        payload = {"title": f"Tin {tag}", "body": "Đăng kiểm sắp hết hạn", "tag": tag}
        await session.execute(
            text(
                "INSERT INTO notification_messages (cooperative_id, event_kind, dedupe_key,"
                " channel, recipient, user_id, payload) VALUES (:c, 'paper_expiring', :k,"
                " 'push', :r, :u, CAST(:p AS jsonb))"
            ),
            {"c": world.coop.id, "k": f"portal-{world.coop.id}-{n}", "r": recipient,
             "u": user_id, "p": json.dumps(payload)},
        )  # fmt: skip
    await session.commit()
    inbox = await client.get(f"{V1}/member/messages", headers=member.headers)
    assert [m["title"] for m in inbox.json()] == ["Tin b", "Tin a"]
    for headers in (office.headers, coop_b.driver.headers, coop_b.admin.headers):
        assert (await client.get(f"{V1}/member/home", headers=headers)).status_code == 403


async def test_the_rules_are_public(client: httpx.AsyncClient) -> None:
    answer = await client.get(f"{V1}/rules?lang=en")
    assert answer.status_code == 200
    body = answer.json()
    continuous = next(r for r in body["driver"] if r["key"] == "continuous_max_s")
    assert continuous["text"] == "No more than 4 hours of continuous driving"
    assert continuous["since"] == "2009-07-01"
    assert body["last_change"] == "2026-07-01"
    page = await client.get("/rules", cookies={"lang": "vi"})
    assert page.status_code == 200 and "Lái xe liên tục không quá 4 giờ" in page.text
