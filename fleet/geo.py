"""GeoJSON at the edges, PostGIS geometry inside. Shapely is used only here."""

from __future__ import annotations

from typing import Any, Literal

from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from pydantic import BaseModel, ValidationError, model_validator
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from core.config import Settings, get_settings

SRID = 4326
_RING_DEPTH = {"Polygon": 1, "MultiPolygon": 2}  # list levels above the rings


def _check_lon_lat(lon: float, lat: float) -> None:
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise ValueError(f"coordinates [{lon}, {lat}] are outside [-180..180, -90..90] (lon, lat)")


def _from_database(value: Any) -> Any:
    """Accept a PostGIS value read from the ORM and turn it into a GeoJSON mapping."""
    if isinstance(value, WKBElement):
        return mapping(to_shape(value))
    return value


def lon_lat(geometry: WKBElement) -> tuple[float, float]:
    """A stored PostGIS point as (longitude, latitude)."""
    point = to_shape(geometry)
    return (point.x, point.y)


class GeoJSONPoint(BaseModel):
    """A GeoJSON Point, ``coordinates`` as [longitude, latitude] in WGS 84."""

    type: Literal["Point"]
    coordinates: tuple[float, float]

    @model_validator(mode="before")
    @classmethod
    def _from_wkb(cls, value: Any) -> Any:
        return _from_database(value)

    @model_validator(mode="after")
    def _in_range(self) -> GeoJSONPoint:
        _check_lon_lat(*self.coordinates)
        return self

    def to_db(self) -> WKBElement:
        return from_shape(shape(self.model_dump()), srid=SRID)


def zone_max_vertices() -> int:
    """COOPFLEET_ZONE_MAX_VERTICES from the process's settings; the default where the process
    has no valid settings of its own (tests and tools that pass theirs explicitly)."""
    try:
        return get_settings().zone_max_vertices
    except ValidationError:
        default: int = Settings.model_fields["zone_max_vertices"].default
        return default


def _vertex_count(coordinates: Any, depth: int) -> int:
    """Positions in the rings below ``depth`` list levels, counted before shapely builds anything
    (a huge polygon costs memory and CPU to build and to check). Malformed nesting counts what
    it can; shapely then refuses it."""
    if not isinstance(coordinates, list):
        return 0
    if depth == 0:  # a ring: its positions
        return len(coordinates)
    return sum(_vertex_count(item, depth - 1) for item in coordinates)


class GeoJSONArea(BaseModel):
    """A GeoJSON Polygon or MultiPolygon; stored as a valid MultiPolygon."""

    type: Literal["Polygon", "MultiPolygon"]
    coordinates: list[Any]

    @model_validator(mode="before")
    @classmethod
    def _from_wkb(cls, value: Any) -> Any:
        return _from_database(value)

    @model_validator(mode="after")
    def _valid_area(self) -> GeoJSONArea:
        limit = zone_max_vertices()
        if _vertex_count(self.coordinates, _RING_DEPTH[self.type]) > limit:
            raise ValueError(f"a zone has at most {limit} vertices (COOPFLEET_ZONE_MAX_VERTICES)")
        try:
            geometry = shape(self.model_dump())
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            raise ValueError(f"not a valid GeoJSON {self.type}") from exc
        if geometry.is_empty or not geometry.is_valid:
            raise ValueError(f"the {self.type} is empty or self-intersecting")
        minx, miny, maxx, maxy = geometry.bounds
        _check_lon_lat(minx, miny)
        _check_lon_lat(maxx, maxy)
        return self

    def to_db(self) -> WKBElement:
        geometry: BaseGeometry = shape(self.model_dump())
        if isinstance(geometry, Polygon):
            geometry = MultiPolygon([geometry])
        return from_shape(geometry, srid=SRID)
