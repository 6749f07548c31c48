"""Devices the gateway heard (provisioning mistakes made visible) and the cooperative's Traccar
forwarding token (``docs/gateway.md``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import AdminTenant, PrincipalDep, SessionDep, SettingsDep
from api.schemas.gateway import (
    DeviceHeardRead,
    DevicesHeardRead,
    SilentVehicleRead,
    TraccarForwardingRead,
)
from core.errors import Forbidden
from fleet.enums import Role
from telematics.gateway import listing
from telematics.gateway.forwarding import traccar_token

router = APIRouter(tags=["tracking"])


@router.get(
    "/gateway/devices",
    response_model=DevicesHeardRead,
    summary="Devices the gateway heard (admins; unknown ones: platform admins)",
)
async def devices_heard(
    principal: PrincipalDep,
    session: SessionDep,
    minutes: Annotated[int, Query(ge=1, le=10_080, description="heard in the last N minutes")] = 60,
    limit: Annotated[int, Query(ge=1, le=5_000)] = 1_000,
) -> DevicesHeardRead:
    """Each (protocol, identifier) heard in the last ``minutes``, newest first: its vehicle (or
    none: the identifier is on no vehicle and was refused), remote address, counts and the last
    refusal. An admin sees their cooperative's devices and, in ``silent``, their vehicles whose
    tracking device id was not heard; a platform admin sees every device, unknown ones too."""
    since = datetime.now(UTC) - timedelta(minutes=minutes)
    if principal.role is Role.PLATFORM_ADMIN:
        devices, total = await listing.devices_heard(session, None, since, limit)
        return DevicesHeardRead(
            since=since,
            total=total,
            items=[DeviceHeardRead.model_validate(d) for d in devices],
            silent=[],
        )
    tenant = principal.tenant
    if principal.role is not Role.ADMIN or tenant is None:
        raise Forbidden("this needs the admin or platform_admin role")
    devices, total = await listing.devices_heard(session, tenant, since, limit)
    silent = await listing.silent_vehicles(session, tenant, since, limit)
    return DevicesHeardRead(
        since=since,
        total=total,
        items=[DeviceHeardRead.model_validate(d) for d in devices],
        silent=[SilentVehicleRead.model_validate(v) for v in silent],
    )


@router.get(
    "/gateway/traccar-forwarding",
    response_model=TraccarForwardingRead,
    summary="The cooperative's Traccar forwarding token (admin)",
)
async def traccar_forwarding(tenant: AdminTenant, settings: SettingsDep) -> TraccarForwardingRead:
    """The header a Traccar server of this cooperative sends with each forwarded position
    (``forward.header`` in its ``traccar.xml``); the gateway takes from it only this
    cooperative's devices. Derived from the installation secret: nothing stored."""
    token = traccar_token(settings.secret_key, tenant.cooperative_id)
    return TraccarForwardingRead(
        path="/traccar", header=f"Authorization: Bearer {token}", token=token
    )
