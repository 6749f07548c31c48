"""What the planner is asked: plain frozen values that refuse bad input when built.

Units are the caller's, as integers: seconds for time, metres (or any unit) for distance. A node
is an index into the matrices; the solver never sees coordinates, names or the clock.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise


class Leg(StrEnum):
    """Which end of a order a stop is."""

    PICKUP = "pickup"
    DELIVERY = "delivery"


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Service may start at any time in [start, end] (waiting before start is allowed)."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.start < 0:
            raise ValueError(f"time window start {self.start} is negative")
        if self.end < self.start:
            raise ValueError(f"time window ends at {self.end}, before its start {self.start}")


@dataclass(frozen=True, slots=True, eq=False)
class Matrix:
    """A square matrix of non-negative integers, kept flat (row-major) so 1,000² stays small."""

    size: int
    values: array[int]

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError(f"matrix size must be positive, got {self.size}")
        if len(self.values) != self.size * self.size:
            raise ValueError(
                f"matrix of size {self.size} needs {self.size * self.size} values, "
                f"got {len(self.values)}"
            )
        if min(self.values) < 0:
            raise ValueError("matrix values must be non-negative")

    @classmethod
    def from_rows(cls, rows: Sequence[Sequence[int]]) -> Matrix:
        """Build from a list of rows; every row must be as long as there are rows."""
        for i, row in enumerate(rows):
            if len(row) != len(rows):
                raise ValueError(f"matrix row {i} has {len(row)} values, expected {len(rows)}")
        return cls(len(rows), array("q", (value for row in rows for value in row)))

    @classmethod
    def from_flat(cls, size: int, values: Iterable[int]) -> Matrix:
        """Build from a flat row-major buffer of size² values (a 64-bit array is not copied)."""
        if isinstance(values, array) and values.typecode == "q":
            return cls(size, values)
        return cls(size, array("q", values))

    def at(self, i: int, j: int) -> int:
        return self.values[i * self.size + j]

    def row(self, i: int) -> array[int]:
        return self.values[i * self.size : (i + 1) * self.size]


@dataclass(frozen=True, slots=True)
class Stop:
    """One place a order visits: a node, when service may start, and how long it lasts."""

    node: int
    windows: tuple[TimeWindow, ...] = ()
    service: int = 0

    def __post_init__(self) -> None:
        if self.node < 0:
            raise ValueError(f"stop node {self.node} is negative")
        if self.service < 0:
            raise ValueError(f"service time {self.service} is negative")
        for before, after in pairwise(self.windows):
            if after.start <= before.end:
                raise ValueError("time windows must be sorted and must not overlap")


@dataclass(frozen=True, slots=True)
class Order:
    """An order: a pickup-delivery pair, or one stop.

    A pickup alone brings its load to the vehicle's end; a delivery alone takes its load from the
    vehicle's start. ``penalty`` is what leaving the order unserved costs (map priority to it);
    ``None`` means serve it whenever any feasible plan can.
    """

    id: str
    pickup: Stop | None = None
    delivery: Stop | None = None
    demand: tuple[int, ...] = ()
    skills: frozenset[str] = frozenset()
    penalty: int | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("order id must not be empty")
        if self.pickup is None and self.delivery is None:
            raise ValueError(f"order {self.id!r} needs a pickup, a delivery or both")
        if any(amount < 0 for amount in self.demand):
            raise ValueError(f"order {self.id!r} has a negative demand {self.demand}")
        if self.penalty is not None and self.penalty <= 0:
            raise ValueError(f"order {self.id!r} penalty must be positive, got {self.penalty}")

    def stop(self, leg: Leg) -> Stop | None:
        return self.pickup if leg is Leg.PICKUP else self.delivery

    def stops(self) -> list[tuple[Leg, Stop]]:
        """The order's stops in the order they must be served."""
        return [(leg, stop) for leg in Leg if (stop := self.stop(leg)) is not None]


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vehicle and its driver's shift: leave ``start`` no earlier than ``shift.start``, reach
    ``end`` no later than ``shift.end``. ``breaks`` applies the problem's driving-break rule."""

    id: str
    start: int
    end: int
    shift: TimeWindow
    capacity: tuple[int, ...] = ()
    skills: frozenset[str] = frozenset()
    fixed_cost: int = 0
    cost_per_distance: int = 1
    breaks: bool = True

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("vehicle id must not be empty")
        if self.start < 0 or self.end < 0:
            raise ValueError(f"vehicle {self.id!r} has a negative start or end node")
        if any(amount < 0 for amount in self.capacity):
            raise ValueError(f"vehicle {self.id!r} has a negative capacity {self.capacity}")
        if self.fixed_cost < 0 or self.cost_per_distance < 0:
            raise ValueError(f"vehicle {self.id!r} costs must be non-negative")


