"""GeoJSON answers: features whose properties are a route's own read model."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

Properties = TypeVar("Properties", bound=BaseModel)


class Geometry(BaseModel):
    """A GeoJSON geometry as PostGIS writes it (Point or LineString, [lon, lat])."""

    type: str
    coordinates: list[Any]


class Feature(BaseModel, Generic[Properties]):
    type: Literal["Feature"] = "Feature"
    id: int | None = None  # the vehicle, where a feature is one
    geometry: Geometry | None
    properties: Properties


class FeatureCollection(BaseModel, Generic[Properties]):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature[Properties]]
