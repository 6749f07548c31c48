"""The documented answers of the push streams (Server-Sent Events): not JSON documents, so they
declare their media type instead of a schema."""

from __future__ import annotations

from typing import Any

EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/event-stream": {}},
        "description": "Server-Sent Events: id, event (the kind) and data (the row as JSON)",
    },
    429: {"description": "too many open streams for this user or cooperative"},
}
