"""Vietnamese plates: what people type, the one form we store."""

from __future__ import annotations

import pytest

from fleet.plates import PlateError, parse_plate, plate_search_key


@pytest.mark.parametrize(
    ("typed", "display", "key"),
    [
        ("51B-123.45", "51B-123.45", "51B12345"),
        ("51b12345", "51B-123.45", "51B12345"),
        (" 60C 123.45 ", "60C-123.45", "60C12345"),
        ("60C-1234", "60C-1234", "60C1234"),
        ("51LD-012.34", "51LD-012.34", "51LD01234"),
        ("29A1-2345", "29A1-2345", "29A12345"),
        ("60đ-12345", "60D-123.45", "60D12345"),
    ],
)
def test_parse_normalizes(typed: str, display: str, key: str) -> None:
    plate = parse_plate(typed)
    assert plate.display == display
    assert plate.key == key


@pytest.mark.parametrize(
    "typed", ["", "ABC-123", "5B-12345", "05B-123.45", "51B-12", "51B-1234567"]
)
def test_parse_rejects(typed: str) -> None:
    with pytest.raises(PlateError):
        parse_plate(typed)


def test_search_key_ignores_punctuation() -> None:
    assert plate_search_key("51b-123.45") == "51B12345"
