"""Shippers sign up with a phone number or an e-mail address and a verification code.

The code is kept as a keyed hash (HMAC with the installation's secret), valid 10 minutes, 5
attempts. Sending it is the caller's business: there is no notification channel for people who
are not users yet, so the API logs it in development (see docs/market.md). A verified shipper gets
a signed token of type ``shipper`` (30 days), which the office's routes refuse and vice versa.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta

import jwt
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import InvalidInput, NotAuthenticated, TooManyRequests
from fleet.validators import normalize_phone
from market.models import Shipper, SignupCode

CODE_VALIDITY = timedelta(minutes=10)
CODE_ATTEMPTS = 5
TOKEN_DAYS = 30
_ALGORITHM = "HS256"
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")


def normalize_contact(raw: str) -> str:
    """A Vietnamese phone number in national form, or an e-mail address in lower case."""
    text = raw.strip()
    if "@" in text:
        if not _EMAIL.fullmatch(text) or len(text) > 254:
            raise ValueError("expected an e-mail address or a phone number")
        return text.lower()
    return normalize_phone(text)


class CodeAsk(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"contact": "0912345678"}]}
    )

    contact: str = Field(min_length=3, max_length=254)

    @field_validator("contact")
    @classmethod
    def _normal(cls, value: str) -> str:
        return normalize_contact(value)


class CodeSent(BaseModel):
    contact: str
    expires_at: datetime


class Verify(CodeAsk):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"contact": "0912345678", "code": "123456", "name": "HTX Nông nghiệp Long Khánh"}
            ]
        },
    )

    code: str = Field(pattern=r"^\d{6}$")
    name: str = Field(min_length=1, max_length=200)
    company: str | None = Field(default=None, max_length=200)


class ShipperToken(BaseModel):
    shipper_id: int
    name: str
    access_token: str
    token_type: str = "bearer"


def _hash(code: str, contact: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"{contact}:{code}".encode(), hashlib.sha256).hexdigest()


async def issue_code(
    session: AsyncSession, contact: str, secret: str, now: datetime
) -> tuple[str, SignupCode]:
    """A fresh 6-digit code for the contact (earlier unused ones stop working)."""
    for old in await session.scalars(
        select(SignupCode).where(SignupCode.contact == contact, SignupCode.used_at.is_(None))
    ):
        old.used_at = now
    code = f"{secrets.randbelow(10**6):06d}"
    row = SignupCode(
        contact=contact, code_hash=_hash(code, contact, secret), expires_at=now + CODE_VALIDITY
    )
    session.add(row)
    await session.flush()
    return code, row


async def verify(session: AsyncSession, body: Verify, secret: str, now: datetime) -> Shipper:
    """The shipper for a right code (created at the first sign-up; the name is kept); a wrong,
    used or expired code is 400 naming ``code``, past the attempts 429."""
    row = await session.scalar(
        select(SignupCode)
        .where(SignupCode.contact == body.contact, SignupCode.used_at.is_(None))
        .order_by(SignupCode.id.desc())
        .limit(1)
        .with_for_update()
    )
    if row is None or row.expires_at <= now:
        raise InvalidInput("no valid code for this contact: ask for a new one", field="code")
    if row.attempts >= CODE_ATTEMPTS:
        raise TooManyRequests("too many wrong codes: ask for a new one", field="code")
    if not hmac.compare_digest(row.code_hash, _hash(body.code, body.contact, secret)):
        row.attempts += 1
        await session.flush()
        raise InvalidInput("wrong code", field="code", attempts_left=CODE_ATTEMPTS - row.attempts)
    row.used_at = now
    shipper = await session.scalar(select(Shipper).where(Shipper.contact == body.contact))
    if shipper is None:
        shipper = Shipper(contact=body.contact, name=body.name, company=body.company)
        session.add(shipper)
    await session.flush()
    return shipper


def token_for(shipper: Shipper, secret: str, now: datetime) -> str:
    claims = {
        "sub": str(shipper.id),
        "typ": "shipper",
        "iat": now,
        "exp": now + timedelta(days=TOKEN_DAYS),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def shipper_of(token: str, secret: str) -> int:
    """The shipper id a token was signed for, or 401."""
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM])
    except jwt.PyJWTError as exc:
        raise NotAuthenticated("shipper token is invalid or expired") from exc
    if claims.get("typ") != "shipper":
        raise NotAuthenticated("not a shipper token")
    return int(claims["sub"])
