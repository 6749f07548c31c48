"""A portfolio that cannot lose to its own baseline: plain OR-Tools runs beside the planner.

On generated 1,000-task cooperative days (60 s) plain OR-Tools (PARALLEL_CHEAPEST_INSERTION +
GUIDED_LOCAL_SEARCH, fixed costs) used 140 and 137 vehicles where the planner's PyVRP path used
157 and 153: cheapest insertion packs such days tightly. The earlier race took the rival's plan
only when its search returned before the deadline, which a 2,000-place model on a loaded
machine rarely does (its own limit is checked late). So the rival, in a spawned process on the
second core, writes every better complete plan it accepts to memory both processes share
(``Board``); at the deadline the parent stops it and takes its final answer if it came back,
else the last plan on the board. Every candidate is judged by the independent checker and the
best in SINTEF order (orders served, then vehicles, then distance) is the answer.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from routing.solver import extract
from routing.solver.build import Model
from routing.solver.check import check_plan
from routing.solver.model import Leg, Problem, StopRef
from routing.solver.options import Options
from routing.solver.result import Result, Status
from routing.solver.schedule import timed_routes
from routing.solver.single import solve_single
from routing.solver.warm_path import planned

Plan = Mapping[str, Sequence[StopRef]]
STOP_S = 1.0  # for a stopped rival to exit before it is killed


class Board:
    """The rival's latest complete plan as integers in shared memory: two slots written in
    turn, the slot in use named last, so a rival stopped in the middle of a write leaves the
    previous plan whole. Cells: the slot in use, a version counted up at every plan, then the
    slots, each its stop count and (vehicle, order × 2 + leg) pairs."""

    HEAD = 2

    def __init__(self, problem: Problem, context: Any) -> None:
        stops = sum(len(order.stops()) for order in problem.orders)
        self.width = 1 + 2 * stops
        self.cells = context.RawArray("q", self.HEAD + 2 * self.width)
        self._view()[0] = -1  # no plan yet

    def _view(self) -> Any:
        return np.frombuffer(self.cells, dtype=np.int64)

    def write(self, pairs: Sequence[tuple[int, int]]) -> None:
        view = self._view()
        slot = 1 if view[0] == 0 else 0
        base = self.HEAD + slot * self.width
        view[base] = len(pairs)
        if pairs:
            view[base + 1 : base + 1 + 2 * len(pairs)] = np.asarray(pairs, dtype=np.int64).ravel()
        view[0] = slot
        view[1] += 1

    def version(self) -> int:
        return int(self._view()[1])

    def read(self, problem: Problem) -> Plan | None:
        """The plan on the board as vehicle id → stops (``None``: nothing written yet, or
        rewritten twice while read, which a running rival may do)."""
        view = self._view()
        before, slot = int(view[1]), int(view[0])
        if slot < 0:
            return None
        base = self.HEAD + slot * self.width
        count = int(view[base])
        pairs = view[base + 1 : base + 1 + 2 * count].reshape(count, 2).tolist()
        if int(view[1]) != before:
            return None
        plan: dict[str, list[StopRef]] = {}
        for vehicle, code in pairs:
            leg = Leg.DELIVERY if code % 2 else Leg.PICKUP
            ref = StopRef(problem.orders[code // 2].id, leg)
            plan.setdefault(problem.vehicles[vehicle].id, []).append(ref)
        return plan


class Rival:
    """Plain OR-Tools in a spawned process until ``deadline`` (a ``time.monotonic()`` value:
    monotonic clocks are system-wide), publishing its plans on a ``Board``."""

    def __init__(
        self,
        problem: Problem,
        screened: dict[int, str],
        *,
        deadline: float,
        seed: int,
        options: Options,
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self.board = Board(problem, context)
        self._answer, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_run_rival,
            args=(problem, screened, deadline, seed, options, self.board, sender),
            daemon=True,
        )
        self.process.start()
        sender.close()  # the child holds the only writing end: its exit reads as end of file

    def harvest(self, problem: Problem, screened: dict[int, str], deadline: float) -> Result | None:
        """The rival's answer: its final result if it comes back by ``deadline``, else the last
        plan it published (timed here; ``None`` if none or if it does not time)."""
        final: Result | None = None
        try:
            if self._answer.poll(max(0.0, deadline - time.monotonic())):
                final = self._answer.recv()
        except (EOFError, OSError):  # the rival died: its board still holds its last plan
            final = None
        self.stop()
        if final is not None:
            return final
        plan = self.board.read(problem)
        routes = timed_routes(problem, plan) if plan is not None else None
        if routes is None:
            return None
        return planned(problem, routes, screened, 0.0)

    def latest(self, problem: Problem) -> Callable[[], Plan | None]:
        """Reads the rival's latest published plan, decoded only when it changed."""
        seen: list[Any] = [None, None]  # board version, plan

        def read() -> Plan | None:
            version = self.board.version()
            if version != seen[0]:
                seen[:] = [version, self.board.read(problem)]
            plan: Plan | None = seen[1]
            return plan

        return read

    def stop(self) -> None:
        """Ends the rival (no-op once it has)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(STOP_S)
            if self.process.is_alive():
                self.process.kill()
        self.process.join()
        self._answer.close()


def best_checked(problem: Problem, candidates: Iterable[Result | None]) -> Result | None:
    """The candidate that serves more orders, then uses fewer vehicles, then drives less,
    among those the independent checker finds valid; the first candidate if none is."""
    found = [result for result in candidates if result is not None]
    valid = [
        result
        for result in found
        if result.status is Status.FEASIBLE and not check_plan(problem, result)
    ]
    if not valid:
        return found[0] if found else None
    return min(valid, key=sintef)


def sintef(result: Result) -> tuple[int, int, int]:
    """SINTEF order, served orders first: what a cooperative pays for."""
    kpis = result.kpis
    return (-kpis.served, kpis.vehicles, kpis.distance)


class _Publisher:
    """Writes each complete plan cheaper than the last one written to the board."""

    def __init__(self, problem: Problem, board: Board) -> None:
        self.board = board
        self.order_at = {order.id: j for j, order in enumerate(problem.orders)}
        self.vehicle_at = {vehicle.id: v for v, vehicle in enumerate(problem.vehicles)}
        self.best: int | None = None

    def __call__(self, model: Model, values: Any, cost: int) -> None:
        if self.best is not None and cost >= self.best:
            return
        self.best = cost
        pairs = [
            (self.vehicle_at[vehicle], 2 * self.order_at[ref.order] + (ref.leg is Leg.DELIVERY))
            for vehicle, stops in extract.sequences(model, values).items()
            for ref in stops
        ]
        self.board.write(pairs)


def _run_rival(
    problem: Problem,
    screened: dict[int, str],
    deadline: float,
    seed: int,
    options: Options,
    board: Board,
    answer: Connection,
) -> None:
    """In the rival's process: one OR-Tools model from its own first plan, fixed costs kept, no
    route elimination (the benchmark's plain baseline), every plan published."""
    plain = replace(options, eliminate_routes=False)
    result = solve_single(
        problem,
        deadline=deadline,
        seed=seed,
        options=plain,
        screened=screened,
        on_plan=_Publisher(problem, board),
    )
    answer.send(result)
    answer.close()
