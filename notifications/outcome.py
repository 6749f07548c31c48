"""What one attempt to send came to, and when to try again."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    error: str | None = None
    permanent: bool = False  # retrying cannot help (no address, refused target, 4xx)
    status_code: int | None = None


SENT = Outcome(True)


def backoff_seconds(attempts: int, base: float, ceiling: float) -> float:
    """Seconds before the next attempt after ``attempts`` failed ones: doubling, capped."""
    return float(min(base * 2 ** max(attempts - 1, 0), ceiling))


def transient(status_code: int) -> bool:
    """A receiver's answer worth retrying: throttled, timed out or a server error."""
    return status_code in (408, 425, 429) or status_code >= 500
