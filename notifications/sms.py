"""SMS through one generic HTTP gateway adapter: the installation sets the URL, a JSON body
template with ``{to}`` and ``{text}`` and an optional header (Vietnamese SMS providers and
Zalo ZNS are HTTP APIs of this shape)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from core.config import Settings
from notifications.outcome import SENT, Outcome, transient


def _escaped(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)[1:-1]


def body(template: str, to: str, text: str) -> str:
    """The template with its placeholders filled in, JSON-escaped (a quote in a text cannot
    break the body)."""
    return template.replace("{to}", _escaped(to)).replace("{text}", _escaped(text))


def headers(settings: Settings) -> dict[str, str]:
    result = {"Content-Type": "application/json; charset=utf-8"}
    if settings.sms_auth_header and ":" in settings.sms_auth_header:
        name, value = settings.sms_auth_header.split(":", 1)
        result[name.strip()] = value.strip()
    return result


async def send(
    client: aiohttp.ClientSession, settings: Settings, to: str, payload: dict[str, Any]
) -> Outcome:
    if not settings.sms_url:
        return Outcome(False, "no SMS gateway configured (COOPFLEET_SMS_URL)", permanent=True)
    text = f"{payload['title']}: {payload['body']}"
    content = body(settings.sms_body_template, to, text).encode()
    try:
        async with client.post(
            settings.sms_url, data=content, headers=headers(settings), allow_redirects=False
        ) as answer:
            await answer.read()
            code = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Outcome(False, f"SMS gateway unreachable: {type(exc).__name__}: {exc}"[:500])
    if 200 <= code < 300:
        return SENT
    return Outcome(False, f"SMS gateway answered {code}", not transient(code), code)
