"""Travel times and distances between places, for planning and suggestions.

A provider answers a whole table at once. The default needs no network: great-circle distance
times a detour factor, at a speed for the vehicle kind; integers, rounded up, so a plan found on
them stays feasible when checked in exact arithmetic. Computed with NumPy for thousands of points;
``CachedTables`` keeps recent tables for re-planning.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from core.geodesy import EARTH_RADIUS_M, metres_between

Table = NDArray[np.int64]


class TravelTimes(Protocol):
    def table(
        self, points: Sequence[tuple[float, float]], kind: str | None = None
    ) -> tuple[Table, Table]:
        """(durations in seconds, distances in metres) between every pair of (lon, lat)."""
        ...


DEFAULT_SPEEDS_KMH = {
    "truck": 40.0,
    "container_tractor": 35.0,
    "coach": 45.0,
    "bus": 35.0,
    "van": 45.0,
    "taxi": 40.0,
    "contract_car": 50.0,
}


@dataclass(frozen=True, slots=True)
class GreatCircle:
    detour: float = 1.3  # road distance / straight-line distance, typical for Vietnamese roads
    default_speed_kmh: float = 40.0
    speeds_kmh: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_SPEEDS_KMH))

    @classmethod
    def calibrated(cls, measured_kmh: dict[str, float]) -> GreatCircle:
        """Door-to-door speeds the cooperative's own trips showed (distance along the track over
        duration), the defaults for kinds without enough trips."""
        return cls(speeds_kmh={**DEFAULT_SPEEDS_KMH, **measured_kmh})

    def road_metres(self, a: tuple[float, float], b: tuple[float, float]) -> float:
        """The great circle between two (lon, lat) points, stretched by the detour factor."""
        return metres_between(a, b) * self.detour

    def speed_ms(self, kind: str | None) -> float:
        """Metres per second for a vehicle kind (the default speed for kinds not known)."""
        return self.speeds_kmh.get(kind or "", self.default_speed_kmh) / 3.6

    def table(
        self, points: Sequence[tuple[float, float]], kind: str | None = None
    ) -> tuple[Table, Table]:
        coords = np.radians(np.asarray(points, dtype=np.float64).reshape(-1, 2))
        lon, lat = coords[:, 0][:, None], coords[:, 1][:, None]
        a = (
            np.sin((lat.T - lat) / 2) ** 2
            + np.cos(lat) * np.cos(lat.T) * np.sin((lon.T - lon) / 2) ** 2
        )
        metres = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))) * self.detour
        speed = self.speed_ms(kind)
        distances = np.ceil(metres).astype(np.int64)
        durations = np.ceil(metres / speed).astype(np.int64)
        return durations, distances


@dataclass(frozen=True, slots=True)
class OsrmTable:
    """An OSRM-compatible ``table`` service (self-hosted OSRM, or one that speaks its format),
    for road travel times instead of great-circle estimates. Values are rounded up."""

    base_url: str
    profile: str = "driving"
    timeout_s: float = 30.0

    def table(
        self, points: Sequence[tuple[float, float]], kind: str | None = None
    ) -> tuple[Table, Table]:
        import httpx  # only when configured

        coordinates = ";".join(f"{lon:.6f},{lat:.6f}" for lon, lat in points)
        url = f"{self.base_url.rstrip('/')}/table/v1/{self.profile}/{coordinates}"
        answer = httpx.get(url, params={"annotations": "duration,distance"}, timeout=self.timeout_s)
        answer.raise_for_status()
        body = answer.json()
        if body.get("code") != "Ok":
            raise RuntimeError(f"OSRM table answered {body.get('code')}: {body.get('message')}")
        unreachable = 10**9  # OSRM gives null where no route exists
        durations = np.array(
            [[unreachable if v is None else v for v in row] for row in body["durations"]]
        )
        distances = np.array(
            [[unreachable if v is None else v for v in row] for row in body["distances"]]
        )
        return np.ceil(durations).astype(np.int64), np.ceil(distances).astype(np.int64)


class CachedTables:
    """The most recent tables, by provider, vehicle kind and points, up to ``max_cells`` held.

    Re-planning the same orders from the same places (a dispatcher's second try with a longer
    time budget, a plan compared with the previous one) then costs a lookup instead of an OSRM
    round trip or an O(n²) computation. Thread-safe: planning jobs run in threads.
    """

    def __init__(self, max_cells: int = 10_000_000) -> None:
        self.max_cells = max_cells
        self.hits = 0
        self.misses = 0
        self._tables: OrderedDict[bytes, tuple[Table, Table]] = OrderedDict()
        self._cells = 0
        self._lock = threading.Lock()

    def over(self, provider: TravelTimes) -> TravelTimes:
        """``provider`` answering through this cache."""
        return _Cached(self, provider)

    def table(
        self, provider: TravelTimes, points: Sequence[tuple[float, float]], kind: str | None
    ) -> tuple[Table, Table]:
        digest = hashlib.blake2b(digest_size=16)
        digest.update(repr(provider).encode())
        digest.update((kind or "").encode())
        digest.update(np.asarray(points, dtype=np.float64).tobytes())
        key = digest.digest()
        with self._lock:
            if key in self._tables:
                self._tables.move_to_end(key)
                self.hits += 1
                return self._tables[key]
        answer = provider.table(points, kind)
        cells = answer[0].size
        with self._lock:
            self.misses += 1
            if cells <= self.max_cells and key not in self._tables:
                self._tables[key] = answer
                self._cells += cells
                while self._cells > self.max_cells:
                    _, (old, _) = self._tables.popitem(last=False)
                    self._cells -= old.size
        return answer


@dataclass(frozen=True, slots=True)
class _Cached:
    cache: CachedTables
    provider: TravelTimes

    def table(
        self, points: Sequence[tuple[float, float]], kind: str | None = None
    ) -> tuple[Table, Table]:
        return self.cache.table(self.provider, points, kind)
