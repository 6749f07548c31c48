"""The notification and webhook tables: rules, push subscriptions, the outbox of events, each
message and each webhook delivery as a row with its state (migration 0016)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base

CHANNELS = ("push", "email", "sms")
AUDIENCES = ("subject", "role", "user")
MESSAGE_STATES = ("queued", "sent", "failed", "given_up", "expired")
DELIVERY_STATES = ("pending", "delivered", "failed")


class NotificationRule(Base):
    """Which event kind goes to whom over which channel, with quiet hours in the cooperative's
    zone (messages due inside them wait for their end)."""

    __tablename__ = "notification_rules"
    __table_args__ = (
        CheckConstraint("channel IN ('push', 'email', 'sms')", name="channel"),
        CheckConstraint("audience IN ('subject', 'role', 'user')", name="audience"),
        CheckConstraint("(audience = 'role') = (role IS NOT NULL)", name="role_audience"),
        CheckConstraint("(audience = 'user') = (user_id IS NOT NULL)", name="user_audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    event_kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(8))
    audience: Mapped[str] = mapped_column(String(8))
    role: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(2), server_default="vi")
    quiet_from: Mapped[time | None]
    quiet_to: Mapped[time | None]
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class PushSubscription(Base):
    """A browser's Web Push subscription for a signed-in user (driver or office staff)."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class OutboxEvent(Base):
    """Something happened (written by triggers in the same transaction as the change): the
    notify process fans it out and deletes it, so a rolled-back change sends nothing and a
    crash loses nothing."""

    __tablename__ = "notification_outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.clock_timestamp())


class NotificationMessage(Base):
    """One message to one person over one channel, from queued to sent (or given up)."""

    __tablename__ = "notification_messages"
    __table_args__ = (
        Index(
            "ix_notification_messages_due",
            "next_attempt_at",
            postgresql_where="status IN ('queued', 'failed')",
        ),
        Index("ix_notification_messages_cooperative_id_id", "cooperative_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification_rules.id", ondelete="SET NULL")
    )
    event_kind: Mapped[str] = mapped_column(String(40))
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(40))  # user:5, member:3, customer:order:9
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[str | None] = mapped_column(String(254))  # e-mail or phone; push: none
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), server_default="queued")
    attempts: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]


class WebhookSubscription(Base):
    """A receiver of signed JSON events; disabled (with the reason) after failing too long."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(64))
    event_types: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    description: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, server_default="true")
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None]
    failing_since: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class WebhookDelivery(Base):
    """One event for one subscription; sent in id order per subscription, retried until it
    is delivered (at least once)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_key"),
        Index(
            "ix_webhook_deliveries_pending",
            "subscription_id",
            "id",
            postgresql_where="status <> 'delivered'",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperatives.id", ondelete="CASCADE"))
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE")
    )
    event_key: Mapped[str] = mapped_column(String(200))
    event_type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(Text)
    last_status_code: Mapped[int | None] = mapped_column(SmallInteger)
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
