"""The gateway's counters per protocol: connections, frames, fixes published, refusals by reason."""

from __future__ import annotations

from collections import Counter


class Counters:
    def __init__(self) -> None:
        self.values: Counter[tuple[str, str, str]] = Counter()

    def add(self, protocol: str, what: str, reason: str = "", amount: int = 1) -> None:
        self.values[(protocol, what, reason)] += amount

    def get(self, protocol: str, what: str, reason: str = "") -> int:
        return self.values[(protocol, what, reason)]

    def prometheus(self) -> str:
        """Prometheus' text format: ``coopfleet_gateway_{what}_total{protocol, reason}``."""
        lines = []
        for (protocol, what, reason), value in sorted(self.values.items()):
            labels = f'protocol="{protocol}"' + (f',reason="{reason}"' if reason else "")
            lines.append(f"coopfleet_gateway_{what}_total{{{labels}}} {value}")
        return "\n".join(lines) + "\n"
