from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, get_args

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from app.models.ticket import Priority, TicketStatus, Verdict
from app.schemas.common import InputModel, ReadModel, stated

MAX_ID = 2_147_483_647
WEB_LINK = re.compile(r"https?://[^\s/?#@]+(?:[/?#]\S*)?", re.IGNORECASE)
"""A link people may follow from a page: http or https, a host, no spaces."""
WEB_LINK_PATTERN = r"^$|^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#@]+([/?#]\S*)?$"
"""WEB_LINK as the document states it (JSON Schema patterns have no flags: the scheme in either case)."""
COORDINATE_TEXT = r"^-?[0-9]{1,3}(\.[0-9]+)?$"


class TicketCreate(InputModel):
    project_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="问题所属项目（须为本单位负责的；project_id 与 investor_id 至少填一项）",
    )
    investor_id: int | None = Field(
        default=None, ge=1, le=MAX_ID, description="尚未落地的客商（无项目时；project_id 与 investor_id 至少填一项）"
    )
    category_id: int = Field(ge=1, le=MAX_ID, description="问题类别")
    title: str = Field(min_length=2, max_length=200)
    description: str = Field(min_length=2, max_length=4000)
    proposed_handling: str = Field(default="", max_length=2000, description="建议的办理方式")
    priority: Priority = Priority.normal
    reporter_label: str = Field(default="", max_length=100, description="代客商反映问题的系统或人员")
    reporter_contact: str = Field(default="", max_length=200, description="反映人联系方式（电话、邮箱）")
    address: str = Field(default="", max_length=200, description="问题地点")
    address_id: str = Field(default="", max_length=60, description="报告系统地址库中的地址编码")
    latitude: Decimal | None = Field(
        default=None,
        ge=-90,
        le=90,
        description="纬度（WGS84，保留 6 位小数）：与经度同时填写",
        json_schema_extra=stated(text_pattern=COORDINATE_TEXT),
    )
    longitude: Decimal | None = Field(
        default=None,
        ge=-180,
        le=180,
        description="经度（WGS84，保留 6 位小数）：与纬度同时填写",
        json_schema_extra=stated(text_pattern=COORDINATE_TEXT),
    )
    media_url: str = Field(
        default="",
        max_length=500,
        description="图片或视频链接：以 http:// 或 https:// 开头，不含空格",
        json_schema_extra=stated(pattern=WEB_LINK_PATTERN),
    )

    @model_validator(mode="after")
    def _subject(self) -> TicketCreate:
        if self.project_id is None and self.investor_id is None:
            raise ValueError("请选择项目，或尚未落地的客商")
        return self

    @field_validator("latitude", "longitude")
    @classmethod
    def _six_places(cls, value: Decimal | None) -> Decimal | None:
        """Kept to 6 decimal places (about 0.1 m), as a GPS reading is given."""
        return None if value is None else value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)

    @model_validator(mode="after")
    def _both_coordinates(self) -> TicketCreate:
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("纬度与经度须同时填写")
        return self

    @field_validator("media_url")
    @classmethod
    def _web_link(cls, url: str) -> str:
        if url and not WEB_LINK.fullmatch(url):
            raise ValueError("请填写以 http:// 或 https:// 开头的链接")
        return url


class TicketRoute(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "handling_unit_id": 12,
                    "helper_unit_ids": [15],
                    "due_days": 10,
                    "note": "请县自然资源局牵头，县住建局配合，尽快办理用地规划手续",
                }
            ]
        }
    )

    version: int = Field(ge=1, le=MAX_ID)
    handling_unit_id: int = Field(ge=1, le=MAX_ID, description="牵头办理单位")
    helper_unit_ids: list[int] = Field(default_factory=list, max_length=10, description="协办单位（在用的单位）")
    due_days: int | None = Field(default=None, ge=1, le=365, description="限期（工作日），默认按类别")
    note: str = Field(default="", max_length=2000)


TicketActionName = Literal["accept", "comment", "return", "pause", "resume", "resolve", "close", "reopen"]


NOTE_NEEDED = {
    "comment": "请填写内容",
    "return": "请说明退回理由",
    "pause": "请说明暂停计时的原因",
    "resolve": "请填写办结情况",
    "reopen": "请说明重新办理的原因",
}


class TicketAction(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 3, "action": "resolve", "note": "已办结：规划条件已出具，企业已领取"}]
        }
    )

    version: int = Field(ge=1, le=MAX_ID)
    action: TicketActionName = Field(
        description="accept 受理、comment 办理情况、return 退回、pause 暂停计时、resume 恢复计时、resolve 办结、"
        "close 评价关闭、reopen 重新办理（按问题当前状态允许的）"
    )
    note: str = Field(
        default="",
        max_length=4000,
        validate_default=True,
        description="说明：comment、return、pause、resolve、reopen 时必填（办理情况、退回理由、暂停原因、办结情况、"
        "重新办理的原因）；其他为评价备注等",
    )
    verdict: Verdict | None = Field(default=None, validate_default=True, description="客商评价（关闭时必填）")

    @field_validator("action", mode="before")
    @classmethod
    def _known_action(cls, action: Any) -> Any:
        if action not in get_args(TicketActionName):  # on a page the action is a button: no option to pick
            raise ValueError("未知的操作，请点击下方的按钮之一")
        return action

    # rules on the action, each told beside the field the user must fill

    @field_validator("note")
    @classmethod
    def _note_needed(cls, note: str, info: ValidationInfo) -> str:
        action = info.data.get("action")
        if action in NOTE_NEEDED and not note.strip():
            raise ValueError(NOTE_NEEDED[action])
        return note

    @field_validator("verdict")
    @classmethod
    def _verdict_needed(cls, verdict: Verdict | None, info: ValidationInfo) -> Verdict | None:
        if info.data.get("action") == "close" and verdict is None:
            raise ValueError("关闭须记录客商评价")
        return verdict


class TicketRead(ReadModel):
    id: int
    project_id: int | None
    investor_id: int | None
    category_id: int
    title: str
    description: str
    priority: Priority
    reporter_unit_id: int
    status: TicketStatus
    handling_unit_id: int | None
    routed_on: date | None
    due_on: date | None
    paused_on: date | None
    pause_reason: str
    resolution: str
    verdict: Verdict | None
    escalation_level: int
    created_at: datetime
    updated_at: datetime
    version: int


class CategoryUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2, "default_days": 15}]})

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    default_days: int = Field(ge=1, le=365, description="默认办结限期（工作日）")


class CategoryRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"id": 2, "code": "land", "name": "征地拆迁", "default_days": 15, "is_active": True, "version": 2}
            ]
        }
    )

    id: int
    code: str = Field(description="类别代码（Open311 service_code）")
    name: str
    default_days: int = Field(description="默认办结限期（工作日）")
    is_active: bool
    version: int


class CalendarEntry(InputModel):
    day: date
    is_workday: bool = False
    name: str = Field(default="", max_length=40)
