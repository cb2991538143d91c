"""Compliance cases (履约核查、违约处置): opening one on a missed commitment, its measures, the liquidated damages
received, curing and closing; what the API answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from app.models.compliance import CaseOutcome, CaseStatus, MeasureKind
from app.schemas.common import Day, InputModel, ReadModel, stated
from app.schemas.projects import INT_ID, MAX_MONEY, MONEY_TEXT, _attachment_ids, _entered_date, _not_future

Id = int
VERSION = Field(**INT_ID, description="读到的案件版本号；不一致时返回 409")


def _past(value: date | None) -> date | None:
    return _not_future(value)


def _money(description: str, *, default: Any = ...) -> Any:
    return Field(
        default,
        gt=0,
        le=MAX_MONEY,
        max_digits=16,
        decimal_places=2,
        description=description,
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )


class CaseOpen(InputModel):
    """立案: a case on a project, citing one or more of its missed commitments, with the assessment."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": 12,
                    "commitment_ids": [31],
                    "assessed_on": "2026-11-20",
                    "assessors": "县招商局张科长、县税务局李股长",
                    "assessor_user_ids": [4],
                    "findings": "企业 2025 年实际上缴税金 180 万元，低于协议约定的 500 万元，且未说明正当理由。",
                    "attachment_ids": [],
                }
            ]
        }
    )

    project_id: int = Field(**INT_ID, description="项目编号")
    commitment_ids: list[int] = Field(
        min_length=1, max_length=20, description="所涉承诺事项（须为该项目当前“未达标”的承诺事项）"
    )
    assessed_on: date = _entered_date("核查日期")
    assessors: str = Field(default="", max_length=200, description="核查人员（文字，如其他部门人员）")
    assessor_user_ids: list[int] = Field(default_factory=list, max_length=10, description="核查人员（平台用户编号）")
    findings: str = Field(min_length=2, max_length=4000, description="核查结论（履约情况、原因、企业说明）")
    attachment_ids: list[int] = _attachment_ids("核查证据（照片或 PDF）")

    @field_validator("assessed_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _past(value)
        assert result is not None
        return result

    @field_validator("commitment_ids", "assessor_user_ids")
    @classmethod
    def _ids(cls, values: list[int]) -> list[int]:
        if any(not 1 <= v <= 2_147_483_647 for v in values):
            raise ValueError("编号无效")
        return list(dict.fromkeys(values))


class MeasureCreate(InputModel):
    """One measure of the decision (处置决定), carried out as a supervised task due by its deadline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": 1, "kind": "cure", "due_on": "2027-03-31", "content": "限期补足税收差额并提交整改报告"},
                {"version": 2, "kind": "recover", "due_on": "2027-01-31", "award_id": 8, "amount": "50000.00"},
                {"version": 3, "kind": "take_land", "due_on": "2027-02-28", "plot_id": 5},
                {"version": 4, "kind": "damages", "due_on": "2027-02-28", "damages": "30.00", "owner_unit_id": 3},
            ]
        }
    )

    version: int = VERSION
    kind: MeasureKind = Field(
        description="reminder 督促履约，cure 限期整改，recover 追回奖励，damages 违约金，take_land 收回土地，"
        "terminate 解除协议"
    )
    due_on: Day = Field(description="期限（限期整改为整改期限）；须晚于今天")
    owner_unit_id: int | None = Field(default=None, **INT_ID, description="承办单位；不填为项目的责任单位")
    content: str = Field(default="", max_length=2000, description="措施内容与要求")
    award_id: int | None = Field(default=None, **INT_ID, description="追回奖励：该项目已兑现的奖励")
    amount: Decimal | None = _money("追回奖励：追回金额（元）", default=None)
    plot_id: int | None = Field(default=None, **INT_ID, description="收回土地：该项目取得的地块")
    damages: Decimal | None = _money("违约金：金额（万元）", default=None)


class ReceiptCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"amount": "10.00", "received_on": "2026-12-01", "voucher_no": "HD-20261201-07", "note": ""}]
        }
    )

    amount: Decimal = _money("到账金额（万元）；累计不超过违约金")
    received_on: date = _entered_date("到账日期")
    voucher_no: str = Field(default="", max_length=60, description="收据或回单号")
    note: str = Field(default="", max_length=1000)

    @field_validator("received_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _past(value)
        assert result is not None
        return result


class CureIn(InputModel):
    """整改到位: recorded on or before the cure deadline, it closes the case as cured."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 3, "cured_on": "2026-12-01", "note": "已补缴税款，核查属实"}]}
    )

    version: int = VERSION
    cured_on: date = _entered_date("整改到位日期")
    note: str = Field(min_length=2, max_length=2000, description="整改情况（核查属实的依据）")

    @field_validator("cured_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _past(value)
        assert result is not None
        return result


class CloseIn(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": 5, "outcome": "executed", "reason": ""},
                {"version": 5, "outcome": "other", "reason": "企业已破产清算，转入司法程序"},
            ]
        }
    )

    version: int = VERSION
    outcome: Literal["executed", "other"] = Field(
        description="executed 处置完毕（各项措施的督办事项均已销号），other 决定结案（须说明理由）"
    )
    reason: str = Field(default="", max_length=2000, validate_default=True, description="结案理由：决定结案时必填")

    @field_validator("reason")
    @classmethod
    def _reason(cls, reason: str, info: ValidationInfo) -> str:
        if info.data.get("outcome") == "other" and len(reason.strip()) < 2:
            raise ValueError("决定结案须说明理由")
        return reason


