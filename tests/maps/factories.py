"""Factories for the map: a place near a point, and GeoJSON files to upload."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

# a test county's centre (WGS-84), away from the demo county's
CENTRE = (30.500000, 110.500000)


def near(d_lat: float = 0.0, d_lng: float = 0.0) -> dict[str, Decimal]:
    return {
        "latitude": Decimal(f"{CENTRE[0] + d_lat:.6f}"),
        "longitude": Decimal(f"{CENTRE[1] + d_lng:.6f}"),
    }


def bbox(half: float = 0.5) -> str:
    """The view around the centre, as the map sends it."""
    return f"{CENTRE[1] - half},{CENTRE[0] - half},{CENTRE[1] + half},{CENTRE[0] + half}"


def square(west: float, south: float, size: float = 0.1) -> list[list[float]]:
    return [[west, south], [west + size, south], [west + size, south + size], [west, south + size], [west, south]]


def geojson(*geometries: dict[str, Any], names: list[str] | None = None) -> bytes:
    features = [
        {"type": "Feature", "properties": {"name": (names or [])[i] if names else f"镇{i}", "code": i}, "geometry": g}
        for i, g in enumerate(geometries)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def polygon(west: float = CENTRE[1], south: float = CENTRE[0]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [square(west, south)]}


def map_ids(db: Any, unit: Any, project: Any) -> dict[str, Any]:
    """Ids for the sweeps (route matrix, form errors): the project placed on the map at the centre, a park
    placed beside it, and a boundary layer."""
    from app.models.geo import MapLayer
    from app.services import maps
    from tests.land.factories import make_park

    project.latitude, project.longitude = near()["latitude"], near()["longitude"]
    park = make_park(db, **near(0.01, 0.01))
    text, count = maps.parse_layer(geojson(polygon()))
    layer = MapLayer(name=f"县界{park.id}", geojson=text, features=count, size=len(text), sort_order=0)
    db.add(layer)
    db.flush()
    return {"point_kind": "project", "point_id": project.id, "park_id": park.id, "layer_id": layer.id}
