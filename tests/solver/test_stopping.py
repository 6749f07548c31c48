"""The stopping criterion: a search ends once it stops improving, well before its budget, and
its plan still passes the checker; the criterion itself and its option's validation."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from routing.solver import BreakRule, Options, Status, solve
from routing.solver.check import check_plan
from routing.solver.stopping import NO_PLAN, NoImprovementFor, fleet_proven
from tests.solver.tiny import HOUR, MINUTE, QUICK, parcel, problem, truck

BUDGET = 20.0  # far beyond what these problems need: only the criterion can end them early


def test_no_improvement_fires_only_after_a_quiet_spell(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    quiet = NoImprovementFor(2.0)
    assert not quiet(NO_PLAN)
    now[0] = 150.0  # no feasible plan yet: however long that takes, the search is not stalled
    assert not quiet(NO_PLAN)
    assert not quiet(50)  # the first plan starts the spell
    now[0] = 151.5
    assert not quiet(50)
    assert not quiet(40)  # an improvement restarts it
    now[0] = 153.0
    assert not quiet(40)
    now[0] = 153.5
    assert quiet(45)  # worse is no improvement either


def test_a_fleet_is_proven_only_with_every_order_served_at_the_bound() -> None:
    assert fleet_proven(vehicles=3, unserved=0, lower_bound=3)
    assert not fleet_proven(vehicles=4, unserved=0, lower_bound=3)
    assert not fleet_proven(vehicles=2, unserved=1, lower_bound=3)


@pytest.mark.parametrize("seconds", [0, -1.0])
def test_the_option_must_be_positive(seconds: float) -> None:
    with pytest.raises(ValueError, match="stop_when_no_improvement_s"):
        Options(stop_when_no_improvement_s=seconds)


@pytest.mark.parametrize("warm_share", [0.75, 0])  # through PyVRP, and OR-Tools alone
def test_a_small_solve_stops_long_before_its_budget(warm_share: float) -> None:
    orders = [parcel(f"o{k}", 1 + k % 4, 5 + k % 3) for k in range(8)]
    vehicles = [replace(truck(f"v{k}"), fixed_cost=1_000_000) for k in range(4)]
    case = problem(9, vehicles, orders)
    options = Options(stop_when_no_improvement_s=0.2, warm_share=warm_share)
    began = time.monotonic()
    result = solve(case, time_limit_s=BUDGET, seed=3, options=options)
    assert time.monotonic() - began < BUDGET / 4
    assert result.status is Status.FEASIBLE and check_plan(case, result) == []
    assert result.kpis.served == 8 and result.kpis.vehicles == 1


def test_a_problem_with_breaks_stops_too_and_keeps_the_driving_rule() -> None:
    # breaks: one search from scratch (no warm start), so the criterion runs inside it
    rule = BreakRule(max_driving=4 * HOUR, min_break=15 * MINUTE)
    orders = [parcel("long", 150, 300), parcel("near", 1, 2)]
    case = problem(301, [truck("a"), truck("b")], orders, break_rule=rule)
    began = time.monotonic()
    result = solve(case, time_limit_s=BUDGET, seed=1, options=QUICK)
    assert time.monotonic() - began < BUDGET / 4
    assert check_plan(case, result) == [] and result.kpis.served == 2
    assert any(route.breaks for route in result.routes)
