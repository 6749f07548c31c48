"""Planning the demo cooperative's day from the database, as the API's planning job does.

``python -m bench.plan_day --orders 300 --budget 30`` builds a throwaway database with the demo
cooperative (3,000 drivers), places every vehicle near one of Đồng Nai's towns, opens the demo
day (``devtools.demo_day``: about 60 % of the drivers on a 10-hour shift, ``--orders`` new orders),
then loads candidates and orders and builds the problem exactly as ``routing.planning.execute``
does (drivers' breaks included), and solves it twice in the same run: with the planner's default
options, and as one OR-Tools model (the raw baseline: no regions). Printed per solve: wall time,
orders served, vehicles, distance, unserved reasons, and the independent checker's verdict.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

from core.config import Settings
from core.db import create_engine_from_settings, session_factory, unit_of_work
from core.timeutil import utcnow
from devtools import demo_data
from devtools.demo_day import demo_dispatcher, open_day
from devtools.throwaway import database, place_demo_fleet
from routing.planning import build, candidates, open_orders
from routing.solver import Options, Problem, solve
from routing.solver.check import check_plan
from telematics.live import latest_fixes


def near_a_town(rng: random.Random) -> tuple[float, float]:
    _, lat, lon, _ = rng.choices(demo_data.TOWNS, weights=[t[3] for t in demo_data.TOWNS])[0]
    return (lon + rng.gauss(0, 0.05), lat + rng.gauss(0, 0.05))


async def load_problem(url: str, orders: int, seed: int) -> Problem:
    rng = random.Random(seed)
    place_demo_fleet(url, lambda _: near_a_town(rng))
    engine = create_engine_from_settings(Settings(database_url=url))
    try:
        async with unit_of_work(session_factory(engine)) as session:
            tenant = await demo_dispatcher(session)
            coop = tenant.cooperative_id
            now = utcnow()
            await open_day(session, tenant, now, waiting=orders, seed=seed)
            t0 = now + timedelta(minutes=5)
            fixes = await latest_fixes(session, coop)
            positions = {fix.vehicle_id: (fix.lon, fix.lat) for fix in fixes}
            drivers, excluded = await candidates(session, tenant, positions, t0)
            todo = await open_orders(session, tenant, None)
        print(f"{len(todo)} orders, {len(drivers)} drivers on shift ({len(excluded)} left out)")
        built = build(todo, drivers, t0)
        assert built.problem is not None
        return built.problem
    finally:
        await engine.dispose()


def run(label: str, problem: Problem, budget: float, options: Options) -> None:
    began = time.monotonic()
    result = solve(problem, time_limit_s=budget, seed=1, options=options)
    wall = time.monotonic() - began
    errors = check_plan(problem, result)
    kpis = result.kpis
    print(
        f"{label:<14} wall {wall:5.1f}s  served {kpis.served}/{len(problem.orders)}  "
        f"vehicles {kpis.vehicles}  distance {kpis.distance / 1000:,.0f} km  "
        f"checker {'OK' if not errors else 'FAIL ' + errors[0]}",
        flush=True,
    )
    for reason, count in Counter(u.reason for u in result.unserved).most_common(3):
        print(f"{'':<14} unserved {count:>4}: {reason}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with database("plan_day", demo=True) as url:
        problem = asyncio.run(load_problem(url, args.orders, args.seed))
    print(
        f"model: {len(problem.orders)} orders, {len(problem.vehicles)} drivers (the nearest), "
        f"{problem.durations.size} places, breaks {'on' if problem.break_rule else 'off'}"
    )
    default = Options()
    run("planner", problem, args.budget, default)
    single = replace(default, decompose_above=10**9, decompose_above_with_breaks=10**9)
    run("one model", problem, args.budget, single)


if __name__ == "__main__":
    main()
