"""The live feed behind the dispatcher's map: one poller per cooperative, shared by its sockets.

Each second a cooperative's feed reads only the vehicle states received since the last look (with
a short overlap, because a batch received earlier may commit later) and the orders changed since,
works out each vehicle's status, and hands every subscriber only what changed. A subscriber that
cannot keep up gets the latest values merged, never a growing queue. Feeds start with their
first subscriber and stop with their last.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.tenancy import Tenant
from core.timeutil import utcnow
from fleet.assignments import RosterEntry, roster
from operations.live_feed import orders_changed
from routing.jobs import VehicleJob, jobs_by_vehicle
from telematics.journey.rules import JourneyRules
from telematics.live import Fix, LiveStatus, latest_fixes, live_status

log = logging.getLogger(__name__)

TICK_S = 1.0
OVERLAP = timedelta(seconds=5)  # a batch commits within this of being received
ROSTER_EVERY = 30  # ticks between re-reading plates, kinds and assigned drivers
JOBS_EVERY = 2  # ticks between re-reading which vehicles serve an order
LOAD_TIMEOUT_S = 15  # a new socket waits this long for the fleet's first reading

# The wire rows: a full row when a vehicle is first shown, a short one when only it moved.
FULL_FIELDS = (
    "id",
    "plate",
    "kind",
    "driver",
    "lon",
    "lat",
    "speed",
    "heading",
    "t",
    "status",
    "job",
)
MOVE_FIELDS = ("id", "lon", "lat", "speed", "heading", "t", "status", "job")


@dataclass(slots=True)
class LiveVehicle:
    entry: RosterEntry
    fix: Fix | None = None
    status: str = LiveStatus.OFFLINE
    job: str | None = None

    def full_row(self) -> list[Any]:
        return [
            self.entry.vehicle_id,
            self.entry.plate,
            self.entry.kind,
            self.entry.driver_name,
            *self.move_row()[1:],
        ]

    def move_row(self) -> list[Any]:
        fix = self.fix
        if fix is None:
            return [self.entry.vehicle_id, None, None, None, None, None, self.status, self.job]
        return [
            self.entry.vehicle_id,
            round(fix.lon, 5),  # about a metre: what a map can show
            round(fix.lat, 5),
            None if fix.speed_kmh is None else round(fix.speed_kmh),
            fix.heading,
            int(fix.device_time.timestamp()),
            self.status,
            self.job,
        ]


@dataclass(eq=False)
class Subscriber:
    """One socket's pending changes, merged by vehicle until it takes them."""

    full: dict[int, list[Any]] = field(default_factory=dict)
    moves: dict[int, list[Any]] = field(default_factory=dict)
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    def take(self) -> dict[str, Any]:
        """The changes waiting for this socket, as one message; empties the queue."""
        message: dict[str, Any] = {"type": "delta"}
        if self.full:
            message["full"] = list(self.full.values())
        if self.moves:
            message["moves"] = [row for key, row in self.moves.items() if key not in self.full]
        if self.orders:
            message["orders"] = list(self.orders.values())
        self.full, self.moves, self.orders = {}, {}, {}
        self.ready.clear()
        return message


class CooperativeFeed:
    """The live state of one cooperative's fleet and orders."""

    def __init__(
        self, tenant: Tenant, sessions: async_sessionmaker[AsyncSession], rules: JourneyRules
    ) -> None:
        self.tenant = tenant
        self.sessions = sessions
        self.rules = rules
        self.vehicles: dict[int, LiveVehicle] = {}
        self.order_status: dict[int, tuple[str, int | None, int | None]] = {}
        self.subscribers: set[Subscriber] = set()
        self.loaded = asyncio.Event()
        self._jobs: dict[int, VehicleJob] = {}
        self._seen_until: datetime | None = None
        self._orders_until: datetime | None = None
        self._ticks = 0
        self.task: asyncio.Task[None] | None = None

    def snapshot(self) -> dict[str, Any]:
        return {
            "type": "snapshot",
            "fields": FULL_FIELDS,
            "move_fields": MOVE_FIELDS,
            "vehicles": [vehicle.full_row() for vehicle in self.vehicles.values()],
        }

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
                self.loaded.set()
            except Exception:  # the database may be restarting: the next tick tries again
                log.exception("live feed of cooperative %s failed", self.tenant.cooperative_id)
            await asyncio.sleep(TICK_S)

    async def tick(self) -> None:
        relabelled: set[int] = set()
        orders: dict[int, dict[str, Any]] = {}
        async with self.sessions() as session:
            if self._ticks % ROSTER_EVERY == 0:
                relabelled = await self._read_roster(session)
            if self._ticks % JOBS_EVERY == 0:
                self._jobs = await jobs_by_vehicle(session, self.tenant)
                await self._read_orders(session, orders)
            since = None if self._seen_until is None else self._seen_until - OVERLAP
            fixes = await latest_fixes(session, self.tenant.cooperative_id, since=since)
        self._ticks += 1
        changed: set[int] = set()
        for fix in fixes:
            vehicle = self.vehicles.get(fix.vehicle_id)
            if vehicle is None or vehicle.fix == fix:
                continue
            vehicle.fix = fix
            if self._seen_until is None or fix.received_at > self._seen_until:
                self._seen_until = fix.received_at
            changed.add(fix.vehicle_id)
        now = utcnow()
        for vehicle_id, vehicle in self.vehicles.items():
            job = self._jobs.get(vehicle_id)
            status = (
                LiveStatus.OFFLINE
                if vehicle.fix is None
                else live_status(vehicle.fix, now, job is not None, self.rules)
            )
            reference = job.reference if job else None
            if status != vehicle.status or reference != vehicle.job:
                vehicle.status, vehicle.job = status, reference
                changed.add(vehicle_id)
        self._publish(
            {i: self.vehicles[i].full_row() for i in relabelled},
            {i: self.vehicles[i].move_row() for i in changed - relabelled},
            orders,
        )

    async def _read_roster(self, session: AsyncSession) -> set[int]:
        """Re-read plates, kinds and assigned drivers; the vehicles new or relabelled."""
        entries = {entry.vehicle_id: entry for entry in await roster(session, self.tenant)}
        for vehicle_id in list(self.vehicles):
            if vehicle_id not in entries:
                del self.vehicles[vehicle_id]  # removed from the registry: the map drops it
        relabelled = set()
        for vehicle_id, entry in entries.items():
            vehicle = self.vehicles.get(vehicle_id)
            if vehicle is None:
                self.vehicles[vehicle_id] = LiveVehicle(entry)
            elif vehicle.entry != entry:
                vehicle.entry = entry
            else:
                continue
            relabelled.add(vehicle_id)
        return relabelled

    async def _read_orders(self, session: AsyncSession, changed: dict[int, dict[str, Any]]) -> None:
        """Orders whose status, driver or vehicle changed since the last look."""
        after = (
            utcnow() - timedelta(days=2)
            if self._orders_until is None
            else self._orders_until - OVERLAP
        )
        for order in await orders_changed(session, self.tenant, after):
            if self._orders_until is None or order.updated_at > self._orders_until:
                self._orders_until = order.updated_at
            state = (order.status, order.driver_id, order.vehicle_id)
            if self.order_status.get(order.id) != state:
                self.order_status[order.id] = state
                if self._ticks > 0:  # the first look only learns the current states
                    changed[order.id] = {
                        "id": order.id,
                        "status": order.status,
                        "driver_id": order.driver_id,
                        "vehicle_id": order.vehicle_id,
                    }
        if self._orders_until is None:
            self._orders_until = utcnow()

    def _publish(
        self,
        full: dict[int, list[Any]],
        moves: dict[int, list[Any]],
        orders: dict[int, dict[str, Any]],
    ) -> None:
        if not (full or moves or orders):
            return
        for subscriber in self.subscribers:
            subscriber.full.update(full)
            subscriber.moves.update(moves)
            subscriber.orders.update(orders)
            subscriber.ready.set()


class LiveHub:
    """Feeds by cooperative, created on demand and stopped when nobody watches."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], rules: JourneyRules) -> None:
        self.sessions = sessions
        self.rules = rules
        self.feeds: dict[int, CooperativeFeed] = {}

    async def subscribe(self, tenant: Tenant) -> tuple[CooperativeFeed, Subscriber]:
        """Join the cooperative's feed; returns once the feed has read the fleet once (raises
        TimeoutError, after leaving, when it could not within ``LOAD_TIMEOUT_S``)."""
        feed = self.feeds.get(tenant.cooperative_id)
        if feed is None:
            feed = CooperativeFeed(tenant, self.sessions, self.rules)
            feed.task = asyncio.create_task(feed.run())
            self.feeds[tenant.cooperative_id] = feed
        subscriber = Subscriber()
        feed.subscribers.add(subscriber)
        try:
            await asyncio.wait_for(feed.loaded.wait(), LOAD_TIMEOUT_S)
        except TimeoutError:
            await self.unsubscribe(feed, subscriber)
            raise
        return feed, subscriber

    async def unsubscribe(self, feed: CooperativeFeed, subscriber: Subscriber) -> None:
        feed.subscribers.discard(subscriber)
        if feed.subscribers or self.feeds.get(feed.tenant.cooperative_id) is not feed:
            return
        del self.feeds[feed.tenant.cooperative_id]
        if feed.task is not None:
            feed.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed.task

    async def close(self) -> None:
        for feed in list(self.feeds.values()):
            if feed.task is not None:
                feed.task.cancel()
        self.feeds.clear()
