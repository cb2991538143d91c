"""Investment agreements, their commitments, and results after production: inputs and reads."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from app.models.agreement import (
    CommitmentKind,
    CommitmentStatus,
    OtherDirection,
    PeriodKind,
    ResultSource,
    ResultStatus,
)
from app.schemas.common import Day, InputModel, ReadModel, decimal_text, stated
from app.schemas.projects import INT_ID, MAX_MONEY, MONEY_TEXT, AttachmentId, _attachment_ids, _not_future

FIGURE_TEXT = decimal_text(16, 4)
MAX_FIGURE = Decimal("999999999999.9999")
AREA_TEXT = decimal_text(12, 2)


def _figure(description: str) -> Any:
    return Field(
        default=None,
        ge=0,
        le=MAX_FIGURE,
        max_digits=16,
        decimal_places=4,
        description=description,
        json_schema_extra=stated(text_pattern=FIGURE_TEXT),
    )


def _money(description: str) -> Any:
    return Field(
        default=None,
        ge=0,
        le=MAX_MONEY,
        max_digits=16,
        decimal_places=2,
        description=description,
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )


# --- the agreement -----------------------------------------------------------------------------


class AgreementSave(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "signed_on": "2026-05-18",
                    "parties": "甲方：青山县人民政府；乙方：青山新能源科技有限公司",
                    "contract_no": "QSXZS-2026-018",
                    "note": "含补充协议一份",
                    "version": 0,
                    "attachment_ids": [8813],
                }
            ]
        }
    )

    signed_on: Day = Field(description="签订日期；不能晚于今天")
    parties: str = Field(min_length=2, max_length=2000, description="协议各方（甲方、乙方……）")
    contract_no: str = Field(default="", max_length=60, description="协议编号")
    note: str = Field(default="", max_length=2000)
    version: int = Field(ge=0, le=2_147_483_647, description="读取时的 version；尚未录入协议时为 0；过期返回 409")
    attachment_ids: list[AttachmentId] = _attachment_ids("协议文本（扫描件 PDF 或照片）")

    @field_validator("signed_on")
    @classmethod
    def _signed(cls, value: date) -> date:
        result = _not_future(value)
        assert result is not None
        return result


class CommitmentFields(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"kind": "output", "figure": "50000", "due_on": "2028-12-31", "note": "达产后年产值不低于 5 亿元"},
                {"kind": "production", "due_on": "2027-06-30"},
                {"kind": "other", "name": "研发投入占比", "unit": "%", "direction": "at_least", "figure": "3"},
            ]
        }
    )

    kind: CommitmentKind = Field(
        description="总投资 investment（万元）、投资强度 intensity（万元/亩）、容积率 plot_ratio、开工 start、竣工 "
        "completion、投产 production、达产 full_capacity、年产值 output（万元）、年税收 tax（万元）、就业 jobs（人）、"
        "单位产值能耗 energy（吨标准煤/万元，不高于）、其他 other"
    )
    figure: Decimal | None = _figure(
        "承诺的数值（按类别的单位）；开工、竣工、投产、达产不填，其余必填（其他约定可只填日期）"
    )
    due_on: Day | None = Field(default=None, description="约定日期：开工、竣工、投产、达产必填；其余选填（到期前达到）")
    name: str = Field(default="", max_length=60, description="其他约定的名称（other 必填）")
    unit: str = Field(default="", max_length=20, description="其他约定的单位")
    direction: OtherDirection = Field(default=OtherDirection.at_least, description="其他约定：不低于或不高于")
    actual: Decimal | None = _figure("其他约定的实际完成数（只用于 other）")
    actual_on: Day | None = Field(default=None, description="其他约定的完成日期（只用于 other）")
    note: str = Field(default="", max_length=2000)


class CommitmentCreate(CommitmentFields):
    pass


class CommitmentUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"figure": "60000", "version": 2}]})

    kind: CommitmentKind | None = None
    figure: Decimal | None = _figure("承诺的数值")
    due_on: Day | None = None
    name: str | None = Field(default=None, max_length=60)
    unit: str | None = Field(default=None, max_length=20)
    direction: OtherDirection | None = None
    actual: Decimal | None = _figure("其他约定的实际完成数")
    actual_on: Day | None = None
    note: str | None = Field(default=None, max_length=2000)
    version: int = Field(**INT_ID, description="读取时的 version；过期返回 409")


COMMITMENT_EXAMPLE: dict[str, Any] = {
    "id": 5521,
    "project_id": 1207,
    "kind": "output",
    "name": "年产值",
    "unit": "万元",
    "direction": "at_least",
    "figure": "50000.0000",
    "due_on": "2028-12-31",
    "actual": None,
    "actual_on": None,
    "note": "",
    "version": 1,
    "status": "behind",
    "status_label": "滞后",
    "reached": "32000.00",
    "basis": "2027 年已确认产值 32,000.00 万元，低于承诺 50,000.00 万元；约定日期未到",
}


class CommitmentRead(ReadModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [COMMITMENT_EXAMPLE]})

    id: int
    project_id: int
    kind: CommitmentKind
    name: str = Field(description="名称：类别的名称，或其他约定自填的名称")
    unit: str
    direction: OtherDirection
    figure: Decimal | None
    due_on: date | None
    actual: Decimal | None
    actual_on: date | None
    note: str
    version: int
    status: CommitmentStatus = Field(
        description="达标 met、滞后 behind、未达标 missed、暂无结果 no_result（按今天计算）"
    )
    status_label: str
    reached: str | None = Field(description="用于判断的实际数（节点类为达到日期）；无结果时为空")
    basis: str = Field(description="判断依据（中文）")


AGREEMENT_EXAMPLE: dict[str, Any] = {
    "project_id": 1207,
    "project_name": "年产 2GWh 储能电池项目",
    "agreement": {
        "id": 310,
        "signed_on": "2026-05-18",
        "parties": "甲方：青山县人民政府；乙方：青山新能源科技有限公司",
        "contract_no": "QSXZS-2026-018",
        "note": "",
        "version": 1,
        "document_ids": [8813],
    },
    "commitments": [COMMITMENT_EXAMPLE],
    "capacity_flag": "below_capacity",
    "capacity_flag_label": "未达产",
}


class AgreementFields(ReadModel):
    id: int
    signed_on: date
    parties: str
    contract_no: str
    note: str
    version: int
    document_ids: list[int] = Field(description="协议文本（/projects/{project_id}/attachments/{id} 下载）")


class AgreementRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [AGREEMENT_EXAMPLE]})

    project_id: int
    project_name: str = Field(description="保密项目对无权者显示代号")
    agreement: AgreementFields | None = Field(description="尚未录入时为空")
    commitments: list[CommitmentRead]
    capacity_flag: Literal["full_capacity", "below_capacity"] | None = Field(
        description="达产 full_capacity / 未达产 below_capacity；尚无判断时为空"
    )
    capacity_flag_label: str


# --- results ----------------------------------------------------------------------------------


class ResultFields(InputModel):
    period_kind: PeriodKind = Field(default=PeriodKind.year, description="年度 year 或季度 quarter")
    year: int = Field(ge=2000, le=2100, description="年度；不能晚于今年")
    quarter: int | None = Field(default=None, ge=1, le=4, description="季度 1–4：period_kind 为 quarter 时必填")
    output: Decimal | None = _money("产值（万元）")
    tax: Decimal | None = _money("上缴税金（万元）")
    jobs: int | None = Field(default=None, ge=0, le=10_000_000, description="吸纳就业（人）")
    energy_tce: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
        description="综合能耗（吨标准煤）",
        json_schema_extra=stated(text_pattern=decimal_text(14, 2)),
    )
    land_used_mu: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("9999999999.99"),
        max_digits=12,
        decimal_places=2,
        description="实际用地（亩）",
        json_schema_extra=stated(text_pattern=AREA_TEXT),
    )
    rd_spend: Decimal | None = _money("研发经费支出（万元；亩均评价的研发投入占比，可不填）")
    evidence_no: str = Field(default="", max_length=100, description="完税证明、统计报表等的编号")
    note: str = Field(default="", max_length=2000)


class ResultCreate(ResultFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "period_kind": "year",
                    "year": 2026,
                    "output": "32000",
                    "tax": "1280.5",
                    "jobs": 300,
                    "energy_tce": "5200",
                    "land_used_mu": "120",
                    "evidence_no": "税收完税证明 (2027)青税证 00123",
                    "attachment_ids": [8813],
                }
            ]
        }
    )

    attachment_ids: list[AttachmentId] = _attachment_ids("证明文件（完税证明、统计报表的照片或 PDF）")


class ResultUpdate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"tax": "1300", "version": 1}]})

    period_kind: PeriodKind | None = None
    year: int | None = Field(default=None, ge=2000, le=2100)
    quarter: int | None = Field(default=None, ge=1, le=4)
    output: Decimal | None = _money("产值（万元）")
    tax: Decimal | None = _money("上缴税金（万元）")
    jobs: int | None = Field(default=None, ge=0, le=10_000_000)
    energy_tce: Decimal | None = Field(
        default=None, ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2,
        json_schema_extra=stated(text_pattern=decimal_text(14, 2)),
    )  # fmt: skip
    land_used_mu: Decimal | None = Field(
        default=None, ge=0, le=Decimal("9999999999.99"), max_digits=12, decimal_places=2,
        json_schema_extra=stated(text_pattern=AREA_TEXT),
    )  # fmt: skip
    rd_spend: Decimal | None = _money("研发经费支出（万元）")
    evidence_no: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=2000)
    version: int = Field(**INT_ID, description="读取时的 version；过期返回 409")


class ResultReview(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 1, "decision": "confirm", "note": "已核对完税证明", "evidence_checked": True}]
        }
    )

    version: int = Field(**INT_ID)
    decision: Literal["confirm", "reject"] = Field(description="confirm 确认，reject 退回")
    note: str = Field(default="", max_length=1000, validate_default=True, description="意见：退回（reject）时必填")
    evidence_checked: bool = Field(
        default=False, description="已核对证明：确认（confirm）时须为 true，与页面上的勾选相同"
    )

    @field_validator("note")
    @classmethod
    def _reason_for_reject(cls, note: str, info: ValidationInfo) -> str:
        if info.data.get("decision") == "reject" and not note.strip():
            raise ValueError("退回须说明理由")
        return note


RESULT_EXAMPLE: dict[str, Any] = {
    "id": 7702,
    "project_id": 1207,
    "project_name": "年产 2GWh 储能电池项目",
    "unit_name": "城关镇人民政府",
    "period_kind": "year",
    "year": 2026,
    "quarter": None,
    "output": "32000.00",
    "tax": "1280.50",
    "jobs": 300,
    "energy_tce": "5200.00",
    "land_used_mu": "120.00",
    "rd_spend": "960.00",
    "source": "entered",
    "evidence_no": "税收完税证明 (2027)青税证 00123",
    "note": "",
    "status": "pending",
    "review_note": "",
    "created_at": "2027-01-20T10:12:00+08:00",
    "version": 1,
    "evidence_ids": [8813],
}


class ResultRead(ReadModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [RESULT_EXAMPLE]})

    id: int
    project_id: int
    project_name: str = Field(description="保密项目对无权者显示代号")
    unit_name: str = Field(description="责任单位")
    period_kind: PeriodKind
    year: int
    quarter: int | None
    output: Decimal | None
    tax: Decimal | None
    jobs: int | None
    energy_tce: Decimal | None
    land_used_mu: Decimal | None
    rd_spend: Decimal | None = Field(default=None, description="研发经费支出（万元）；未填为空")
    source: ResultSource
    evidence_no: str
    note: str
    status: ResultStatus
    review_note: str
    created_at: datetime
    version: int
    evidence_ids: list[int] = Field(description="证明文件（/projects/{project_id}/attachments/{id} 下载）")


# --- conditions: an award or a plot's land price conditional on a commitment ---------------------


class ConditionIn(InputModel):
    """Ties an award (or a plot's land price) to one commitment of its project's agreement, or unties it."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"commitment_id": 88, "version": 3}]})

    commitment_id: int | None = Field(default=None, **INT_ID, description="该项目投资协议中的承诺事项；为空则解除关联")
    version: int = Field(**INT_ID, description="奖励或地块读取时的 version；过期返回 409")


class ConditionRead(ReadModel):
    commitment_id: int
    promise: str = Field(description="承诺事项原文，如“年税收不低于 300.00 万元（2028-12-31 前）”")
    status: CommitmentStatus = Field(
        description="承诺事项今天的状态：met 达标、behind 滞后、missed 未达标、no_result 暂无结果"
    )
    status_label: str
    basis: str = Field(description="判断依据")
