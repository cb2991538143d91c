"""The map (招商地图) over the API: the points and clusters in view, a point's card, setting where a project,
plot, building or park is, and the coordinator's GeoJSON layers. The pages call the same services."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, File, Form, Path, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from app.deps import ApiIdempotency, ApiPrincipal, DbSession
from app.principal import Principal
from app.routing import IndexedRouter, reads_only
from app.schemas.common import json_response, multipart_example
from app.schemas.maps import Crs, LocationRead, LocationSet, MapCardRead, MapLayerRead, MapPointsRead
from app.services import maps

router = IndexedRouter(tags=["招商地图"])
IdPath = Annotated[int, Path(ge=1, le=2_147_483_647)]
Kind = Annotated[
    Literal["project", "plot", "building", "park"],
    Path(description="project 项目、plot 地块、building 厂房楼宇、park 园区", examples=["project"]),
]
LayerPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="图层", examples=[2])]
CrsQuery = Annotated[
    Crs, Query(description="返回坐标的坐标系：wgs84（默认，含 CGCS2000）或 gcj02（在高德、腾讯瓦片上绘制时）")
]
LAYER_FILE = Annotated[
    UploadFile,
    File(description="GeoJSON FeatureCollection（Polygon、MultiPolygon，WGS-84 或 CGCS2000 经纬度；不超过 5 MB）"),
]


@router.get(
    "/map/points",
    summary="地图上视野内的点：项目、地块、厂房楼宇、园区；点多时按网格聚合",
    description="只返回 bbox 内的点；缩放级别小于 16 时，同一网格内多于一个点的返回聚合（数量、平均位置）。"
    "项目与项目清单所见相同（本单位或全部），保密项目只对可见其身份的人出现，也不计入聚合数。"
    "产业链和签约期只筛选项目；单位筛选项目（引进或责任单位）、地块和楼宇（园区或管理单位）及园区本身。",
    response_model=MapPointsRead,
)
@reads_only
def map_points(
    principal: ApiPrincipal,
    db: DbSession,
    bbox: Annotated[
        str, Query(max_length=100, description="视野：西,南,东,北（度）", examples=["113.9,31.9,114.3,32.3"])
    ],
    zoom: Annotated[int, Query(ge=0, le=maps.MAX_ZOOM, description="缩放级别")],
    kind: Annotated[str, Query(max_length=40, description="类别，逗号分隔；空为全部", examples=["project,plot"])] = "",
    chain: Annotated[str, Query(max_length=60, description="产业链（包含）")] = "",
    unit_id: Annotated[int | None, Query(ge=1, le=2_147_483_647, description="单位")] = None,
    signed_from: Annotated[date | None, Query(description="签约日期起")] = None,
    signed_to: Annotated[date | None, Query(description="签约日期止")] = None,
    crs: CrsQuery = "wgs84",
) -> Response:
    view = maps.View(
        *maps.parse_bbox(bbox),
        zoom=zoom,
        kinds=maps.parse_kinds(kind),
        chain=chain.strip(),
        unit_id=unit_id,
        signed_from=signed_from,
        signed_to=signed_to,
        crs=crs,
    )
    answer = maps.points(db, principal, view)
    return json_response(MapPointsRead(points=answer.points, clusters=answer.clusters, crs=crs))


@router.get(
    "/map/cards/{point_kind}/{point_id}",
    summary="点开地图上一个点：名称、阶段或状态、单位、预警、链接",
    response_model=MapCardRead,
)
@reads_only
def map_card(point_kind: Kind, point_id: IdPath, principal: ApiPrincipal, db: DbSession) -> Response:
    return json_response(MapCardRead.model_validate(maps.card(db, principal, point_kind, point_id)))


def _location(db: DbSession, principal: ApiPrincipal, kind: str, row_id: int, body: LocationSet) -> Response:
    row = maps.set_location(db, principal, kind, row_id, body)
    read = LocationRead(kind=kind, id=row.id, version=row.version, latitude=row.latitude, longitude=row.longitude)
    return json_response(read)


LOCATION = "（需带 version；过期返回 409；不在中国境内返回 422）"


@router.put("/projects/{project_id}/location", summary="设置项目在地图上的位置" + LOCATION, response_model=LocationRead)
def project_location(project_id: IdPath, body: LocationSet, principal: ApiPrincipal, db: DbSession) -> Response:
    return _location(db, principal, "project", project_id, body)


@router.put("/plots/{plot_id}/location", summary="设置地块在地图上的位置" + LOCATION, response_model=LocationRead)
def plot_location(plot_id: IdPath, body: LocationSet, principal: ApiPrincipal, db: DbSession) -> Response:
    return _location(db, principal, "plot", plot_id, body)


@router.put(
    "/buildings/{building_id}/location", summary="设置厂房楼宇在地图上的位置" + LOCATION, response_model=LocationRead
)
def building_location(building_id: IdPath, body: LocationSet, principal: ApiPrincipal, db: DbSession) -> Response:
    return _location(db, principal, "building", building_id, body)


@router.put("/parks/{park_id}/location", summary="设置园区在地图上的位置" + LOCATION, response_model=LocationRead)
def park_location(park_id: IdPath, body: LocationSet, principal: ApiPrincipal, db: DbSession) -> Response:
    return _location(db, principal, "park", park_id, body)


# --- layers ---------------------------------------------------------------------------------------


def coordinator_principal(principal: ApiPrincipal) -> Principal:
    """The layers are the bureau's: a unit's token is refused (403) before its upload is read or checked."""
    maps.ensure_coordinator(principal)
    return principal


Coordinator = Annotated[Principal, Depends(coordinator_principal)]


def _layer_read(layer: Any) -> MapLayerRead:
    return MapLayerRead.model_validate(layer)


@router.get("/map/layers", summary="地图图层（县界、乡镇界）清单，不含边界数据", response_model=list[MapLayerRead])
@reads_only
def list_layers(principal: ApiPrincipal, db: DbSession) -> Any:
    return [_layer_read(layer) for layer in maps.layers(db)]


@router.get(
    "/map/layers/{layer_id}",
    summary="一个图层的 GeoJSON（FeatureCollection）",
    response_class=JSONResponse,
    responses={200: {"content": {"application/geo+json": {}}, "description": "GeoJSON FeatureCollection"}},
)
@reads_only
def layer_geojson(layer_id: LayerPath, principal: ApiPrincipal, db: DbSession, crs: CrsQuery = "wgs84") -> Response:
    return JSONResponse(maps.layer_geojson(db, layer_id, crs), media_type="application/geo+json")


@router.post(
    "/map/layers",
    status_code=201,
    summary="上传地图图层（招商局）：GeoJSON，县界或乡镇界。可带 Idempotency-Key",
    responses={201: {"model": MapLayerRead}},
    openapi_extra=multipart_example("全县乡镇界", {"file": "乡镇界.geojson", "name": "乡镇界", "sort_order": "1"}),
)
def add_layer(
    principal: Coordinator,
    db: DbSession,
    guard: ApiIdempotency,
    file: LAYER_FILE,
    name: Annotated[str, Form(max_length=60, description="图层名称，如“县界”“乡镇界”")],
    sort_order: Annotated[int, Form(ge=0, le=1000, description="绘制顺序，小的先画")] = 0,
) -> Response:
    layer = maps.add_layer(db, principal, name, file.file.read(maps.MAX_LAYER_BYTES + 1), sort_order)
    return guard.finish(json_response(_layer_read(layer), 201))


@router.put(
    "/map/layers/{layer_id}",
    summary="替换图层的 GeoJSON（招商局；需带 version，过期返回 409）",
    response_model=MapLayerRead,
    openapi_extra=multipart_example("重新上传的县界", {"file": "县界.geojson", "version": "2"}),
)
def replace_layer(
    layer_id: LayerPath,
    principal: Coordinator,
    db: DbSession,
    file: LAYER_FILE,
    version: Annotated[int, Form(ge=1, le=2_147_483_647, description="读取时的 version")],
) -> Response:
    layer = maps.replace_layer(db, principal, layer_id, version, file.file.read(maps.MAX_LAYER_BYTES + 1))
    return json_response(_layer_read(layer))


@router.delete("/map/layers/{layer_id}", status_code=204, summary="删除图层（招商局；需带 version）")
def delete_layer(
    layer_id: LayerPath,
    principal: Coordinator,
    db: DbSession,
    version: Annotated[int, Query(ge=1, le=2_147_483_647, description="读取时的 version", examples=[2])],
) -> Response:
    maps.delete_layer(db, principal, layer_id, version)
    return Response(status_code=204)
