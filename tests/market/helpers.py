"""Market fixtures: service areas and tariffs for a cooperative, as its office would set them."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from core.tenancy import Tenant
from fleet.models import Zone
from market import tariffs
from market.models import Tariff
from market.tariffs import TariffIn

LONG_KHANH = (107.2420, 10.9310)
CAT_LAI = (106.7906, 10.7617)
DONG_NAI_HCMC = "SRID=4326;MULTIPOLYGON(((106.5 10.5,107.5 10.5,107.5 11.2,106.5 11.2,106.5 10.5)))"
BIEN_HOA_ONLY = (
    "SRID=4326;MULTIPOLYGON(((106.8 10.9,106.95 10.9,106.95 11.0,106.8 11.0,106.8 10.9)))"
)


async def serve(session: AsyncSession, coop_id: int, area: str = DONG_NAI_HCMC) -> None:
    session.add(Zone(cooperative_id=coop_id, name="Vùng phục vụ", kind="service_area", area=area))
    await session.flush()


async def tariff(session: AsyncSession, tenant: Tenant, **fields: object) -> Tariff:
    values: dict[str, object] = {
        "vehicle_kind": "truck",
        "capacity_kg": 5000,
        "base_vnd": 300_000,
        "per_km_vnd": 18_000,
        "per_hour_vnd": 80_000,
        "minimum_vnd": 800_000,
        "night_pct": 20,
        "holiday_pct": 30,
        "valid_from": date(2026, 1, 1),
        **fields,
    }
    return await tariffs.add_version(session, tenant, TariffIn.model_validate(values))
