"""Planner benchmark on the shared Li & Lim and Gehring-Homberger / Solomon instances.

``python -m bench.vrp --set lilim100 --budget 30 --limit 12 --seed 1`` runs the planner and a
plain OR-Tools model (PARALLEL_CHEAPEST_INSERTION + GUIDED_LOCAL_SEARCH, same matrices, same
budget) on each instance, re-checks every solution with ``bench.vrp_check`` and prints, per
instance and solver: vehicles vs best known, distance, gap %, wall time, checker verdict; then
medians and the planner's distance over the baseline's. The two run side by side in two
processes (each single-threaded); ``--serial`` runs them one after the other, for sets the
planner decomposes (it then uses two worker processes itself). ``--no-baseline --at-once 2``
solves two instances at a time with the planner alone (one per core), for whole sets whose
baseline was sampled in an earlier run. Conventions per set:

* Li & Lim (``lilim*``): SINTEF objective, fewest vehicles then distance, both judged in double
  precision. Times are scaled ×1000 and rounded **up** (so a plan is feasible exactly), model
  distances ×1000 rounded; a vehicle costs more than any plan's distance.
* VRPTW (``solomon``, ``gh*``): DIMACS convention, distance only, arcs truncated to 0.1 (the
  model uses integer tenths for both time and distance, exactly the benchmark's arithmetic).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from bench.coop_days import generate, write
from bench.vrp_check import check_instance, dimacs_arc_tenths, exact_arc
from bench.vrp_instances import SETS, BestKnown, Instance, best_known, instance_paths, load
from routing.solver import (
    Matrix,
    Options,
    Order,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
    solve,
)

LILIM_SCALE = 1000
DIMACS_SCALE = 10
UNKNOWN = BestKnown(0, math.nan)  # generated days have no best-known solution


@dataclass(frozen=True, slots=True)
class Scaled:
    """An instance as integers: what both the planner and the baseline are given."""

    durations: list[list[int]]
    distances: list[list[int]]
    scale: int
    fixed_cost: int
    convention: str


@dataclass(frozen=True, slots=True)
class Row:
    solver: str
    instance: str
    vehicles: int
    distance: float
    seconds: float
    errors: list[str]
    best: BestKnown
    bound: int = 0  # the planner's lower bound on vehicles (0: not computed)

    @property
    def gap(self) -> float:
        return 100.0 * (self.distance - self.best.distance) / self.best.distance


def scale(instance: Instance) -> Scaled:
    n = range(instance.size)
    if instance.kind == "pdptw":
        arc: Callable[[int, int], float] = exact_arc(instance)
        exact = [[arc(i, j) for j in n] for i in n]
        durations = [[math.ceil(LILIM_SCALE * d) for d in row] for row in exact]
        distances = [[round(LILIM_SCALE * d) for d in row] for row in exact]
        fixed = 2 * sum(distances[0]) + 1
        return Scaled(durations, distances, LILIM_SCALE, fixed, "exact")
    tenths = dimacs_arc_tenths(instance)
    truncated = [[tenths(i, j) for j in n] for i in n]
    return Scaled(truncated, truncated, DIMACS_SCALE, 0, "dimacs")


def to_problem(instance: Instance, scaled: Scaled) -> Problem:
    """Li & Lim tasks become pickup-delivery orders; VRPTW customers become pickup-only orders."""
    k = scaled.scale

    def stop(node: int) -> Stop:
        window = TimeWindow(instance.ready[node] * k, instance.due[node] * k)
        return Stop(node, (window,), instance.service[node] * k)

    if instance.pairs:
        orders = tuple(
            Order(str(p), pickup=stop(p), delivery=stop(d), demand=(instance.demand[p],))
            for p, d in instance.pairs
        )
    else:
        orders = tuple(
            Order(str(c), pickup=stop(c), demand=(instance.demand[c],))
            for c in range(1, instance.size)
        )
    shift = TimeWindow(instance.ready[0] * k, instance.due[0] * k)
    vehicles = tuple(
        Vehicle(str(v), 0, 0, shift, (instance.capacity,), fixed_cost=scaled.fixed_cost)
        for v in range(instance.vehicles)
    )
    return Problem(
        Matrix.from_rows(scaled.durations), Matrix.from_rows(scaled.distances), vehicles, orders
    )


def run_planner(
    instance: Instance, scaled: Scaled, budget: float, seed: int, options: Options | None = None
) -> tuple[list[list[int]], int, float]:
    """The planner's routes (unserved customers are missing: the checker reports them), its
    lower bound on vehicles and the solve's own wall time (without building the problem)."""
    result = solve(to_problem(instance, scaled), time_limit_s=budget, seed=seed, options=options)
    routes = [[visit.node for visit in route.visits] for route in result.routes]
    return routes, result.fleet_bound, result.wall_time


