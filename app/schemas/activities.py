"""The activities a unit records over the API: one typed body per kind (POST /activities/{kind})."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.schemas.common import Day, InputModel, ReadModel
from app.schemas.people import PersonShare, PersonShareRead

CADRES_HELP = (
    "经办人员及份额（本单位人员，份额合计 100%，最多 20 人）；不填则计入登记人本人（系统令牌登记的不计入任何人）"
)


def _cadres() -> Any:
    return Field(default_factory=list, max_length=20, description=CADRES_HELP)


MONTH_PATTERN = r"^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"


class TripCreate(InputModel):
    """外出招商: an outbound promotion trip."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "started_on": "2026-05-12",
                    "ended_on": "2026-05-15",
                    "destination": "广东省深圳市",
                    "people": "张局长、李科长",
                    "companies_visited": "深圳某新能源科技有限公司；某电子材料集团",
                    "leads_obtained": 3,
                    "cadres": [{"cadre_id": 17, "share": "60"}, {"cadre_id": 23, "share": "40"}],
                    "section_ids": [4, 6],
                }
            ]
        }
    )

    started_on: Day = Field(description="出发日期，不能晚于今天")
    ended_on: Day = Field(description="返回日期，不能早于出发日期")
    destination: str = Field(min_length=1, max_length=100, description="目的地")
    people: str = Field(
        default="", max_length=200, description="外出人员（文字）；不填时由 cadres 中的人员姓名生成，二者至少填一项"
    )
    companies_visited: str = Field(default="", max_length=4000, description="拜访的企业")
    leads_obtained: int = Field(default=0, ge=0, le=1000, description="获得的线索数（0–1000）")
    cadres: list[PersonShare] = _cadres()
    section_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        default_factory=list,
        max_length=50,
        description="外出的条线：本单位在用的科室、所、站、社区或分队编号（每月外出招商达标按条线统计），最多 50 个",
    )


class ReceptionCreate(InputModel):
    """接待客商: one batch of visiting investors."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "received_on": "2026-06-03",
                    "visitors": "浙江某智能装备有限公司考察团",
                    "persons": 6,
                    "note": "实地考察经开区标准化厂房，意向投资 2 亿元",
                    "cadres": [{"cadre_id": 17, "share": "100"}],
                }
            ]
        }
    )

    received_on: Day = Field(description="接待日期，不能晚于今天")
    visitors: str = Field(min_length=1, max_length=200, description="来访客商（企业）")
    persons: int = Field(default=1, ge=1, le=10000, description="来访人数（1–10000）")
    note: str = Field(default="", max_length=2000, description="备注")
    cadres: list[PersonShare] = _cadres()


class EventCreate(InputModel):
    """推介活动: an event held, with the unit's projects signed there (by project id)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "held_on": "2026-04-18",
                    "name": "青山县（深圳）新能源产业招商推介会",
                    "place": "深圳会展中心",
                    "project_ids": [57, 61],
                    "cadres": [{"cadre_id": 17, "share": "50"}, {"cadre_id": 23, "share": "50"}],
                }
            ]
        }
    )

    held_on: Day = Field(description="举办日期，不能晚于今天")
    name: str = Field(min_length=1, max_length=200, description="活动名称")
    place: str = Field(min_length=1, max_length=100, description="举办地点")
    project_ids: list[Annotated[int, Field(ge=1, le=2_147_483_647)]] = Field(
        default_factory=list,
        max_length=50,
        description="现场签约的本单位项目编号（引进或负责单位为本单位），最多 50 个",
    )
    cadres: list[PersonShare] = _cadres()


