"""API keys for machine clients, managed by the cooperative's admins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import AdminTenant, SessionDep, SettingsDep
from api.schemas.integrations import ApiKeyCreate, ApiKeyCreated, ApiKeyRead, ScopeRead
from fleet import api_keys
from fleet.enums import Role
from fleet.validators import Id

router = APIRouter(prefix="/api-keys", tags=["integrations"])


@router.get("/scopes", response_model=list[ScopeRead], summary="Scopes a key may have")
async def list_scopes(_: AdminTenant) -> list[dict[str, str]]:
    """Every scope and what it grants (within the key's role)."""
    return [{"scope": scope, "grants": grants} for scope, grants in api_keys.SCOPES.items()]


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key",
)
async def create_key(
    data: ApiKeyCreate, tenant: AdminTenant, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """A key with a role and scopes; the answer shows the key once (only its hash is kept).
    Send it as ``X-API-Key: <key>`` or ``Authorization: Bearer <key>``."""
    issued = await api_keys.create_key(
        session, tenant, name=data.name, role=Role(data.role), scopes=data.scopes, settings=settings
    )
    shown = ApiKeyRead.model_validate(issued.row).model_dump()
    return {**shown, "key": issued.key}


@router.get("", response_model=list[ApiKeyRead], summary="List API keys")
async def list_keys(tenant: AdminTenant, session: SessionDep) -> list[api_keys.ApiKey]:
    """The cooperative's keys, revoked ones included (never the keys themselves)."""
    return await api_keys.list_keys(session, tenant)


@router.post("/{key_id}/revoke", response_model=ApiKeyRead, summary="Revoke an API key")
async def revoke_key(key_id: Id, tenant: AdminTenant, session: SessionDep) -> api_keys.ApiKey:
    """The key stops working at once; 409 when it already was revoked."""
    return await api_keys.revoke_key(session, tenant, key_id)
