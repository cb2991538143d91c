"""The coordinator's settings and the holiday/workday calendar over the API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import InputModel
from app.services import app_settings


def _known_keys(schema: dict[str, Any]) -> None:
    """The settings' keys, as registered when the document is built (each area registers its own)."""
    schema["propertyNames"] = {"enum": sorted(app_settings.DEFAULTS)}


class SettingWrite(InputModel):
    value: Decimal = Field(ge=0, le=app_settings.MAX_VALUE, max_digits=16, description="新的值（非负数）")
    version: int = Field(
        ge=0, le=2_147_483_647, description="读到的版本号（0：尚未设置，正用默认值）；不一致时返回 409"
    )


class UnitQuotaWrite(InputModel):
    unit_id: int = Field(ge=1, le=2_147_483_647, description="单位")
    value: Decimal = Field(ge=0, le=100_000, max_digits=16, description="该单位每月应报有效线索数（0 为免报）")
    version: int = Field(ge=0, le=2_147_483_647, description="读到的版本号（0：该单位尚无单独设置）")


class SettingsPatch(InputModel):
    """Only the settings sent change; all of them or none (a stale version refuses the whole request)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "settings": {
                        "lead_monthly_quota": {"value": "2", "version": 1},
                        "yellow_card_percent": {"value": "75", "version": 0},
                    },
                    "unit_quotas": [{"unit_id": 12, "value": "0", "version": 0}],
                }
            ]
        }
    )

    settings: dict[str, SettingWrite] = Field(
        default_factory=dict, max_length=50, description="设置项 → 新的值与读到的版本号", json_schema_extra=_known_keys
    )
    unit_quotas: list[UnitQuotaWrite] = Field(
        default_factory=list, max_length=200, description="单位线索任务（覆盖“每个单位每月应报有效线索数”）"
    )


class SettingRead(BaseModel):
    label: str
    value: str
    default: str
    version: int = Field(description="0：尚未设置，正用默认值")


class UnitQuotaRead(BaseModel):
    unit_id: int
    value: str
    version: int


class SettingsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "settings": {
                        "lead_monthly_quota": {
                            "label": "每个单位每月应报有效线索数",
                            "value": "2",
                            "default": "1",
                            "version": 1,
                        },
                        "large_project_threshold": {
                            "label": "首报首谈登记的项目规模下限（万元）",
                            "value": "100000",
                            "default": "100000",
                            "version": 0,
                        },
                        "yellow_card_percent": {
                            "label": "低于时序进度的多少（%）亮黄牌",
                            "value": "75",
                            "default": "70",
                            "version": 1,
                        },
                    },
                    "unit_quotas": [{"unit_id": 12, "value": "0", "version": 1}],
                }
            ]
        }
    )

    settings: dict[str, SettingRead]
    unit_quotas: list[UnitQuotaRead] = Field(description="单位线索任务（覆盖默认值的单位）")


class CalendarDayWrite(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"is_workday": False, "name": "国庆节"}, {"is_workday": True, "name": "国庆节调休上班"}]
        }
    )

    is_workday: bool = Field(description="false：法定节假日（休息）；true：调休上班的周末")
    name: str = Field(default="", max_length=40, description="名称，如“春节”")


class CalendarDayRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"day": "2026-10-01", "is_workday": False, "name": "国庆节"},
                {"day": "2026-10-10", "is_workday": True, "name": "国庆节调休上班"},
            ]
        }
    )

    day: date
    is_workday: bool
    name: str
