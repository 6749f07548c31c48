"""The API's error JSON sent from a pure ASGI middleware, before any route or handler runs."""

from __future__ import annotations

import json

from starlette.types import Send

from api.i18n import vietnamese, wants_vietnamese


async def send_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    field: str | None,
    accept_language: bytes | None,
    *,
    close: bool = False,
) -> None:
    """``{"error", "message", "field"}`` as :func:`api.errors.respond` shapes it, the message
    in Vietnamese when the caller prefers it; ``close`` ends the connection after it."""
    body: dict[str, object] = {"error": code, "message": message, "field": field}
    if wants_vietnamese(accept_language.decode("latin-1") if accept_language else None):
        body["message"] = vietnamese(code, field)
        body["detail"] = message
    content = json.dumps(body, ensure_ascii=False).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(content)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})
