"""One JSON shape for every error: ``{"error", "message", "field", "errors"}``.

``message`` follows the caller's Accept-Language (Vietnamese or English); with Vietnamese the
precise English text stays in ``detail``.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.i18n import vietnamese, wants_vietnamese
from core.errors import DomainError
from core.integrity import domain_error_from, is_known_database_error

log = logging.getLogger(__name__)

_SOURCES = {"body", "query", "path", "header", "cookie"}


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(part) for part in loc]
    if parts and parts[0] in _SOURCES:
        parts = parts[1:]
    return ".".join(parts) or "body"


def respond(
    request: Request,
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The error JSON, its ``message`` in Vietnamese when the caller prefers it."""
    body: dict[str, Any] = {"error": code, "message": message, "field": field}
    if wants_vietnamese(request.headers.get("accept-language")):
        body["message"] = vietnamese(code, field)
        body["detail"] = message
    if errors is not None:
        body["errors"] = errors
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, headers=headers)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = {}
    retry_after = exc.details.get("retry_after")
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if exc.status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    details = {k: v for k, v in exc.details.items() if k != "retry_after"}
    return respond(
        request, exc.status, exc.code, exc.message, exc.field, details=details, headers=headers
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {
            "field": _field(err.get("loc", ())),
            "message": err.get("msg", ""),
            "type": err.get("type"),
        }
        for err in exc.errors()
    ]
    field = errors[0]["field"] if errors else None
    message = f"{field}: {errors[0]['message']}" if errors else "invalid request"
    return respond(request, 422, "validation_error", message, field, errors=errors)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 401: "not_authenticated"}.get(
        exc.status_code, "http_error"
    )
    return respond(
        request,
        exc.status_code,
        code,
        str(exc.detail),
        headers=dict(exc.headers) if exc.headers else None,
    )


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A data or constraint violation no service turned into a DomainError: still the input's
    fault (422/409 naming the column where PostgreSQL says which), never the database's text.
    Anything else from the database is a real server error and goes on to the 500 handler."""
    assert isinstance(exc, DBAPIError)
    if not is_known_database_error(exc):
        raise exc
    log.warning("database error at the edge of %s %s: %s", request.method, request.url.path, exc)
    return await _domain_error(request, domain_error_from(exc, what="record"))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
