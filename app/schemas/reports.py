"""What the API takes and answers for the periodic reports' cadences, which units report which cadence
(报送范围), and the late and missing reports of a year (app.services.reports)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import InputModel, ReadModel

Cadence = Literal["weekly", "ten_day", "monthly", "quarterly", "halfyearly"]
CADENCE_TEXT = "weekly 周报、ten_day 旬报、monthly 月报、quarterly 季报、halfyearly 半年小结"
ReportingKind = Literal["department", "town", "subdistrict", "zone", "zone_bureau", "industry_team", "resident_office"]
KIND_TEXT = (
    "department 县直部门、town 乡镇、subdistrict 街道、zone 园区、zone_bureau 园区局、industry_team 产业招商组、"
    "resident_office 驻外招商分队"
)


class CadenceSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"due_days": 5, "is_active": True},
                {"due_days": 1, "is_active": True, "working_days": True},
            ]
        }
    )

    due_days: int = Field(ge=1, le=60, description="报告期结束后几天内报送（1–60）")
    is_active: bool = Field(default=True, description="是否要求各单位报送")
    working_days: bool | None = Field(
        default=None,
        description="按工作日计算期限（按工作日历，节假日不计）；不填则不变（新安排的周报、半年小结按工作日，其余按自然日）",
    )


class CadenceRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"cadence": "weekly", "due_days": 1, "is_active": True, "working_days": True, "version": 1},
                {"cadence": "monthly", "due_days": 5, "is_active": True, "working_days": False, "version": 2},
                {"cadence": "halfyearly", "due_days": 10, "is_active": True, "working_days": True, "version": 1},
            ]
        }
    )

    cadence: Cadence = Field(description=CADENCE_TEXT)
    due_days: int
    is_active: bool
    working_days: bool = Field(description="true：期限按工作日计算；false：按自然日")
    version: int


class KindRulesSet(InputModel):
    """Which kinds of unit report which cadence; the cadences and kinds not named stay as they are."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cadences": {
                        "weekly": {"town": True, "subdistrict": True, "department": False, "industry_team": False},
                        "halfyearly": {"resident_office": True},
                    }
                }
            ]
        }
    )

    cadences: dict[Cadence, dict[ReportingKind, bool]] = Field(
        min_length=1,
        description=(
            f"报告类型 → 单位类别 → 是否报送（true 报送，false 免报）。报告类型：{CADENCE_TEXT}；单位类别：{KIND_TEXT}"
        ),
    )


class UnitRuleSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"applies": False}, {"applies": True}, {"applies": None}]}
    )

    applies: bool | None = Field(description="该单位是否报送此类报告，不论其类别如何设定；null：取消单独设定，按其类别")


class UnitRuleRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"cadence": "weekly", "unit_id": 12, "unit": "青山县发展和改革局", "applies": True, "version": 1},
                {"cadence": "weekly", "unit_id": 15, "unit": "青山县商务局", "applies": None, "version": 0},
            ]
        }
    )

    cadence: Cadence
    unit_id: int
    unit: str = Field(description="单位名称")
    applies: bool | None = Field(description="true 报送、false 免报；null：没有单独设定，按其类别")
    version: int = Field(description="单独设定的版本号；0：没有单独设定")


class ApplicabilityRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kinds": {
                        "weekly": {
                            "department": False,
                            "town": True,
                            "subdistrict": True,
                            "zone": True,
                            "zone_bureau": True,
                            "industry_team": False,
                            "resident_office": True,
                        },
                        "monthly": {
                            "department": True,
                            "town": True,
                            "subdistrict": True,
                            "zone": True,
                            "zone_bureau": True,
                            "industry_team": True,
                            "resident_office": True,
                        },
                    },
                    "units": [
                        {
                            "cadence": "weekly",
                            "unit_id": 12,
                            "unit": "青山县发展和改革局",
                            "applies": True,
                            "version": 1,
                        }
                    ],
                }
            ]
        }
    )

    kinds: dict[str, dict[str, bool]] = Field(description="报告类型 → 单位类别 → 是否报送（未设定的为 true：报送）")
    units: list[UnitRuleRead] = Field(description="单独设定的单位（优先于其类别的设定）")


class LateItemRead(BaseModel):
    cadence: Cadence
    period_start: date
    period_end: date
    due_on: date
    state: Literal["late", "missing"] = Field(description="late 迟报（过期限才报送）、missing 未报（期限已过）")


class LateReportsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": 3,
                    "unit": "城关镇人民政府",
                    "late": 1,
                    "missing": 1,
                    "items": [
                        {
                            "cadence": "monthly",
                            "period_start": "2026-03-01",
                            "period_end": "2026-03-31",
                            "due_on": "2026-04-05",
                            "state": "late",
                        },
                        {
                            "cadence": "weekly",
                            "period_start": "2026-06-15",
                            "period_end": "2026-06-21",
                            "due_on": "2026-06-22",
                            "state": "missing",
                        },
                    ],
                }
            ]
        }
    )

    unit_id: int
    unit: str
    late: int = Field(description="迟报次数")
    missing: int = Field(description="未报次数")
    items: list[LateItemRead]
