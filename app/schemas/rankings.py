"""What GET /api/v1/rankings answers: the ranking of a dimension (单位 / 科室 / 个人) and its 十佳."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Dimension = Literal["unit", "section", "person"]

FIGURES_EXAMPLE: dict[str, Any] = {
    "leads": "3.00",
    "valid_leads": "2.50",
    "visits": "6.00",
    "projects_introduced": "1.00",
    "contract_investment": "12000.00",
    "funds_domestic": "3000.00",
    "foreign_capital": "0.00",
    "trips": "1.50",
    "receptions": "2.00",
    "events": "0.50",
    "trade": "0.00",
}


class UnitStandingRead(BaseModel):
    rank: int
    unit_id: int
    unit: str
    score: Decimal = Field(description="得分（两位小数）")
    deductions: Decimal = Field(description="扣分")
    stale: bool = Field(description="数据长期未更新")
    gap_to_above: Decimal | None = Field(description="比上一名少的分数；第一名为空")


class StandingRead(BaseModel):
    """A section or a person in the ranking of its dimension."""

    rank: int
    kind: Literal["section", "person"]
    id: int = Field(description="科室编号或人员编号（/people/{id}）")
    name: str
    title: str = Field(description="人员的职务；科室的类别")
    unit_id: int
    unit: str
    section: str | None = Field(description="人员所在科室")
    score: Decimal
    gap_to_above: Decimal | None
    figures: dict[str, Decimal] = Field(description="本年实绩（按份额计入），各项含义同干部招商台账")
    targets: dict[str, Decimal] = Field(description="分解给该科室或人员的年度目标，按指标")


class TopEntryRead(BaseModel):
    rank: int
    kind: Dimension
    id: int = Field(description="单位、科室或人员的编号")
    name: str
    unit_id: int
    unit: str
    contract_investment: Decimal = Field(description="本年签约项目的合同投资（万元；科室、个人按份额）")
    valid_leads: Decimal = Field(description="本年有效线索（条；科室、个人按份额）")


class IndividualRead(BaseModel):
    """One of the 十佳引资个人 (kept for the clients of the first version of this answer)."""

    user_id: int | None = Field(description="账号（无账号的领导干部为空）")
    cadre_id: int
    name: str
    investment: Decimal = Field(description="本年签约项目的合同投资（万元，按份额）")
    valid_leads: Decimal = Field(description="本年有效线索（条，按份额）")


class RankingsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "dimension": "person",
                    "tie_rule": "得分相同时，依次比较：内资到位资金多者在前、引进项目多者在前、所在单位排序号小者在前、"
                    "本人（科室）排序号小者在前。",
                    "units": [
                        {
                            "rank": 1,
                            "unit_id": 3,
                            "unit": "城关镇人民政府",
                            "score": "86.40",
                            "deductions": "0.1",
                            "stale": False,
                            "gap_to_above": None,
                        }
                    ],
                    "standings": [
                        {
                            "rank": 1,
                            "kind": "person",
                            "id": 17,
                            "name": "陈晓燕",
                            "title": "招商股股长",
                            "unit_id": 3,
                            "unit": "城关镇",
                            "section": "招商股",
                            "score": "72.35",
                            "gap_to_above": None,
                            "figures": FIGURES_EXAMPLE,
                            "targets": {"funds_domestic": "5000.00"},
                        }
                    ],
                    "total": 42,
                    "top_ten": [
                        {
                            "rank": 1,
                            "kind": "person",
                            "id": 17,
                            "name": "陈晓燕",
                            "unit_id": 3,
                            "unit": "城关镇",
                            "contract_investment": "12000.00",
                            "valid_leads": "2.50",
                        }
                    ],
                    "individuals": [
                        {
                            "user_id": 41,
                            "cadre_id": 17,
                            "name": "陈晓燕",
                            "investment": "12000.00",
                            "valid_leads": "2.50",
                        }
                    ],
                }
            ]
        }
    )

    year: int
    dimension: Dimension = Field(description="unit 按单位；section 按科室；person 按个人")
    tie_rule: str = Field(description="并列时的规则")
    units: list[UnitStandingRead] = Field(description="单位排名（dimension=unit 时；其余为空）")
    standings: list[StandingRead] = Field(description="科室或个人排名的一页（dimension=section、person 时）")
    total: int = Field(description="参与排名的单位、科室或人员数")
    top_ten: list[TopEntryRead] = Field(description="本维度的十佳：按合同投资，相同时按有效线索")
    individuals: list[IndividualRead] = Field(description="十佳引资个人（任何维度都给出）")
