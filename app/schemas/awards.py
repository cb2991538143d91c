"""The coordinator's award decisions over the API: the year's budget, policies and their versions, a
project's agreement and credit, and each step of an award (inputs; the reads are beside them)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.models.award import AgreementState, PolicyKind, RecipientType
from app.schemas.common import NOT_AFTER_TODAY, PLAIN_TEXT_PATTERN, InputModel, ReadModel, decimal_text, stated

INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}
MAX_YUAN = Decimal("1e12")
YUAN_TEXT = decimal_text(16, 2)
Yuan = Annotated[
    Decimal,
    Field(
        ge=0,
        le=MAX_YUAN,
        max_digits=16,
        decimal_places=2,
        description="元，精确到分",
        json_schema_extra=stated(text_pattern=YUAN_TEXT),
    ),
]
Version = Annotated[int, Field(**INT_ID, description="读取时的 version；已被他人修改则返回 409")]

ParamText = Annotated[str, Field(max_length=60, pattern=PLAIN_TEXT_PATTERN)]
ParamNumber = Annotated[Decimal, Field(ge=-(10**12), le=10**12, allow_inf_nan=False, max_digits=20)]
"""A number in a rule's parameters: read as a Decimal (never a float); stored as its text (JSON mode)."""
ParamScalar = ParamText | Annotated[int, Field(ge=-(10**12), le=10**12)] | ParamNumber
ParamKey = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]  # yuan_per_10k
Params = Annotated[
    dict[ParamKey, ParamScalar | Annotated[list[dict[ParamKey, ParamScalar]], Field(max_length=20)]],
    Field(
        max_length=20,
        description='规则参数：per_funds {"yuan_per_10k": "500"}；per_mille {"bands": [{"from_wan": "5000", '
        '"permille": "1.5"}]}；milestone {"amount": "100000", "stage": "started", "min_wan": "10000"}；'
        'long_term {"amount", "years", "category"}；honour {"amount"}；可选 cap_per_project、cap_per_recipient',
    ),
]
Exclusion = Literal["duty_official", "investor_controller"]


# --- budget ----------------------------------------------------------------------------------


class BudgetSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"total": "30000000", "note": "县政府常务会议确定的 2027 年奖励专项资金", "version": 0}]
        }
    )

    total: Yuan = Field(description="本年奖励专项资金（元）")
    note: str = Field(default="", max_length=500)
    version: int = Field(ge=0, le=2_147_483_647, description="读取时的 version；该年尚无预算时为 0")


class BudgetRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "year": 2026,
                    "total": "30000000.00",
                    "note": "县政府常务会议确定",
                    "committed": "1200000.00",
                    "paid": "8650000.00",
                    "clawed_back": "0.00",
                    "available": "20150000.00",
                    "version": 3,
                }
            ]
        }
    )

    year: int
    total: Decimal = Field(description="预算（元）")
    note: str
    committed: Decimal = Field(description="已审批未兑现（元）")
    paid: Decimal = Field(description="已兑现（元）")
    clawed_back: Decimal = Field(description="当年追回（元）")
    available: Decimal = Field(description="可用（元）")
    version: int = Field(description="尚无预算时为 0")


# --- policies --------------------------------------------------------------------------------


class VersionFields(InputModel):
    effective_from: date | None = Field(
        default=None, description="生效日期，缺省为今天；新版本须晚于上一版本的生效日期"
    )
    params: Params
    recipients: list[RecipientType] = Field(min_length=1, max_length=4, description="可获奖对象")
    exclusions: list[Exclusion] = Field(default_factory=list, max_length=2, description="排除情形")
    claim_window_days: int | None = Field(default=None, ge=1, le=3650, description="申报期限（天）")


class PolicyCreate(VersionFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "招商引资到位资金奖励",
                    "kind": "per_funds",
                    "document_no": "县政发〔2026〕12 号",
                    "effective_from": "2027-01-01",
                    "params": {"yuan_per_10k": "500", "cap_per_project": "2000000"},
                    "recipients": ["unit", "introducer"],
                    "exclusions": ["duty_official"],
                    "claim_window_days": 180,
                }
            ]
        }
    )

    name: str = Field(min_length=2, max_length=100, description="政策名称（唯一）")
    kind: PolicyKind = Field(description="规则类型")
    document_no: str = Field(default="", max_length=100, description="政策文号")


class PolicyVersionCreate(VersionFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "effective_from": "2027-07-01",
                    "params": {"yuan_per_10k": "600", "cap_per_project": "2500000"},
                    "recipients": ["unit", "introducer"],
                    "exclusions": ["duty_official"],
                    "claim_window_days": 180,
                }
            ]
        }
    )

    version: Version


# --- a project's agreement and credit --------------------------------------------------------


class AgreementMove(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"state": "default", "reason": "合同约定 2027 年 3 月 31 日前开工，逾期 90 天仍未开工", "version": 2}
            ]
        }
    )

    state: AgreementState = Field(description="转为：履约期、维护期、已结束、违约、追缴中（按允许的转换）")
    reason: str = Field(min_length=1, max_length=2000, description="依据（合同履约节点、违约事实等）")
    version: int = Field(ge=0, le=2_147_483_647, description="读取时的 version；协议尚未生成时为 0")


