from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from app.models.project import (
    AnomalyKind,
    ApprovalLevel,
    Category,
    ChainRole,
    FundsSource,
    FundsStatus,
    NegativeReason,
    PrereviewResult,
    ProjectKind,
    ProjectStatus,
    Sector,
    SizeBand,
    Stage,
)
from app.schemas.common import EARLIEST_ENTERED, NOT_AFTER_TODAY, InputModel, ReadModel, decimal_text, stated

MAX_MONEY = Decimal("99999999999999.99")
INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}
AttachmentId = Annotated[int, Field(**INT_ID)]


def _attachment_ids(what: str) -> list[int]:
    return Field(
        default_factory=list,
        max_length=10,
        description=f"{what}：先用 POST /projects/{{id}}/attachments 上传，再在此填写返回的文件编号",
    )


MONEY_TEXT = decimal_text(16, 2)


def _money(description: str, *, default: Decimal | None = Decimal(0)) -> Any:
    return Field(
        default=default,
        ge=0,
        le=MAX_MONEY,
        max_digits=16,
        decimal_places=2,
        description=description,
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )


def _entered_date(description: str, **kwargs: Any) -> Any:
    """A date a unit enters for something that happened: not after today, not before 1990 (`_not_future`)."""
    return Field(
        **kwargs,
        description=f"{description}；{NOT_AFTER_TODAY}，不早于 {EARLIEST_ENTERED}",
        json_schema_extra=stated(formatMinimum=EARLIEST_ENTERED),
    )


def _county_today() -> date:
    from app.services.workdays import today

    return today()


def _not_future(value: date | None) -> date | None:
    """Dates a unit enters (stage reached, funds arrived, progress reported, land granted): the client's
    value, bounded: not after the county's today (the server's clock, Asia/Shanghai) and not absurdly
    early. The rules that read them (stage gates, funds review, stale progress) also keep the server's
    own timestamps (created_at, the audit), so a late entry stays visible as late."""
    if value is not None and value > _county_today():
        raise ValueError("日期不能晚于今天")
    if value is not None and value.year < 1990:
        raise ValueError("日期过早")
    return value


class ProjectFields(InputModel):
    name: str = Field(min_length=2, max_length=200, description="项目名称")
    kind: ProjectKind = Field(default=ProjectKind.new, description="新引进，或已落户企业增资扩产（只计增量）")
    content: str = Field(default="", max_length=4000, description="建设内容")
    is_confidential: bool = Field(default=False, description="保密项目：本单位、招商局、领导以外只见代号")
    code_name: str = Field(default="", max_length=60, description="保密项目的代号：is_confidential 为 true 时必填")
    planned_investment: Decimal = _money("计划总投资（万元）")
    contract_investment: Decimal = _money("合同投资额（万元）；增资项目只填增量")
    foreign_investment_usd: Decimal = _money("合同外资（万美元）")
    sector: Sector = Sector.secondary
    category: Category = Category.industrial
    industry: str = Field(default="", max_length=60)
    industry_chain: str = Field(default="", max_length=60, description="所属主导产业链")
    chain_role: ChainRole | None = Field(default=None, description="建链、补链或强链")
    zone_unit_id: int | None = Field(default=None, **INT_ID, description="落地载体（园区）")
    site: str = Field(default="", max_length=200, description="选址")
    land_area_mu: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("9999999999.99"),
        max_digits=12,
        decimal_places=2,
        description="用地面积（亩）",
        json_schema_extra=stated(text_pattern=decimal_text(12, 2)),
    )
    floor_area_m2: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("999999999999.99"),
        max_digits=14,
        decimal_places=2,
        description="建筑面积（平方米）",
        json_schema_extra=stated(text_pattern=decimal_text(14, 2)),
    )
    land_granted_on: date | None = _entered_date("供地日期", default=None)
    start_by: date | None = Field(default=None, description="合同约定开工日期")
    production_by: date | None = Field(default=None, description="合同约定投产日期：不能早于约定开工日期 start_by")
    intensity_commitment: Decimal | None = Field(
        default=None,
        ge=0,
        le=Decimal("9999999999.99"),
        max_digits=12,
        decimal_places=2,
        description="承诺投资强度（万元/亩）",
        json_schema_extra=stated(text_pattern=decimal_text(12, 2)),
    )
    plot_ratio: Decimal | None = Field(
        default=None,
        ge=0,
        le=100,
        max_digits=6,
        decimal_places=2,
        description="容积率",
        json_schema_extra=stated(text_pattern=decimal_text(6, 2)),
    )
    annual_output: Decimal | None = _money("达产后年产值（万元）", default=None)
    annual_tax: Decimal | None = _money("达产后年税收（万元）", default=None)
    jobs: int | None = Field(default=None, ge=0, le=10_000_000, description="带动就业（人）")
    introducer_name: str = Field(default="", max_length=100, description="引荐人")
    linked_leader_id: int | None = Field(default=None, **INT_ID, description="挂钩领导")
    service_officer: str = Field(default="", max_length=60, description="服务专员")
    approval_level: ApprovalLevel | None = Field(
        default=None,
        description="签约审批层级：新建在正式签约及以后时必填，不得低于按规则算出的层级；"
        "修改时只读（由签约审批的登记得出，POST /projects/{id}/signing-approval）",
    )
    prereview: PrereviewResult = Field(
        default=PrereviewResult.pending,
        description="项目预审结果：由各预审部门的意见得出（POST /projects/{id}/prereview/opinions）。"
        "新建在正式签约及以后时须为 passed（登记为各预审部门同意），之前须为 pending；修改时只读",
    )
    prereview_reason: NegativeReason | None = Field(
        default=None, description="预审否决的理由（负面清单）：由部门的否决意见得出，只读"
    )

    @field_validator("land_granted_on")
    @classmethod
    def _granted_not_future(cls, value: date | None) -> date | None:
        return _not_future(value)

    @model_validator(mode="after")
    def _consistent(self) -> ProjectFields:
        if self.is_confidential and not self.code_name:
            raise ValueError("保密项目须填写代号")
        if self.prereview is PrereviewResult.rejected and self.prereview_reason is None:
            raise ValueError("预审否决须选择负面清单中的理由")
        if self.prereview is not PrereviewResult.rejected:
            self.prereview_reason = None
        if self.start_by and self.production_by and self.production_by < self.start_by:
            raise ValueError("约定投产日期不能早于约定开工日期")
        return self


