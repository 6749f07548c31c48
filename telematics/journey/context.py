"""What a timeline needs to know about its vehicle: zone, speed limit, fences, who drives it.

Loaded from the registry in a few set-based queries and kept for ``ttl_s`` so thousands of
vehicles a second cost no per-vehicle lookups; registry edits are seen within the TTL.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from shapely import wkb

from fleet.legal import DEFAULT_SPEED_LIMITS_KMH, FALLBACK_SPEED_LIMIT_KMH
from telematics.journey.fences import Fence, Fences, depot_fence, zone_fence
from telematics.journey.timeline import DriverAt, VehicleContext

Conn = psycopg.Connection[tuple[Any, ...]]


@dataclass(slots=True)
class _Assignments:
    """A vehicle's driver assignments, sorted by start (epoch seconds)."""

    starts: list[float] = field(default_factory=list)
    spans: list[tuple[float, float, int]] = field(default_factory=list)

    def at(self, t: float) -> int | None:
        i = bisect.bisect_right(self.starts, t) - 1
        if i >= 0:
            start, end, driver = self.spans[i]
            if start <= t < end:
                return driver
        return None


@dataclass(slots=True)
class _Cooperative:
    zone: str
    fences: Fences
    cards: dict[str, int]
    limits: dict[str, int]


class Contexts:
    def __init__(self, conn: Conn, ttl_s: float = 60.0) -> None:
        self.conn = conn
        self.ttl_s = ttl_s
        self._coops: dict[int, tuple[float, _Cooperative]] = {}
        self._vehicles: dict[int, tuple[float, VehicleContext, int]] = {}

    def get(self, vehicle_ids: Iterable[int]) -> dict[int, VehicleContext]:
        now = time.monotonic()
        wanted = set(vehicle_ids)
        stale = [v for v in wanted if v not in self._vehicles or self._vehicles[v][0] < now]
        if stale:
            self._load(stale, now)
        return {v: self._vehicles[v][1] for v in wanted if v in self._vehicles}

    def cooperative_of(self, vehicle_id: int) -> int:
        return self._vehicles[vehicle_id][2]

    def zone_of(self, cooperative_id: int) -> str:
        return self._coops[cooperative_id][1].zone

    def _load(self, vehicle_ids: list[int], now: float) -> None:
        rows = self.conn.execute(
            "SELECT id, cooperative_id, kind FROM vehicles WHERE id = ANY(%s)", (vehicle_ids,)
        ).fetchall()
        coops = {row[1] for row in rows}
        for coop_id in coops:
            if coop_id not in self._coops or self._coops[coop_id][0] < now:
                self._coops[coop_id] = (now + self.ttl_s, self._load_cooperative(coop_id))
        assignments: dict[int, _Assignments] = {}
        for vehicle_id, driver_id, starts, ends in self.conn.execute(
            "SELECT vehicle_id, driver_id, starts_at, ends_at FROM vehicle_assignments"
            " WHERE vehicle_id = ANY(%s) ORDER BY vehicle_id, starts_at",
            (vehicle_ids,),
        ):
            found = assignments.setdefault(vehicle_id, _Assignments())
            end = ends.timestamp() if ends is not None else float("inf")
            found.starts.append(starts.timestamp())
            found.spans.append((starts.timestamp(), end, driver_id))
        for vehicle_id, coop_id, kind in rows:
            coop = self._coops[coop_id][1]
            limit = coop.limits.get(
                kind, DEFAULT_SPEED_LIMITS_KMH.get(kind, FALLBACK_SPEED_LIMIT_KMH)
            )
            ctx = VehicleContext(
                vehicle_id=vehicle_id,
                time_zone=coop.zone,
                speed_limit_kmh=float(limit),
                fences=coop.fences,
                driver_at=_driver_lookup(coop.cards, assignments.get(vehicle_id)),
            )
            self._vehicles[vehicle_id] = (now + self.ttl_s, ctx, coop_id)

    def _load_cooperative(self, coop_id: int) -> _Cooperative:
        conn = self.conn
        zone_row = conn.execute(
            "SELECT time_zone FROM cooperatives WHERE id = %s", (coop_id,)
        ).fetchone()
        fences: list[Fence] = [
            depot_fence(i, name, lon, lat, radius)
            for i, name, lon, lat, radius in conn.execute(
                "SELECT id, name, ST_X(location), ST_Y(location), radius_m FROM depots"
                " WHERE cooperative_id = %s",
                (coop_id,),
            )
        ]
        fences += [
            zone_fence(i, name, wkb.loads(bytes(area)), limit)
            for i, name, area, limit in conn.execute(
                "SELECT id, name, ST_AsBinary(area), speed_limit_kmh FROM zones"
                " WHERE cooperative_id = %s",
                (coop_id,),
            )
        ]
        cards: dict[str, int] = dict(
            conn.execute(
                "SELECT driver_card_id, id FROM drivers"
                " WHERE cooperative_id = %s AND driver_card_id IS NOT NULL",
                (coop_id,),
            ).fetchall()
        )
        limits: dict[str, int] = dict(
            conn.execute(
                "SELECT vehicle_kind, limit_kmh FROM speed_limits WHERE cooperative_id = %s",
                (coop_id,),
            ).fetchall()
        )
        zone = zone_row[0] if zone_row else "Asia/Ho_Chi_Minh"
        return _Cooperative(zone, Fences(tuple(fences)), cards, limits)


def _driver_lookup(cards: dict[str, int], assigned: _Assignments | None) -> DriverAt:
    """The driver at a time: the card in the reader first, else the assignment in force."""

    def driver_at(t: float, card: str | None) -> int | None:
        if card is not None:
            found = cards.get(card)
            if found is not None:
                return found
        return assigned.at(t) if assigned is not None else None

    return driver_at
