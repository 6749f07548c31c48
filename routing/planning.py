"""From the cooperative's open orders and available drivers to a stored plan, and back.

The database side of planning: who can drive (active, assigned a vehicle now, documents valid),
which orders are open, a travel-time table, the solver's Problem; then the Result stored as a
plan with ETAs as times, and on acceptance the orders planned for their drivers. Live positions
come from the caller as plain values (routing never reads telemetry itself).
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.errors import StateConflict
from core.tenancy import Tenant, get_scoped, scoped
from core.timeutil import utcnow
from fleet import eligibility
from fleet.geo import lon_lat
from fleet.legal import driving_rules_on
from fleet.models import Depot, Driver, Shift, Vehicle, VehicleAssignment
from fleet.shifts import planned_end
from routing import orders as order_service
from routing.lifecycle import ON_THE_JOB, OrderStatus
from routing.matrix import GreatCircle, TravelTimes
from routing.models import Order, Plan
from routing.solver import (
    BreakRule,
    FixedPrefix,
    Leg,
    Matrix,
    Options,
    Problem,
    Result,
    Status,
    Stop,
    StopRef,
    TimeWindow,
    solve,
)
from routing.solver import Order as SolverOrder
from routing.solver import Vehicle as SolverVehicle
from routing.solver.check import check_plan

Point = tuple[float, float]
UNRECORDED = 10**9
ON_BOARD = (OrderStatus.PICKED_UP, OrderStatus.EN_ROUTE_DROPOFF, OrderStatus.AT_DROPOFF)
COMMITTED = (OrderStatus.ACCEPTED, *ON_THE_JOB)
HORIZON_S = 10 * 3600  # how far ahead a window left open reaches
log = logging.getLogger(__name__)


class PlanLeg(StrEnum):
    """Which end of an order a plan's stop is, in the words orders use (``pickup``,
    ``dropoff``); the solver's pickup-and-delivery vocabulary stays inside ``routing.solver``."""

    PICKUP = "pickup"
    DROPOFF = "dropoff"


PLAN_LEGS = {Leg.PICKUP: PlanLeg.PICKUP, Leg.DELIVERY: PlanLeg.DROPOFF}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A driver who can take work now, with the vehicle assigned to them."""

    driver_id: int
    vehicle_id: int
    kind: str
    capacity: tuple[int, int, int]  # kg, litres, seats
    features: frozenset[str]
    start: Point
    until: datetime  # the shift's planned end: no work is planned past it
    end: Point | None = None  # where the route ends; None: where it starts


@dataclass(frozen=True, slots=True)
class Excluded:
    driver_id: int
    reason: str


async def candidates(
    session: AsyncSession,
    tenant: Tenant,
    positions: Mapping[int, Point],
    t0: datetime,
    holds: Mapping[int, Sequence[str]] | None = None,
) -> tuple[list[Candidate], list[Excluded]]:
    """Drivers on shift (a started shift is their availability, until its planned end) with a
    vehicle assigned now and valid documents, and why the others are not. ``holds``: each
    vehicle's overdue safety maintenance as reasons, gathered by the caller."""
    rows = await session.execute(
        scoped(select(Driver, Vehicle, Shift), tenant)
        .join(
            VehicleAssignment,
            (VehicleAssignment.driver_id == Driver.id) & VehicleAssignment.ends_at.is_(None),
        )
        .join(Vehicle, Vehicle.id == VehicleAssignment.vehicle_id)
        .join(Shift, (Shift.driver_id == Driver.id) & Shift.ended_at.is_(None))
    )
    depot = (await session.execute(scoped(select(Depot), tenant).limit(1))).scalar_one_or_none()
    fallback = None
    if depot is not None:
        fallback = lon_lat(depot.location)
    found, excluded = [], []
    for driver, vehicle, shift in rows:
        reason = _unavailable(driver, vehicle, t0.date(), (holds or {}).get(vehicle.id, ()))
        start = positions.get(vehicle.id, fallback)
        until = planned_end(shift)
        if reason is None and start is None:
            reason = "no known position and no depot"
        if reason is None and until <= t0:
            reason = f"the shift ends at {until.isoformat()}, before the plan starts"
        if reason is not None:
            excluded.append(Excluded(driver.id, reason))
            continue
        assert start is not None
        found.append(
            Candidate(
                driver_id=driver.id,
                vehicle_id=vehicle.id,
                kind=vehicle.kind,
                capacity=(  # a capacity the registry does not record does not limit
                    vehicle.payload_kg if vehicle.payload_kg is not None else UNRECORDED,
                    round(vehicle.volume_m3 * 1000)
                    if vehicle.volume_m3 is not None
                    else UNRECORDED,
                    vehicle.seats if vehicle.seats is not None else UNRECORDED,
                ),
                features=frozenset(vehicle.features or ()) | {f"kind:{vehicle.kind}"},
                start=start,
                until=until,
                end=lon_lat(shift.end_location) if shift.end_location is not None else None,
            )
        )
    return found, excluded


