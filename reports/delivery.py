"""Monthly reports by e-mail: who asked for them, and sending them over SMTP."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.config import Settings
from core.db import Base
from core.tenancy import Tenant
from fleet.cooperatives import local_today
from fleet.models import Cooperative
from reports import compliance, pdf, utilization
from reports.period import Period


class ReportSubscription(Base):
    """A director's standing request for the monthly report at an e-mail address."""

    __tablename__ = "report_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(
        ForeignKey("cooperatives.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


async def monthly_pdf(session: AsyncSession, tenant: Tenant, month: str) -> bytes:
    period = Period.month(month)
    usage = await utilization.utilization(session, tenant, period, "vehicle")
    checks = await compliance.report(session, tenant, period, await local_today(session, tenant))
    cooperative = await session.get(Cooperative, tenant.cooperative_id)
    title = cooperative.name if cooperative is not None else ""
    return pdf.monthly(title, month, usage, checks)


def send(settings: Settings, to: str, month: str, document: bytes) -> None:
    message = EmailMessage()
    message["Subject"] = f"Báo cáo hoạt động tháng {month[5:]}/{month[:4]} — coopfleet"
    message["From"] = settings.smtp_from
    message["To"] = to
    message.set_content(
        f"Kính gửi Ban giám đốc,\n\nĐính kèm báo cáo hoạt động tháng {month[5:]}/{month[:4]}."
        "\n\ncoopfleet"
    )
    message.add_attachment(
        document, maintype="application", subtype="pdf", filename=f"bao-cao-{month}.pdf"
    )
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username:
            smtp.login(settings.smtp_username, settings.smtp_password or "")
        smtp.send_message(message)


async def deliver_all(
    session: AsyncSession, settings: Settings, month: str
) -> list[dict[str, Any]]:
    """One PDF per cooperative, sent to each of its subscribers; returns what was sent."""
    rows = list((await session.execute(select(ReportSubscription))).scalars())
    documents: dict[int, bytes] = {}
    sent = []
    for row in rows:
        if row.cooperative_id not in documents:
            tenant = Tenant(row.cooperative_id, row.user_id, "director")
            documents[row.cooperative_id] = await monthly_pdf(session, tenant, month)
        send(settings, row.email, month, documents[row.cooperative_id])
        sent.append({"cooperative_id": row.cooperative_id, "email": row.email})
    return sent
