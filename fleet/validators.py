"""Annotated field types shared by the registry's schemas and its CSV import."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, field_validator

from fleet.plates import parse_plate

INT_MAX = 2**31 - 1
"""PostgreSQL ``integer``: the range of most id columns and counts."""
BIGINT_MAX = 2**63 - 1
"""PostgreSQL ``bigint``: ids of the fast-growing tables, amounts in VND, row offsets."""

_NON_DIGITS = re.compile(r"[\s.\-()]")


def normalize_phone(raw: str) -> str:
    """Vietnamese numbers in national form: '+84 912 345 678' -> '0912345678'."""
    digits = _NON_DIGITS.sub("", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not re.fullmatch(r"0\d{9}", digits):
        raise ValueError("expected a Vietnamese phone number of 10 digits, e.g. 0912345678")
    return digits


def canonical_plate(raw: str) -> str:
    return parse_plate(raw).display


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


Phone = Annotated[str, AfterValidator(normalize_phone)]
PlateText = Annotated[str, AfterValidator(canonical_plate)]
NationalId = Annotated[str, StringConstraints(pattern=r"^(\d{9}|\d{12})$", strip_whitespace=True)]
TaxCode = Annotated[str, StringConstraints(pattern=r"^\d{10}(-\d{3})?$", strip_whitespace=True)]
Name = Annotated[str, BeforeValidator(_strip), StringConstraints(min_length=1, max_length=120)]
ShortText = Annotated[str, BeforeValidator(_strip), StringConstraints(min_length=1, max_length=60)]
LongText = Annotated[str, BeforeValidator(_strip), StringConstraints(max_length=300)]
Code = Annotated[
    str, BeforeValidator(_strip), StringConstraints(min_length=1, max_length=32, pattern=r"^\S+$")
]
Feature = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
"""A vehicle's equipment or an order's need (``tail_lift``): fits the varchar(32) columns."""
Email = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]

# Ids and amounts bounded to their column, so that an out-of-range number is a 422 naming the
# field instead of a database error; used for every ``{id}`` path parameter and id field.
Id = Annotated[int, Field(ge=1, le=INT_MAX, description="a row's id")]
BigId = Annotated[int, Field(ge=1, le=BIGINT_MAX, description="a row's id")]
Cursor = Annotated[int, Field(ge=0, le=BIGINT_MAX, description="the last id already seen")]
Vnd = Annotated[int, Field(ge=0, le=BIGINT_MAX, description="an amount in đồng")]


def _refuse_null(value: Any) -> Any:
    if value is None:
        raise ValueError("may be left out, but not null: this field always has a value")
    return value


def not_null(*fields: str) -> Any:
    """A validator for an update schema: these fields may be left out but not set to null
    (their columns are NOT NULL; a null would otherwise reach the database)."""
    return field_validator(*fields, mode="after")(_refuse_null)
