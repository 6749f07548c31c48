"""The generated cooperative days: the same day for the same seed, a day every task of which a
5 t truck can serve alone, readable by the Li & Lim reader and as the planner's problem."""

from __future__ import annotations

from pathlib import Path

from bench.coop_days import HORIZON, TRUCK_5T, generate, plan, problem_of, travel, write
from bench.vrp import run_planner, scale
from bench.vrp_check import check_instance
from bench.vrp_instances import load
from routing.solver import solve
from routing.solver.check import check_plan
from routing.solver.screen import unservable
from tests.solver.tiny import QUICK


def test_a_seed_gives_the_same_day_and_another_seed_another() -> None:
    assert generate(50, 1) == generate(50, 1)
    assert generate(50, 1).tasks != generate(50, 2).tasks
    assert len(generate(50, 1).tasks) == 50


def test_every_task_fits_one_truck_alone_within_the_day() -> None:
    day = generate(300, 4)
    for task in day.tasks:
        assert 0 < task.demand <= TRUCK_5T
        earliest_p, latest_p = task.pickup_window
        earliest_d, latest_d = task.delivery_window
        assert travel(day.depot, task.pickup) <= earliest_p <= latest_p
        arrival = earliest_p + task.pickup_service + travel(task.pickup, task.delivery)
        assert max(arrival, earliest_d) <= latest_d
        back = latest_d + task.delivery_service + travel(task.delivery, day.depot)
        assert back <= HORIZON
        assert latest_p - earliest_p <= 180 and latest_d - earliest_d <= 180


def test_the_li_lim_file_is_read_back_and_a_short_solve_passes_the_checker(
    tmp_path: Path,
) -> None:
    day = generate(12, 3)
    text, _ = write(day, tmp_path)
    instance = load(text)
    assert instance.size == 25 and len(instance.pairs) == 12
    assert instance.capacity == TRUCK_5T and instance.vehicles == len(day.fleet)
    assert instance.x[1] == day.tasks[0].pickup.x and instance.due[0] == HORIZON
    routes, _, _ = run_planner(instance, scale(instance), budget=1.0, seed=1, options=QUICK)
    report = check_instance(instance, routes, "exact")
    assert report.errors == []


def test_the_json_day_keeps_the_mixed_fleet_shifts_and_break_rule(tmp_path: Path) -> None:
    _, body = write(generate(10, 5, breaks=True), tmp_path)
    problem = problem_of(body)
    assert len(problem.orders) == 10
    assert {vehicle.capacity for vehicle in problem.vehicles} == {(15,), (50,), (80,)}
    assert len({vehicle.shift for vehicle in problem.vehicles}) > 1
    assert problem.break_rule is not None and problem.break_rule.max_driving == 4 * 3600
    assert unservable(problem_of(write(generate(300, 4), tmp_path)[1])) == {}  # shifts cover all
    result = solve(problem, time_limit_s=2, seed=1, options=QUICK)
    assert check_plan(problem, result) == []


def test_planning_a_json_day_reports_the_fleet_its_bound_and_the_checker(tmp_path: Path) -> None:
    _, body = write(generate(10, 6, breaks=True), tmp_path)
    line = plan(body, budget=2, seed=1, options=QUICK)
    assert line.startswith("coop10_6_breaks planner: ") and "lower bound" in line
    assert line.endswith("check OK")
    plain = plan(body, budget=1, seed=1, plain=True)  # the baseline with the same breaks
    assert plain.startswith("coop10_6_breaks ortools: ") and plain.endswith("check OK")
