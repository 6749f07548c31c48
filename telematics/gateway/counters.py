"""The gateway's counters per protocol: connections, frames, fixes published, refusals by reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

_HELP = {
    "connections": "TCP connections accepted",
    "frames": "frames or requests received",
    "fixes": "fixes published to the broker",
    "refused": "frames, requests or connections refused, by reason",
}


class Counters(Collector):
    """Plain in-process counts, read by Prometheus through ``collect`` at scrape time, summed
    with the latest counts the gateway's other processes sent (``others``, by process id)."""

    def __init__(self) -> None:
        self.values: Counter[tuple[str, str, str]] = Counter()
        self.others: dict[int, Counter[tuple[str, str, str]]] = {}

    def add(self, protocol: str, what: str, reason: str = "", amount: int = 1) -> None:
        self.values[(protocol, what, reason)] += amount

    def get(self, protocol: str, what: str, reason: str = "") -> int:
        return self.values[(protocol, what, reason)]

    def collect(self) -> Iterator[Metric]:
        """``coopfleet_gateway_{what}_total{protocol, reason}``; ``reason`` only on refusals."""
        families: dict[str, CounterMetricFamily] = {}
        total = sum(self.others.values(), Counter(self.values))
        for (protocol, what, reason), value in sorted(total.items()):
            family = families.get(what)
            if family is None:
                name = f"coopfleet_gateway_{what}"
                family = families[what] = CounterMetricFamily(name, _HELP.get(what, what))
            labels = {"protocol": protocol} | ({"reason": reason} if reason else {})
            family.add_sample(f"{family.name}_total", labels, value)
        yield from families.values()
        processes = GaugeMetricFamily(
            "coopfleet_gateway_processes", "gateway processes whose counts are included"
        )
        processes.add_metric([], 1 + len(self.others))
        yield processes
