"""CRUD endpoints of the registry, built from one pattern for every entity.

This module deliberately does not use ``from __future__ import annotations``: FastAPI reads the
schema classes passed to ``crud_router`` from the handlers' annotations at runtime.
"""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel

from api.deps import EDITORS, OFFICE, PageDep, SessionDep, require
from core.errors import NotFound
from core.tenancy import Tenant
from fleet import registry
from fleet.entities import DEPOTS, DRIVERS, MEMBERS, VEHICLES, ZONES
from fleet.enums import (
    LicenceClass,
    PersonStatus,
    Role,
    VehicleKind,
    VehicleStatus,
    ZoneKind,
)
from fleet.registry import Entity
from fleet.schemas import (
    DepotCreate,
    DepotRead,
    DepotUpdate,
    DriverCreate,
    DriverRead,
    DriverUpdate,
    FeatureCollection,
    GeoFeature,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    Page,
    VehicleCreate,
    VehicleRead,
    VehicleUpdate,
    ZoneCreate,
    ZoneRead,
    ZoneUpdate,
)
from fleet.validators import Id

Visible = Callable[[Tenant, Any], bool]
SearchQuery = Annotated[
    str | None, Query(min_length=1, max_length=100, description="text search (accents optional)")
]


def _everyone(tenant: Tenant, row: Any) -> bool:
    return True


def crud_router(
    entity: Entity[Any],
    *,
    path: str,
    tag: str,
    create: type[BaseModel],
    update: type[BaseModel],
    read: type[BaseModel],
    filters: Callable[..., dict[str, Any]],
    reader_roles: tuple[Role, ...] = OFFICE,
    visible: Visible = _everyone,
) -> APIRouter:
    """List (paginated, filtered, searchable), get, create, patch and delete for one entity."""
    router = APIRouter(prefix=path, tags=[tag])
    office_reader = Annotated[Tenant, Depends(require(*OFFICE))]
    single_reader = Annotated[Tenant, Depends(require(*reader_roles))]
    editor = Annotated[Tenant, Depends(require(*EDITORS))]
    admin = Annotated[Tenant, Depends(require(Role.ADMIN))]
    name = entity.name

    @router.get("", response_model=Page[read], summary=f"List {name}s")  # type: ignore[valid-type]
    async def list_rows(
        tenant: office_reader,
        session: SessionDep,
        page: PageDep,
        found_by: Annotated[dict[str, Any], Depends(filters)],
        q: SearchQuery = None,
    ) -> dict[str, Any]:
        """One page of the cooperative's rows, with the total count."""
        result = await registry.list_rows(session, entity, tenant, page, filters=found_by, q=q)
        return result.as_page()

    @router.get("/{ident}", response_model=read, summary=f"Get one {name}")
    async def get_row(ident: Id, tenant: single_reader, session: SessionDep) -> Any:
        """One row of the caller's cooperative; another cooperative's id is a 404."""
        row = await registry.get_row(session, entity, tenant, ident)
        if not visible(tenant, row):
            raise NotFound(f"{name} {ident} not found", field="id")
        return row

    @router.post(
        "", response_model=read, status_code=status.HTTP_201_CREATED, summary=f"Create a {name}"
    )
    async def create_row(data: create, tenant: editor, session: SessionDep) -> Any:  # type: ignore[valid-type]
        """Create a row; a duplicate unique field answers 409 naming the field."""
        return await registry.create_row(session, entity, tenant, data)

    @router.patch("/{ident}", response_model=read, summary=f"Change a {name}")
    async def update_row(
        ident: Id,
        data: update,  # type: ignore[valid-type]
        tenant: editor,
        session: SessionDep,
    ) -> Any:
        """Change the fields given; the others keep their values."""
        return await registry.update_row(session, entity, tenant, ident, data)

    @router.delete("/{ident}", status_code=status.HTTP_204_NO_CONTENT, summary=f"Delete a {name}")
    async def delete_row(ident: Id, tenant: admin, session: SessionDep) -> Response:
        """Delete a row that nothing references any more (else 409)."""
        await registry.delete_row(session, entity, tenant, ident)
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    return router


