"""Seeded cooperative days as a public benchmark: pickups clustered at industrial zones and a
port, drop-offs at towns and markets, windows of 1-3 h, a mixed fleet on shifts, optionally the
4-hour driving rule.

Each day is written twice:

* in **Li & Lim's format** (``<name>.txt``), which any published PDPTW solver reads: one kind of
  vehicle (the 5 t truck, the fleet's most common), one shift for all (the depot's window), no
  breaks. Coordinates are minutes of driving (Li & Lim's travel time is the Euclidean distance);
* in **the planner's own JSON** (``<name>.json``) for what Li & Lim cannot say: vans, 5 t and
  8 t trucks, each driver's shift, and the break rule. ``problem_of`` reads it back as a
  ``routing.solver.Problem`` (seconds, metres).

``python -m bench.coop_days --tasks 200 1000 3000 --seeds 1 2 3 --out /tmp/coop-days`` writes
them; ``python -m bench.vrp --coop-days 1000 --day-seeds 1 2 3 --budget 60`` runs the planner
beside plain OR-Tools on them; ``--plan 60`` also plans each JSON day (mixed fleet, shifts,
``--breaks``) and checks it with ``routing.solver.check.check_plan``. A task is one pickup-delivery
order (two Li & Lim rows).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

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
from routing.solver.bounds import fleet_lower_bound
from routing.solver.check import check_plan
from routing.solver.screen import unservable
from routing.solver.single import solve_single

WIDTH, HEIGHT = 90, 66  # the province, in minutes of driving (~60 × 44 km at 40 km/h)
HORIZON = 720  # minutes: the day from 06:00 to 18:00
KM_PER_MINUTE = 40 / 60
DEPOT = (42, 33)
TRUCK_5T = 50  # capacity in units of 100 kg; the Li & Lim fleet is all 5 t trucks
# kind: share of the fleet, capacity (100 kg)
FLEET = (("van 1.5 t", 0.3, 15), ("truck 5 t", 0.5, TRUCK_5T), ("truck 8 t", 0.2, 80))
BREAK_RULE = {"max_driving": 240, "min_break": 15}  # minutes (Vietnam's 4-hour rule)
LATE_EVERY = 7  # every seventh truck works until the day's end
TRUCK_DAY_M = 500_000  # a truck and its driver's day, in metres: fewest trucks first


@dataclass(frozen=True, slots=True)
class Place:
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class Task:
    """One pickup-delivery order: windows are [earliest, latest] start of service, minutes."""

    pickup: Place
    delivery: Place
    pickup_window: tuple[int, int]
    delivery_window: tuple[int, int]
    pickup_service: int
    delivery_service: int
    demand: int


@dataclass(frozen=True, slots=True)
class Truck:
    kind: str
    capacity: int
    shift: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Day:
    name: str
    depot: Place
    horizon: int
    tasks: tuple[Task, ...]
    fleet: tuple[Truck, ...]
    breaks: bool


def travel(a: Place, b: Place) -> float:
    return math.hypot(a.x - b.x, a.y - b.y)


def generate(tasks: int, seed: int, breaks: bool = False) -> Day:
    """A day of ``tasks`` pickup-delivery orders, the same for the same arguments.

    Every task fits a 5 t truck on its own within the horizon (depot → pickup → delivery →
    depot, in exact arithmetic), so a complete plan always exists."""
    if tasks < 1:
        raise ValueError(f"tasks must be positive, got {tasks}")
    rng = random.Random(f"coop-day/{tasks}/{seed}")
    zones = [_spot(rng, 10) for _ in range(7)]
    port = Place(WIDTH - 8, HEIGHT - 6)
    towns = [_spot(rng, 8) for _ in range(10)]
    markets = [_spot(rng, 15) for _ in range(6)]
    depot = Place(*DEPOT)
    made: list[Task] = []
    while len(made) < tasks:
        heavy = rng.random() < 0.3  # containers from or to the port
        if heavy:
            source, spread = port, 2.0
        else:
            source, spread = rng.choice(zones), 4.0
        if rng.random() < 0.75:
            target, target_spread = rng.choice(towns), 6.0
        else:
            target, target_spread = rng.choice(markets), 1.5
        pickup, delivery = _near(rng, source, spread), _near(rng, target, target_spread)
        if rng.random() < 0.15:  # produce from town to the port for export
            pickup, delivery = delivery, pickup
        demand = rng.randint(8, 30) if heavy else rng.randint(2, 15)
        task = _timed(rng, depot, pickup, delivery, demand)
        if task is not None:
            made.append(task)
    count = max(10, math.ceil(tasks / 4))
    fleet = tuple(_truck(rng, n, count) for n in range(count))
    name = f"coop{tasks}_{seed}" + ("_breaks" if breaks else "")
    return Day(name, depot, HORIZON, tuple(made), fleet, breaks)


def _spot(rng: random.Random, margin: int) -> Place:
    return Place(rng.randint(margin, WIDTH - margin), rng.randint(margin, HEIGHT - margin))


def _near(rng: random.Random, centre: Place, spread: float) -> Place:
    x = min(WIDTH, max(0, round(rng.gauss(centre.x, spread))))
    y = min(HEIGHT, max(0, round(rng.gauss(centre.y, spread))))
    return Place(x, y)


def _timed(
    rng: random.Random, depot: Place, pickup: Place, delivery: Place, demand: int
) -> Task | None:
    """Windows of 1-3 h that a truck leaving the depot at 0 can always meet; None when the trip
    itself does not fit in the day."""
    service_p, service_d = rng.randint(10, 30), rng.randint(5, 20)
    there, across, back = (
        math.ceil(travel(depot, pickup)),
        math.ceil(travel(pickup, delivery)),
        math.ceil(travel(delivery, depot)),
    )
    latest_pickup = HORIZON - service_p - across - service_d - back
    if latest_pickup < there:
        return None
    start_p = rng.randint(there, latest_pickup)
    end_p = min(start_p + rng.randint(60, 180), latest_pickup)
    ready_d = start_p + service_p + across + rng.randint(0, 60)
    ready_d = min(ready_d, HORIZON - service_d - back)
    end_d = min(max(ready_d, start_p + service_p + across) + rng.randint(60, 180),
                HORIZON - service_d - back)  # fmt: skip
    return Task(pickup, delivery, (start_p, end_p), (ready_d, end_d), service_p, service_d, demand)


def _truck(rng: random.Random, number: int, count: int) -> Truck:
    """The fleet's kinds in their shares, in order: the first 30 % vans, then 5 t, then 8 t."""
    share = number / count
    kind, _, capacity = FLEET[-1]
    for name, part, size in FLEET:
        if share < part:
            kind, capacity = name, size
            break
        share -= part
    length = rng.randint(480, 600)
    if number % LATE_EVERY == 0:  # a late shift of each kind, so that every task has a shift
        return Truck(kind, capacity, (HORIZON - length, HORIZON))
    start = rng.choice((0, 0, 30, 60, 120))
    return Truck(kind, capacity, (start, min(HORIZON, start + length)))


