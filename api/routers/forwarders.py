"""Position forwarders: a cooperative's positions sent on to another system (admins)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import APIRouter, status

from api.deps import AdminTenant, SessionDep, SettingsDep
from api.schemas.integrations import ForwarderCreate, ForwarderRead, ForwarderUpdate
from core.egress import RESOLVE_TIMEOUT_S, check_target
from core.errors import InvalidInput
from fleet.validators import Id
from telematics import forward
from telematics.forward_targets import SCHEMES

router = APIRouter(prefix="/position-forwarders", tags=["integrations"])


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


async def _shown(session: SessionDep, row: forward.PositionForwarder) -> dict[str, Any]:
    shown = ForwarderRead.model_validate(row).model_dump()
    shown["url"] = _hide_password(row.url)
    shown["waiting"] = await forward.waiting_marks(session, row.id)
    return shown


async def _check(url: str, settings: SettingsDep) -> None:
    """SSRF rules (``core.egress``), resolved off the event loop; private targets only where
    the installation allows them, as for webhooks (``COOPFLEET_WEBHOOKS_ALLOW_PRIVATE``)."""
    allow = settings.webhooks_allow_private
    checking = asyncio.to_thread(check_target, url, SCHEMES, allow_private=allow)
    try:
        await asyncio.wait_for(checking, RESOLVE_TIMEOUT_S)
    except TimeoutError:
        raise InvalidInput(
            f"the URL's host did not resolve within {RESOLVE_TIMEOUT_S:g} s", field="url"
        ) from None


@router.get("", response_model=list[ForwarderRead], summary="List position forwarders")
async def list_forwarders(tenant: AdminTenant, session: SessionDep) -> list[dict[str, Any]]:
    """The cooperative's forwarders with their state (last send, failures, what waits)."""
    rows = await forward.list_forwarders(session, tenant)
    return [await _shown(session, row) for row in rows]


@router.post(
    "",
    response_model=ForwarderRead,
    status_code=status.HTTP_201_CREATED,
    summary="Create a position forwarder",
)
async def create_forwarder(
    data: ForwarderCreate, tenant: AdminTenant, session: SessionDep, settings: SettingsDep
) -> dict[str, Any]:
    """Forward every position stored from now on (``every_s`` 0) or one every ``every_s``
    seconds per vehicle, as JSON over HTTP(S) or QoS 1 MQTT messages (docs/integrations.md).
    A target resolving to a private or loopback address is refused (SSRF rules, as webhooks).
    """
    await _check(data.url, settings)
    row = await forward.create_forwarder(session, tenant, data.model_dump())
    await session.refresh(row)
    return await _shown(session, row)


@router.get("/{forwarder_id}", response_model=ForwarderRead, summary="Read a forwarder")
async def read_forwarder(
    forwarder_id: Id, tenant: AdminTenant, session: SessionDep
) -> dict[str, Any]:
    """One forwarder: its target (password hidden), pace, state and what waits to be sent."""
    return await _shown(session, await forward.get_forwarder(session, tenant, forwarder_id))


@router.patch("/{forwarder_id}", response_model=ForwarderRead, summary="Change a forwarder")
async def update_forwarder(
    forwarder_id: Id,
    data: ForwarderUpdate,
    tenant: AdminTenant,
    session: SessionDep,
    settings: SettingsDep,
) -> dict[str, Any]:
    """Change the target, the pace, or enable/disable it (enabling clears its failures)."""
    row = await forward.get_forwarder(session, tenant, forwarder_id)
    values = data.model_dump(exclude_unset=True)
    if "url" in values:
        await _check(values["url"], settings)
    row = await forward.update_forwarder(session, row, values)
    await session.refresh(row)
    return await _shown(session, row)


@router.delete(
    "/{forwarder_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a forwarder"
)
async def delete_forwarder(forwarder_id: Id, tenant: AdminTenant, session: SessionDep) -> None:
    """Stop forwarding for good; what waited to be sent is dropped."""
    row = await forward.get_forwarder(session, tenant, forwarder_id)
    await forward.delete_forwarder(session, row)
