"""Which drivers enter the model when there are far more than orders (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from routing.planning import Candidate, nearest_drivers
from routing.solver import Order, Stop, TimeWindow

DEPOT = (106.87, 10.95)
UNTIL = datetime(2026, 11, 25, 12, tzinfo=UTC)


def driver(n: int, kind: str, start: tuple[float, float]) -> Candidate:
    seats = 7 if kind == "contract_car" else 0
    return Candidate(n, n, kind, (3000, 20_000, seats), frozenset({f"kind:{kind}"}), start, UNTIL)


def order(n: int, kind: str, node: int) -> Order:
    stop = Stop(node, (TimeWindow(0, 36_000),), 300)
    demand = (0, 0, 4) if kind == "contract_car" else (1000, 2000, 0)
    return Order(
        str(n), pickup=stop, delivery=stop, demand=demand, skills=frozenset({f"kind:{kind}"})
    )


def test_every_order_keeps_the_nearest_drivers_who_can_take_it() -> None:
    trucks = [driver(n, "truck", DEPOT) for n in range(50)]
    cars = [driver(100 + n, "contract_car", (107.40, 10.93)) for n in range(3)]  # ~58 km away
    places = [DEPOT] * 5
    orders = [order(n, "truck", n) for n in range(4)] + [order(9, "contract_car", 4)]
    chosen = nearest_drivers([*trucks, *cars], orders, places)
    assert len(chosen) == 2 * len(orders) + 20
    assert sum(d.kind == "contract_car" for d in chosen) == 2  # the charter's two nearest cars
    assert sum(d.kind == "truck" for d in chosen) == 28
