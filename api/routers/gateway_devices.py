"""Devices the gateway heard: provisioning mistakes made visible (``docs/gateway.md``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import PrincipalDep, SessionDep
from api.schemas.gateway import DeviceHeardRead, DevicesHeardRead, SilentVehicleRead
from core.errors import Forbidden
from fleet.enums import Role
from telematics.gateway import listing

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