def _unavailable(
    driver: Driver, vehicle: Vehicle, today: date, holds: Sequence[str] = ()
) -> str | None:
    papers = eligibility.papers_of(driver, vehicle)
    return eligibility.why_not(driver.status, vehicle.status, papers, today, holds)


def _window(
    start: datetime | None, end: datetime | None, t0: datetime, horizon: int
) -> tuple[TimeWindow, ...]:
    """A window in seconds from the plan's time zero; none if it has already passed."""
    lo = 0 if start is None else max(0, math.floor((start - t0).total_seconds()))
    hi = horizon if end is None else math.floor((end - t0).total_seconds())
    if hi < lo:
        return (TimeWindow(lo, lo),) if hi >= 0 else ()
    return (TimeWindow(lo, min(hi, horizon * 2)),)


@dataclass(slots=True)
class Built:
    problem: Problem | None  # None: nothing to solve (no orders, or no driver)
    places: list[Point]
    skipped: list[dict[str, Any]]


def build(
    open_orders: Sequence[Order],
    drivers: Sequence[Candidate],
    t0: datetime,
    horizon_s: int = HORIZON_S,
    travel: TravelTimes | None = None,
    committed: Sequence[Order] = (),
) -> Built:
    """The solver's problem: every stop and driver start is a place in one travel-time table.

    ``committed`` orders (accepted or under way) stay with their driver, first on the route and
    in their order, served even if late: re-planning never takes a job from a driver. A route
    ends at the driver's end place by the shift's planned end, or when their committed work can
    be finished if that is later (then little or no new work fits)."""
    travel = travel or GreatCircle()
    places: list[Point] = []
    solver_orders, skipped = [], []
    on_shift = {d.driver_id for d in drivers}
    prefixes: dict[int, list[StopRef]] = {}
    for order in committed:
        if order.driver_id not in on_shift:
            continue
        on_board = order.status in ON_BOARD
        whenever = (TimeWindow(0, horizon_s * 2),)
        pickup = None
        if not on_board:
            places.append(lon_lat(order.pickup_location))
            window = _window(order.pickup_from, order.pickup_to, t0, horizon_s) or whenever
            pickup = Stop(len(places) - 1, window, order.pickup_service_s)
        places.append(lon_lat(order.dropoff_location))
        window = _window(order.dropoff_from, order.dropoff_to, t0, horizon_s) or whenever
        solver_orders.append(
            SolverOrder(
                id=str(order.id),
                pickup=pickup,
                delivery=Stop(len(places) - 1, window, order.dropoff_service_s),
                demand=(order.weight_kg, round(order.volume_m3 * 1000), order.seats),
            )
        )
        legs = ([] if on_board else [Leg.PICKUP]) + [Leg.DELIVERY]
        prefixes.setdefault(order.driver_id, []).extend(StopRef(str(order.id), leg) for leg in legs)
    first_open = len(solver_orders)  # drivers are chosen near the open orders
    for order in open_orders:
        pickup_window = _window(order.pickup_from, order.pickup_to, t0, horizon_s)
        dropoff_window = _window(order.dropoff_from, order.dropoff_to, t0, horizon_s)
        if not pickup_window or not dropoff_window:
            skipped.append({"order_id": order.id, "reason": "its time window has passed"})
            continue
        places.append(lon_lat(order.pickup_location))
        places.append(lon_lat(order.dropoff_location))
        skills = {f"kind:{order.vehicle_kind}"} if order.vehicle_kind else set()
        solver_orders.append(
            SolverOrder(
                id=str(order.id),
                pickup=Stop(len(places) - 2, pickup_window, order.pickup_service_s),
                delivery=Stop(len(places) - 1, dropoff_window, order.dropoff_service_s),
                demand=(order.weight_kg, round(order.volume_m3 * 1000), order.seats),
                skills=frozenset(skills | set(order.features or ())),
                penalty=1_000_000 * (1 + order.priority),
            )
        )
    if not solver_orders or not drivers:
        skipped += [{"order_id": int(o.id), "reason": "no driver available"} for o in solver_orders]
        return Built(None, places, skipped)
    vehicles = []
    chosen = list(nearest_drivers(drivers, solver_orders[first_open:], places))
    chosen += [d for d in drivers if d.driver_id in prefixes and d not in chosen]
    ends: list[tuple[Candidate, int, int]] = []  # driver, start node, end node
    for driver in chosen:
        places.append(driver.start)
        if driver.end is not None:
            places.append(driver.end)
        ends.append((driver, len(places) - (2 if driver.end is not None else 1), len(places) - 1))
    durations, distances = travel.table(places)
    rules = driving_rules_on(t0.date())
    break_rule = BreakRule(rules.continuous_max_s, rules.break_min_s)
    by_id = {order.id: order for order in solver_orders}
    for driver, start, end in ends:
        ends_s = math.floor((driver.until - t0).total_seconds())
        chain = [by_id[ref.order].stop(ref.leg) for ref in prefixes.get(driver.driver_id, ())]
        if chain:  # committed jobs are finished even past the planned end
            ends_s = max(ends_s, _finish_time(start, end, chain, durations, break_rule))
        vehicles.append(
            SolverVehicle(
                id=str(driver.driver_id),
                start=start,
                end=end,
                shift=TimeWindow(0, max(0, ends_s)),
                capacity=driver.capacity,
                skills=driver.features,
                fixed_cost=100_000,
            )
        )
    problem = Problem(
        durations=Matrix.from_flat(len(places), durations.ravel().tolist()),
        distances=Matrix.from_flat(len(places), distances.ravel().tolist()),
        vehicles=tuple(vehicles),
        orders=tuple(solver_orders),
        fixed=tuple(FixedPrefix(str(d), tuple(refs)) for d, refs in prefixes.items()),
        break_rule=break_rule,
    )
    return Built(problem, places, skipped)