def run_baseline(instance: Instance, scaled: Scaled, budget: float) -> list[list[int]]:
    """Plain OR-Tools: every customer mandatory, registered matrices, PCI + GLS."""
    manager = pywrapcp.RoutingIndexManager(instance.size, instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(scaled.distances))
    routing.SetFixedCostOfAllVehicles(scaled.fixed_cost)
    k = scaled.scale
    timed = [[instance.service[i] * k + t for t in row] for i, row in enumerate(scaled.durations)]
    horizon = instance.due[0] * k
    routing.AddDimension(routing.RegisterTransitMatrix(timed), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(1, instance.size):
        index = manager.NodeToIndex(node)
        time_dim.CumulVar(index).SetRange(instance.ready[node] * k, instance.due[node] * k)
    demand = routing.RegisterUnaryTransitVector(list(instance.demand))
    routing.AddDimensionWithVehicleCapacity(
        demand, 0, [instance.capacity] * instance.vehicles, True, "load"
    )
    solver = routing.solver()
    for p, d in instance.pairs:
        pickup, delivery = manager.NodeToIndex(p), manager.NodeToIndex(d)
        routing.AddPickupAndDelivery(pickup, delivery)
        solver.Add(routing.VehicleVar(pickup) == routing.VehicleVar(delivery))
        solver.Add(time_dim.CumulVar(pickup) <= time_dim.CumulVar(delivery))
    search = pywrapcp.DefaultRoutingSearchParameters()
    search.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    search.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    search.time_limit.FromMilliseconds(int(budget * 1000))
    solution = routing.SolveWithParameters(search)
    if solution is None:
        return []
    return _baseline_routes(routing, manager, solution, instance.vehicles)


def _baseline_routes(routing: Any, manager: Any, solution: Any, vehicles: int) -> list[list[int]]:
    routes: list[list[int]] = []
    for v in range(vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        route: list[int] = []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


def timed(
    solver: str, instance: Instance, scaled: Scaled, budget: float, seed: int, options: Options
) -> tuple[list[list[int]], float, int]:
    """Run one solver in this process; returns its routes, wall seconds and lower bound on
    vehicles (0 for the baseline, which computes none). The planner's seconds are its solve's
    (``Result.wall_time``, what the budget bounds); building its ``Problem`` from the lists
    (seconds at 3,000 tasks on a loaded machine) is not counted. The baseline's seconds
    include building its model."""
    began = time.monotonic()
    if solver == "planner":
        routes, bound, seconds = run_planner(instance, scaled, budget, seed, options)
        return routes, seconds, bound
    routes = run_baseline(instance, scaled, budget)
    return routes, time.monotonic() - began, 0


def judge(
    solver: str,
    instance: Instance,
    best: BestKnown,
    routes: list[list[int]],
    seconds: float,
    mode: str,
    bound: int = 0,
) -> Row:
    report = check_instance(instance, routes, mode)
    return Row(
        solver,
        instance.name,
        report.vehicles,
        report.distance,
        seconds,
        report.errors,
        best,
        bound,
    )


def sample(paths: Sequence[Path], limit: int | None) -> list[Path]:
    """``limit`` instances spread evenly over the (naturally sorted) set."""
    if limit is None or limit >= len(paths):
        return list(paths)
    return [paths[i * len(paths) // limit] for i in range(limit)]


def print_row(row: Row) -> None:
    verdict = "OK" if not row.errors else f"FAIL {row.errors[0]}"
    bound = f"{row.bound:>5}" if row.bound else f"{'-':>5}"
    print(
        f"{row.instance:<12} {row.solver:<8} {row.vehicles:>3} vs {row.best.vehicles:<3} "
        f"{row.distance:>10.2f} {row.gap:>7.2f}% {row.seconds:>6.1f}s {bound}  {verdict}",
        flush=True,
    )


def summarize(rows: list[Row]) -> None:
    """Per solver: valid plans, vehicle counts against the best known, gaps, times; then the
    planner's distance and vehicles over the baseline's on the same instances."""
    for solver in dict.fromkeys(row.solver for row in rows):
        mine = [row for row in rows if row.solver == solver]
        valid = [row for row in mine if not row.errors]
        at_best = [row for row in valid if row.vehicles <= row.best.vehicles]
        extra = max((row.vehicles - row.best.vehicles for row in valid), default=0)
        print(
            f"{solver:<8} valid {len(valid)}/{len(mine)}, best-known vehicle count "
            f"{len(at_best)}/{len(mine)}, most extra vehicles {extra}, "
            f"median gap {_median(row.gap for row in valid):.2f}% (all valid), "
            f"{_median(row.gap for row in at_best):.2f}% (at best-known vehicles), "
            f"vehicles in all {sum(row.vehicles for row in valid)}, "
            f"time median {_median(row.seconds for row in mine):.1f}s "
            f"max {max(row.seconds for row in mine):.1f}s"
        )
    by_key = {(row.solver, row.instance): row for row in rows if not row.errors}
    ratios = [
        (row.distance / base.distance, row.vehicles - base.vehicles)
        for (solver, name), row in by_key.items()
        if solver == "planner" and (base := by_key.get(("ortools", name))) is not None
    ]
    if ratios:
        fewer = sum(1 for _, delta in ratios if delta < 0)
        more = sum(1 for _, delta in ratios if delta > 0)
        print(
            f"planner / ortools on {len(ratios)} instances: median distance ratio "
            f"{_median(ratio for ratio, _ in ratios):.4f}, fewer vehicles on {fewer}, "
            f"more on {more}"
        )


def _median(values: Iterable[float]) -> float:
    found = list(values)
    return statistics.median(found) if found else float("nan")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", choices=sorted(SETS))
    parser.add_argument(
        "--coop-days", type=int, nargs="+", metavar="TASKS", help="generated days of these sizes"
    )
    parser.add_argument("--day-seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--days-dir", type=Path, default=Path("/tmp/coop-days"))
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per solve")
    parser.add_argument("--limit", type=int, help="run this many instances, spread over the set")
    parser.add_argument("--only", nargs="*", help="instance names to run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-baseline", action="store_true", help="run only the planner")
    parser.add_argument(
        "--serial", action="store_true", help="run the two solvers one after the other"
    )
    parser.add_argument("--region-size", type=int, help="orders per region when decomposing")
    parser.add_argument(
        "--at-once",
        type=int,
        default=1,
        help="instances solved at the same time (each solver single-threaded; one per core)",
    )
    args = parser.parse_args(argv)
    if (args.set is None) == (args.coop_days is None):
        parser.error("give either --set or --coop-days")
    options = Options(region_size=args.region_size)
    if args.set is not None:
        bks = best_known(args.set)
        paths = instance_paths(args.set)
    else:
        paths = [
            write(generate(tasks, day_seed), args.days_dir)[0]
            for tasks in args.coop_days
            for day_seed in args.day_seeds
        ]
        bks = {path.stem: UNKNOWN for path in paths}
    if args.only:
        paths = [path for path in paths if path.stem in args.only]
    print(f"set {args.set or 'coop-days'}, budget {args.budget:g}s, seed {args.seed}")
    unknown = [path.stem for path in paths if path.stem not in bks]
    if unknown:  # nothing to compare with (e.g. lc1_4_4 has no best-known solution)
        print(f"skipped, no best-known solution: {', '.join(unknown)}")
        paths = [path for path in paths if path.stem in bks]
    print(f"{'instance':<12} {'solver':<8} veh vs bks   distance     gap    time    lb  check")
    rows: list[Row] = []
    solvers = ["planner"] if args.no_baseline else ["planner", "ortools"]
    # side by side, one process each (both single-threaded); one after the other when the
    # planner decomposes, since it then uses worker processes of its own
    per_instance = 1 if args.serial else len(solvers)
    chosen = sample(paths, args.limit)
    with ProcessPoolExecutor(per_instance * args.at_once, mp_context=get_context("fork")) as pool:
        for first in range(0, len(chosen), args.at_once):
            batch = [(path, load(path)) for path in chosen[first : first + args.at_once]]
            scaled = {path: scale(instance) for path, instance in batch}
            jobs = [
                (
                    path,
                    instance,
                    solver,
                    pool.submit(
                        timed, solver, instance, scaled[path], args.budget, args.seed, options
                    ),
                )
                for path, instance in batch
                for solver in solvers
            ]
            for path, instance, solver, job in jobs:
                routes, seconds, bound = job.result()
                rows.append(
                    judge(
                        solver,
                        instance,
                        bks[path.stem],
                        routes,
                        seconds,
                        scaled[path].convention,
                        bound,
                    )
                )
                print_row(rows[-1])
    summarize(rows)


if __name__ == "__main__":
    main()