# --- answers -------------------------------------------------------------------------------------


class ReceiptRead(ReadModel):
    id: int
    amount: Decimal
    received_on: date
    voucher_no: str
    note: str


class MeasureRead(ReadModel):
    id: int
    kind: MeasureKind
    kind_label: str
    content: str
    due_on: date
    owner_unit_id: int
    owner_unit_name: str
    task_id: int | None
    task_status: str | None
    done: bool
    award_id: int | None
    clawback_id: int | None
    clawback_amount: Decimal | None = Field(description="追回金额（元）")
    clawback_recovered: bool | None
    plot_id: int | None
    damages: Decimal | None = Field(description="违约金（万元）")
    damages_received: Decimal = Field(description="违约金已到账（万元）")
    cured_on: date | None
    receipts: list[ReceiptRead]
    version: int


class CommitmentCited(ReadModel):
    commitment_id: int
    promise: str
    status_when_opened: str
    status_now: str


_CASE_EXAMPLE: dict[str, Any] = {
    "id": 7,
    "project_id": 12,
    "project_name": "年产 10 万吨新型建材项目",
    "unit_id": 3,
    "unit_name": "城关镇人民政府",
    "status": "executing",
    "status_label": "处置中",
    "opened_on": "2026-11-20",
    "assessed_on": "2026-11-20",
    "assessors": "县招商局张科长",
    "assessor_user_ids": [4],
    "findings": "企业 2025 年实际上缴税金 180 万元，低于协议约定的 500 万元。",
    "evidence_ids": [],
    "decided_on": "2026-11-25",
    "closed_on": None,
    "outcome": None,
    "outcome_label": "",
    "close_reason": "",
    "commitments": [
        {
            "commitment_id": 31,
            "promise": "年税收不低于 500.00 万元",
            "status_when_opened": "2025 年已确认税收 180.00，承诺不低于 500.00",
            "status_now": "未达标",
        }
    ],
    "measures": [],
    "version": 3,
}


class CaseRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_CASE_EXAMPLE]})

    id: int
    project_id: int
    project_name: str = Field(description="项目名称（保密项目对无权查看者显示代号）")
    unit_id: int
    unit_name: str
    status: CaseStatus
    status_label: str
    opened_on: date
    assessed_on: date
    assessors: str
    assessor_user_ids: list[int]
    findings: str
    evidence_ids: list[int]
    decided_on: date | None
    closed_on: date | None
    outcome: CaseOutcome | None
    outcome_label: str
    close_reason: str
    commitments: list[CommitmentCited]
    measures: list[MeasureRead]
    version: int


class CaseListItem(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "project_id": 12,
                    "project_name": "年产 10 万吨新型建材项目",
                    "unit_id": 3,
                    "unit_name": "城关镇人民政府",
                    "status": "executing",
                    "status_label": "处置中",
                    "opened_on": "2026-11-20",
                    "closed_on": None,
                    "outcome": None,
                    "measures": 2,
                    "version": 3,
                }
            ]
        }
    )

    id: int
    project_id: int
    project_name: str = Field(description="项目名称（保密项目对无权查看者显示代号）")
    unit_id: int
    unit_name: str
    status: CaseStatus
    status_label: str
    opened_on: date
    closed_on: date | None
    outcome: CaseOutcome | None
    measures: int
    version: int
