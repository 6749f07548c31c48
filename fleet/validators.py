"""Annotated field types shared by the registry's schemas and its CSV import."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints

from fleet.plates import parse_plate

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
Email = Annotated[
    str,
    BeforeValidator(_strip),
    StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"),
]
