"""What the driver's job routes and the dispatcher's proof routes answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class ProofFileRead(BaseModel):
    id: int
    kind: str  # photo or signature
    content_type: str
    size: int
    url: str  # GET it with an office role's token


class ProofRead(BaseModel):
    """The files one proof request stored."""

    order_id: int
    files: list[ProofFileRead]


class OrderProofRead(ProofRead):
    """An order's whole proof of delivery, for the dispatcher."""

    recipient_name: str | None
    note: str | None


class DriverCredentialsRead(BaseModel):
    """A driver's login and one-time password (shown once; changed at the next sign-in)."""

    login: str
    temporary_password: str


class MessageRead(BaseModel):
    """A message to the driver's phone (an offer, a job change…), as polled or pushed."""

    id: int
    kind: str
    payload: dict[str, Any]
    created_at: datetime
