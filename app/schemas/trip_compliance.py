"""The monthly outbound-trip list over the API (app.services.trip_compliance)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import InputModel

MonthState = Literal["met", "open", "missed", "not_judged"]
STATE_TEXT = "、".join(
    [
        "met 已达标",
        "open 本月进行中（尚未达标）",
        "missed 未达标（该月已结束）",
        "not_judged 不计（无要求，或单位当月尚未设立）",
    ]
)


class SectionMonthRead(BaseModel):
    section_id: int
    name: str
    kind: str = Field(description="条线类别：科室、所、站、社区、分队")
    trips: int = Field(description="该条线当月外出招商次数")
    state: MonthState = Field(description=STATE_TEXT)


class UnitMonthRead(BaseModel):
    unit_id: int
    unit: str = Field(description="单位名称")
    trips: int = Field(description="当月外出招商次数（按出发日期计）")
    state: MonthState = Field(description=STATE_TEXT)
    minimum: int = Field(description="该单位每月至少外出次数（单独设定的，否则为统一要求；0 为免于考核）")
    sections: list[SectionMonthRead] = Field(description="本单位在用的条线（没有条线的单位为空）")
    missed_months: list[int] = Field(description="本年已结束的月份中未达标的月份")


class TripMonthRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "month": 11,
                    "first_day": "2026-11-01",
                    "last_day": "2026-11-30",
                    "ended": True,
                    "unit_minimum": 1,
                    "section_minimum": 1,
                    "total": 2,
                    "limit": 50,
                    "offset": 0,
                    "items": [
                        {
                            "unit_id": 3,
                            "unit": "城关镇人民政府",
                            "trips": 2,
                            "state": "met",
                            "minimum": 1,
                            "sections": [
                                {"section_id": 4, "name": "招商办", "kind": "科室", "trips": 2, "state": "met"},
                                {"section_id": 6, "name": "经济发展办", "kind": "科室", "trips": 0, "state": "missed"},
                            ],
                            "missed_months": [2],
                        },
                        {
                            "unit_id": 9,
                            "unit": "青山县商务局",
                            "trips": 0,
                            "state": "missed",
                            "minimum": 1,
                            "sections": [],
                            "missed_months": [2, 7, 11],
                        },
                    ],
                }
            ]
        }
    )

    year: int
    month: int
    first_day: date
    last_day: date
    ended: bool = Field(description="该月是否已结束（未结束的月份不算未达标）")
    unit_minimum: int = Field(description="每个单位每月至少外出招商次数（参数设置；0 为不要求）")
    section_minimum: int = Field(description="每个条线每月至少外出招商次数（参数设置；0 为不按条线考核）")
    total: int = Field(description="符合条件的单位数（各页合计）")
    limit: int
    offset: int
    items: list[UnitMonthRead]


class UnitMinimumSet(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"minimum": 0}, {"minimum": 2}, {"minimum": None}]})

    minimum: int | None = Field(
        ge=0,
        le=100,
        description="该单位每月至少外出招商次数（0 为免于考核，其条线亦同）；null：取消单独设定，按统一要求",
    )


class UnitMinimumRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"unit_id": 4, "unit": "青山县人民政府办公室", "own_minimum": 0, "minimum": 0},
                {"unit_id": 9, "unit": "青山县商务局", "own_minimum": None, "minimum": 1},
            ]
        }
    )

    unit_id: int
    unit: str
    own_minimum: int | None = Field(description="单独设定的次数；null：没有单独设定")
    minimum: int = Field(description="该单位现在的要求（单独设定的，否则为统一要求）")
