"""Inputs and answers of the map (招商地图): a place set by a tap, the points and clusters in view, a point's
card, and the coordinator's GeoJSON layers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator

from app.schemas.common import InputModel, ReadModel, decimal_text, stated
from app.schemas.projects import INT_ID

Crs = Literal["wgs84", "gcj02"]


def _degrees(limit: int, description: str) -> Any:
    return Field(
        ge=-limit,
        le=limit,
        max_digits=9,
        decimal_places=6,
        description=description,
        json_schema_extra=stated(text_pattern=decimal_text(9, 6, signed=True)),
    )


class LocationSet(InputModel):
    """Where a project, plot, building or park is: a tap on the map, saved with the version read."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 3, "latitude": "32.131200", "longitude": "114.072800"}]}
    )

    version: int = Field(**INT_ID, description="读取时的 version；过期返回 409")
    latitude: Decimal = _degrees(90, "纬度（十进制度，6 位小数），须在中国境内")
    longitude: Decimal = _degrees(180, "经度（十进制度，6 位小数），须在中国境内")
    crs: Crs = Field(
        default="wgs84",
        description="坐标系：wgs84（含 CGCS2000，保存原值）或 gcj02（高德、腾讯等瓦片上的点，保存前换算为 WGS-84）",
    )

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _round(cls, value: object) -> object:
        """A tap reports more decimals than kept: round to 6 (about 0.1 m) rather than refuse."""
        text = value.strip() if isinstance(value, str) else str(value) if isinstance(value, float) else None
        if text:
            try:
                return Decimal(text).quantize(Decimal("0.000001"))
            except ArithmeticError:  # too large to keep 6 decimals (e.g. -1e+22): the range check refuses it
                return value
        return value


class LocationRead(ReadModel):
    kind: str = Field(description="project、plot、building 或 park")
    id: int
    version: int
    latitude: Decimal | None = Field(description="纬度（WGS-84）")
    longitude: Decimal | None = Field(description="经度（WGS-84）")


class MapPoint(ReadModel):
    kind: str = Field(description="project 项目、plot 地块、building 厂房楼宇、park 园区")
    id: int
    lat: float = Field(description="纬度（按请求的 crs）")
    lng: float = Field(description="经度（按请求的 crs）")
    name: str = Field(description="名称（保密项目只对可见其身份的人出现）")
    state: str = Field(description="项目阶段、地块或楼宇状态；园区为 park")
    state_label: str
    warning: bool = Field(description="项目有预警（与项目清单的预警相同）")


class MapCluster(ReadModel):
    kind: str
    count: int = Field(description="格内的点数")
    lat: float = Field(description="格内各点的平均纬度")
    lng: float


class MapPointsRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "points": [
                        {
                            "kind": "project",
                            "id": 1207,
                            "lat": 32.1312,
                            "lng": 114.0728,
                            "name": "年产 5 万吨新型建材项目",
                            "state": "started",
                            "state_label": "开工",
                            "warning": False,
                        }
                    ],
                    "clusters": [{"kind": "plot", "count": 14, "lat": 32.2, "lng": 114.1}],
                    "crs": "wgs84",
                }
            ]
        }
    )

    points: list[MapPoint]
    clusters: list[MapCluster] = Field(description="点多时按网格聚合（网格随缩放级别变小）")
    crs: Crs


class MapCardRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "project",
                    "id": 1207,
                    "name": "年产 5 万吨新型建材项目",
                    "kind_label": "项目",
                    "state_label": "开工",
                    "unit_name": "城关镇人民政府",
                    "park_name": "",
                    "warnings": ["长期无进度"],
                    "url": "/projects/1207",
                    "latitude": "32.131200",
                    "longitude": "114.072800",
                    "location_note": "位置来自 2026-05-01 进展照片",
                    "location_url": "/projects/1207/location",
                }
            ]
        }
    )

    kind: str
    id: int
    name: str
    kind_label: str
    state_label: str
    unit_name: str = Field(description="责任单位或管理单位")
    park_name: str = ""
    warnings: list[str] = Field(default_factory=list, description="项目的预警")
    url: str = Field(description="记录的页面")
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    location_note: str = Field(default="", description="位置来源，如“位置来自 2026-05-01 进展照片”")
    location_url: str = Field(default="", description="调整位置的页面（有权修改时）")


class MapLayerRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": 2, "name": "乡镇界", "features": 12, "size": 483211, "sort_order": 1, "version": 1}]
        }
    )

    id: int
    name: str
    features: int = Field(description="多边形要素数")
    size: int = Field(description="GeoJSON 字节数")
    sort_order: int
    version: int
