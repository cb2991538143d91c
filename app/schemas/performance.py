"""What the API takes and answers for the coordinator's targets, campaigns, reports' cadence and bulletins."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field, field_validator, model_validator

from app.models.unit import UnitKind
from app.schemas.common import InputModel, ReadModel

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_TARGET = Decimal("99999999999999.99")
INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}

MetricCode = Field(
    min_length=1,
    max_length=40,
    pattern=r"^[a-z0-9_]+$",
    description="指标代码，见 GET /api/v1/metrics（如 funds_domestic 内资到位资金、projects_introduced 引进项目）",
)


# --- targets and the monthly curve ------------------------------------------------------------


class TargetSet(InputModel):
    """A year's target for one metric, for exactly one of: one unit, the departments of a tier, every unit
    of a kind. Set again for the same year, metric and scope, the amount is replaced."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"year": 2026, "metric": "funds_domestic", "amount": "52000", "tier": 1},
                {"year": 2026, "metric": "projects_introduced", "amount": "6", "unit_kind": "town"},
                {"year": 2026, "metric": "contract_investment", "amount": "180000.50", "unit_id": 12},
            ]
        }
    )

    year: int = Field(ge=2000, le=2100, description="年度")
    metric: str = MetricCode
    amount: Decimal = Field(
        ge=0, le=MAX_TARGET, max_digits=16, decimal_places=2, description="年度目标（按指标的计量单位，如万元、个）"
    )
    unit_id: int | None = Field(default=None, **INT_ID, description="单个单位（与 tier、unit_kind 三选一）")
    tier: int | None = Field(default=None, ge=1, le=4, description="县直部门的考核档次 1–4（三选一）")
    unit_kind: UnitKind | None = Field(
        default=None, description="单位类别，如 town 乡镇、zone_bureau 园区招商局（三选一）"
    )

    @model_validator(mode="after")
    def _one_scope(self) -> TargetSet:
        if sum(x is not None for x in (self.unit_id, self.tier, self.unit_kind)) != 1:
            raise ValueError("目标须按单位（unit_id）、档次（tier）或单位类别（unit_kind）设定，三选一")
        return self


class TargetRead(ReadModel):
    id: int
    year: int
    metric: str
    amount: Decimal
    unit_id: int | None
    tier: int | None
    unit_kind: str | None
    version: int


class MonthShare(InputModel):
    month: int = Field(ge=1, le=12, description="月份 1–12")
    share: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2, description="到该月末应完成全年的比例（%）")


class CurveSet(InputModel):
    """时序进度: the share of the year expected done by the end of each month given; the months not given
    keep theirs (edited before, or linear: month/12)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "shares": [
                        {"month": 1, "share": "5"},
                        {"month": 2, "share": "10"},
                        {"month": 3, "share": "25"},
                        {"month": 6, "share": "50"},
                    ]
                }
            ]
        }
    )

    shares: list[MonthShare] = Field(min_length=1, max_length=12, description="各月应完成比例，每月至多一项")

    @field_validator("shares")
    @classmethod
    def _months_once(cls, shares: list[MonthShare]) -> list[MonthShare]:
        months = [s.month for s in shares]
        if len(set(months)) != len(months):
            raise ValueError("同一月份只能出现一次")
        return shares


class MonthShareRead(ReadModel):
    month: int
    share: Decimal = Field(description="到该月末应完成全年的比例（%）")


_CURVE_EXAMPLE = [
    "5.00",
    "12.00",
    "20.00",
    "28.00",
    "36.00",
    "50.00",
    "56.00",
    "63.00",
    "72.00",
    "80.00",
    "90.00",
    "100.00",
]
"""A curve the coordinator set: slower than the straight line early in the year, as work starts in spring."""


class CurveRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "shares": [{"month": month, "share": share} for month, share in enumerate(_CURVE_EXAMPLE, start=1)],
                }
            ]
        }
    )

    year: int
    shares: list[MonthShareRead] = Field(description="12 个月，未设定的按线性（月份/12）")


# --- campaigns --------------------------------------------------------------------------------


class Alternative(InputModel):
    """One way to meet a target: any one alternative met within the campaign's dates meets it."""

    measure: Literal["count", "sum", "funds"] = Field(
        description="count 项目个数；sum 合同投资合计（万元）；funds 内资到位资金（万元）"
    )
    on: Literal["signed", "started"] | None = Field(
        default=None, description="count、sum 必填：signed 按签约日期，started 按开工日期；funds 不填"
    )
    min_wan: Decimal | None = Field(
        default=None,
        ge=0,
        le=MAX_TARGET,
        max_digits=16,
        decimal_places=2,
        description="只计合同投资不低于此（万元）的项目",
    )
    threshold: Decimal = Field(ge=0, le=MAX_TARGET, max_digits=16, decimal_places=2, description="达到即算完成")

    @model_validator(mode="after")
    def _on_for_projects(self) -> Alternative:
        if self.measure != "funds" and self.on is None:
            raise ValueError("count、sum 须指定 on：signed 或 started")
        if self.measure == "funds" and (self.on is not None or self.min_wan is not None):
            raise ValueError("funds 不带 on 和 min_wan")
        return self


