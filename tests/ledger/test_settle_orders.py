"""The worker's side: delivered orders read from routing's tables, settled by the vehicle
owner's commission rule in the month of their delivery (the cooperative's local day), once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from ledger import months, reads
from tests.ledger.helpers import NOVEMBER, SmallCoop, small_coop
from worker import ledger as ledger_jobs

_ORDER = text(
    """
INSERT INTO orders (cooperative_id, reference, kind, status, customer_name, price_vnd,
    pickup_address, pickup_location, dropoff_address, dropoff_location, vehicle_id,
    tracking_token, tracking_expires_at)
VALUES (:coop, :ref, 'freight', :status, 'Khách', :price, 'A',
    ST_SetSRID(ST_MakePoint(106.84, 10.95), 4326), 'B',
    ST_SetSRID(ST_MakePoint(106.94, 10.95), 4326), :vehicle, :token, now())
RETURNING id
"""
)


async def _order(
    session: AsyncSession, world: SmallCoop, ref: str, vehicle: int, price: int, at: datetime,
    status: str = "delivered",
) -> int:  # fmt: skip
    values = {"coop": world.coop.id, "ref": ref, "status": status, "price": price,
              "vehicle": vehicle, "token": f"{ref}-{world.coop.id}"}  # fmt: skip
    order = (await session.execute(_ORDER, values)).scalar_one()
    await session.execute(
        text(
            "INSERT INTO order_events (cooperative_id, order_id, from_status, to_status, at)"
            " VALUES (:coop, :order, 'arrived_dropoff', :status, :at)"
        ),
        {"coop": world.coop.id, "order": order, "status": status, "at": at},
    )
    return int(order)


async def test_delivered_orders_settle_in_their_local_month_once(session: AsyncSession) -> None:
    world = await small_coop(session)
    await _order(session, world, "N1", world.t1.id, 2_000_000, datetime(2026, 11, 5, 3, tzinfo=UTC))
    # 30 Nov 17:30 UTC is 1 Dec 00:30 in Việt Nam: December's
    await _order(session, world, "N2", world.t2.id, 1_000_000,
                 datetime(2026, 11, 30, 17, 30, tzinfo=UTC))  # fmt: skip
    # 31 Oct 17:30 UTC is 1 Nov 00:30 in Việt Nam: November's
    await _order(session, world, "N3", world.c1.id, 5_000_000,
                 datetime(2026, 10, 31, 17, 30, tzinfo=UTC))  # fmt: skip
    await _order(session, world, "N4", world.t2.id, 900_000, datetime(2026, 11, 6, tzinfo=UTC),
                 status="failed")  # fmt: skip

    assert await ledger_jobs.settle_month(session, world.coop.id, NOVEMBER) == 2
    assert await ledger_jobs.settle_month(session, world.coop.id, NOVEMBER) == 0
    a = await reads.statement(session, world.coop.id, world.a.id, NOVEMBER)
    assert sorted(line["credit_vnd"] for line in a.lines) == [1_800_000, 4_700_000]
    b = await reads.statement(session, world.coop.id, world.b.id, NOVEMBER)
    assert b.lines == []

    await ledger_jobs.bring_up_to_date(session, world.coop.id, NOVEMBER)
    await months.close_month(session, world.coop.id, NOVEMBER, closed_by=None)
    a = await reads.statement(session, world.coop.id, world.a.id, NOVEMBER)
    assert a.closing_vnd == 1_500_000 - 6_500_000
