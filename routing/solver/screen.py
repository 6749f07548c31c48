"""Orders no vehicle could ever serve, found before the search so each gets a precise reason
instead of a silent drop, and so the model does not carry them."""

from __future__ import annotations

from routing.solver.model import Order, Problem, TimeWindow, Vehicle


def unservable(problem: Problem) -> dict[int, str]:
    """Order index → why no vehicle can serve it; orders in fixed prefixes are never screened."""
    fixed = {ref.order for prefix in problem.fixed for ref in prefix.stops}
    reasons: dict[int, str] = {}
    for index, order in enumerate(problem.orders):
        if order.id not in fixed and (reason := _reason(problem, order)) is not None:
            reasons[index] = reason
    return reasons


def fits(order: Order, vehicle: Vehicle) -> bool:
    """The vehicle has the order's skills and room for its whole demand."""
    return order.skills <= vehicle.skills and all(
        amount <= room for amount, room in zip(order.demand, vehicle.capacity, strict=False)
    )


def _reason(problem: Problem, order: Order) -> str | None:
    skilled = [vehicle for vehicle in problem.vehicles if order.skills <= vehicle.skills]
    if not skilled:
        return f"no vehicle with skills {', '.join(sorted(order.skills))}"
    fitting = [vehicle for vehicle in skilled if fits(order, vehicle)]
    if not fitting:
        among = " with the required skills" if order.skills else ""
        return f"capacity exceeds every vehicle{among}: demand {order.demand}"
    if not any(_direct_trip_fits(problem, vehicle, order) for vehicle in fitting):
        return "time window unreachable from any start within its vehicle's shift"
    return None


def can_serve(problem: Problem, vehicle: Vehicle, order: Order) -> bool:
    """The vehicle fits the order (skills, capacity) and can make its trip alone in its shift."""
    return fits(order, vehicle) and _direct_trip_fits(problem, vehicle, order)


def _direct_trip_fits(problem: Problem, vehicle: Vehicle, order: Order) -> bool:
    """Start → the order's stops → end, alone, within the shift and the windows. With travel times
    obeying the triangle inequality no longer route can do better, so failing here is final."""
    time, here = vehicle.shift.start, vehicle.start
    for _, stop in order.stops():
        arrival = time + problem.durations.at(here, stop.node)
        start = earliest_start(stop.windows, arrival)
        if start is None:
            return False
        time, here = start + stop.service, stop.node
    return time + problem.durations.at(here, vehicle.end) <= vehicle.shift.end


def earliest_start(windows: tuple[TimeWindow, ...], arrival: int) -> int | None:
    """When service can start for a vehicle arriving at ``arrival``; ``None`` if too late."""
    if not windows:
        return arrival
    for window in windows:
        if arrival <= window.end:
            return max(arrival, window.start)
    return None