def lilim_text(day: Day) -> str:
    """Li & Lim: ``K Q S``, then ``id x y demand ready due service pickup delivery`` rows; the
    depot is 0, task k's pickup 2k+1 and delivery 2k+2."""
    lines = [
        f"{len(day.fleet)}\t{TRUCK_5T}\t1",
        f"0\t{day.depot.x}\t{day.depot.y}\t0\t0\t{day.horizon}\t0\t0\t0",
    ]
    for k, task in enumerate(day.tasks):
        p, d = 2 * k + 1, 2 * k + 2
        lines.append(
            _row(p, task.pickup, task.demand, task.pickup_window, task.pickup_service, 0, d)
        )
        lines.append(
            _row(d, task.delivery, -task.demand, task.delivery_window, task.delivery_service, p, 0)
        )
    return "\n".join(lines) + "\n"  # fmt: skip


def _row(
    node: int, place: Place, demand: int, window: tuple[int, int], service: int, p: int, d: int
) -> str:
    cells = (node, place.x, place.y, demand, window[0], window[1], service, p, d)
    return "\t".join(str(cell) for cell in cells)


def to_json(day: Day) -> str:
    """The whole day, mixed fleet, shifts and break rule included (minutes, coordinates)."""
    body = {
        "name": day.name,
        "units": {"time": "minutes from 06:00", "place": "minutes of driving", "demand": "100 kg"},
        "km_per_minute": KM_PER_MINUTE,
        "depot": asdict(day.depot),
        "horizon": day.horizon,
        "break_rule": BREAK_RULE if day.breaks else None,
        "tasks": [asdict(task) for task in day.tasks],
        "fleet": [asdict(truck) for truck in day.fleet],
    }
    return json.dumps(body, indent=1)