def member_filters(status: PersonStatus | None = None) -> dict[str, Any]:
    return {"status": status}


def driver_filters(
    status: PersonStatus | None = None,
    member_id: Id | None = None,
    licence_class: LicenceClass | None = None,
) -> dict[str, Any]:
    return {"status": status, "member_id": member_id, "licence_class": licence_class}


def vehicle_filters(
    status: VehicleStatus | None = None,
    kind: VehicleKind | None = None,
    owner_member_id: Id | None = None,
) -> dict[str, Any]:
    return {"status": status, "kind": kind, "owner_member_id": owner_member_id}


def _no_filters() -> dict[str, Any]:
    return {}


def _zone_filters(kind: ZoneKind | None = None) -> dict[str, Any]:
    return {"kind": kind}


def _own_driver_record(tenant: Tenant, row: Any) -> bool:
    """A driver may read their own driver record and no other."""
    return tenant.role != Role.DRIVER or row.id == tenant.driver_id


members = crud_router(
    MEMBERS,
    path="/members",
    tag="members",
    create=MemberCreate,
    update=MemberUpdate,
    read=MemberRead,
    filters=member_filters,
)
drivers = crud_router(
    DRIVERS,
    path="/drivers",
    tag="drivers",
    create=DriverCreate,
    update=DriverUpdate,
    read=DriverRead,
    filters=driver_filters,
    reader_roles=(*OFFICE, Role.DRIVER),
    visible=_own_driver_record,
)
vehicles = crud_router(
    VEHICLES,
    path="/vehicles",
    tag="vehicles",
    create=VehicleCreate,
    update=VehicleUpdate,
    read=VehicleRead,
    filters=vehicle_filters,
)
depots = crud_router(
    DEPOTS,
    path="/depots",
    tag="places",
    create=DepotCreate,
    update=DepotUpdate,
    read=DepotRead,
    filters=_no_filters,
)
zones = crud_router(
    ZONES,
    path="/zones",
    tag="places",
    create=ZoneCreate,
    update=ZoneUpdate,
    read=ZoneRead,
    filters=_zone_filters,
)

geojson = APIRouter(tags=["places"])


def _feature_collection(rows: Any, geometry: str, reader: type[BaseModel]) -> FeatureCollection:
    features = []
    for row in rows:
        data = reader.model_validate(row).model_dump(mode="json")
        shape = data.pop(geometry)
        features.append(GeoFeature(id=data["id"], geometry=shape, properties=data))
    return FeatureCollection(features=features)


@geojson.get(
    "/depots.geojson",
    response_model=FeatureCollection,
    summary="All depots as a GeoJSON FeatureCollection",
)
async def depots_geojson(
    tenant: Annotated[Tenant, Depends(require(*OFFICE))], session: SessionDep
) -> FeatureCollection:
    """Every depot of the cooperative, for a map layer."""
    statement = registry.list_statement(DEPOTS, tenant, filters={}, q=None)
    rows = (await session.scalars(statement.limit(10_000))).all()
    return _feature_collection(rows, "location", DepotRead)


@geojson.get(
    "/zones.geojson",
    response_model=FeatureCollection,
    summary="All zones as a GeoJSON FeatureCollection",
)
async def zones_geojson(
    tenant: Annotated[Tenant, Depends(require(*OFFICE))],
    session: SessionDep,
    kind: ZoneKind | None = None,
) -> FeatureCollection:
    """Every zone of the cooperative (optionally of one kind), for a map layer."""
    statement = registry.list_statement(ZONES, tenant, filters={"kind": kind}, q=None)
    rows = (await session.scalars(statement.limit(10_000))).all()
    return _feature_collection(rows, "area", ZoneRead)