class ProjectCreate(ProjectFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "年产 2GWh 储能电池项目",
                    "kind": "new",
                    "content": "建设储能电池生产线 4 条及配套仓储",
                    "planned_investment": "120000",
                    "contract_investment": "120000",
                    "sector": "secondary",
                    "category": "industrial",
                    "industry": "新能源装备制造",
                    "industry_chain": "新能源",
                    "chain_role": "fill",
                    "zone_unit_id": 9,
                    "site": "县工业园区东区",
                    "land_area_mu": "300",
                    "intensity_commitment": "400",
                    "plot_ratio": "1.2",
                    "start_by": "2027-03-31",
                    "production_by": "2028-06-30",
                    "jobs": 800,
                    "investor_id": 5120,
                    "lead_id": 3388,
                    "stage": "signed",
                    "stage_date": "2026-11-20",
                    "introducing_unit_id": 3,
                    "contract_no": "ZS-2026-118",
                    "prereview": "passed",
                    "approval_level": "within_policy",
                    "approved_by": "县委县政府主要领导",
                    "approved_on": "2026-11-18",
                    "approval_document_no": "县政府专题会议纪要〔2026〕31 号",
                }
            ]
        }
    )

    investor_id: int | None = Field(
        default=None, **INT_ID, description="客商；由线索转入时可不填（investor_id 与 lead_id 至少填一项）"
    )
    lead_id: int | None = Field(
        default=None, **INT_ID, description="转为项目的线索（investor_id 与 lead_id 至少填一项）"
    )
    stage: Stage = Field(default=Stage.negotiating, description="当前阶段（新建时）")
    stage_date: date | None = _entered_date("到达当前阶段的日期，默认今天", default=None)
    introducing_unit_id: int | None = Field(default=None, **INT_ID, description="引进单位（招商局可代填）")
    responsible_unit_id: int | None = Field(default=None, **INT_ID, description="责任单位，默认与引进单位相同")
    contract_no: str = Field(default="", max_length=60, description="合同（协议）编号：新建在正式签约及以后须填")
    permit_no: str = Field(default="", max_length=60, description="施工许可证号：新建在开工及以后须填")
    production_no: str = Field(
        default="", max_length=100, description="投产证明编号（如排污许可证号、首笔销售发票号）：新建在投产及以后须填"
    )
    approved_by: str = Field(default="", max_length=100, description="签约审批人：新建在正式签约及以后须填")
    approved_on: date | None = _entered_date("签约审批日期：新建在正式签约及以后须填", default=None)
    approval_document_no: str = Field(
        default="", max_length=200, description="签约审批的会议纪要或文件编号：新建在正式签约及以后须填"
    )
    asks_concessions: bool = Field(default=False, description="申请地价或税收优惠（计入签约审批层级）")

    @field_validator("approved_on")
    @classmethod
    def _approved_not_future(cls, value: date | None) -> date | None:
        return _not_future(value)

    @field_validator("stage_date")
    @classmethod
    def _stage_not_future(cls, value: date | None) -> date | None:
        return _not_future(value)

    @model_validator(mode="after")
    def _investor_or_lead(self) -> ProjectCreate:
        if self.investor_id is None and self.lead_id is None:
            raise ValueError("请选择客商，或从线索转入")
        return self