@dataclass(frozen=True, slots=True)
class BreakRule:
    """At most ``max_driving`` seconds on duty between breaks of at least ``min_break`` seconds.

    The figures come from the caller's versioned rule table (4 h and 15 min in Vietnam today).
    """

    max_driving: int
    min_break: int

    def __post_init__(self) -> None:
        if self.max_driving <= 0 or self.min_break <= 0:
            raise ValueError("break rule durations must be positive")


@dataclass(frozen=True, slots=True)
class StopRef:
    order: str
    leg: Leg


@dataclass(frozen=True, slots=True)
class FixedPrefix:
    """Stops a vehicle has been committed to: served first, in this order, even if late."""

    vehicle: str
    stops: tuple[StopRef, ...]

    def __post_init__(self) -> None:
        if not self.stops:
            raise ValueError(f"fixed prefix of {self.vehicle!r} has no stops")


@dataclass(frozen=True, slots=True, eq=False)
class Problem:
    """Everything one solve needs. Validates that every index and reference resolves."""

    durations: Matrix
    distances: Matrix
    vehicles: tuple[Vehicle, ...]
    orders: tuple[Order, ...]
    fixed: tuple[FixedPrefix, ...] = ()
    break_rule: BreakRule | None = None

    def __post_init__(self) -> None:
        if self.durations.size != self.distances.size:
            raise ValueError(
                f"duration matrix is {self.durations.size}² but distance matrix is "
                f"{self.distances.size}²"
            )
        if not self.vehicles:
            raise ValueError("a problem needs at least one vehicle")
        _unique("vehicle", [vehicle.id for vehicle in self.vehicles])
        _unique("order", [order.id for order in self.orders])
        self._check_nodes()
        self._check_dimensions()
        self._check_fixed()

    @property
    def dimensions(self) -> int:
        return len(self.vehicles[0].capacity)

    def _check_nodes(self) -> None:
        size = self.durations.size
        for vehicle in self.vehicles:
            if vehicle.start >= size or vehicle.end >= size:
                raise ValueError(f"vehicle {vehicle.id!r} node is outside the {size}² matrices")
        for order in self.orders:
            for _, stop in order.stops():
                if stop.node >= size:
                    raise ValueError(
                        f"order {order.id!r} node {stop.node} is outside the {size}² matrices"
                    )

    def _check_dimensions(self) -> None:
        dims = self.dimensions
        for vehicle in self.vehicles:
            if len(vehicle.capacity) != dims:
                raise ValueError(
                    f"vehicle {vehicle.id!r} has {len(vehicle.capacity)} capacity dimensions, "
                    f"the first vehicle has {dims}"
                )
        for order in self.orders:
            if order.demand and len(order.demand) != dims:
                raise ValueError(
                    f"order {order.id!r} demand has {len(order.demand)} dimensions, "
                    f"vehicles have {dims}"
                )

    def _check_fixed(self) -> None:
        vehicles = {vehicle.id: vehicle for vehicle in self.vehicles}
        orders = {order.id: order for order in self.orders}
        _unique("fixed prefix vehicle", [prefix.vehicle for prefix in self.fixed])
        _unique("fixed stop", [f"{ref.order}/{ref.leg}" for p in self.fixed for ref in p.stops])
        for prefix in self.fixed:
            vehicle = vehicles.get(prefix.vehicle)
            if vehicle is None:
                raise ValueError(f"fixed prefix names unknown vehicle {prefix.vehicle!r}")
            seen: set[str] = set()
            for ref in prefix.stops:
                order = orders.get(ref.order)
                if order is None or order.stop(ref.leg) is None:
                    raise ValueError(f"fixed prefix names unknown stop {ref.order!r} {ref.leg}")
                if not order.skills <= vehicle.skills:
                    raise ValueError(
                        f"fixed order {order.id!r} needs skills {prefix.vehicle!r} lacks"
                    )
                if ref.leg is Leg.DELIVERY and order.pickup is not None and order.id not in seen:
                    raise ValueError(
                        f"fixed delivery of {order.id!r} needs its pickup earlier in the prefix"
                    )
                seen.add(order.id)


def _unique(what: str, ids: Sequence[str]) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"duplicate {what} {item!r}")
        seen.add(item)
