"""Vietnamese licence plates: parse what people type, store one canonical form.

Car plates read ``51B-123.45`` (five digits) or ``60C-1234`` (older four-digit plates): a two-digit
province code, a series of one or two letters optionally followed by a digit, then the number.
Canonical form: ``51B-123.45`` / ``60C-1234``; the search key drops punctuation (``51B12345``).
Typed without separators, the modern five-digit reading wins: ``29A12345`` is ``29A-123.45``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PLATE = re.compile(
    r"^(?P<province>\d{2})\s*-?\s*(?P<series>[A-Z]{1,2}\d??)\s*-?\s*"
    r"(?P<number>\d{3}\.?\d{2}|\d{4})$"
)


class PlateError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Plate:
    province: str
    series: str
    number: str  # digits only

    @property
    def display(self) -> str:
        if len(self.number) == 5:
            return f"{self.province}{self.series}-{self.number[:3]}.{self.number[3:]}"
        return f"{self.province}{self.series}-{self.number}"

    @property
    def key(self) -> str:
        return f"{self.province}{self.series}{self.number}"


def parse_plate(raw: str) -> Plate:
    """Parse a plate as typed (any case, spaces, dots and dashes optional) or raise PlateError."""
    cleaned = " ".join(raw.strip().upper().replace("Đ", "D").split())
    match = _PLATE.match(cleaned)
    if match is None:
        raise PlateError(
            f"'{raw}' is not a Vietnamese plate (expected e.g. 51B-123.45 or 60C-1234)"
        )
    province = match["province"]
    if not 10 <= int(province) <= 99:
        raise PlateError(f"'{raw}' has no valid province code (10-99)")
    return Plate(province, match["series"], match["number"].replace(".", ""))


def plate_search_key(text: str) -> str:
    """What a plate search compares: upper-case letters and digits only."""
    return re.sub(r"[^0-9A-Z]", "", text.upper())