class TradeSet(InputModel):
    """外贸进出口: the unit's foreign trade of one month (万美元), replacing what the month held."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"month": "2026-05", "amount_usd": "486.50"},
                {"month": "2026-05", "amount_usd": "492.00", "version": 1},
            ]
        }
    )

    month: str = Field(pattern=MONTH_PATTERN, description="月份 YYYY-MM，不能晚于本月")
    amount_usd: Decimal = Field(ge=0, le=10_000_000_000, decimal_places=2, description="进出口额（万美元）")
    version: int | None = Field(
        default=None,
        ge=0,
        le=2_147_483_647,
        description="改已填的月份时：读到的版本号（0 表示尚未填报）；不一致时返回 409",
    )
    cadres: list[PersonShare] = Field(
        default_factory=list,
        max_length=20,
        description="经办人员及份额（本单位人员，合计 100%）；不填则保留该月原有人员（新填的月份计入登记人本人）",
    )

    def first_day(self) -> date:
        return date.fromisoformat(f"{self.month}-01")


ACTIVITY_BODIES: dict[str, type[InputModel]] = {
    "trip": TripCreate,
    "reception": ReceptionCreate,
    "event": EventCreate,
    "trade": TradeSet,
}
"""The body each kind of activity takes."""


class TripRead(ReadModel):
    id: int
    unit_id: int
    started_on: date
    ended_on: date
    destination: str
    people: str
    companies_visited: str
    leads_obtained: int
    cadres: list[PersonShareRead] = Field(default_factory=list, description="经办人员及份额")
    section_ids: list[int] = Field(default_factory=list, description="外出的条线（科室、所、站、社区、分队）")
    version: int
    created_at: datetime


class ReceptionRead(ReadModel):
    id: int
    unit_id: int
    received_on: date
    visitors: str
    persons: int
    note: str
    cadres: list[PersonShareRead] = Field(default_factory=list, description="经办人员及份额")
    version: int
    created_at: datetime


class EventRead(ReadModel):
    id: int
    unit_id: int
    held_on: date
    name: str
    place: str
    project_ids: list[int] = Field(description="现场签约的项目")
    cadres: list[PersonShareRead] = Field(default_factory=list, description="经办人员及份额")
    version: int
    created_at: datetime


class TradeRead(ReadModel):
    id: int
    unit_id: int
    month: str = Field(description="月份 YYYY-MM")
    amount_usd: Decimal = Field(description="进出口额（万美元）")
    cadres: list[PersonShareRead] = Field(default_factory=list, description="经办人员及份额")
    version: int
    created_at: datetime

    @field_validator("month", mode="before")
    @classmethod
    def _month(cls, value: Any) -> Any:
        return value.strftime("%Y-%m") if isinstance(value, date) else value


class ActivityRecorded(BaseModel):
    """What was recorded: the kind and the record as it now stands (one of the four)."""

    kind: str = Field(description="trip、reception、event 或 trade")
    record: TripRead | ReceptionRead | EventRead | TradeRead


class ActivitiesRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "trips": [
                        {
                            "id": 31,
                            "unit_id": 3,
                            "started_on": "2026-11-16",
                            "ended_on": "2026-11-19",
                            "destination": "广东省深圳市",
                            "people": "张局长、李科长",
                            "companies_visited": "深圳某新能源科技有限公司；某电子材料集团",
                            "leads_obtained": 3,
                            "cadres": [
                                {"cadre_id": 17, "name": "陈晓燕", "unit_id": 3, "share": "100.00", "is_default": False}
                            ],
                            "section_ids": [4],
                            "version": 1,
                            "created_at": "2026-11-20T01:10:00Z",
                        }
                    ],
                    "receptions": [
                        {
                            "id": 58,
                            "unit_id": 3,
                            "received_on": "2026-12-02",
                            "visitors": "浙江某智能装备有限公司考察团",
                            "persons": 6,
                            "note": "实地考察经开区标准化厂房，意向投资 2 亿元",
                            "cadres": [
                                {"cadre_id": 17, "name": "陈晓燕", "unit_id": 3, "share": "100.00", "is_default": False}
                            ],
                            "version": 1,
                            "created_at": "2026-12-02T09:30:00Z",
                        }
                    ],
                    "events": [
                        {
                            "id": 7,
                            "unit_id": 3,
                            "held_on": "2026-10-18",
                            "name": "青山县（深圳）新能源产业招商推介会",
                            "place": "深圳会展中心",
                            "project_ids": [57, 61],
                            "cadres": [
                                {"cadre_id": 17, "name": "陈晓燕", "unit_id": 3, "share": "100.00", "is_default": False}
                            ],
                            "version": 1,
                            "created_at": "2026-10-19T02:00:00Z",
                        }
                    ],
                    "trade": [
                        {
                            "id": 112,
                            "unit_id": 3,
                            "month": "2026-11",
                            "amount_usd": "486.50",
                            "cadres": [
                                {"cadre_id": 17, "name": "陈晓燕", "unit_id": 3, "share": "100.00", "is_default": False}
                            ],
                            "version": 2,
                            "created_at": "2026-12-03T03:00:00Z",
                        }
                    ],
                }
            ]
        }
    )

    trips: list[TripRead]
    receptions: list[ReceptionRead]
    events: list[EventRead]
    trade: list[TradeRead]
