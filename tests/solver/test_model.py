"""Problems refuse bad input when built, with a message naming what is wrong."""

from __future__ import annotations

import pytest

from routing.solver import FixedPrefix, Leg, Matrix, Order, StopRef, TimeWindow
from tests.solver.tiny import parcel, problem, stop, truck


def test_window_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before its start"):
        TimeWindow(10, 5)


def test_matrix_must_be_square() -> None:
    with pytest.raises(ValueError, match="row 1"):
        Matrix.from_rows([[0, 1], [1]])


def test_nodes_must_exist() -> None:
    with pytest.raises(ValueError, match="outside"):
        problem(3, [truck("a")], [parcel("x", 1, 7)])


def test_order_ids_must_be_unique() -> None:
    with pytest.raises(ValueError, match="duplicate order"):
        problem(3, [truck("a")], [parcel("x", 1, 2), parcel("x", 2, 1)])


def test_demand_dimensions_must_match_the_fleet() -> None:
    odd = Order("x", pickup=stop(1), demand=(1, 2))
    with pytest.raises(ValueError, match="dimensions"):
        problem(3, [truck("a")], [odd])


def test_fixed_delivery_needs_its_pickup_first() -> None:
    fixed = FixedPrefix("a", (StopRef("x", Leg.DELIVERY),))
    with pytest.raises(ValueError, match="pickup earlier"):
        problem(3, [truck("a")], [parcel("x", 1, 2)], [fixed])


def test_fixed_prefix_names_a_known_vehicle() -> None:
    fixed = FixedPrefix("ghost", (StopRef("x", Leg.PICKUP),))
    with pytest.raises(ValueError, match="unknown vehicle"):
        problem(3, [truck("a")], [parcel("x", 1, 2)], [fixed])
