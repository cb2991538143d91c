"""Inputs and answers of the pre-review (项目预审) and the signing approval by level (签约审批)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import ConfigDict, Field, field_validator

from app.models.prereview import OpinionVerdict
from app.models.project import ApprovalLevel, Category, NegativeReason
from app.schemas.common import InputModel, ReadModel
from app.schemas.projects import INT_ID, _entered_date, _not_future

Id = Annotated[int, Field(**INT_ID)]


def _day(value: date | None) -> date | None:
    return _not_future(value)


class DepartmentsSet(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"category": "industrial", "unit_ids": [4, 7, 12]}]})

    category: Category = Field(description="项目类别")
    unit_ids: list[Id] = Field(
        default_factory=list, max_length=30, description="预审部门（单位类别为部门或园区），空表示不再指定"
    )


class DepartmentsRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "category": "industrial",
                    "label": "工业",
                    "departments": [{"unit_id": 4, "name": "县发展和改革局"}],
                }
            ]
        }
    )

    category: Category
    label: str
    departments: list[dict[str, Any]]


class OpinionCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "unit_id": 7,
                    "verdict": "vetoed",
                    "reason": "environment_safety",
                    "note": "环评不达标：选址在水源保护区",
                }
            ]
        }
    )

    unit_id: Id | None = Field(default=None, description="给出意见的预审部门；部门人员可不填（即本单位）")
    verdict: OpinionVerdict = Field(description="同意（passed）或否决（vetoed）")
    reason: NegativeReason | None = Field(default=None, description="否决理由（负面清单）：否决时必选")
    note: str = Field(default="", max_length=2000, description="意见说明：否决时必填")


class OverrideCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "decided_by": "张某某",
                    "decided_title": "县委书记",
                    "decided_on": "2026-12-01",
                    "document": "县委常委会会议纪要〔2026〕18 号",
                    "reason": "采用新工艺后排放达标，经一事一议同意推进",
                }
            ]
        }
    )

    decided_by: str = Field(min_length=2, max_length=100, description="决定人姓名")
    decided_title: str = Field(min_length=2, max_length=100, description="决定人职务")
    decided_on: date = _entered_date("决定日期")
    document: str = Field(min_length=2, max_length=200, description="作出决定的会议纪要或文件")
    reason: str = Field(min_length=2, max_length=2000, description="放行理由")

    @field_validator("decided_on")
    @classmethod
    def _date(cls, value: date) -> date:
        return _day(value) or value


class ConcessionSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"land_price": True, "tax": False, "note": "申请按基准地价七折供地"}]}
    )

    land_price: bool = Field(default=False, description="申请地价优惠")
    tax: bool = Field(default=False, description="申请税收优惠（政策以外）")
    note: str = Field(default="", max_length=2000, description="说明")


class ApprovalCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "level": "leadership_group",
                    "approved_by": "县招商引资工作领导小组",
                    "approved_on": "2026-12-02",
                    "document_no": "领导小组会议纪要〔2026〕9 号",
                }
            ]
        }
    )

    level: ApprovalLevel = Field(description="审批层级：不得低于按规则算出的层级")
    approved_by: str = Field(min_length=2, max_length=100, description="审批人（领导姓名或领导小组）")
    approved_on: date = _entered_date("审批日期")
    document_no: str = Field(min_length=2, max_length=200, description="会议纪要或文件编号")

    @field_validator("approved_on")
    @classmethod
    def _date(cls, value: date) -> date:
        return _day(value) or value


_GATE_EXAMPLE: dict[str, Any] = {
    "project_id": 812,
    "category": "industrial",
    "prereview": "rejected",
    "prereview_label": "预审否决",
    "prereview_reason": "environment_safety",
    "departments": [
        {
            "unit_id": 7,
            "name": "市生态环境局县分局",
            "verdict": "vetoed",
            "verdict_label": "否决",
            "reason": "environment_safety",
            "reason_label": "环评、安评不达标",
            "note": "环评不达标",
            "given_on": "2026-12-01",
            "named": True,
        }
    ],
    "override": None,
    "required_level": "leadership_group",
    "required_level_label": "局部突破（领导小组研究）",
    "level_reasons": ["承诺投资强度 260 万元/亩低于标准 300 万元/亩，在 20% 以内"],
    "concession": {"land_price": False, "tax": False, "note": ""},
    "approval": None,
    "may_sign": False,
    "problems": {"prereview": "预审否决（环评、安评不达标）：须经一事一议登记放行决定后方可签约"},
}


class GateRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_GATE_EXAMPLE]})

    project_id: int
    category: Category
    prereview: str
    prereview_label: str
    prereview_reason: str | None
    departments: list[dict[str, Any]]
    override: dict[str, Any] | None
    required_level: ApprovalLevel
    required_level_label: str
    level_reasons: list[str]
    concession: dict[str, Any]
    approval: dict[str, Any] | None
    may_sign: bool
    problems: dict[str, str]
