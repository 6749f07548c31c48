"""The planner core: problem dataclasses in, OR-Tools model, result out. Pure: no database,
no settings, no wall-clock date; only the standard library, OR-Tools and PyVRP (a first plan
for the problems it can model)."""

from routing.solver.model import (
    BreakRule,
    FixedPrefix,
    Leg,
    Matrix,
    Order,
    Problem,
    Stop,
    StopRef,
    TimeWindow,
    Vehicle,
)
from routing.solver.options import Options
from routing.solver.result import Break, Kpis, Result, Route, Status, Unserved, Visit
from routing.solver.solve import solve

__all__ = [
    "Break",
    "BreakRule",
    "FixedPrefix",
    "Kpis",
    "Leg",
    "Matrix",
    "Options",
    "Order",
    "Problem",
    "Result",
    "Route",
    "Status",
    "Stop",
    "StopRef",
    "TimeWindow",
    "Unserved",
    "Vehicle",
    "Visit",
    "solve",
]