def write(day: Day, folder: Path) -> tuple[Path, Path]:
    """``<name>.txt`` (Li & Lim) and ``<name>.json`` (the planner's view) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text, body = folder / f"{day.name}.txt", folder / f"{day.name}.json"
    text.write_text(lilim_text(day))
    body.write_text(to_json(day))
    return text, body


def problem_of(path: Path) -> Problem:
    """The JSON day as the planner's problem: seconds (travel rounded up, so the minutes' plan
    stays feasible), metres, every vehicle at the depot with its own capacity and shift."""
    body = json.loads(path.read_text())
    places = [Place(**body["depot"])]
    orders: list[Order] = []
    for k, task in enumerate(body["tasks"]):
        places += [Place(**task["pickup"]), Place(**task["delivery"])]
        orders.append(
            Order(
                str(k),
                pickup=_stop(2 * k + 1, task["pickup_window"], task["pickup_service"]),
                delivery=_stop(2 * k + 2, task["delivery_window"], task["delivery_service"]),
                demand=(task["demand"],),
            )
        )
    size = len(places)
    minutes = [travel(a, b) for a in places for b in places]
    metres = 1000 * body["km_per_minute"]
    durations = Matrix.from_flat(size, (math.ceil(60 * m) for m in minutes))
    distances = Matrix.from_flat(size, (round(metres * m) for m in minutes))
    vehicles = tuple(
        Vehicle(
            str(n),
            0,
            0,
            TimeWindow(60 * truck["shift"][0], 60 * truck["shift"][1]),
            (truck["capacity"],),
            fixed_cost=TRUCK_DAY_M,
        )
        for n, truck in enumerate(body["fleet"])
    )
    rule = body["break_rule"]
    breaks = None if rule is None else BreakRule(60 * rule["max_driving"], 60 * rule["min_break"])
    return Problem(durations, distances, vehicles, tuple(orders), break_rule=breaks)


def _stop(node: int, window: Sequence[int], service: int) -> Stop:
    return Stop(node, (TimeWindow(60 * window[0], 60 * window[1]),), 60 * service)


def plan(
    path: Path, budget: float, seed: int, options: Options | None = None, *, plain: bool = False
) -> str:
    """Plan the JSON day (mixed fleet, shifts, breaks) and check it independently: one line of
    vehicles, the lower bound, served / unserved by reason, distance, wall time, verdict.
    ``plain``: plain OR-Tools instead of the planner — one model, PARALLEL_CHEAPEST_INSERTION +
    GUIDED_LOCAL_SEARCH, fixed costs, the same break model — the baseline of issue 14."""
    problem = problem_of(path)
    began = time.monotonic()
    if plain:
        baseline = Options(warm_share=0, eliminate_routes=False, workers=1)
        result = solve_single(problem, deadline=began + budget, seed=seed, options=baseline)
        result = replace(result, fleet_bound=fleet_lower_bound(problem, unservable(problem)))
    else:
        result = solve(problem, time_limit_s=budget, seed=seed, options=options)
    wall = time.monotonic() - began
    errors = check_plan(problem, result)
    kpis = result.kpis
    reasons = Counter(item.reason for item in result.unserved)
    verdict = "OK" if not errors else f"FAIL {errors[0]}"
    solver = "ortools" if plain else "planner"
    return (
        f"{path.stem} {solver}: {kpis.vehicles} vehicles "
        f"(lower bound {kpis.vehicles_lower_bound}), "
        f"{kpis.served} served, {kpis.unserved} unserved {dict(reasons)}, "
        f"{kpis.distance / 1000:.0f} km, {wall:.1f}s, check {verdict}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tasks", type=int, nargs="+", default=[200, 1000, 3000])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--breaks", action="store_true", help="days with the 4-hour rule")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--plan", type=float, metavar="SECONDS", help="also plan each JSON day")
    parser.add_argument(
        "--baseline", action="store_true", help="then plain OR-Tools (same breaks), one after"
    )
    args = parser.parse_args(argv)
    for tasks in args.tasks:
        for seed in args.seeds:
            text, body = write(generate(tasks, seed, args.breaks), args.out)
            print(text, body, flush=True)
            if args.plan:
                print(plan(body, args.plan, seed=1), flush=True)
                if args.baseline:
                    print(plan(body, args.plan, seed=1, plain=True), flush=True)


if __name__ == "__main__":
    main()
