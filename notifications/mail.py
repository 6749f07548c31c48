"""E-mail over the installation's SMTP settings (the ones the monthly reports use)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from typing import Any

from core.config import Settings
from notifications.outcome import SENT, Outcome


def _deliver(settings: Settings, to: str, payload: dict[str, Any]) -> None:
    message = EmailMessage()
    message["Subject"] = str(payload["title"])
    message["From"] = settings.smtp_from
    message["To"] = to
    link = f"\n\n{payload['url']}" if payload.get("url") else ""
    message.set_content(f"{payload['body']}{link}\n\ncoopfleet")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)


async def send(settings: Settings, to: str, payload: dict[str, Any]) -> Outcome:
    """smtplib blocks: it runs in a thread, off the process's event loop."""
    try:
        await asyncio.to_thread(_deliver, settings, to, payload)
    except smtplib.SMTPRecipientsRefused as exc:
        return Outcome(False, f"recipient refused: {exc}", permanent=True)
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome(False, f"SMTP failed: {type(exc).__name__}: {exc}")
    return SENT
