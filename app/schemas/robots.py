"""Group robots (DingTalk, WeCom): what a page or a client sends, and what the API answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from app.models.robot import RobotKind
from app.schemas.common import InputModel, ReadModel, stated

WEBHOOK_URL_PATTERN = (
    r"^https?://[^\s/?#]+[^\s?#]*\?([^\s#]*&)?(access_token|key)=[0-9A-Za-z_-]{8,200}(&[^\s#]*)?(#\S*)?$"
)
"""What app.services.robots.check_url accepts: an http(s) address with the robot's access_token (DingTalk) or
key (WeCom) of 8–200 letters, digits, _ or -. The host must also be one of the configured `robot_hosts`."""


def _event_items(schema: dict[str, object]) -> None:
    """The event types a subscriber may choose (app.services.events.parse_types): *, a group's .*, or a type."""
    from app.services.events import EVENT_TYPES, GROUPS

    schema["items"] = {"type": "string", "enum": ["*", *(f"{g}.*" for g in GROUPS), *EVENT_TYPES]}
    schema["minItems"] = 1  # (beside anyOf, `items` and `minItems` apply to the array only; null stays allowed)


class RobotCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "dingtalk",
                    "name": "城关镇招商工作群",
                    "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=4f1c9a7e2b3d4c5f6a7b8c9d0e1f2a3b",
                    "secret": "SEC3f9a1c2b4d5e6f7a8b9c0d1e2f3a4b5c",
                    "event_types": ["lead.*", "project.stage_reached", "funds.confirmed"],
                }
            ]
        }
    )

    kind: RobotKind = Field(description="dingtalk 钉钉群机器人，wecom 企业微信群机器人")
    name: str = Field(min_length=2, max_length=100, description="如：城关镇招商工作群")
    webhook_url: str = Field(
        max_length=500,
        description="机器人的 Webhook 地址（钉钉含 access_token，企业微信含 key）；主机须为钉钉或企业微信的接口地址"
        "（oapi.dingtalk.com、qyapi.weixin.qq.com，按系统设置 robot_hosts）；保存后不再显示",
        json_schema_extra=stated(pattern=WEBHOOK_URL_PATTERN),
    )
    secret: str = Field(
        default="",
        max_length=200,
        description="钉钉机器人安全设置“加签”的密钥：kind 为 dingtalk 时必填，SEC 加 16–196 个字母或数字；"
        "企业微信不用。保存后不再显示",
    )
    event_types: list[str] = Field(
        max_length=100,
        description="推送的事件类型（见 webhooks），* 为全部，lead.* 为一类；至少一种",
        json_schema_extra=_event_items,  # type: ignore[arg-type]
    )
    unit_id: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="所属单位；单位人员只能为本单位添加，招商局不填为本局"
    )


class RobotUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2, "is_active": False}]})

    version: int = Field(ge=1, le=2_147_483_647)
    is_active: bool | None = Field(default=None, description="启用或停用")
    name: str | None = Field(default=None, min_length=2, max_length=100)
    event_types: list[str] | None = Field(
        default=None,
        max_length=100,
        description="推送的事件类型（见 webhooks），* 为全部，lead.* 为一类；给出时至少一种",
        json_schema_extra=_event_items,  # type: ignore[arg-type]
    )


class RobotRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 5,
                    "unit_id": 3,
                    "kind": "dingtalk",
                    "name": "城关镇招商工作群",
                    "url_hint": "https://oapi.dingtalk.com/robot/send?access_token=…2a3b",
                    "has_secret": True,
                    "event_types": ["lead.*", "project.stage_reached", "funds.confirmed"],
                    "is_active": True,
                    "version": 2,
                    "created_at": "2026-10-09T15:30:00+08:00",
                }
            ]
        }
    )

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3120,
                    "event_type": "project.stage_reached",
                    "status": "delivered",
                    "attempts": 1,
                    "last_status_code": 200,
                    "last_error": "",
                    "next_attempt_at": "2026-11-25T10:02:00+08:00",
                    "delivered_at": "2026-11-25T10:02:01+08:00",
                }
            ]
        }
    )

    id: int
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime
    delivered_at: datetime | None
