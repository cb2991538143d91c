"""督查抽查 over the API: draw a sample, read it, record what checking each item found."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import Day, InputModel, ReadModel

ItemKind = Literal["funds_arrival", "project_signed", "project_started"]


class SpotCheckDraw(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"period_start": "2026-07-01", "period_end": "2026-09-30", "fraction": "30", "seed": 20260930}]
        }
    )

    period_start: Day = Field(description="抽查期间起（含）")
    period_end: Day = Field(description="抽查期间止（含），不能早于起始日期")
    fraction: Decimal | None = Field(
        default=None,
        gt=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description="抽查比例（%，大于 0、不超过 100）；缺省为“督查抽查比例”设置（默认 30）",
    )
    seed: int | None = Field(
        default=None,
        ge=1,
        le=2_147_483_646,
        description="随机种子；缺省自动生成。同一种子对同一批记录总是抽到同样的条目",
    )


class SpotItem(BaseModel):
    kind: ItemKind = Field(description="funds_arrival 到位资金，project_signed 签约项目，project_started 开工项目")
    id: int = Field(description="该条记录的编号（到位资金或项目）")
    unit_id: int | None = Field(description="报送该条记录的单位")


class SpotFindingWrite(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "funds_arrival",
                    "item_id": 128,
                    "confirmed": False,
                    "discrepancy": "120.00",
                    "note": "银行回单金额与登记金额不一致，多报 120 万元",
                },
                {"kind": "project_signed", "item_id": 57, "confirmed": True},
            ]
        }
    )

    kind: ItemKind = Field(description="抽中条目的类别")
    item_id: int = Field(ge=1, le=2_147_483_647, description="抽中条目的编号（须在本次抽样中）")
    confirmed: bool = Field(description="true 属实；false 发现不符（须说明情况）")
    discrepancy: Decimal | None = Field(
        default=None, ge=-10_000_000_000, le=10_000_000_000, decimal_places=2, description="差额（万元），不符时填写"
    )
    note: str = Field(default="", max_length=2000, description="情况说明；不符时必填")
    version: int | None = Field(
        default=None, ge=1, le=2_147_483_647, description="更正已记录的结果时：读到的版本号；不一致时返回 409"
    )


class SpotFindingRead(ReadModel):
    id: int
    check_id: int
    kind: str
    item_id: int
    unit_id: int | None
    confirmed: bool
    discrepancy: Decimal | None
    note: str
    version: int


_SUMMARY_EXAMPLE: dict[str, Any] = {
    "id": 9,
    "period_start": "2026-07-01",
    "period_end": "2026-09-30",
    "seed": 20260930,
    "fraction": "30.00",
    "population": 7,
    "sampled": 3,
    "drawn_by_id": 4,
    "created_at": "2026-10-10T02:00:00Z",
}


class SpotCheckSummary(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_SUMMARY_EXAMPLE]})

    id: int
    period_start: date
    period_end: date
    seed: int
    fraction: Decimal = Field(description="抽查比例（%）")
    population: int = Field(description="期间内报送的条目总数")
    sampled: int = Field(description="抽中的条目数")
    drawn_by_id: int | None = Field(description="抽取人（令牌抽取时为空）")
    created_at: datetime


class SpotCheckRead(SpotCheckSummary):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                _SUMMARY_EXAMPLE
                | {
                    "items": [
                        {"kind": "funds_arrival", "id": 128, "unit_id": 3},
                        {"kind": "project_signed", "id": 57, "unit_id": 8},
                        {"kind": "project_started", "id": 61, "unit_id": 3},
                    ],
                    "findings": [
                        {
                            "id": 15,
                            "check_id": 9,
                            "kind": "funds_arrival",
                            "item_id": 128,
                            "unit_id": 3,
                            "confirmed": False,
                            "discrepancy": "120.00",
                            "note": "银行回单金额与登记金额不一致，多报 120 万元",
                            "version": 1,
                        }
                    ],
                }
            ]
        }
    )

    items: list[SpotItem] = Field(description="抽中的条目")
    findings: list[SpotFindingRead] = Field(description="已记录的核查结果")