class CampaignTarget(InputModel):
    column: str = Field(min_length=1, max_length=30, description="目标名称（竞赛表的一列），如 签约、新开工")
    alternatives: list[Alternative] = Field(
        default_factory=list, max_length=10, description="备选条件，任一达成即算完成；为空表示另定（见 note）"
    )
    note: str = Field(default="", max_length=100, description="说明，如 按年度另定")


class CampaignGroup(InputModel):
    name: str = Field(min_length=1, max_length=50, description="分组名称，如 一档、两个园区招商局")
    tiers: list[int] = Field(default_factory=list, max_length=4, description="按考核档次（1–4）纳入县直部门")
    kinds: list[UnitKind] = Field(default_factory=list, max_length=8, description="按单位类别纳入")
    unit_ids: list[int] = Field(default_factory=list, max_length=500, description="逐个纳入的单位")
    targets: list[CampaignTarget] = Field(min_length=1, max_length=10)

    @model_validator(mode="after")
    def _members(self) -> CampaignGroup:
        if any(not 1 <= t <= 4 for t in self.tiers):
            raise ValueError("档次为 1–4")
        if any(not 1 <= u <= 2_147_483_647 for u in self.unit_ids):
            raise ValueError("单位编号无效")
        if not (self.tiers or self.kinds or self.unit_ids):
            raise ValueError("每个分组须按档次、单位类别或单位纳入成员")
        return self


def _plain(value: Any) -> Any:
    """A Decimal as the rules store it: an integer when whole (as the page's JSON), else its text."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def rules_json(groups: list[CampaignGroup]) -> list[dict[str, Any]]:
    """The groups as the campaign stores them (the same JSON the page's form takes)."""
    return [
        _plain(g.model_dump(mode="python", exclude_none=True)) | {"kinds": [k.value for k in g.kinds]} for g in groups
    ]


_RULES_EXAMPLE: list[Any] = [
    {
        "name": "一档",
        "tiers": [1],
        "targets": [
            {
                "column": "签约",
                "alternatives": [
                    {"measure": "count", "on": "signed", "min_wan": "1000", "threshold": "3"},
                    {"measure": "sum", "on": "signed", "min_wan": "1000", "threshold": "6000"},
                ],
            },
            {"column": "资金到位", "alternatives": [{"measure": "funds", "threshold": "1000"}]},
        ],
    },
    {
        "name": "两个园区招商局",
        "kinds": ["zone_bureau"],
        "targets": [
            {
                "column": "新开工",
                "alternatives": [{"measure": "count", "on": "started", "min_wan": "1000", "threshold": "2"}],
            }
        ],
    },
]


class CampaignCreate(InputModel):
    """百日竞赛 and the like: dated, with targets per group of units, each met by any one alternative."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "2026年招商引资百日攻坚竞赛",
                    "starts_on": "2026-06-01",
                    "ends_on": "2026-09-08",
                    "rules": _RULES_EXAMPLE,
                }
            ]
        }
    )

    name: str = Field(min_length=2, max_length=100, description="竞赛名称")
    starts_on: date = Field(ge=FIRST_DAY, le=LAST_DAY, description="开始日期（2000-01-01 至 2100-12-31）")
    ends_on: date = Field(ge=FIRST_DAY, le=LAST_DAY, description="结束日期，不早于开始日期")
    rules: list[CampaignGroup] = Field(min_length=1, max_length=20, description="分组及各组目标")


class CampaignPatch(InputModel):
    """Only the fields sent change; the campaign as it then stands is checked as a whole."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": 3, "ends_on": "2026-09-30"},
                {"version": 4, "name": "2026年招商引资百日攻坚竞赛（延长）", "rules": _RULES_EXAMPLE},
            ]
        }
    )

    version: int = Field(ge=1, le=2_147_483_647, description="读到的版本号；不一致时返回 409")
    name: str | None = Field(default=None, min_length=2, max_length=100, description="竞赛名称")
    starts_on: date | None = Field(default=None, ge=FIRST_DAY, le=LAST_DAY, description="开始日期")
    ends_on: date | None = Field(default=None, ge=FIRST_DAY, le=LAST_DAY, description="结束日期，不早于开始日期")
    rules: list[CampaignGroup] | None = Field(
        default=None, min_length=1, max_length=20, description="分组及各组目标（整体替换）"
    )


class CampaignRead(ReadModel):
    id: int
    name: str
    starts_on: date
    ends_on: date
    rules: list[dict[str, Any]] = Field(description="分组及各组目标（与请求的格式相同）")
    version: int


# --- reports' cadence and bulletins ------------------------------------------------------------


class PublishIn(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"confirm_early": False}, {"confirm_early": True}]})

    confirm_early: bool = Field(
        default=False,
        description="本期尚未结束时须为 true（确认提前发布）；否则 422，message 说明尚余几天",
    )


class PublishedBulletin(ReadModel):
    kind: str
    year: int
    number: int
    title: str
    period_start: date
    period_end: date
    digest: str = Field(description="发布时内容的 SHA-256 摘要")
    published_at: datetime
