"""Demo map (招商地图, issue 21 item 3): the demo county (青山县, placed in central Hunan) gets a boundary and
its towns as two GeoJSON layers, and its parks, plots, buildings and projects coordinates near their park
or town, so that the map shows something with no tile service. Projects still being packaged have no
site yet and stay off the map; two projects' places came from a progress photo (`located_on`)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.geo import MapLayer
from app.models.land import Building, LandPlot
from app.models.project import Project, Stage
from app.models.unit import Unit, UnitKind
from app.models.user import Role, User
from app.services import maps

# (short name, latitude, longitude): the county seat, its towns and subdistricts, the two parks
PLACES = {
    "青山县": (27.860, 112.740),
    "城关镇": (27.860, 112.740),
    "东城街道": (27.872, 112.782),
    "西城街道": (27.858, 112.700),
    "青石镇": (27.975, 112.620),
    "河口镇": (27.745, 112.905),
    "桃源镇": (27.960, 112.915),
    "白云乡": (27.725, 112.575),
    "经开区": (27.885, 112.815),
    "高新园": (27.800, 112.680),
}
COUNTY_RING = [
    (112.470, 27.700), (112.560, 27.655), (112.700, 27.668), (112.840, 27.650), (112.985, 27.690),
    (113.040, 27.790), (113.010, 27.905), (112.990, 28.030), (112.860, 28.060), (112.700, 28.045),
    (112.560, 28.020), (112.480, 27.930), (112.455, 27.810), (112.470, 27.700),
]  # fmt: skip
# (name, west, south, east, north): the towns as simple blocks inside the county
TOWNS = [
    ("白云乡", 112.480, 27.680, 112.660, 27.800),
    ("西城街道", 112.660, 27.800, 112.730, 27.900),
    ("城关镇", 112.660, 27.680, 112.820, 27.800),
    ("东城街道", 112.730, 27.800, 112.860, 27.900),
    ("河口镇", 112.820, 27.680, 113.000, 27.800),
    ("青石镇", 112.480, 27.800, 112.660, 28.020),
    ("桃源镇", 112.860, 27.800, 113.000, 28.030),
]
UNLOCATED = (Stage.packaged,)


def _feature(name: str, ring: list[tuple[float, float]]) -> dict[str, object]:
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _collection(features: list[dict[str, object]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def _near(base: tuple[float, float], seed: int, spread: float) -> tuple[Decimal, Decimal]:
    """A place near `base`, the same for the same seed (no random numbers: the demo is the same each time)."""
    dx = ((seed * 7919) % 1000 / 1000 - 0.5) * spread
    dy = ((seed * 104729) % 997 / 997 - 0.5) * spread * 0.8
    return Decimal(f"{base[0] + dy:.6f}"), Decimal(f"{base[1] + dx:.6f}")


def load(db: Session) -> bool:
    if db.execute(select(MapLayer.id).limit(1)).first() is not None:
        return False
    admin = db.execute(select(User.id).where(User.role == Role.coordinator).order_by(User.id).limit(1)).scalar()
    county = [_feature("青山县", COUNTY_RING)]
    towns = [_feature(n, [(w, s), (e, s), (e, n_), (w, n_), (w, s)]) for n, w, s, e, n_ in TOWNS]
    for order, (name, features) in enumerate((("县界", county), ("乡镇界", towns))):
        text, count = maps.parse_layer(_collection(features))
        size = len(text.encode())
        db.add(MapLayer(name=name, geojson=text, features=count, size=size, sort_order=order, uploaded_by_id=admin))
    units = db.execute(select(Unit)).scalars().all()
    by_id = {u.id: u for u in units}
    place_of = {u.id: PLACES[u.short_name] for u in units if u.short_name in PLACES}
    seat = PLACES["青山县"]
    for unit in units:
        if unit.kind is UnitKind.zone and unit.id in place_of:
            unit.latitude, unit.longitude = (Decimal(f"{v:.6f}") for v in place_of[unit.id])
    carriers: tuple[Any, ...] = (LandPlot, Building)
    for model in carriers:
        for row in db.execute(select(model)).scalars():
            row.latitude, row.longitude = _near(place_of.get(row.park_unit_id, seat), row.id + 500, 0.05)
    photographed = 0
    for project in db.execute(select(Project).order_by(Project.id)).scalars():
        if project.stage in UNLOCATED:
            continue
        if project.zone_unit_id in place_of:
            base, spread = place_of[project.zone_unit_id], 0.05
        else:
            base, spread = place_of.get(project.responsible_unit_id, seat), 0.09
            if by_id[project.responsible_unit_id].kind not in (UnitKind.town, UnitKind.subdistrict):
                base = seat
        project.latitude, project.longitude = _near(base, project.id, spread)
        if project.last_progress_on is not None and photographed < 2:
            project.located_on = project.last_progress_on
            photographed += 1
    db.flush()
    return True
