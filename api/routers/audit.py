"""The audit log, read by the cooperative's admins (and admin keys with ``audit:read``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import AdminTenant, PageDep, SessionDep
from api.schemas.integrations import AuditPage
from core import audit
from core.errors import InvalidInput
from fleet.validators import Id

router = APIRouter(tags=["integrations"])
Entity = Annotated[
    str | None, Query(max_length=40, pattern=r"^[a-z_]+$", description="a table, e.g. vehicles")
]


@router.get("/audit", response_model=AuditPage, summary="Read the audit log")
async def read_audit(
    tenant: AdminTenant,
    session: SessionDep,
    page: PageDep,
    entity: Entity = None,
    entity_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    actor_user_id: Annotated[Id | None, Query()] = None,
    actor_api_key_id: Annotated[Id | None, Query()] = None,
    start: Annotated[datetime | None, Query(description="from (inclusive), ISO 8601")] = None,
    end: Annotated[datetime | None, Query(description="until (exclusive), ISO 8601")] = None,
) -> dict[str, Any]:
    """Who changed what and when: one row per changed record, with the changed fields before
    and after; newest first (``sort=at`` for oldest first)."""
    for name, value in (("start", start), ("end", end)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone (e.g. Z or +07:00)", field=name)
    filters = audit.AuditFilter(entity, entity_id, actor_user_id, actor_api_key_id, start, end)
    result = await audit.list_entries(session, tenant, filters, page)
    return result.as_page()