def _finish_time(
    start: int, end: int, chain: Sequence[Stop | None], durations: Any, rule: BreakRule
) -> int:
    """When a driver who leaves now and does ``chain`` in order is back at ``end``, with every
    break the rule could require: the least shift that keeps committed work feasible."""
    clock, here = 0, start
    for stop in chain:
        assert stop is not None
        clock += int(durations[here, stop.node])
        clock = max(clock, stop.windows[0].start) if stop.windows else clock
        clock += stop.service
        here = stop.node
    clock += int(durations[here, end])
    return clock + rule.min_break * (clock // rule.max_driving + 1)


def nearest_drivers(
    drivers: Sequence[Candidate],
    orders: Sequence[SolverOrder],
    places: Sequence[Point],
    spare: int = 20,
    per_order: int = 2,
) -> Sequence[Candidate]:
    """With far more drivers than orders, only some enter the model (the rest would only slow
    the search down; one model with breaks found no plan at all with 1,220 drivers): for every
    order the ``per_order`` nearest drivers whose vehicle can take it (skills, capacity), then
    the ones nearest to any pickup, up to twice as many as orders plus ``spare``. Without the
    first step an order for a rare vehicle kind could find none of its kind among the nearest
    (seen with every vehicle at the depot: 21 charters unserved)."""
    keep = 2 * len(orders) + spare
    if len(drivers) <= keep:
        return drivers
    if not orders:
        return []
    starts = np.radians(np.asarray([d.start for d in drivers]))
    targets = np.radians(np.asarray([places[o.pickup.node] for o in orders if o.pickup]))
    dlon = starts[:, 0][:, None] - targets[:, 0][None, :]
    dlat = starts[:, 1][:, None] - targets[:, 1][None, :]
    apart = dlat**2 + (dlon * np.cos(targets[:, 1])[None, :]) ** 2  # drivers × orders
    capacity = np.asarray([d.capacity for d in drivers])
    skilled: dict[frozenset[str], np.ndarray] = {}
    chosen: set[int] = set()
    for j, order in enumerate(orders):
        if order.skills not in skilled:
            skilled[order.skills] = np.asarray([order.skills <= d.features for d in drivers])
        able = skilled[order.skills] & (capacity >= np.asarray(order.demand)).all(axis=1)
        if able.any():
            distance = np.where(able, apart[:, j], np.inf)
            nearest = np.argsort(distance, kind="stable")[: min(per_order, int(able.sum()))]
            chosen.update(nearest.tolist())
    for i in np.argsort(apart.min(axis=1), kind="stable").tolist():
        if len(chosen) >= keep:
            break
        chosen.add(i)
    return [drivers[i] for i in sorted(chosen)]


def to_plan_json(
    result: Result,
    t0: datetime,
    vehicles_of: Mapping[int, int],
    fixed: frozenset[int] = frozenset(),
    where: Mapping[tuple[int, str], Point] | None = None,
) -> dict[str, Any]:
    """Routes with ETAs as UTC times (and each stop's place, from ``where``, so a map can draw
    them), unserved orders with reasons, KPIs."""
    where = where or {}

    def at(seconds: int) -> str:
        return (t0 + timedelta(seconds=seconds)).isoformat()

    routes = [
        {
            "driver_id": int(route.vehicle),
            "vehicle_id": vehicles_of.get(int(route.vehicle)),
            "leaves_at": at(route.start),
            "returns_at": at(route.end),
            "distance_m": route.distance,
            "stops": [
                {
                    "order_id": int(visit.order),
                    "leg": str(PLAN_LEGS[visit.leg]),
                    "location": where.get((int(visit.order), str(visit.leg))),
                    "fixed": int(visit.order) in fixed,
                    "eta": at(visit.arrival),
                    "service_start": at(visit.start),
                    "service_end": at(visit.end),
                }
                for visit in route.visits
            ],
            "breaks": [{"start": at(b.start), "end": at(b.end)} for b in route.breaks],
        }
        for route in result.routes
    ]
    kpis = result.kpis
    return {
        "routes": routes,
        "unserved": [{"order_id": int(u.order), "reason": u.reason} for u in result.unserved],
        "kpis": {
            "vehicles": kpis.vehicles,
            "served": kpis.served,
            "unserved": kpis.unserved,
            "distance_m": kpis.distance,
            "duty_s": kpis.duty,
            "vehicles_lower_bound": kpis.vehicles_lower_bound,
            "solver_status": str(result.status),
            "wall_time_s": round(result.wall_time, 2),
        },
    }


async def open_orders(
    session: AsyncSession, tenant: Tenant, order_ids: Sequence[int] | None
) -> list[Order]:
    statement = scoped(select(Order), tenant).where(
        Order.status.in_((OrderStatus.NEW, OrderStatus.PLANNED))
    )
    if order_ids:
        statement = statement.where(Order.id.in_(order_ids))
    return list((await session.execute(statement.order_by(Order.id))).scalars())


async def committed_orders(
    session: AsyncSession, tenant: Tenant, driver_ids: Sequence[int]
) -> list[Order]:
    """Jobs drivers have accepted or are doing, in the order they will do them."""
    if not driver_ids:
        return []
    rows = await session.execute(
        scoped(select(Order), tenant)
        .where(Order.status.in_(COMMITTED), Order.driver_id.in_(driver_ids))
        .order_by(Order.driver_id, Order.pickup_from.nulls_last(), Order.id)
    )
    return list(rows.scalars())


async def accept(
    session: AsyncSession, tenant: Tenant, plan_id: int, *, offer_deadline_s: int | None = None
) -> Plan:
    """The dispatcher takes the plan: its orders become planned for their route's driver and
    vehicle and, with ``offer_deadline_s``, are offered to that driver at once (each job its own
    offer; declined or expired, it is back with the dispatcher); a plan is accepted once, if its
    orders are still open."""
    plan = await get_scoped(session, Plan, plan_id, tenant, what="plan")
    if plan.status != "done":
        raise StateConflict(f"a plan that is {plan.status} cannot be accepted", field="status")
    for route in plan.routes or []:
        for stop in route["stops"]:
            if stop["leg"] != PlanLeg.PICKUP or stop.get("fixed"):
                continue  # committed work stays as it is
            order = await order_service.get(session, tenant, stop["order_id"], lock=True)
            if order.status not in (OrderStatus.NEW, OrderStatus.PLANNED):
                raise StateConflict(
                    f"order {order.id} is {order.status} now; plan again", field="routes"
                )
            before = order.status
            order.status = OrderStatus.PLANNED
            order.driver_id = route["driver_id"]
            order.vehicle_id = route["vehicle_id"]
            await order_service.record(
                session,
                order,
                OrderStatus.PLANNED,
                from_status=before,
                user_id=tenant.user_id,
                driver_id=route["driver_id"],
                note=f"plan {plan.id}, ETA {stop['eta']}",
            )
            if offer_deadline_s is not None:
                await order_service.offer(
                    session, tenant, order.id, route["driver_id"], offer_deadline_s
                )
    plan.status = "accepted"
    plan.finished_at = plan.finished_at or utcnow()
    await session.flush()
    return plan


class PlanError(StrEnum):
    """Why a plan failed, as a stable code for clients; the details go to the log only (an
    exception's text can name tables, hosts or internals that are no business of a user)."""

    FAILED = "plan_failed"
    TRAVEL_TIMES = "travel_times_unavailable"
    WORKER_LOST = "worker_lost"
    INVALID = "plan_invalid"


PLAN_ERROR_TEXTS = {
    PlanError.FAILED: "Planning failed unexpectedly; the error is logged for the operators.",
    PlanError.TRAVEL_TIMES: "The travel-time service could not be reached; plan again later.",
    PlanError.WORKER_LOST: "The worker running this plan stopped; plan again.",
    PlanError.INVALID: "The plan found broke a rule, so it was not kept; plan again.",
}
ADMISSION_LOCK = 0x504C414E  # with the cooperative's id: one admission at a time per cooperative


class InvalidPlan(Exception):
    """The independent checker (``routing.solver.check``) found the solver's answer breaking a
    rule: a plan nobody can drive is never stored, whatever the solver believed."""


def checked(problem: Problem, result: Result) -> Result:
    """``result`` if it passes the independent checker; else InvalidPlan naming every violation."""
    violations = check_plan(problem, result)
    if violations:
        raise InvalidPlan("; ".join(violations))
    return result


def error_code(exc: BaseException) -> PlanError:
    """The code a user sees for an exception raised while planning."""
    if isinstance(exc, InvalidPlan):
        return PlanError.INVALID
    if isinstance(exc, OSError) or type(exc).__module__.startswith(("httpx", "httpcore")):
        return PlanError.TRAVEL_TIMES  # OSRM unreachable or refusing
    return PlanError.FAILED


async def start(
    session: AsyncSession,
    tenant: Tenant,
    *,
    time_limit_s: int,
    seed: int,
    order_ids: Sequence[int] | None = None,
    stop_when_no_improvement_s: float | None = None,
) -> Plan:
    """A new plan, ``queued`` until ``admit`` gives it one of the cooperative's slots."""
    plan = Plan(
        cooperative_id=tenant.cooperative_id,
        created_by=tenant.user_id or None,  # 0: the command line
        time_limit_s=time_limit_s,
        seed=seed,
        stop_when_no_improvement_s=stop_when_no_improvement_s,
        order_ids=list(order_ids) if order_ids else None,
        starts_at=utcnow().replace(microsecond=0) + timedelta(minutes=5),
        status="queued",
    )
    session.add(plan)
    await session.flush()
    return plan


async def admit(session: AsyncSession, cooperative_id: int, cap: int) -> list[int]:
    """The cooperative's oldest queued plans become ``running`` while fewer than ``cap`` run;
    their ids, for the caller to start in the same transaction. Serialised per cooperative
    (an advisory lock held to commit), so two callers never fill the same slot."""
    await session.execute(select(func.pg_advisory_xact_lock(ADMISSION_LOCK, cooperative_id)))
    running = await session.scalar(
        select(func.count()).where(Plan.cooperative_id == cooperative_id, Plan.status == "running")
    )
    free = cap - int(running or 0)
    if free <= 0:
        return []
    waiting = await session.execute(
        select(Plan)
        .where(Plan.cooperative_id == cooperative_id, Plan.status == "queued")
        .order_by(Plan.id)
        .limit(free)
    )
    admitted = []
    for plan in waiting.scalars():
        plan.status, plan.started_at = "running", utcnow()
        admitted.append(plan.id)
    await session.flush()
    return admitted


def fail(plan: Plan, code: PlanError) -> None:
    """The plan ends failed with ``code`` (a plan already ended keeps its status)."""
    if plan.status in ("queued", "running"):
        plan.status, plan.error, plan.finished_at = "failed", str(code), utcnow()


async def execute(
    sessions: async_sessionmaker[AsyncSession],
    tenant: Tenant,
    plan_id: int,
    positions: Mapping[int, Point],
    order_ids: Sequence[int] | None,
    travel: TravelTimes | None = None,
    holds: Mapping[int, Sequence[str]] | None = None,
) -> None:
    """Load, solve (in a thread: the event loop stays free), store. A plan cancelled meanwhile
    keeps its status; an error is logged with its code and the code stored on the plan.
    ``holds``: vehicles held for overdue safety maintenance, with the reasons."""
    async with sessions() as session:
        plan = await get_scoped(session, Plan, plan_id, tenant, what="plan")
        t0, limit, seed = plan.starts_at, plan.time_limit_s, plan.seed
        options = Options(stop_when_no_improvement_s=plan.stop_when_no_improvement_s)
        todo = await open_orders(session, tenant, order_ids)
        drivers, excluded = await candidates(session, tenant, positions, t0, holds)
        committed = await committed_orders(session, tenant, [d.driver_id for d in drivers])
        plan.orders, plan.drivers = len(todo), len(drivers)
        await session.commit()
    error: PlanError | None = None
    try:
        built = build(todo, drivers, t0, travel=travel, committed=committed)
        if built.problem is not None:
            solved = await asyncio.to_thread(
                solve, built.problem, time_limit_s=limit, seed=seed, options=options
            )
            result = checked(built.problem, solved)
        else:
            result = Result(Status.FEASIBLE, (), (), 0, 0.0)  # nothing to plan
        vehicles_of = {d.driver_id: d.vehicle_id for d in drivers}
        where: dict[tuple[int, str], Point] = {
            (order.id, leg): lon_lat(location)
            for order in (*todo, *committed)
            for leg, location in (
                (Leg.PICKUP, order.pickup_location),
                (Leg.DELIVERY, order.dropoff_location),
            )
        }
        fixed = frozenset(o.id for o in committed)
        answer = to_plan_json(result, t0, vehicles_of, fixed, where)
        answer["unserved"] += built.skipped
        answer["kpis"]["drivers_excluded"] = len(excluded)
    except Exception as exc:  # logged, and the plan fails with a code; the job ends either way
        error = error_code(exc)
        log.exception("plan %s failed: %s", plan_id, error)
        answer = {"routes": None, "unserved": None, "kpis": None}
    async with sessions() as session:
        plan = await get_scoped(session, Plan, plan_id, tenant, what="plan")
        if error is not None:
            fail(plan, error)
        elif plan.status == "running":
            plan.status, plan.finished_at = "done", utcnow()
            plan.routes, plan.unserved, plan.kpis = (
                answer["routes"],
                answer["unserved"],
                answer["kpis"],
            )
        await session.commit()


async def plan_from_command_line(
    sessions: async_sessionmaker[AsyncSession],
    cooperative_id: int,
    positions: Mapping[int, Point],
    *,
    time_limit_s: int,
    seed: int,
) -> Plan:
    """``coopfleet plan``: the same job as the API's, run to the end in this process."""
    tenant = Tenant(cooperative_id, user_id=0, role="dispatcher")
    async with sessions() as session:  # running at once: no job, outside the cooperative's cap
        plan = await start(session, tenant, time_limit_s=time_limit_s, seed=seed)
        plan.status, plan.started_at = "running", utcnow()
        await session.commit()
        plan_id = plan.id
    await execute(sessions, tenant, plan_id, positions, None)
    async with sessions() as session:
        return await get_scoped(session, Plan, plan_id, tenant, what="plan")
