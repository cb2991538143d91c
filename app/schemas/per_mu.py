"""The per-mu evaluation (亩均评价): the year's scheme (flat: one field per weight, benchmark and band, as the
page's form), publishing, and what the API answers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models.per_mu import Grade, PerMuLevel, PerMuStatus
from app.schemas.common import InputModel, ReadModel

MAX_ID = 2_147_483_647
Weight = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Benchmark = Annotated[Decimal, Field(gt=0, le=Decimal("99999999.99"), max_digits=10, decimal_places=2)]
Band = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]

SCHEME_EXAMPLE: dict[str, Any] = {
    "version": 1,
    "weight_tax_per_mu": "40",
    "weight_output_per_mu": "30",
    "weight_output_per_energy": "20",
    "weight_rd_share": "10",
    "benchmark_tax_per_mu": "30",
    "benchmark_output_per_mu": "500",
    "benchmark_output_per_energy": "5",
    "benchmark_rd_share": "3",
    "band_a": "85",
    "band_b": "70",
    "band_c": "50",
}


class SchemeIn(InputModel):
    """评价方案: each indicator's weight (the four sum to 100; 0 leaves it out), the benchmark value that scores
    100 (an indicator scores value ÷ benchmark × 100, at most 100), and the lowest total score of A, B and C
    (below C: D)."""

    model_config = ConfigDict(json_schema_extra={"examples": [SCHEME_EXAMPLE]})

    version: int | None = Field(default=None, ge=1, le=MAX_ID, description="读到的方案版本号（首次设定时不填）")
    weight_tax_per_mu: Weight = Field(description="亩均税收的权重")
    weight_output_per_mu: Weight = Field(description="亩均产值的权重")
    weight_output_per_energy: Weight = Field(description="单位能耗产出的权重")
    weight_rd_share: Weight = Field(description="研发投入占比的权重；四项权重之和须为 100")
    benchmark_tax_per_mu: Benchmark = Field(description="亩均税收的标杆值（万元/亩），达到即得 100 分")
    benchmark_output_per_mu: Benchmark = Field(description="亩均产值的标杆值（万元/亩）")
    benchmark_output_per_energy: Benchmark = Field(description="单位能耗产出的标杆值（万元/吨标准煤）")
    benchmark_rd_share: Benchmark = Field(description="研发投入占比的标杆值（%）")
    band_a: Band = Field(description="A 类的最低综合得分（含）")
    band_b: Band = Field(description="B 类的最低综合得分（含）；须低于 A 类")
    band_c: Band = Field(description="C 类的最低综合得分（含）；须低于 B 类；更低为 D 类")


class PublishIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2, "confirm_early": False}]})

    version: int | None = Field(default=None, ge=1, le=MAX_ID, description="读到的方案版本号；不一致时返回 409")
    confirm_early: bool = Field(default=False, description="年度未结束时发布须确认")


PARAMS_EXAMPLE: dict[str, Any] = {
    "weights": {"tax_per_mu": "40", "output_per_mu": "30", "output_per_energy": "20", "rd_share": "10"},
    "benchmarks": {"tax_per_mu": "30", "output_per_mu": "500", "output_per_energy": "5", "rd_share": "3"},
    "bands": {"A": "85", "B": "70", "C": "50"},
}
RESULT_EXAMPLE: dict[str, Any] = {
    "level": "project", "project_id": 1207, "investor_id": 311, "name": "年产 2GWh 储能电池项目",
    "firm_name": "青山新能源科技有限公司", "unit_name": "城关镇人民政府", "zone_name": "青山高新区",
    "industry_chain": "新能源", "projects_count": 1, "land_mu": "100.00", "output": "40000.00", "tax": "2400.00",
    "energy_tce": "10000.00", "rd_spend": "1200.00", "tax_per_mu": "24.00", "output_per_mu": "400.00",
    "output_per_energy": "4.00", "rd_share": "3.00", "score": "82.00", "grade": "B", "firm_grade": "B", "reason": "",
}  # fmt: skip


class SchemeRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2025, "status": "published", "status_label": "已发布", "version": 2,
                    "published_at": "2026-02-10T09:30:00+08:00", "results_count": 1873,
                    "results_digest": "9f2c…", "params": PARAMS_EXAMPLE,
                }
            ]
        }
    )  # fmt: skip

    year: int
    status: PerMuStatus
    status_label: str
    version: int | None = Field(description="尚未设定方案时为空（用默认方案）")
    published_at: datetime | None
    results_count: int
    results_digest: str = Field(description="发布时冻结的全部结果的 SHA-256")
    params: dict[str, Any] = Field(description="weights、benchmarks（指标代码 → 数值）与 bands（A、B、C 的最低分）")


class ResultRead(ReadModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [RESULT_EXAMPLE]})

    level: PerMuLevel
    project_id: int | None = Field(description="企业一级为空")
    investor_id: int
    name: str = Field(description="项目名称或企业名称；保密项目对无权者显示代号，其企业显示“（保密）”")
    firm_name: str
    unit_name: str = Field(description="责任单位（企业一级为空）")
    zone_name: str = Field(description="园区（载体）")
    industry_chain: str
    projects_count: int
    land_mu: Decimal | None
    output: Decimal | None
    tax: Decimal | None
    energy_tce: Decimal | None
    rd_spend: Decimal | None
    tax_per_mu: Decimal | None = Field(description="亩均税收（万元/亩）")
    output_per_mu: Decimal | None = Field(description="亩均产值（万元/亩）")
    output_per_energy: Decimal | None = Field(description="单位能耗产出（万元/吨标准煤）")
    rd_share: Decimal | None = Field(description="研发投入占比（%），未填研发经费时为空")
    score: Decimal | None
    grade: Grade | None = Field(description="A/B/C/D；未分类时为空，见 reason")
    firm_grade: Grade | None = Field(description="项目所属企业的等级")
    reason: str = Field(description="未分类的原因（缺少用地面积、缺少产值……）")


class ResultsRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2025, "published": True, "level": "project", "results": [RESULT_EXAMPLE], "total": 1,
                    "limit": 50, "offset": 0, "grade_counts": {"A": 0, "B": 1, "C": 0, "D": 0, "none": 0},
                }
            ]
        }
    )  # fmt: skip

    year: int
    published: bool = Field(description="false：按当前方案和已确认的实绩即时计算的预览")
    level: PerMuLevel
    results: list[ResultRead]
    total: int
    limit: int
    offset: int
    grade_counts: dict[str, int] = Field(description="A、B、C、D 和未分类（none）的个数（按筛选条件）")


class BreakdownRow(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "12", "name": "城关镇人民政府", "counts": {"A": 3, "B": 5, "C": 2, "D": 1, "none": 2},
                    "land_mu": "860.00", "tax_per_mu": "21.35", "output_per_mu": "412.80",
                }
            ]
        }
    )  # fmt: skip

    key: str
    name: str
    counts: dict[str, int]
    land_mu: Decimal
    tax_per_mu: Decimal | None
    output_per_mu: Decimal | None


class GradeRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"year": 2025, "project_id": None, "investor_id": 311, "grade": "A", "firm": False}]
        }
    )

    year: int
    project_id: int | None
    investor_id: int | None
    grade: Grade | None = Field(description="该年度已发布评价中的等级；未发布、未参评或未分类时为空")
    firm: bool


BreakdownBy = Literal["unit", "zone", "chain"]
