"""What the API takes and answers for rules, push subscriptions, messages and webhooks."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from fleet.validators import Id
from notifications.addresses import UnsafeTarget, parse
from notifications.vapid import b64url_decode

EventKind = Literal[
    "offer",
    "order_status",
    "overspeed",
    "driving_time_warning",
    "driving_time_violation",
    "not_transmitting",
    "geofence",
    "papers_expiring",
    "plan_accepted",
]
Channel = Literal["push", "email", "sms"]
WebhookType = Literal[
    "order.created",
    "order.status_changed",
    "order.delivered",
    "event.raised",
    "plan.accepted",
    "union.monthly_export",
]
StaffRole = Literal["admin", "dispatcher", "director", "driver", "accountant", "member"]


def _http_url(value: str) -> str:
    try:
        parse(value)
    except UnsafeTarget as exc:
        raise ValueError(str(exc)) from None
    return value


# --- Web Push ------------------------------------------------------------------------------


class VapidKey(BaseModel):
    public_key: str = Field(description="base64url uncompressed P-256 point: applicationServerKey")


class PushKeys(BaseModel):
    p256dh: str = Field(min_length=80, max_length=100)
    auth: str = Field(min_length=16, max_length=32)

    @field_validator("p256dh")
    @classmethod
    def _point(cls, value: str) -> str:
        try:
            raw = b64url_decode(value)
        except ValueError:
            raise ValueError("not base64url") from None
        if len(raw) != 65 or raw[0] != 4:
            raise ValueError("expected an uncompressed P-256 point (65 bytes, base64url)")
        return value

    @field_validator("auth")
    @classmethod
    def _secret(cls, value: str) -> str:
        try:
            raw = b64url_decode(value)
        except ValueError:
            raise ValueError("not base64url") from None
        if len(raw) != 16:
            raise ValueError("expected the 16-byte auth secret, base64url")
        return value


class PushSubscriptionIn(BaseModel):
    """The browser's ``PushSubscription.toJSON()``."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "endpoint": "https://fcm.googleapis.com/fcm/send/dpH5lCsTSSM:APA91bH…",
                    "keys": {
                        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u"
                        "-Ts1XbjhazAkj7I99e8QcYP7DkM",
                        "auth": "tBHItJI5svbpez7KI4CCXg",
                    },
                }
            ]
        }
    )

    endpoint: str = Field(max_length=2000)
    keys: PushKeys
    expirationTime: float | None = None  # the browser's own name for it

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        return _http_url(value)


class PushSubscriptionRead(BaseModel):
    id: int
    endpoint: str
    created_at: datetime


class PushUnsubscribe(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"endpoint": "https://fcm.googleapis.com/fcm/send/dpH5…"}]}
    )

    endpoint: str = Field(max_length=2000)


# --- rules ---------------------------------------------------------------------------------


class RuleIn(BaseModel):
    """Who gets an event kind, over which channel; quiet hours on the cooperative's clock."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"event_kind": "offer", "channel": "push", "audience": "subject"},
                {
                    "event_kind": "papers_expiring",
                    "channel": "email",
                    "audience": "role",
                    "role": "admin",
                    "quiet_from": "21:00",
                    "quiet_to": "07:00",
                },
            ]
        }
    )

    event_kind: EventKind
    channel: Channel
    audience: Literal["subject", "role", "user"]
    role: StaffRole | None = None
    user_id: Id | None = None
    language: Literal["vi", "en"] = "vi"
    quiet_from: time | None = None
    quiet_to: time | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _consistent(self) -> RuleIn:
        if (self.audience == "role") != (self.role is not None):
            raise ValueError("role: give a role exactly when the audience is 'role'")
        if (self.audience == "user") != (self.user_id is not None):
            raise ValueError("user_id: give a user exactly when the audience is 'user'")
        if (self.quiet_from is None) != (self.quiet_to is None):
            raise ValueError("quiet_to: quiet hours need both a start and an end")
        return self


class RulePatch(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"enabled": False}, {"quiet_from": "22:00", "quiet_to": "06:00"}]
        }
    )

    enabled: bool | None = None
    language: Literal["vi", "en"] | None = None
    quiet_from: time | None = None
    quiet_to: time | None = None


class RuleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_kind: str
    channel: str
    audience: str
    role: str | None
    user_id: int | None
    language: str
    quiet_from: time | None
    quiet_to: time | None
    enabled: bool
    created_at: datetime


class MessageRead(BaseModel):
    """One message's state: queued, sent, failed (to be retried), given_up or expired."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    event_kind: str
    channel: str
    recipient: str
    address: str | None
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


# --- webhooks ------------------------------------------------------------------------------


class WebhookIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://erp.example.vn/coopfleet/events",
                    "event_types": ["order.status_changed", "order.delivered"],
                    "description": "ERP của khách hàng",
                }
            ]
        }
    )

    url: str = Field(max_length=2000)
    event_types: list[WebhookType] = Field(min_length=1, max_length=10)
    description: str | None = Field(default=None, max_length=200)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _http_url(value)


class WebhookPatch(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"enabled": True}, {"event_types": ["event.raised"]}]}
    )

    url: str | None = Field(default=None, max_length=2000)
    event_types: list[WebhookType] | None = Field(default=None, min_length=1, max_length=10)
    description: str | None = Field(default=None, max_length=200)
    enabled: bool | None = None

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return value if value is None else _http_url(value)


class WebhookRead(BaseModel):
    """``disabled_reason`` says why a subscription stopped (failing too long, or by hand)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    event_types: list[str]
    description: str | None
    enabled: bool
    disabled_reason: str | None
    disabled_at: datetime | None
    failing_since: datetime | None
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="shown once: verify the X-Coopfleet-Signature header with it")


class DeliveryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_key: str
    event_type: str
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    last_status_code: int | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
