"""The NUL character refused at the edge, naming where it was.

PostgreSQL cannot store U+0000 in text, and psycopg refuses it before the statement is sent, so
the database never says which column it was meant for: without this guard a NUL in any string
answered 422 with no field. This pure ASGI middleware looks for it in the path, the query string
and JSON or URL-encoded bodies (already capped by :mod:`api.limits`) and answers 422 naming the
parameter or the body field, e.g. ``stops.0.address``. Multipart bodies (CSV imports, proof
files) are files: their readers check their own text.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi_errors import send_error

NUL = "\x00"
MESSAGE = "a text must not contain the NUL character (\\u0000)"


def nul_in_json(value: Any, path: tuple[str, ...] = ()) -> str | None:
    """The dotted path of the first key or string holding a NUL, or None."""
    here = ".".join(path) or "body"
    if isinstance(value, str):
        return here if NUL in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                return here
            found = nul_in_json(item, (*path, key))
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = nul_in_json(item, (*path, str(index)))
            if found:
                return found
    return None


def nul_in_pairs(encoded: str, default: str) -> str | None:
    """The name of the first URL-encoded parameter whose name or value holds a NUL, or None."""
    for name, value in parse_qsl(encoded, keep_blank_values=True):
        if NUL in name:
            return default
        if NUL in value:
            return name
    return None


def nul_in_body(content_type: bytes, body: bytes) -> str | None:
    media = content_type.split(b";", 1)[0].strip().lower()
    if media == b"application/json" or media.endswith(b"+json"):
        if b"\\u0000" not in body:  # JSON can only carry a NUL escaped
            return None
        try:
            return nul_in_json(json.loads(body))
        except ValueError:
            return None  # not JSON: the route's own validation answers
    if media == b"application/x-www-form-urlencoded":
        return nul_in_pairs(body.decode("utf-8", "replace"), "body")
    return None


class NulGuard:
    """422 ``validation_error`` for a NUL anywhere a route would read it as text."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        language = headers.get(b"accept-language")
        query = scope.get("query_string", b"").decode("latin-1")
        field = "path" if NUL in scope["path"] else nul_in_pairs(query, "query")
        if field:
            await send_error(send, 422, "validation_error", MESSAGE, field, language)
            return
        content_type = headers.get(b"content-type", b"")
        if not content_type or content_type.lower().startswith(b"multipart/"):
            await self.app(scope, receive, send)
            return
        messages, body = await _read_all(receive)
        field = nul_in_body(content_type, body)
        if field:
            await send_error(send, 422, "validation_error", MESSAGE, field, language)
            return
        await self.app(scope, _replay(messages, receive), send)


async def _read_all(receive: Receive) -> tuple[list[Message], bytes]:
    """Every message of the request's body (until the last chunk or a disconnect)."""
    messages: list[Message] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    return messages, body


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """A receive that gives back what was read, then waits on the real one (a disconnect)."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed
