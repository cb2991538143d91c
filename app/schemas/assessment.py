"""The year's assessment (年度考核): its scheme, qualitative scores, bonuses and deductions; what the API answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.config import JsonDict

from app.models.assessment import AdjustmentKind, AssessmentStatus
from app.schemas.common import InputModel

MAX_ID = 2_147_483_647
Weight = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Points = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]

DEDUCTION_LABELS = {
    "late_report": "迟报、漏报定期报告（每期）",
    "overdue_task": "督办事项逾期（每项）",
    "interview": "被约谈（每次）",
    "stale_data": "数据长期未更新（一次）",
    "overdue_start": "项目超期未开工（每个）",
    "false_figure": "抽查发现数据不实（每项）",
}
"""The deductions the records show, each a number of points per occurrence (the scheme sets them)."""


class QualitativeItem(InputModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,29}$", description="评分项代码（英文小写）")
    label: str = Field(min_length=2, max_length=40, description="评分项名称")
    weight: Weight = Field(description="在定性分中的权重")


class SchemeIn(InputModel):
    """考核方案: the weights of 定量 and 定性, each indicator's weight, the qualitative items, the points per
    deduction and the caps. 定量 + 定性 = 100."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "quantitative_weight": "70",
                    "qualitative_weight": "30",
                    "metric_weights": {
                        "projects_introduced": "20",
                        "contract_investment": "20",
                        "funds_domestic": "30",
                        "new_starts": "20",
                        "valid_leads": "10",
                    },
                    "qualitative_items": [
                        {"code": "leadership", "label": "组织领导与工作作风", "weight": "40"},
                        {"code": "service", "label": "服务企业与问题办理", "weight": "30"},
                        {"code": "innovation", "label": "招商方式创新", "weight": "30"},
                    ],
                    "deductions": {
                        "late_report": "0.5",
                        "overdue_task": "1",
                        "interview": "2",
                        "stale_data": "2",
                        "overdue_start": "0.1",
                        "false_figure": "0.2",
                    },
                    "deduction_cap": "20",
                    "bonus_cap": "10",
                }
            ]
        }
    )

    version: int | None = Field(default=None, ge=1, le=MAX_ID, description="读到的方案版本号（首次设定时不填）")
    quantitative_weight: Weight = Field(description="定量分权重（%）")
    qualitative_weight: Weight = Field(description="定性分权重（%）；与定量分权重之和须为 100")
    metric_weights: dict[str, Weight] = Field(description="定量指标及其权重（指标代码见 /api/v1/metrics）")
    qualitative_items: list[QualitativeItem] = Field(min_length=1, max_length=10, description="定性评分项")
    deductions: dict[str, Points] = Field(
        description="每次扣分（分）：" + "；".join(f"{k} {v}" for k, v in DEDUCTION_LABELS.items())
    )
    deduction_cap: Points = Field(description="扣分上限（分）")
    bonus_cap: Points = Field(description="加分上限（分）")

    @model_validator(mode="after")
    def _sums(self) -> SchemeIn:
        if self.quantitative_weight + self.qualitative_weight != 100:
            raise ValueError("定量分与定性分的权重之和须为 100")
        return self

    @field_validator("qualitative_items")
    @classmethod
    def _unique_items(cls, items: list[QualitativeItem]) -> list[QualitativeItem]:
        codes = [i.code for i in items]
        if len(set(codes)) != len(codes):
            raise ValueError("评分项代码不能重复")
        if not sum((i.weight for i in items), Decimal(0)):
            raise ValueError("评分项的权重不能都为 0")
        return items


class ScoreIn(InputModel):
    item: str = Field(min_length=1, max_length=30, description="评分项代码（见方案的 qualitative_items）")
    score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2, description="得分（0–100）")
    reason: str = Field(min_length=4, max_length=2000, description="评分理由")
    version: int | None = Field(default=None, ge=1, le=MAX_ID, description="修改已有评分时：读到的版本号")


class ScoresIn(InputModel):
    """One assessor's qualitative scores of one unit: one line per item (new or changed)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "scores": [
                        {"item": "leadership", "score": "92", "reason": "主要领导每月带队外出招商，专班运转正常。"},
                        {"item": "service", "score": "85", "reason": "两个项目用地问题按期解决，一项督办逾期 3 天。"},
                    ]
                }
            ]
        }
    )

    assessor_id: int | None = Field(
        default=None,
        ge=1,
        le=MAX_ID,
        description="评分人（县级领导、督查室或招商局的账号）；不填为本人。招商局可代评分人录入其书面评分表",
    )
    scores: list[ScoreIn] = Field(min_length=1, max_length=10)


class AdjustmentIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "bonus",
                    "points": "2",
                    "reason": "引进世界 500 强企业投资项目 1 个",
                    "basis": "县招商引资领导小组〔2026〕8 号文",
                }
            ]
        }
    )

    kind: AdjustmentKind = Field(description="bonus 加分；deduction 扣分")
    points: Decimal = Field(gt=0, le=100, max_digits=6, decimal_places=2, description="分值（正数）")
    reason: str = Field(min_length=4, max_length=2000, description="理由")
    basis: str = Field(default="", max_length=200, description="依据（文件、记录）")


class WithdrawIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 1, "reason": "重复录入，以 8 号文为准"}]})

    version: int = Field(ge=1, le=MAX_ID, description="读到的版本号；不一致时返回 409")
    reason: str = Field(min_length=4, max_length=2000, description="撤销理由")


class PublishIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 3, "confirm_early": False}]})

    version: int | None = Field(default=None, ge=1, le=MAX_ID, description="读到的方案版本号；不一致时返回 409")
    confirm_early: bool = Field(default=False, description="年度未结束时发布须确认")


LINE_EXAMPLE: JsonDict = {
    "section": "quantitative",
    "label": "内资到位资金（已确认）",
    "figure": "12,600.00 万元，目标 15,000.00 万元，完成 84.0%",
    "rule": "权重 30 × 完成率（最高按 150% 计），折合定量权重 70",
    "points": "17.64",
    "link": "/metrics/records?code=funds_domestic&start=2026-01-01&end=2026-12-07&unit_id=3",
}
UNIT_RESULT_EXAMPLE: JsonDict = {
    "unit_id": 3,
    "unit_name": "城关镇人民政府",
    "rank": 2,
    "quantitative": "58.31",
    "qualitative": "26.10",
    "bonus": "2.00",
    "deduction": "1.50",
    "score": "84.91",
    "red_card": False,
    "no_results_yet": False,
    "missing_scores": [],
    "lines": [LINE_EXAMPLE],
    "letter": None,
}


class Line(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [LINE_EXAMPLE]})

    section: str = Field(
        description="quantitative 定量、qualitative 定性、bonus 加分、deduction 扣分、info 参考信息（不计分）"
    )
    label: str
    figure: str = Field(description="计分依据的数据（带单位）")
    rule: str = Field(description="计分规则")
    points: Decimal = Field(description="本项得分（扣分为正数）")
    link: str = Field(default="", description="可追溯到记录的页面")


class LetterCite(BaseModel):
    id: int
    title: str
    acknowledged_at: datetime | None
    link: str


class UnitResult(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [UNIT_RESULT_EXAMPLE]})

    unit_id: int
    unit_name: str
    rank: int
    quantitative: Decimal = Field(description="定量得分（已乘定量权重；各指标完成率单项最高按 150% 计）")
    qualitative: Decimal | None = Field(description="定性得分（已乘定性权重；尚无评分时为空）")
    bonus: Decimal
    deduction: Decimal
    score: Decimal = Field(description="综合得分 = 定量 × 权重 + 定性 × 权重 + 加分 − 扣分")
    red_card: bool = Field(description="红牌：全年没有任何招商引资实绩（年度结束或发布后才判定）")
    no_results_yet: bool = Field(description="至今没有任何实绩（年内提示；年末仍如此即为红牌）")
    missing_scores: list[str] = Field(description="尚无人评分的定性评分项")
    lines: list[Line] | None = None
    letter: LetterCite | None = None


SCHEME_READ_EXAMPLE: JsonDict = {
    "year": 2026,
    "status": "draft",
    "status_label": "未发布（随数据变化）",
    "version": 3,
    "published_at": None,
    "params": {
        k: v
        for k, v in SchemeIn.model_config["json_schema_extra"]["examples"][0].items()  # type: ignore[index,union-attr]
        if k != "version"
    },
}


class SchemeRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SCHEME_READ_EXAMPLE]})

    year: int
    status: AssessmentStatus
    status_label: str
    version: int | None = Field(description="方案版本号（未设定方案时为空，使用默认方案）")
    published_at: datetime | None
    params: dict[str, object] = Field(description="方案：权重、定性评分项、扣分标准与上限（数值为文本形式的小数）")


class AssessmentRead(SchemeRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                SCHEME_READ_EXAMPLE
                | {
                    "as_of": "2026-12-07",
                    "results": [UNIT_RESULT_EXAMPLE | {"lines": None}],
                    "total": 28,
                    "limit": 50,
                    "offset": 0,
                }
            ]
        }
    )

    as_of: str = Field(description="结果计算到的日期（发布后为发布时的日期）")
    results: list[UnitResult]
    total: int
    limit: int
    offset: int


class ScoreRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 41,
                    "unit_id": 3,
                    "assessor_id": 7,
                    "assessor_name": "王县长",
                    "item": "service",
                    "score": "85.00",
                    "reason": "两个项目用地问题按期解决，一项督办逾期 3 天。",
                    "version": 1,
                }
            ]
        }
    )

    id: int
    unit_id: int
    assessor_id: int
    assessor_name: str
    item: str
    score: Decimal
    reason: str
    version: int


class AdjustmentRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 12,
                    "unit_id": 3,
                    "kind": "bonus",
                    "kind_label": "加分",
                    "points": "2.00",
                    "reason": "引进世界 500 强企业投资项目 1 个",
                    "basis": "县招商引资领导小组〔2026〕8 号文",
                    "withdrawn": False,
                    "withdraw_reason": "",
                    "version": 1,
                }
            ]
        }
    )

    id: int
    unit_id: int
    kind: AdjustmentKind
    kind_label: str
    points: Decimal
    reason: str
    basis: str
    withdrawn: bool
    withdraw_reason: str
    version: int
