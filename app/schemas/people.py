"""What the pages and the API take and answer for sections, cadres (干部), target splits (目标分解) and the
persons credited with a lead or a project."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import ConfigDict, Field, model_validator

from app.models.people import SectionKind
from app.schemas.common import InputModel, ReadModel

INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}
MAX_SPLIT = Decimal("99999999999999.99")

PersonMetric = Literal["valid_leads", "projects_introduced", "contract_investment", "funds_domestic", "foreign_capital"]
"""The metrics a unit's target can be split on: those a person's ledger computes (app.services.people)."""


class SectionCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "招商股", "kind": "office", "sort_order": 10}]})

    name: str = Field(min_length=1, max_length=60, description="科室（所、站、社区、分队）名称，本单位内不重名")
    kind: SectionKind = Field(description="类别：office 科室、institute 所、station 站、community 社区、squad 分队")
    sort_order: int = Field(default=0, ge=0, le=100_000, description="排序号，小的在前")


class SectionUpdate(SectionCreate):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 2, "name": "投资促进股", "kind": "office", "sort_order": 10, "is_active": True}]
        }
    )

    version: int = Field(**INT_ID, description="编辑时读到的版本号；不一致时返回 409")
    is_active: bool = Field(default=True, description="停用后不再分配人员和目标")


class SectionRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "unit_id": 12,
                    "name": "招商股",
                    "kind": "office",
                    "sort_order": 10,
                    "is_active": True,
                    "version": 1,
                }
            ]
        },
    )

    id: int
    unit_id: int
    name: str
    kind: SectionKind
    sort_order: int
    is_active: bool
    version: int


class CadreCreate(InputModel):
    """A person of the unit: an account's holder (user_id, of the same unit) or a named official without an
    account, e.g. a county leader heading an industry team."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "刘志强", "title": "副县长、新能源产业招商组组长", "section_id": None, "user_id": None},
                {"name": "陈晓燕", "title": "招商股股长", "section_id": 3, "user_id": 41, "sort_order": 20},
            ]
        }
    )

    name: str = Field(min_length=1, max_length=50, description="姓名")
    title: str = Field(default="", max_length=50, description="职务")
    section_id: int | None = Field(default=None, **INT_ID, description="所在科室（本单位的；不填为未分科室）")
    user_id: int | None = Field(default=None, **INT_ID, description="对应的本单位账号（无账号的领导干部不填）")
    sort_order: int = Field(default=0, ge=0, le=100_000)


class CadreUpdate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 3, "name": "陈晓燕", "title": "招商股股长", "section_id": 4, "is_active": True}]
        }
    )

    version: int = Field(**INT_ID, description="编辑时读到的版本号；不一致时返回 409")
    name: str = Field(min_length=1, max_length=50)
    title: str = Field(default="", max_length=50)
    section_id: int | None = Field(default=None, **INT_ID, description="分配到本单位的科室；空为未分科室")
    sort_order: int = Field(default=0, ge=0, le=100_000)
    is_active: bool = True


class CadreRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 17,
                    "unit_id": 12,
                    "section_id": 3,
                    "user_id": 41,
                    "name": "陈晓燕",
                    "title": "招商股股长",
                    "sort_order": 20,
                    "is_active": True,
                    "version": 2,
                }
            ]
        },
    )

    id: int
    unit_id: int
    section_id: int | None
    user_id: int | None
    name: str
    title: str
    sort_order: int
    is_active: bool
    version: int


class TargetSplitSet(InputModel):
    """One section's or one cadre's share of the unit's annual target (exactly one of the two). Set again,
    the amount is replaced; 0 removes the split. The sections' splits together, and the cadres' together,
    may not exceed the unit's target."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"year": 2026, "metric": "funds_domestic", "section_id": 3, "amount": "12000"},
                {"year": 2026, "metric": "valid_leads", "cadre_id": 17, "amount": "4"},
            ]
        }
    )

    year: int = Field(ge=2000, le=2100, description="年度")
    metric: PersonMetric = Field(description="指标：有效线索、引进项目、合同投资额、内资到位资金、到位外资")
    section_id: int | None = Field(default=None, **INT_ID, description="科室（与 cadre_id 二选一）")
    cadre_id: int | None = Field(default=None, **INT_ID, description="干部（与 section_id 二选一）")
    amount: Decimal = Field(ge=0, le=MAX_SPLIT, max_digits=16, decimal_places=2, description="分解的年度目标；0 为取消")

    @model_validator(mode="after")
    def _one_holder(self) -> TargetSplitSet:
        if (self.section_id is None) == (self.cadre_id is None):
            raise ValueError("目标须分解到一个科室或一名干部（二选一）")
        return self


class TargetSplitRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 8,
                    "year": 2026,
                    "metric": "funds_domestic",
                    "unit_id": 12,
                    "section_id": 3,
                    "cadre_id": None,
                    "amount": "12000.00",
                }
            ]
        },
    )

    id: int | None
    year: int
    metric: str
    unit_id: int
    section_id: int | None
    cadre_id: int | None
    amount: Decimal


class PersonShare(InputModel):
    cadre_id: int = Field(**INT_ID, description="干部")
    share: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2, description="份额（%）")


class PeopleSet(InputModel):
    """The persons who worked a lead, a project, a visit or an activity and their shares, summing to 100; an
    empty list returns a lead, a project or a visit to its default (the person who entered it holds 100%);
    an activity needs at least one person."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"people": [{"cadre_id": 17, "share": "60"}, {"cadre_id": 23, "share": "40"}]}, {"people": []}]
        }
    )

    people: list[PersonShare] = Field(
        max_length=20, description="参与人员及份额，合计 100%；空列表恢复默认（招商活动须至少一人）"
    )


class PersonShareRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [{"cadre_id": 17, "name": "陈晓燕", "unit_id": 12, "share": "60.00", "is_default": False}]
        },
    )

    cadre_id: int
    name: str
    unit_id: int
    share: Decimal
    is_default: bool = Field(description="未指定时按默认规则（录入人）计入")


FIGURES_EXAMPLE: dict[str, Any] = {
    "leads": "3",
    "valid_leads": "2.6",
    "visits": "5",
    "projects_introduced": "1",
    "contract_investment": "3000.00",
    "funds_domestic": "1200.00",
    "foreign_capital": "0.00",
    "trips": "1.5",
    "receptions": "2",
    "events": "0.5",
    "trade": "240.00",
}


class PersonRow(ReadModel):
    """A cadre with the year's figures (shared work by its share) and the targets split to them."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cadre": CadreRead.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                    "figures": FIGURES_EXAMPLE,
                    "targets": {"funds_domestic": "5000.00", "valid_leads": "4.00"},
                }
            ]
        }
    )

    cadre: CadreRead
    figures: dict[str, Decimal] = Field(
        description="本年度：leads 报送线索、valid_leads 有效线索、visits 项目走访、projects_introduced 签约项目、"
        "contract_investment 合同投资（万元）、funds_domestic 内资到位（万元）、foreign_capital 到位外资（万美元）、"
        "trips 外出招商（次）、receptions 接待客商（批）、events 推介活动（场）、trade 外贸进出口（万美元）；"
        "多人经手的按份额计入"
    )
    targets: dict[str, Decimal] = Field(description="分解给本人的年度目标，按指标")


class MonthFigures(ReadModel):
    month: int
    figures: dict[str, Decimal]


class LedgerRead(ReadModel):
    """干部招商台账: a cadre's year month by month, the year's total, and the targets split to them with the
    completion (%)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "cadre": CadreRead.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                    "unit_id": 12,
                    "section_id": 3,
                    "year": 2026,
                    "months": [{"month": 1, "figures": FIGURES_EXAMPLE}],
                    "total": FIGURES_EXAMPLE,
                    "targets": {"funds_domestic": "5000.00"},
                    "completion": {"funds_domestic": "24.0"},
                }
            ]
        }
    )

    cadre: CadreRead
    unit_id: int
    section_id: int | None
    year: int
    months: list[MonthFigures]
    total: dict[str, Decimal]
    targets: dict[str, Decimal]
    completion: dict[str, Decimal | None] = Field(description="完成分解目标的百分比（一位小数）；目标为 0 时为空")


# --- a page's rows of people and shares ----------------------------------------------------------

MAX_PEOPLE = 20


def people_from_form(form: Mapping[str, Any], field: str = "people") -> list[tuple[int, Decimal]]:
    """The persons and shares of a page's rows (`cadre_0`/`share_0` …): rows without a person are skipped;
    one person alone may leave the share empty (100%). Input that is not a choice or a number is refused in
    Chinese under `field`; the rules (sum, units) are the service's."""
    from app.errors import Invalid

    rows: list[tuple[int, str]] = []
    for i in range(MAX_PEOPLE):
        cadre = str(form.get(f"cadre_{i}") or "").strip()
        share = str(form.get(f"share_{i}") or "").strip().rstrip("%％").strip()
        if not cadre:
            if share:
                raise Invalid({field: f"第 {i + 1} 行填了份额，请选择人员"})
            continue
        if not cadre.isdigit() or not 1 <= int(cadre) <= 2_147_483_647:
            raise Invalid({field: "请从列表中选择人员"})
        rows.append((int(cadre), share))
    if len(rows) == 1 and not rows[0][1]:
        return [(rows[0][0], Decimal(100))]
    parts = []
    for cadre_id, share in rows:
        if not share:
            raise Invalid({field: "多人经办时请填写每人的份额（%）"})
        try:
            value = Decimal(share)
        except InvalidOperation:
            raise Invalid({field: "份额须为数字，如 60 或 33.33"}) from None
        if not value.is_finite():
            raise Invalid({field: "份额须为数字，如 60 或 33.33"})
        parts.append((cadre_id, value))
    return parts


def people_form_values(form: Mapping[str, Any]) -> dict[str, str]:
    """The rows as typed, to show a refused form again."""
    return {
        key: str(form.get(key) or "")
        for i in range(MAX_PEOPLE)
        for key in (f"cadre_{i}", f"share_{i}")
        if form.get(key) not in (None, "")
    }
