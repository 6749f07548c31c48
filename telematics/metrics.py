"""The API's ``/metrics``: the ingest workers' counters and dead letters by reason, as Prometheus
metric families built by ``prometheus_client`` from figures read in the database at scrape time.

The collector cannot await, so the route reads the figures first and hands them to
``IngestMetrics.render``, which renders them at once (no ``await`` in between, so two scrapes on
the event loop never mix their figures). Each app owns its registry: tests build many apps.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from telematics.tables import dead_letters, ingest_workers


@dataclass(frozen=True)
class IngestFigures:
    """One scrape's worth: a row per ingest worker and the dead-letter count per reason."""

    workers: Sequence[Row[Any]] = ()
    dead_letters: Sequence[tuple[str, int]] = ()


async def read_figures(session: AsyncSession) -> IngestFigures:
    workers = (await session.execute(select(ingest_workers))).all()
    reasons = await session.execute(
        select(dead_letters.c.reason, func.count()).group_by(dead_letters.c.reason)
    )
    return IngestFigures(workers, [(reason, count) for reason, count in reasons])


# (name, kind, help, how to read it from an ingest_workers row); labelled by worker name only,
# never by MQTT client id
_PER_WORKER: tuple[tuple[str, type[CounterMetricFamily | GaugeMetricFamily], str, str], ...] = (
    (
        "coopfleet_ingest_messages_received",
        CounterMetricFamily,
        "MQTT messages taken",
        "messages_received",
    ),
    (
        "coopfleet_ingest_positions_written",
        CounterMetricFamily,
        "new positions stored",
        "positions_written",
    ),
    (
        "coopfleet_ingest_duplicates",
        CounterMetricFamily,
        "redelivered positions ignored",
        "duplicates",
    ),
    (
        "coopfleet_ingest_batch_seconds",
        GaugeMetricFamily,
        "duration of the last batch",
        "last_batch_seconds",
    ),
    (
        "coopfleet_ingest_latency_p99_ms",
        GaugeMetricFamily,
        "device time to commit, 99th percentile over the last report interval",
        "latency_p99_ms",
    ),
    ("coopfleet_ingest_backlog", GaugeMetricFamily, "messages received, not yet stored", "backlog"),
)


class IngestMetrics(Collector):
    """The registry of one app and the collector in it, fed by ``render``."""

    def __init__(self) -> None:
        self._figures = IngestFigures()
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(self)

    def render(self, figures: IngestFigures) -> bytes:
        """Prometheus' exposition of ``figures`` (and of anything else in this registry)."""
        self._figures = figures
        try:
            return generate_latest(self.registry)
        finally:
            self._figures = IngestFigures()  # hold no rows between scrapes

    def collect(self) -> Iterator[Metric]:
        workers = self._figures.workers
        for name, kind, help_text, column in _PER_WORKER:
            family = kind(name, help_text, labels=["worker"])
            for worker in workers:
                family.add_metric([worker.worker_id], float(getattr(worker, column)))
            yield family
        seen = GaugeMetricFamily(
            "coopfleet_ingest_worker_last_seen_seconds",
            "unix time of last report",
            labels=["worker"],
        )
        for worker in workers:
            seen.add_metric([worker.worker_id], worker.updated_at.timestamp())
        yield seen
        letters = CounterMetricFamily(
            "coopfleet_dead_letters", "rejected messages by reason", labels=["reason"]
        )
        for reason, count in self._figures.dead_letters:
            letters.add_metric([reason], count)
        yield letters
