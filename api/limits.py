"""Request body caps, enforced before authentication and before a body is held in memory.

A pure ASGI middleware: it answers 413 at once when ``Content-Length`` is over the cap of the
request's class, and otherwise counts the chunks as the app reads them, cutting a body (chunked,
or lying about its length) off as soon as it passes the cap. Classes, by path and credentials:

- a request without an ``Authorization`` or ``X-API-Key`` header (sign-in, refresh, the
  tracking link, or an attacker): ``body_max_bytes_anonymous``, so nobody can make the API
  read megabytes unsigned;
- CSV imports (``…/import``): ``csv_max_bytes`` plus room for the multipart framing;
- proof uploads (``/driver/jobs/{id}/proof``): ``upload_max_bytes`` × ``proof_max_files``, plus
  framing;
- anything else (JSON): ``body_max_bytes``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.asgi_errors import send_error
from core.config import Settings

MULTIPART_ROOM = 64 * 1024  # boundaries, part headers and form fields around the files
_CSV_IMPORT = re.compile(r"^/api/v1/[a-z_]+/import$")
_PROOF_UPLOAD = re.compile(r"^/api/v1/driver/jobs/\d+/proof$")


@dataclass(frozen=True)
class BodyCaps:
    """The largest body, in bytes, of each class of request."""

    anonymous: int
    json: int
    csv_import: int
    proof_upload: int

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyCaps:
        return cls(
            anonymous=settings.body_max_bytes_anonymous,
            json=settings.body_max_bytes,
            csv_import=settings.csv_max_bytes + MULTIPART_ROOM,
            proof_upload=settings.upload_max_bytes * settings.proof_max_files + MULTIPART_ROOM,
        )

    def for_request(self, path: str, signed: bool) -> int:
        if not signed:
            return self.anonymous
        if _CSV_IMPORT.match(path):
            return self.csv_import
        if _PROOF_UPLOAD.match(path):
            return self.proof_upload
        return self.json


class BodyLimit:
    """The ASGI middleware applying :class:`BodyCaps` to every HTTP request."""

    def __init__(self, app: ASGIApp, caps: BodyCaps) -> None:
        self.app = app
        self.caps = caps

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        signed = b"authorization" in headers or b"x-api-key" in headers  # a person or a key
        cap = self.caps.for_request(scope["path"], signed)
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > cap:
            await _too_large(send, cap, headers.get(b"accept-language"))
            return
        received = 0
        started = False  # the app's answer has begun (it may no longer be replaced)
        answered = False  # our 413 went out: whatever the app sends after it is dropped

        async def counted() -> Message:
            nonlocal received, answered
            if answered:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    if not started:
                        await _too_large(send, cap, headers.get(b"accept-language"))
                    answered = True
                    return {"type": "http.disconnect"}  # the app stops reading
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if not answered:
                started = True
                await send(message)

        await self.app(scope, counted, guarded)


async def _too_large(send: Send, cap: int, accept_language: bytes | None) -> None:
    """413 in the API's error shape, naming the body and the cap."""
    message = f"the request body is over {cap} bytes"
    await send_error(send, 413, "too_large", message, "body", accept_language, close=True)