class AgreementRead(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "project_id": 1207,
                    "project_name": "年产 2GWh 储能电池项目",
                    "state": "performance",
                    "signed_on": "2026-11-20",
                    "note": "",
                    "maintenance_years": 5,
                    "version": 1,
                }
            ]
        }
    )

    project_id: int
    project_name: str = Field(description="保密项目对无权者显示代号")
    state: AgreementState = Field(description="按合同履约节点推算的当前状态")
    signed_on: date
    note: str
    maintenance_years: int
    version: int = Field(description="协议尚未生成时为 0")


class CreditPart(InputModel):
    party: RecipientType = Field(description="单位、干部职工、引荐人、企业")
    name: str = Field(min_length=1, max_length=100)
    share: Decimal = Field(
        gt=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description="份额（%），大于 0",
        json_schema_extra=stated(text_pattern=decimal_text(5, 2)),
    )
    unit_id: int | None = Field(default=None, **INT_ID, description="类型为单位时必填")
    introducer_id: int | None = Field(default=None, **INT_ID, description="类型为引荐人时：该项目首个备案")
    is_duty_official: bool = Field(default=False, description="负有该项目招商职责的公职人员")
    is_investor_controller: bool = Field(default=False, description="投资方实际控制人")


class CreditSet(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 4,
                    "parts": [
                        {"party": "unit", "name": "城关镇", "share": "70", "unit_id": 3},
                        {"party": "introducer", "name": "王建军", "share": "30", "introducer_id": 41},
                    ],
                }
            ]
        }
    )

    version: int = Field(
        ge=1,
        le=2_147_483_647,
        description="项目的 version（读取项目时所见）：功劳归属随项目校验版本，他人改过则 409；设定后项目 version 加一",
    )
    parts: list[CreditPart] = Field(min_length=1, max_length=20, description="各方份额合计须为 100%")


class CreditRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "party": "unit",
                    "name": "城关镇人民政府",
                    "share": "70.00",
                    "unit_id": 3,
                    "introducer_id": None,
                    "is_duty_official": False,
                    "is_investor_controller": False,
                }
            ]
        }
    )

    party: RecipientType
    name: str
    share: Decimal
    unit_id: int | None
    introducer_id: int | None
    is_duty_official: bool
    is_investor_controller: bool


# --- award steps -----------------------------------------------------------------------------


StepName = Literal["verify", "notice", "approve", "pay", "reject", "object", "answer", "clawback", "recovered"]


class AwardStep(InputModel):
    """One step on an award: `step` and the fields that step reads (the others are left out). Each step's
    own rules (a note to verify, a voucher to pay, 公示 of 7–60 days …) are the service's, told beside the field."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"step": "notice", "version": 2, "notice_from": "2026-12-15", "days": 7}]}
    )

    step: StepName = Field(
        description="verify 核查（note）；notice 公示（notice_from、days）；approve 审批；"
        "pay 兑现（paid_on、voucher_no）；reject 不予通过（reason）；object 登记异议（raised_by、content）；"
        "answer 答复异议（objection_id、note、upheld）；clawback 决定追回（amount、note）；"
        "recovered 登记已追回（clawback_id、recovered_on）"
    )
    version: Version = Field(description="奖励的 version（answer 为该异议的，recovered 为该追回记录的）；过期返回 409")
    note: str = Field(
        default="",
        max_length=2000,
        description="核查情况（verify 时必填）、答复（answer 时必填）或违约事由（clawback 时必填）",
    )
    reason: str = Field(default="", max_length=2000, description="不予通过的理由（reject 时必填）")
    notice_from: date | None = Field(default=None, description="公示开始日期（notice），缺省为今天，不能早于今天")
    days: int = Field(default=7, ge=1, le=366, description="公示天数（notice）：7–60，含首日")
    paid_on: date | None = Field(
        default=None, description=f"兑现日期（pay），缺省为今天；{NOT_AFTER_TODAY}，不早于审批日期"
    )
    voucher_no: str = Field(default="", max_length=60, description="付款凭证号（pay 时必填）")
    raised_by: str = Field(default="", max_length=100, description="异议人（object 时必填）")
    content: str = Field(default="", max_length=2000, description="异议内容（object 时必填）")
    objection_id: int | None = Field(default=None, **INT_ID, description="答复的异议（answer 时必填）")
    upheld: bool = Field(default=False, description="异议成立（奖励随即不予通过）")
    amount: Yuan | None = Field(default=None, description="追回金额（元；clawback 时必填）")
    clawback_id: int | None = Field(default=None, **INT_ID, description="追回记录（recovered 时必填）")
    recovered_on: date | None = Field(
        default=None, description=f"追回到账日期（recovered），缺省为今天；{NOT_AFTER_TODAY}，不早于决定追回的日期"
    )
