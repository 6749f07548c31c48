"""Position forwarders' sends (``telematics.forward``): a periodic job draining what the
ingest transactions marked, never work inside ingestion or a request."""

from __future__ import annotations

import logging

from telematics.forward import drain
from worker.runtime import Runtime

log = logging.getLogger(__name__)
SCHEDULE = "* * * * * */2"
"""Every 2 s: a position reaches its target about 1 s after its commit on average."""


async def forward_positions(runtime: Runtime) -> None:
    outcome = await drain(runtime.sessions, allow_private=runtime.settings.webhooks_allow_private)
    if outcome.sent or outcome.failed:
        log.info(
            "forwarded %s positions (%s thinned out); failed: %s",
            outcome.sent,
            outcome.skipped,
            outcome.failed,
        )
