"""Security headers on every answer: pages, downloads and the JSON API.

A pure ASGI middleware adding, unless the route set its own:

- ``Content-Security-Policy``: for the console's HTML, scripts, styles and connections from the
  API's own origin only (the pages carry no inline script or style; their ``application/json``
  data blocks are not scripts), images also from the configured map tile server; for anything
  else (JSON, CSV, proof images…) nothing may load or run at all (``default-src 'none'``,
  ``sandbox``), so a file opened in the browser can never act as a page of ours;
- ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``: no page can be framed (clickjacking);
- ``X-Content-Type-Options: nosniff``: a file is only ever what its content type says;
- ``Referrer-Policy: strict-origin``: addresses never leave in full; tile servers (OpenStreetMap's
  policy asks for a referrer) still learn which site asks, over HTTPS only.

The OpenAPI pages (``/api/v1/docs`` and its OAuth2 redirect page) load Swagger UI from its CDN
with inline start scripts, so they get a policy of their own that allows exactly that.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOCKED = "default-src 'none'; frame-ancestors 'none'; sandbox"
SWAGGER_CDN = "https://cdn.jsdelivr.net"
DOCS = (
    f"default-src 'none'; script-src {SWAGGER_CDN} 'unsafe-inline'; style-src {SWAGGER_CDN}; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a tile URL template: ``https://{s}.tile.example/{z}/{x}/{y}.png``
    gives ``https://*.tile.example``; None when no tile server is set (or it is unusable)."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{", "%7B").replace("}", "%7D"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    labels = parts.netloc.split(".")
    host = ".".join("*" if "%7B" in label else label for label in labels)
    if "*" in host.partition(".")[2] or "%7D" in host:  # a placeholder past the first label
        return None
    return f"{parts.scheme}://{host}"


def console_policy(tile_url: str) -> str:
    """The console's policy: everything from our origin, map tiles from the tile server."""
    tiles = tile_source(tile_url)
    images = "'self' data:" + (f" {tiles}" if tiles else "")
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """The ASGI middleware; ``docs_path`` is the OpenAPI page's path (and its pages' prefix)."""

    def __init__(self, app: ASGIApp, *, tile_url: str, docs_path: str) -> None:
        self.app = app
        self.console = console_policy(tile_url).encode()
        self.docs_path = docs_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                for name, value in self._headers(scope["path"], dict(headers)):
                    if name not in names:
                        headers.append((name, value))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)

    def _headers(self, path: str, headers: dict[bytes, bytes]) -> list[tuple[bytes, bytes]]:
        if path == self.docs_path or path.startswith(f"{self.docs_path}/"):
            policy = DOCS.encode()
        elif headers.get(b"content-type", b"").startswith(b"text/html"):
            policy = self.console
        else:
            policy = LOCKED.encode()
        return [
            (b"content-security-policy", policy),
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin"),
        ]