class ProjectUpdate(ProjectFields):
    """Only the fields sent change; the project as it then stands is checked as a whole."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 6,
                    "contract_investment": "135000",
                    "site": "县工业园区东区 3 号地块",
                    "start_by": "2027-04-30",
                }
            ]
        }
    )

    version: int = Field(**INT_ID)
    name: str = Field(default="", min_length=2, max_length=200, description="项目名称（不改可不填）")
    responsible_unit_id: int | None = Field(default=None, **INT_ID, description="责任单位（仅招商局可改）")


class LostReasonCreate(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "用地指标不足"}]})

    name: str = Field(min_length=2, max_length=100, description="流失原因（2–100 个字，不得与已有的重复）")


class LostReasonRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"id": 6, "name": "用地指标不足", "is_active": True, "version": 1}]}
    )

    id: int
    name: str
    is_active: bool
    version: int


StageAction = Literal["forward", "back", "pause", "resume", "terminate"]


class StageChange(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 6,
                    "action": "forward",
                    "to_stage": "started",
                    "happened_on": "2026-11-25",
                    "permit_no": "620121202611250101",
                    "attachment_ids": [8812],
                }
            ]
        }
    )

    version: int = Field(**INT_ID)
    action: StageAction = "forward"
    to_stage: Stage | None = Field(default=None, description="前进或退回到的阶段：action 为 forward、back 时必填")
    happened_on: date = _entered_date("日期，默认今天；不能早于进入当前阶段的日期", default_factory=_county_today)
    reason: str = Field(default="", max_length=2000, description="原因：action 为 back、pause、terminate 时必填")
    permit_no: str = Field(default="", max_length=60, description="施工许可证号（开工的证据之一）")
    contract_no: str = Field(default="", max_length=60, description="合同（协议）编号（正式签约的证据之一）")
    production_no: str = Field(
        default="", max_length=100, description="投产证明编号，如排污许可证号、首笔销售发票号（投产的证据之一）"
    )
    lost_reason_id: int | None = Field(
        default=None, **INT_ID, description="流失原因（GET /lost-reasons）：未落地即终止（terminate）时必选"
    )
    attachment_ids: list[AttachmentId] = _attachment_ids("证明文件（如开工现场照片）")

    @field_validator("happened_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _not_future(value)
        assert result is not None
        return result

    @model_validator(mode="after")
    def _needs(self) -> StageChange:
        if self.action in ("forward", "back") and self.to_stage is None:
            raise ValueError("请选择阶段")
        if self.action in ("back", "pause", "terminate") and not self.reason.strip():
            raise ValueError("退回、暂停或终止须说明原因")
        return self


class FundsCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "arrived_on": "2026-11-28",
                    "amount": "5000",
                    "source": "out_of_province",
                    "voucher_no": "HD20261128-0031",
                    "note": "首笔注册资本金",
                    "attachment_ids": [8813],
                }
            ]
        }
    )

    arrived_on: date = _entered_date("到位日期")
    amount: Decimal = Field(
        gt=0,
        le=MAX_MONEY,
        max_digits=16,
        decimal_places=2,
        description="金额：万元；境外资金为万美元；须大于 0",
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )
    source: FundsSource
    voucher_no: str = Field(default="", max_length=60, description="凭证号（银行回单等）")
    note: str = Field(default="", max_length=1000)
    attachment_ids: list[AttachmentId] = _attachment_ids("到账凭证（银行回单的照片或 PDF）")

    @field_validator("arrived_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _not_future(value)
        assert result is not None
        return result


class FundsReview(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"version": 1, "decision": "confirm", "note": "已核对银行回单", "vouchers_checked": True}]
        }
    )

    version: int = Field(**INT_ID)
    decision: Literal["confirm", "reject"] = Field(description="confirm 确认，reject 退回")
    note: str = Field(default="", max_length=1000, validate_default=True, description="意见：退回（reject）时必填")
    vouchers_checked: bool = Field(
        default=False, description="已核对凭证：确认（confirm）时须为 true，与页面上的勾选相同"
    )

    @field_validator("note")
    @classmethod
    def _reason_for_reject(cls, note: str, info: ValidationInfo) -> str:
        # a rule on the decision, told beside the note (the field the user must fill)
        if info.data.get("decision") == "reject" and not note.strip():
            raise ValueError("退回须说明理由")
        return note


class FundsReversal(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "金额误录，实为 500 万元"}]})

    reason: str = Field(min_length=2, max_length=1000, description="更正原因")

    @field_validator("reason", mode="before")
    @classmethod
    def _reason_given(cls, reason: Any) -> Any:
        if isinstance(reason, str) and len(reason.strip()) < 2:
            raise ValueError("请说明更正原因（至少 2 个字）")
        return reason


class ProgressCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "reported_on": "2026-11-30",
                    "investment_completed": "8600",
                    "built": "场平完成，厂房基础施工中",
                    "latitude": "36.061255",
                    "longitude": "103.834303",
                    "attachment_ids": [8814, 8815],
                }
            ]
        }
    )

    reported_on: date = _entered_date("进度日期，默认今天", default_factory=_county_today)
    stage: Stage | None = Field(default=None, description="到达的阶段（超过当前阶段时同时推进阶段）")
    investment_completed: Decimal = Field(
        ge=0,
        le=MAX_MONEY,
        max_digits=16,
        decimal_places=2,
        description="累计完成投资（万元）",
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )
    built: str = Field(default="", max_length=4000, description="形象进度：场平、围墙、厂房主体、封顶……")
    latitude: Decimal | None = Field(
        default=None,
        ge=-90,
        le=90,
        max_digits=9,
        decimal_places=6,
        description="纬度（WGS84，十进制度，保留 6 位小数）",
        json_schema_extra=stated(text_pattern=decimal_text(9, 6, signed=True)),
    )
    longitude: Decimal | None = Field(
        default=None,
        ge=-180,
        le=180,
        max_digits=9,
        decimal_places=6,
        description="经度（WGS84，十进制度，保留 6 位小数）",
        json_schema_extra=stated(text_pattern=decimal_text(9, 6, signed=True)),
    )
    permit_no: str = Field(default="", max_length=60)
    attachment_ids: list[AttachmentId] = _attachment_ids("现场照片")

    @field_validator("reported_on")
    @classmethod
    def _date(cls, value: date) -> date:
        result = _not_future(value)
        assert result is not None
        return result

    @field_validator("latitude", "longitude", mode="before")
    @classmethod
    def _round(cls, value: object) -> object:
        if isinstance(value, str) and value.strip():
            try:
                return Decimal(value).quantize(Decimal("0.000001"))
            except ArithmeticError:
                return value
        if isinstance(value, float):
            return Decimal(str(round(value, 6)))
        return value


class AnomalyRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 19,
                    "project_id": 1207,
                    "kind": "stages_one_day",
                    "detail": "同一天内连续推进 3 个阶段",
                    "raised_on": "2026-11-25",
                    "stage_event_id": 8841,
                    "cleared_at": None,
                    "clear_reason": "",
                    "version": 1,
                }
            ]
        }
    )

    id: int
    project_id: int
    kind: AnomalyKind
    detail: str
    raised_on: date
    stage_event_id: int | None
    cleared_at: datetime | None
    clear_reason: str
    version: int


class AnomalyClear(InputModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 1, "reason": "已到现场核实，开工与签约确为同日，有施工许可证为证"}]}
    )

    reason: str = Field(
        default="",
        max_length=1000,
        description="核查结果：为何可以核销（必填，至少 2 个字）",
        json_schema_extra=stated(minLength=2),
    )
    version: int | None = Field(default=None, **INT_ID)


def _flag_items(schema: dict[str, Any]) -> None:
    from app.services.projects import FLAG_LABELS  # the service owns the warnings (and imports this module)

    schema["items"] = {"type": "string", "enum": list(FLAG_LABELS)}
    schema["description"] = "预警：" + "、".join(f"{k} {v}" for k, v in FLAG_LABELS.items())


class ProjectRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 1207,
                    "name": "年产 2GWh 储能电池项目",
                    "is_confidential": False,
                    "kind": "new",
                    "lead_id": 3388,
                    "investor_id": 5120,
                    "stage": "started",
                    "status": "active",
                    "stage_since": "2026-11-25",
                    "signed_on": "2026-11-20",
                    "started_on": "2026-11-25",
                    "completed_on": None,
                    "production_on": None,
                    "planned_investment": "120000.00",
                    "contract_investment": "120000.00",
                    "size_band": "from_10yi",
                    "sector": "secondary",
                    "category": "industrial",
                    "industry": "新能源装备制造",
                    "industry_chain": "新能源",
                    "zone_unit_id": 9,
                    "introducing_unit_id": 3,
                    "responsible_unit_id": 3,
                    "start_by": "2027-03-31",
                    "production_by": "2028-06-30",
                    "investment_completed": "8600.00",
                    "funds_confirmed": "5000.00",
                    "funds_confirmed_usd": "0.00",
                    "funds_pending": "0.00",
                    "last_progress_on": "2026-11-30",
                    "flags": [],
                    "open_anomalies": 0,
                    "anomalies": [],
                    "version": 8,
                }
            ]
        }
    )

    id: int
    name: str
    is_confidential: bool
    kind: ProjectKind
    lead_id: int | None
    investor_id: int | None
    stage: Stage
    status: ProjectStatus
    stage_since: date
    signed_on: date | None
    started_on: date | None
    completed_on: date | None
    production_on: date | None
    planned_investment: Decimal
    contract_investment: Decimal
    size_band: SizeBand
    sector: Sector
    category: Category
    industry: str
    industry_chain: str
    zone_unit_id: int | None
    introducing_unit_id: int
    responsible_unit_id: int
    start_by: date | None
    production_by: date | None
    investment_completed: Decimal
    funds_confirmed: Decimal
    funds_confirmed_usd: Decimal
    funds_pending: Decimal
    last_progress_on: date | None
    flags: list[str] = Field(
        default_factory=list,
        description="预警（FLAG_LABELS 的代码）",
        json_schema_extra=lambda schema: _flag_items(schema),
    )
    open_anomalies: int = Field(default=0, description="待核查的异常标记数")
    anomalies: list[AnomalyRead] = Field(default_factory=list, description="待核查的异常标记（项目详情）")
    version: int


FUNDS_EXAMPLE: dict[str, Any] = {
    "id": 5314,
    "project_id": 1207,
    "arrived_on": "2026-11-28",
    "amount": "5000.00",
    "source": "out_of_province",
    "voucher_no": "HD20261128-0031",
    "note": "首笔注册资本金",
    "reverses_id": None,
    "status": "pending",
    "review_note": "",
    "created_at": "2026-11-28T16:05:11+08:00",
    "version": 1,
}
"""An entry of funds arrived, as the API answers it (the queue's items add their project and unit)."""


class FundsRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [FUNDS_EXAMPLE]})

    id: int
    project_id: int
    arrived_on: date
    amount: Decimal
    source: FundsSource
    voucher_no: str
    note: str
    reverses_id: int | None
    status: FundsStatus
    review_note: str
    created_at: datetime
    version: int


class ProgressRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 902,
                    "project_id": 1207,
                    "reported_on": "2026-11-30",
                    "stage": None,
                    "investment_completed": "8600.00",
                    "built": "场平完成，厂房基础施工中",
                    "latitude": "36.061255",
                    "longitude": "103.834303",
                    "created_at": "2026-11-30T17:20:45+08:00",
                }
            ]
        }
    )

    id: int
    project_id: int
    reported_on: date
    stage: Stage | None
    investment_completed: Decimal
    built: str
    latitude: Decimal | None
    longitude: Decimal | None
    created_at: datetime


class AttachmentRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 8814,
                    "project_id": 1207,
                    "owner_type": "progress_update",
                    "owner_id": 902,
                    "kind": "photo",
                    "content_type": "image/jpeg",
                    "size": 1843200,
                    "width": 2048,
                    "height": 1536,
                    "taken_at": "2026-11-30T10:12:00+08:00",
                    "latitude": "36.061255",
                    "longitude": "103.834303",
                    "uploaded_at": "2026-11-30T17:20:40+08:00",
                }
            ]
        }
    )

    id: int
    project_id: int
    owner_type: str
    owner_id: int | None
    kind: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    taken_at: datetime | None
    latitude: Decimal | None
    longitude: Decimal | None
    uploaded_at: datetime
