"""A synthetic day for a Đồng Nai cooperative: pickup-delivery orders between sites around the
province's towns, member drivers starting from home with vans, trucks and 7-seat cars.

Travel: great-circle distance × 1.35 for roads, at 35 km/h, both rounded up to whole metres and
seconds. A few orders are impossible on purpose (too heavy, a skill nobody has) so the plan must
report them with a reason.

``python -m bench.vrp_synthetic --orders 5000 --drivers 3000 --budget 120`` plans it and prints
the figures: wall time, peak memory (this process, and with its workers), orders served /
unserved by reason, vehicles, distance, and the independent checker's verdict. There is no
plain OR-Tools baseline at this size: one model would need the 13,000² stop matrix as Python
lists (tens of GB) before searching at all.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import threading
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from devtools import demo_data
from routing.solver import (
    BreakRule,
    Matrix,
    Options,
    Order,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
    solve,
)
from routing.solver.check import check_plan

TOWNS = [(lat, lon, weight) for _, lat, lon, weight in demo_data.TOWNS]
ROAD_FACTOR = 1.35
SPEED_M_PER_S = 35_000 / 3600
HOUR = 3600
# kind: (share, kg, litres, seats, skills)
FLEET = (
    (0.40, 1_000, 6_000, 2, ()),
    (0.25, 3_500, 18_000, 2, ()),
    (0.10, 8_000, 35_000, 2, ()),
    (0.05, 3_500, 16_000, 2, ("refrigerated",)),
    (0.20, 300, 1_000, 6, ()),
)


@dataclass(frozen=True, slots=True)
class Synthetic:
    problem: Problem
    sites: int


def places(rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` (lat, lon) points scattered around the towns by weight."""
    weights = np.array([town[2] for town in TOWNS], dtype=float)
    town = rng.choice(len(TOWNS), size=count, p=weights / weights.sum())
    centres = np.array([(t[0], t[1]) for t in TOWNS])[town]
    return centres + rng.normal(0.0, 0.035, size=(count, 2))


def matrices(points: np.ndarray) -> tuple[Matrix, Matrix]:
    """Road distances (m) and times (s), rounded up, row by row to bound the memory."""
    lat, lon = np.radians(points[:, 0]), np.radians(points[:, 1])
    size = len(points)
    distances = np.empty((size, size), dtype=np.int64)
    for i in range(size):
        dlat, dlon = lat - lat[i], lon - lon[i]
        a = np.sin(dlat / 2) ** 2 + np.cos(lat[i]) * np.cos(lat) * np.sin(dlon / 2) ** 2
        metres = 2 * 6_371_000 * np.arcsin(np.sqrt(a)) * ROAD_FACTOR
        distances[i] = np.ceil(metres)
    durations = np.ceil(distances / SPEED_M_PER_S).astype(np.int64)
    return Matrix.from_flat(size, _flat(durations)), Matrix.from_flat(size, _flat(distances))


def _flat(values: np.ndarray) -> array[int]:
    flat: array[int] = array("q")
    flat.frombytes(values.astype(np.int64).tobytes())
    return flat


def generate(orders: int, drivers: int, seed: int, sites: int = 1_500) -> Synthetic:
    rng = np.random.default_rng(seed)
    points = places(rng, sites + drivers)
    durations, distances = matrices(points)
    vehicles = tuple(_vehicle(rng, k, sites + k) for k in range(drivers))
    jobs = tuple(_order(rng, k, sites) for k in range(orders))
    rule = BreakRule(max_driving=4 * HOUR, min_break=15 * 60)
    return Synthetic(Problem(durations, distances, vehicles, jobs, (), rule), sites)


def _vehicle(rng: np.random.Generator, k: int, home: int) -> Vehicle:
    shares = np.array([kind[0] for kind in FLEET])
    _, kg, litres, seats, skills = FLEET[int(rng.choice(len(FLEET), p=shares))]
    start = int(rng.integers(6 * HOUR, 9 * HOUR))
    length = int(rng.integers(8 * HOUR, 10 * HOUR))
    return Vehicle(
        f"driver-{k}",
        home,
        home,
        TimeWindow(start, start + length),
        (kg, litres, seats),
        frozenset(skills),
        fixed_cost=20_000,
    )


def _order(rng: np.random.Generator, k: int, sites: int) -> Order:
    pickup, delivery = (int(site) for site in rng.choice(sites, size=2, replace=False))
    ready = int(rng.integers(7 * HOUR, 15 * HOUR))
    skills: frozenset[str] = frozenset()
    if k % 10 == 0:  # passengers
        demand = (0, 0, int(rng.integers(1, 5)))
    else:
        demand = (int(rng.integers(50, 2_500)), int(rng.integers(200, 8_000)), 0)
    if k % 33 == 5:
        skills = frozenset({"refrigerated"})
    if k % 1000 == 7:
        demand = (12_000, 40_000, 0)  # heavier than any vehicle
    if k % 1000 == 9:
        skills = frozenset({"hazmat"})  # nobody is licensed
    return Order(
        f"order-{k}",
        pickup=Stop(pickup, (TimeWindow(ready, ready + 2 * HOUR),), 600),
        delivery=Stop(delivery, (TimeWindow(ready, ready + 6 * HOUR),), 600),
        demand=demand,
        skills=skills,
    )


class TreeMemory:
    """Peak resident memory of this process plus its worker processes, sampled every 0.2 s
    from /proc (``ru_maxrss`` of spawned children also counts the parent's pages they had
    before ``exec``, so it cannot tell what the workers themselves use)."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.2):
            self.peak_kb = max(self.peak_kb, sum(_rss_kb(pid) for pid in _tree(os.getpid())))


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            for child in task.read_text().split():
                found += _tree(int(child))
    return found


def _rss_kb(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Plan a synthetic Đồng Nai day")
    parser.add_argument("--orders", type=int, default=5_000)
    parser.add_argument("--drivers", type=int, default=3_000)
    parser.add_argument("--budget", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--region-size", type=int, help="orders per region (default: planner's)")
    args = parser.parse_args(argv)
    began = time.monotonic()
    case = generate(args.orders, args.drivers, args.seed)
    print(
        f"generated {args.orders} orders, {args.drivers} drivers, "
        f"{case.problem.durations.size} places in {time.monotonic() - began:.1f}s",
        flush=True,
    )
    options = Options(workers=args.workers, region_size=args.region_size)
    began = time.monotonic()
    with TreeMemory() as memory:
        result = solve(case.problem, time_limit_s=args.budget, seed=args.seed, options=options)
    wall = time.monotonic() - began
    errors = check_plan(case.problem, result)
    kpis = result.kpis
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"wall {wall:.1f}s (budget {args.budget:g}s), peak RSS: this process {own:.0f} MB, "
        f"with its workers (sampled) {memory.peak_kb / 1024:.0f} MB"
    )
    print(
        f"served {kpis.served}, unserved {kpis.unserved}, vehicles {kpis.vehicles}, "
        f"distance {kpis.distance / 1000:.0f} km, duty {kpis.duty / 3600:.0f} h"
    )
    for reason, count in Counter(item.reason for item in result.unserved).most_common():
        print(f"  unserved {count:>5}: {reason}")
    print("checker: OK" if not errors else f"checker: {len(errors)} errors, first: {errors[0]}")


if __name__ == "__main__":
    main()
