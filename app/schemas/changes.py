"""The change feed's answer, and the `updated_since` filter of the lists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import COUNTY_TZ, Moment

EntityName = Literal[
    "project",
    "lead",
    "investor",
    "ticket",
    "funds_arrival",
    "progress_update",
    "section",
    "cadre",
    "target_split",
    "cadre_credit",
]
ActionName = Literal["created", "updated", "deleted", "out_of_scope"]


class ChangeRead(BaseModel):
    entity: EntityName = Field(
        description="记录类型：project 项目、lead 线索、investor 客商、ticket 跟踪服务问题、"
        "funds_arrival 到位资金、progress_update 进度更新、section 科室、cadre 人员、target_split 目标分解、"
        "cadre_credit 经办人员及份额"
    )
    entity_label: str = Field(description="记录类型的中文名")
    id: int = Field(description="记录的 id（与各列表、详情接口中的 id 相同）")
    action: ActionName = Field(
        description="created 新建、updated 修改、deleted 删除；out_of_scope：本令牌此前可见的记录被改归其他单位"
        "（如项目的责任单位、问题的办理单位变更），此后不再可见，请在本地删除（项目连同其到位资金、进度）"
    )
    action_label: str = Field(description="动作的中文名")
    at: datetime = Field(description="改动的时间（UTC）。按提交顺序排列，时间可能不严格递增")
    version: int | None = Field(description="改动后的版本号（有版本号的记录；删除、移出时为空）")
    project_id: int | None = Field(description="到位资金、进度更新所属的项目 id（其他类型为空）")


_EXAMPLE: dict[str, Any] = {
    "items": [
        {
            "entity": "project",
            "entity_label": "项目",
            "id": 1207,
            "action": "updated",
            "action_label": "修改",
            "at": "2026-12-08T01:32:05.118000Z",
            "version": 7,
            "project_id": None,
        },
        {
            "entity": "funds_arrival",
            "entity_label": "到位资金",
            "id": 5314,
            "action": "created",
            "action_label": "新建",
            "at": "2026-12-08T01:32:05.240000Z",
            "version": 1,
            "project_id": 1207,
        },
        {
            "entity": "ticket",
            "entity_label": "跟踪服务问题",
            "id": 386,
            "action": "out_of_scope",
            "action_label": "移出本令牌的可见范围",
            "at": "2026-12-08T02:10:44.902000Z",
            "version": None,
            "project_id": None,
        },
    ],
    "next": "YzQ4MjE5",
    "has_more": False,
    "latest": "YzQ4MjE5",
}


class ChangePageRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE]})

    items: list[ChangeRead] = Field(description="本页的变更，按提交顺序（从旧到新）")
    next: str = Field(description="下一页的游标：作为 after 原样传回。即使本页为空也可能前进")
    has_more: bool = Field(description="是否还有更多变更（为 true 时请立即请求下一页）")
    latest: str = Field(description="当前最新变更的游标：全量同步前记下它，同步后从它继续")


UpdatedSince = Annotated[
    Moment | None,
    Query(
        description="只列出此时刻及之后修改过的记录（按 updated_at，含等于），ISO 8601 格式，如 "
        "2026-12-01T08:00:00+08:00；不带时区的按北京时间。updated_at 是改动写入的时刻而非提交的时刻，"
        "增量同步请留出几分钟的重叠，或使用 /api/v1/changes 的游标",
        examples=["2026-12-01T08:00:00+08:00"],
    ),
]


def aware(moment: datetime | None) -> datetime | None:
    """A moment typed without a zone is the county's time."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=COUNTY_TZ)
