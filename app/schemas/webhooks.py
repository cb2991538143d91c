"""Webhook subscriptions (another system's endpoint told of events): what a client sends, and what the API
answers. The signing secret is answered once, when the subscription is created; never again."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import ConfigDict, Field

from app.schemas.common import InputModel, ReadModel
from app.services.events import EVENT_TYPES, GROUPS

EVENT_TYPE_CHOICES = ["*", *(f"{prefix}.*" for prefix in GROUPS), *EVENT_TYPES]
"""What a subscriber may ask for: every event (*), a whole group (lead.*), or one type of the catalogue."""

EventTypeChoice = Annotated[
    str,
    Field(
        max_length=40,
        json_schema_extra={"enum": EVENT_TYPE_CHOICES},
        description="* 为全部事件，lead.* 为一类，或事件目录（GET /api/v1/event-types）中的类型",
    ),
]


class WebhookCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "省招商引资项目管理平台",
                    "url": "https://zsyz.example.gov.cn/api/hooks/county-321",
                    "event_types": ["project.stage_reached", "funds.confirmed", "lead.*"],
                },
                {
                    "name": "城关镇项目服务系统",
                    "url": "https://cgz.example.gov.cn/zhaoshang/events",
                    "secret": "cgz-hook-2026-Kq83mZp1",
                    "event_types": ["ticket.*"],
                    "unit_id": 12,
                },
            ]
        }
    )

    name: str = Field(min_length=2, max_length=100, description="订阅名称，如：省招商引资项目管理平台")
    url: str = Field(
        max_length=500,
        pattern=r"^https?://[^\s/?#]+[^\s]*$",
        description="接收地址：http:// 或 https:// 开头（建议 https），最多 500 个字符；平台向它 POST 事件",
    )
    secret: str | None = Field(
        default=None,
        min_length=16,
        max_length=100,
        description="签名密钥（HMAC-SHA256），16–100 个字符；不填由平台生成。只在创建的应答中返回这一次",
    )
    event_types: list[EventTypeChoice] = Field(
        default=["*"], min_length=1, max_length=100, description="推送的事件类型，至少一种；不填为全部（*）"
    )
    unit_id: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_647,
        description="限定单位：只推送该单位可查看的记录的事件；不填为不限单位（保密项目显示为代号）",
    )


class WebhookUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 3, "is_active": False}, {"version": 4, "event_types": ["ticket.*"]}]
        }
    )

    version: int = Field(ge=1, le=2_147_483_647, description="读到的版本号；过期返回 409")
    is_active: bool | None = Field(default=None, description="启用（true）或停用（false）；停用后不再排队投递")
    event_types: list[EventTypeChoice] | None = Field(
        default=None, min_length=1, max_length=100, description="改为推送这些事件类型，至少一种"
    )


_WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": 3,
    "name": "省招商引资项目管理平台",
    "url": "https://zsyz.example.gov.cn/api/hooks/county-321",
    "unit_id": None,
    "event_types": ["project.stage_reached", "funds.confirmed", "lead.*"],
    "event_labels": "项目到达新阶段、到位资金已确认、线索（全部）",
    "is_active": True,
    "version": 2,
    "created_at": "2026-10-12T01:20:00Z",
    "updated_at": "2026-11-03T07:45:00Z",
}


class WebhookRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_WEBHOOK_EXAMPLE]})

    id: int
    name: str
    url: str
    unit_id: int | None = Field(description="限定单位；null 为不限单位")
    event_types: list[str]
    event_labels: str = Field(description="所选事件的中文说明，如“线索（全部）、到位资金已确认”")
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _WEBHOOK_EXAMPLE
                | {
                    "version": 1,
                    "updated_at": "2026-10-12T01:20:00Z",
                    "secret": "kQ3vX8mZ2pL7rT9wB4nY6cF1hJ5dS0gA-eU_iO2qW8x",
                }
            ]
        }
    )

    secret: str = Field(description="签名密钥：只在创建时返回这一次，此后任何接口都不再返回，也不记入审计")
