"""Group robots (DingTalk, WeCom): what a page or a client sends, and what the API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.models.robot import RobotKind
from app.schemas.common import InputModel, ReadModel


class RobotCreate(InputModel):
    kind: RobotKind = Field(description="dingtalk 钉钉群机器人，wecom 企业微信群机器人")
    name: str = Field(min_length=2, max_length=100, description="如：城关镇招商工作群")
    webhook_url: str = Field(
        max_length=500,
        description="机器人的 Webhook 地址（钉钉含 access_token，企业微信含 key）；保存后不再显示",
    )
    secret: str = Field(
        default="", max_length=200, description="钉钉机器人安全设置“加签”的密钥（SEC 开头）；保存后不再显示"
    )
    event_types: list[str] = Field(
        max_length=100, description="推送的事件类型（见 webhooks），* 为全部，lead.* 为一类；至少一种"
    )
    unit_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="所属单位；单位人员只能为本单位添加，招商局不填为本局"
    )


class RobotUpdate(InputModel):
    version: int = Field(ge=1, le=2_147_483_647)
    is_active: bool | None = Field(default=None, description="启用或停用")
    name: str | None = Field(default=None, min_length=2, max_length=100)
    event_types: list[str] | None = Field(default=None, max_length=100)


class RobotRead(ReadModel):
    id: int
    unit_id: int | None = Field(description="所属单位；null 为招商局的机器人")
    kind: RobotKind
    name: str
    url_hint: str = Field(description="地址的提示（不含完整的 access_token / key）")
    has_secret: bool
    event_types: list[str]
    is_active: bool
    version: int
    created_at: datetime


class RobotDeliveryRead(ReadModel):
    id: int
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime
    delivered_at: datetime | None
