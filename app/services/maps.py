"""The map (招商地图): projects, land plots, buildings and parks as points, the coordinator's boundaries as
outlines, a point's card, and setting where a record is by a tap.

Points in view only: the client sends its view (bbox) and zoom; each kind's points inside it are counted
per grid cell in SQL (the cell shrinks as the zoom grows, about CELL_PX screen pixels wide), and a cell
holding one point answers the point, a cell holding more a cluster (its count and mean position), so an
answer stays small at province scale. Projects are those the project list would show the principal
(`projects.list_conditions`), less the confidential ones whose identity the principal does not see: such
a project is neither a point nor counted in a cluster (its place would tell what the list hides).
Terminated projects and records without coordinates are not on the map.

The filters: chain (the project's industry_chain text, contains) and period (signed between) select
projects only; a unit selects projects (introducing or responsible), plots and buildings (park or
managing unit) and the park itself. Coordinates are WGS-84 throughout; a map drawn on GCJ-02 tiles
(settings MAP_TILE_CRS) asks with crs=gcj02 and gets its points converted (app.services.geo)."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, cast, func, literal_column, or_, select
from sqlalchemy.orm import Session

from app import policy
from app.errors import Invalid, NotFound
from app.models.geo import GRID_DEGREES, GRID_ZOOM, MapLayer, grid_sql
from app.models.land import Building, LandPlot
from app.models.project import Project, ProjectStatus
from app.models.unit import Unit, UnitKind
from app.principal import Principal
from app.schemas.maps import LocationSet
from app.services import geo, land, projects
from app.services.common import check_version

KINDS = ("project", "plot", "building", "park")
KIND_LABELS = {"project": "项目", "plot": "地块", "building": "厂房楼宇", "park": "园区"}
LAND_KINDS = {"plot": "plots", "building": "buildings"}  # the map's kind -> app.services.land's
CELL_PX = 48  # a grid cell's width on screen; tiles are 256 px
CELL_ROWS = 2**21  # more rows than a grid has at MAX_ZOOM (180 / 0.000257)
MAX_ZOOM = 18
POINTS_ZOOM = 16  # from this zoom on, every point in view is sent (a street's worth of them)
POINTS_CAP = 2000  # at most this many points of one kind in one answer
MAX_LAYER_BYTES = 5 * 1024 * 1024
MAX_LAYERS = 20
LAYER_GEOMETRIES = ("Polygon", "MultiPolygon")


@dataclass
class View:
    """What the map asks for: its bounds (WGS-84 or `crs`), zoom, the kinds, and the filters."""

    west: float
    south: float
    east: float
    north: float
    zoom: int
    kinds: tuple[str, ...] = KINDS
    chain: str = ""
    unit_id: int | None = None
    signed_from: date | None = None
    signed_to: date | None = None
    crs: str = "wgs84"


@dataclass
class Answer:
    points: list[dict[str, Any]] = field(default_factory=list)
    clusters: list[dict[str, Any]] = field(default_factory=list)
    crs: str = "wgs84"


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """ "west,south,east,north" in degrees; a clear error otherwise."""
    try:
        w, s, e, n = (float(p) for p in text.split(","))
    except ValueError:
        raise Invalid({"bbox": "地图范围应为“西,南,东,北”四个经纬度数字"}) from None
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        raise Invalid({"bbox": "地图范围无效：西须小于东、南须小于北，且在经纬度范围内"})
    return w, s, e, n


def parse_kinds(text: str) -> tuple[str, ...]:
    if not text:
        return KINDS
    kinds = tuple(k for k in KINDS if k in text.split(","))
    if not kinds or any(k not in KINDS for k in text.split(",")):
        raise Invalid({"kind": "类别应为 project、plot、building、park 中的一个或几个（逗号分隔）"})
    return kinds


# --- the points in view ------------------------------------------------------------------------


def _cell_degrees(zoom: int) -> float:
    return 360.0 / (2**zoom) * CELL_PX / 256


def _grid(db: Session, model: Any) -> tuple[Any, Any]:
    """A place's column and row in the fine grid (app.models.geo): the generated columns where the table has
    them, else (parks: a few hundred rows) the same expression."""
    if model is not Unit:
        return model.grid_x, model.grid_y
    dialect = db.get_bind().dialect.name
    return tuple(  # type: ignore[return-value]
        literal_column(grid_sql(f"unit.{axis}", offset, dialect))
        for axis, offset in (("longitude", 180), ("latitude", 90))
    )


def _grid_index(degrees: Decimal, offset: int) -> int:
    return math.floor((float(degrees) + offset) / GRID_DEGREES)


def _bounds(view: View) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """The view's bounds as WGS-84 (the corners converted back from the map's coordinates)."""
    s, w = geo.from_display(view.south, view.west, view.crs)
    n, e = geo.from_display(view.north, view.east, view.crs)
    return tuple(Decimal(str(round(v, 6))) for v in (w, s, e, n))  # type: ignore[return-value]


def _project_where(db: Session, principal: Principal, view: View) -> list[Any]:
    f = projects.ProjectFilter(
        unit_id=view.unit_id,
        industry_chain=view.chain,
        date_field="signed_on",
        date_from=view.signed_from,
        date_to=view.signed_to,
    )
    return [
        *projects.list_conditions(db, principal, f),
        projects.identity_visible(principal),
        Project.status != ProjectStatus.terminated,
    ]


def _sources(db: Session, principal: Principal, view: View) -> dict[str, tuple[Any, list[Any]]]:
    """Each kind asked for: its table and its conditions (besides the bounds)."""
    unit = view.unit_id
    found: dict[str, tuple[Any, list[Any]]] = {}
    for kind in view.kinds:
        if kind == "project":
            found[kind] = (Project, _project_where(db, principal, view))
        elif kind in LAND_KINDS:
            model: Any = LandPlot if kind == "plot" else Building
            where = [] if unit is None else [or_(model.park_unit_id == unit, model.unit_id == unit)]
            found[kind] = (model, where)
        else:
            where = [Unit.kind == UnitKind.zone, Unit.is_active.is_(True)]
            found[kind] = (Unit, where if unit is None else [*where, Unit.id == unit])
    return found


def points(db: Session, principal: Principal, view: View) -> Answer:
    """The points and clusters in view, per kind (see the module's docstring)."""
    if not 0 <= view.zoom <= MAX_ZOOM:
        raise Invalid({"zoom": f"缩放级别应在 0 到 {MAX_ZOOM} 之间"})
    w, s, e, n = _bounds(view)
    answer = Answer(crs=view.crs)
    columns = _grid_index(w, 180), _grid_index(e, 180)
    rows = _grid_index(s, 90), _grid_index(n, 90)
    per_cell = 2 ** max(0, GRID_ZOOM - view.zoom)  # fine cells per map cell, across and down
    for kind, (model, where) in _sources(db, principal, view).items():
        gx, gy = _grid(db, model)
        inside = [*where, gx.between(*columns), gy.between(*rows)]
        if view.zoom >= POINTS_ZOOM:
            ids = list(db.execute(select(model.id).where(*inside).order_by(model.id).limit(POINTS_CAP)).scalars())
        else:
            # integers only: the cell's key, and the mean of its fine cells for a cluster's place (within 7 m)
            cell = (cast(gx // per_cell, BigInteger) * CELL_ROWS + gy // per_cell).label("cell")
            cells = db.execute(
                select(func.count(), func.sum(gx), func.sum(gy), func.min(model.id), cell)
                .where(*inside)
                .group_by(cell)
                .order_by(cell)
            ).all()
            ids = [c[3] for c in cells if c[0] == 1][:POINTS_CAP]
            for count, sum_x, sum_y, _first, _cell in cells:
                if count > 1:
                    lng = (float(sum_x) / count + 0.5) * GRID_DEGREES - 180
                    lat = (float(sum_y) / count + 0.5) * GRID_DEGREES - 90
                    shown = geo.to_display(lat, lng, view.crs)
                    answer.clusters.append({"kind": kind, "count": count, "lat": shown[0], "lng": shown[1]})
        if ids:
            answer.points.extend(_point_rows(db, principal, kind, ids, view.crs))
    return answer


def _point_rows(db: Session, principal: Principal, kind: str, ids: list[int], crs: str) -> list[dict[str, Any]]:
    """The points of these ids (already filtered by what the principal may see)."""
    found: list[tuple[Any, str, str, str, bool]] = []
    rows: Sequence[Any]
    if kind == "project":
        t = projects.thresholds(db)
        warned = or_(*(projects.flag_condition(flag, t) for flag in projects.FLAG_LABELS))
        rows = db.execute(
            select(
                Project.id,
                Project.latitude,
                Project.longitude,
                Project.name,
                Project.code_name,
                Project.is_confidential,
                Project.responsible_unit_id,
                Project.introducing_unit_id,
                Project.stage,
                warned,
            )
            .where(Project.id.in_(ids))
            .order_by(Project.id)
        ).all()
        for r in rows:
            found.append((r, projects.display_name(principal, r), r.stage.value, r.stage.label, bool(r[9])))
    elif kind in LAND_KINDS:
        model: Any = LandPlot if kind == "plot" else Building
        rows = db.execute(
            select(model.id, model.latitude, model.longitude, model.name, model.status)
            .where(model.id.in_(ids))
            .order_by(model.id)
        ).all()
        found = [(r, r.name, r.status.value, r.status.label, False) for r in rows]
    else:
        rows = db.execute(
            select(Unit.id, Unit.latitude, Unit.longitude, Unit.name).where(Unit.id.in_(ids)).order_by(Unit.id)
        ).all()
        found = [(r, r.name, "park", "园区", False) for r in rows]
    out = []
    for r, name, state, label, warning in found:
        lat, lng = geo.to_display(float(r.latitude), float(r.longitude), crs)
        out.append(
            {
                "kind": kind,
                "id": r.id,
                "lat": lat,
                "lng": lng,
                "name": name,
                "state": state,
                "state_label": label,
                "warning": warning,
            }
        )
    return out


# --- a point's card ------------------------------------------------------------------------------


def _visible_project(db: Session, principal: Principal, project_id: int) -> Project:
    """A project the map shows this principal: one it may read, and, when confidential, whose identity
    it sees (otherwise missing, as on the map)."""
    project = projects.get(db, principal, project_id)
    if not projects.sees_identity(principal, project):
        raise policy.DeniedNotFound()
    return project


def located_note(row: Any) -> str:
    """Where a project's position came from (its page and card say so)."""
    if getattr(row, "located_on", None) is not None:
        return f"位置来自 {row.located_on.isoformat()} 进展照片"
    if row.latitude is not None:
        return "位置在地图上点选"
    return ""


def card(db: Session, principal: Principal, kind: str, row_id: int) -> dict[str, Any]:
    """What a tap on a point shows: name, stage or status, unit, warnings, the link to the record."""
    if kind == "project":
        project = _visible_project(db, principal, row_id)
        unit = db.get(Unit, project.responsible_unit_id)
        return {
            "kind": kind,
            "id": project.id,
            "name": projects.display_name(principal, project),
            "kind_label": KIND_LABELS[kind],
            "state_label": project.stage.label,
            "unit_name": unit.name if unit else "",
            "warnings": [projects.FLAG_LABELS[f] for f in projects.flags(project, projects.thresholds(db))],
            "url": f"/projects/{project.id}",
            "latitude": project.latitude,
            "longitude": project.longitude,
            "location_note": located_note(project),
            "location_url": f"/projects/{project.id}/location" if projects.can_write(principal, project) else "",
        }
    if kind in LAND_KINDS:
        shown = land.one_row(db, principal, LAND_KINDS[kind], row_id)
        item = shown.item
        return {
            "kind": kind,
            "id": item.id,
            "name": f"{item.code} {item.name}",
            "kind_label": KIND_LABELS[kind],
            "state_label": item.status.label,
            "unit_name": shown.unit_name,
            "park_name": shown.park_name,
            "warnings": [],
            "url": f"/{LAND_KINDS[kind]}/{item.id}",
            "latitude": item.latitude,
            "longitude": item.longitude,
            "location_url": f"/{LAND_KINDS[kind]}/{item.id}/location" if land.can_write(principal, item) else "",
        }
    if kind == "park":
        park = _park(db, row_id)
        return {
            "kind": kind,
            "id": park.id,
            "name": park.name,
            "kind_label": KIND_LABELS[kind],
            "state_label": "园区",
            "unit_name": park.name,
            "warnings": [],
            "url": f"/plots?park_unit_id={park.id}",
            "latitude": park.latitude,
            "longitude": park.longitude,
            "location_url": f"/parks/{park.id}/location" if policy.can_write_unit_owned(principal, park.id) else "",
        }
    raise NotFound("找不到该页面")


def _park(db: Session, unit_id: int) -> Unit:
    park = db.get(Unit, unit_id)
    if park is None or park.kind is not UnitKind.zone:
        raise NotFound("找不到该园区")
    return park


# --- setting where a record is ------------------------------------------------------------------


def located(db: Session, principal: Principal, kind: str, row_id: int) -> Any:
    """The record whose place the principal may set (refused as the record's own edit is)."""
    if kind == "project":
        project = _visible_project(db, principal, row_id)
        if not projects.can_write(principal, project):
            raise policy.DeniedForbidden("只有责任单位和招商局可以修改该项目")
        return project
    if kind in LAND_KINDS:
        return land.get_for_write(db, principal, LAND_KINDS[kind], row_id)
    if kind == "park":
        park = _park(db, row_id)
        if not policy.can_write_unit_owned(principal, park.id):
            raise policy.DeniedForbidden("只有招商局和园区本身可以设置园区位置")
        return park
    raise NotFound("找不到该页面")


def set_location(db: Session, principal: Principal, kind: str, row_id: int, data: LocationSet) -> Any:
    """Save a place tapped on the map: converted to WGS-84 from the map's coordinates, inside China."""
    row = located(db, principal, kind, row_id)
    check_version(db, row, data.version)
    lat, lng = geo.from_display(float(data.latitude), float(data.longitude), data.crs)
    lat_d, lng_d = Decimal(str(round(lat, 6))), Decimal(str(round(lng, 6)))
    geo.check_in_china(lat_d, lng_d)
    row.latitude, row.longitude = lat_d, lng_d
    if kind == "project":
        row.located_on = None  # no longer the progress photo's
    db.flush()
    return row


# --- the coordinator's layers ---------------------------------------------------------------------


def _bad_file(message: str) -> Invalid:
    """What is wrong with an uploaded file: beside the file field, and as the API's message."""
    return Invalid({"file": message}, message)


def _feature_name(properties: Any) -> str:
    if not isinstance(properties, dict):
        return ""
    for key in ("name", "NAME", "名称", "Name"):
        value = properties.get(key)
        if isinstance(value, str):
            return value[:60]
    return ""


def _check_position(p: Any, where: str) -> None:
    if not (isinstance(p, list) and len(p) >= 2 and all(isinstance(v, int | float) for v in p[:2])):
        raise _bad_file(f"{where}的坐标格式不对：应为 [经度, 纬度]")
    if not geo.in_china(p[1], p[0]):
        raise _bad_file(f"{where}的坐标不在中国境内：请用 WGS-84 或 CGCS2000 经纬度（不是投影坐标）")


def _check_polygon(rings: Any, where: str) -> int:
    if not isinstance(rings, list) or not rings:
        raise _bad_file(f"{where}没有坐标")
    points = 0
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            raise _bad_file(f"{where}的边界环至少要有 4 个点")
        for p in ring:
            _check_position(p, where)
        points += len(ring)
    return points


def parse_layer(raw: bytes) -> tuple[str, int]:
    """An uploaded GeoJSON checked and kept lean: a FeatureCollection of Polygons and MultiPolygons in
    China, each feature's name kept (properties name / NAME / 名称) and nothing else. Answers the text to
    store and the features' count; refuses anything else with a Chinese message (field `file`)."""
    if not raw:
        raise _bad_file("请选择 GeoJSON 文件")
    if len(raw) > MAX_LAYER_BYTES:
        raise _bad_file("文件超过 5 MB：请先简化边界（如用 mapshaper 抽稀）再上传")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise _bad_file("文件不是 UTF-8 编码的 GeoJSON") from None
    except ValueError:
        raise _bad_file("不是有效的 GeoJSON：JSON 解析失败") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise _bad_file("GeoJSON 的最外层应为 FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise _bad_file("GeoJSON 中没有要素（features 为空）")
    kept = []
    for n, feature in enumerate(features, start=1):
        where = f"第 {n} 个要素"
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind not in LAYER_GEOMETRIES:
            raise _bad_file(f"{where}是 {kind or '空几何'}：只接受 Polygon 和 MultiPolygon（县界、乡镇界）")
        assert isinstance(geometry, dict)
        coords = geometry.get("coordinates")
        if kind == "Polygon":
            _check_polygon(coords, where)
        else:
            if not isinstance(coords, list) or not coords:
                raise _bad_file(f"{where}没有坐标")
            for polygon in coords:
                _check_polygon(polygon, where)
        kept.append(
            {
                "type": "Feature",
                "properties": {"name": _feature_name(feature.get("properties"))},
                "geometry": {"type": kind, "coordinates": coords},
            }
        )
    text = json.dumps({"type": "FeatureCollection", "features": kept}, ensure_ascii=False, separators=(",", ":"))
    return text, len(kept)


def ensure_coordinator(principal: Principal) -> None:
    if not (principal.is_coordinator and principal.can_write):
        raise policy.DeniedForbidden("只有招商局可以上传地图边界")


def _check_name(db: Session, name: str, own_id: int | None = None) -> None:
    found = db.execute(select(MapLayer.id).where(MapLayer.name == name)).scalar_one_or_none()
    if found is not None and found != own_id:
        raise Invalid({"name": "已有同名的图层"})


def add_layer(db: Session, principal: Principal, name: str, raw: bytes, sort_order: int = 0) -> MapLayer:
    ensure_coordinator(principal)
    name = name.strip()
    if not name or len(name) > 60:
        raise Invalid({"name": "请填写图层名称（60 字以内），如“县界”“乡镇界”"})
    _check_name(db, name)
    if db.execute(select(func.count()).select_from(MapLayer)).scalar_one() >= MAX_LAYERS:
        raise Invalid({"__all__": f"最多 {MAX_LAYERS} 个图层：请先删除不用的图层"})
    text, count = parse_layer(raw)
    layer = MapLayer(
        name=name,
        geojson=text,
        features=count,
        size=len(text.encode()),
        sort_order=sort_order,
        uploaded_by_id=principal.user_id,
    )
    db.add(layer)
    db.flush()
    return layer


def get_layer(db: Session, layer_id: int) -> MapLayer:
    layer = db.get(MapLayer, layer_id)
    if layer is None:
        raise NotFound("找不到该图层")
    return layer


def replace_layer(db: Session, principal: Principal, layer_id: int, version: int, raw: bytes) -> MapLayer:
    """A new file for a layer (its boundaries redrawn), with the version read."""
    ensure_coordinator(principal)
    layer = get_layer(db, layer_id)
    check_version(db, layer, version)
    text, count = parse_layer(raw)
    layer.geojson, layer.features, layer.size = text, count, len(text.encode())
    layer.uploaded_by_id = principal.user_id
    db.flush()
    return layer


def delete_layer(db: Session, principal: Principal, layer_id: int, version: int) -> None:
    ensure_coordinator(principal)
    layer = get_layer(db, layer_id)
    check_version(db, layer, version)
    db.delete(layer)
    db.flush()


def layers(db: Session) -> list[Any]:
    """The layers without their text (id, name, features, size, sort_order, version), in drawing order."""
    return list(
        db.execute(
            select(
                MapLayer.id, MapLayer.name, MapLayer.features, MapLayer.size, MapLayer.sort_order, MapLayer.version
            ).order_by(MapLayer.sort_order, MapLayer.id)
        ).all()
    )


def layer_geojson(db: Session, layer_id: int, crs: str) -> dict[str, Any]:
    """A layer's FeatureCollection, converted for a map in `crs`. Everyone signed in reads the boundaries."""
    data = json.loads(get_layer(db, layer_id).geojson)
    if crs == "gcj02":
        for feature in data["features"]:
            feature["geometry"] = geo.geometry_to_display(feature["geometry"], crs)
    return dict(data)


def view_of_layers(db: Session) -> tuple[float, float, float, float] | None:
    """The bounds of every layer (west, south, east, north, WGS-84): where the map opens."""
    box: list[float] = []
    for (text,) in db.execute(select(MapLayer.geojson)):
        for feature in json.loads(text)["features"]:
            geometry = feature["geometry"]
            polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
            for polygon in polygons:
                for ring in polygon[:1]:
                    for lng, lat, *_ in ring:
                        if not box:
                            box = [lng, lat, lng, lat]
                        box = [min(box[0], lng), min(box[1], lat), max(box[2], lng), max(box[3], lat)]
    return (box[0], box[1], box[2], box[3]) if box else None


def view_of_points(db: Session, principal: Principal) -> tuple[float, float, float, float] | None:
    """Where the map opens without layers: the bounds of the parks and the principal's projects."""
    where = _project_where(db, principal, View(-180, -90, 180, 90, 0))
    box: tuple[float, float, float, float] | None = None
    sources: tuple[tuple[Any, list[Any]], ...] = ((Project, where), (Unit, [Unit.kind == UnitKind.zone]))
    for model, cond in sources:
        row = db.execute(
            select(
                func.min(model.longitude), func.min(model.latitude), func.max(model.longitude), func.max(model.latitude)
            ).where(*cond, model.latitude.is_not(None))
        ).one()
        if row[0] is None:
            continue
        found = (float(row[0]), float(row[1]), float(row[2]), float(row[3]))
        if box is not None:
            found = (min(box[0], found[0]), min(box[1], found[1]), max(box[2], found[2]), max(box[3], found[3]))
        box = found
    return box
