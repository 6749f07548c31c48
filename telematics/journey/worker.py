"""``coopfleet derive``: the derive cycle in a loop, with the live transmission watch.

One process handles ``vehicle_id % workers == worker``; a database outage rolls the cycle back
(the marks stay) and the worker reconnects and starts over with empty memory.
"""

from __future__ import annotations

import logging
import signal
import time

import psycopg

from core.config import Settings
from telematics.journey.derive import Deriver, watch_transmission
from telematics.journey.rules import DEFAULT_RULES

log = logging.getLogger(__name__)
WATCH_EVERY_S = 10.0


def run_derive(
    settings: Settings,
    *,
    workers: int = 1,
    worker: int = 0,
    interval_s: float = 1.0,
    cooperatives: list[int] | None = None,
    once: bool = False,
) -> None:
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    next_watch = 0.0
    logged_at = time.monotonic()
    handled = fixes = events = 0
    latencies: list[float] = []
    while not stopping:
        try:
            with psycopg.connect(settings.sync_database_url, connect_timeout=5) as conn:
                deriver = Deriver(
                    conn, DEFAULT_RULES, workers=workers, worker=worker, cooperatives=cooperatives
                )
                while not stopping:
                    began = time.monotonic()
                    report = deriver.run_once()
                    handled += report.vehicles
                    fixes += report.fixes
                    events += report.new_events
                    latencies += report.latencies_s
                    if worker == 0 and began >= next_watch:
                        events += watch_transmission(
                            conn, time.time(), DEFAULT_RULES.transmission_tolerance
                        )
                        next_watch = began + WATCH_EVERY_S
                    if once and report.vehicles == 0:
                        return
                    if time.monotonic() - logged_at >= 60:
                        latencies.sort()
                        p99 = latencies[int(len(latencies) * 0.99)] if latencies else 0.0
                        log.info(
                            "derive: %d vehicle batches, %d fixes, %d new events, p99 %.2f s",
                            handled, fixes, events, p99,
                        )  # fmt: skip
                        logged_at, handled, fixes, events, latencies = time.monotonic(), 0, 0, 0, []
                    if not report.more_pending:
                        time.sleep(max(0.0, interval_s - (time.monotonic() - began)))
        except psycopg.errors.SerializationFailure:
            log.info("derive: a concurrent update; the cycle starts over")
        except psycopg.OperationalError as error:
            log.warning("derive: database unavailable (%s); retrying in 2 s", error)
            time.sleep(2)
        except Exception:  # a bug must not stop derivation for everyone: the cycle rolled back,
            log.exception("derive: cycle failed; retrying in 5 s")  # its marks stay queued
            time.sleep(5)
