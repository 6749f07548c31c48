"""GeoJSON at the edges, PostGIS geometry inside. Shapely is used only here."""

from __future__ import annotations

from typing import Any, Literal

from geoalchemy2.elements import WKBElement
from geoalchemy2.shape import from_shape, to_shape
from pydantic import BaseModel, model_validator
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

SRID = 4326


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
        try:
            geometry = shape(self.model_dump())
        except (ValueError, TypeError, IndexError, AttributeError) as exc:
            raise ValueError(f"not a valid GeoJSON {self.type}: {exc}") from exc
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
