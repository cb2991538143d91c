from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from app.models.investor import InvestorKind, InvestorType
from app.models.lead import Channel, DisputeStatus, DuplicateStatus, LeadStatus, RegistryStatus
from app.schemas.common import InputModel, ReadModel
from app.services import credit_code

INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}


class InvestorFields(InputModel):
    kind: InvestorKind = InvestorKind.company
    name: str = Field(min_length=2, max_length=200, description="企业全称或个人姓名")
    credit_code: str | None = Field(default=None, max_length=30, description="统一社会信用代码（18 位，企业有则填）")
    investor_type: InvestorType = InvestorType.private
    origin_province: str = Field(default="", max_length=20, description="来源省份")
    origin_city: str = Field(default="", max_length=30, description="来源城市")
    origin_country: str = Field(default="中国", max_length=40, description="国家或地区（境外客商）")
    industry: str = Field(default="", max_length=60)
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=30)
    notes: str = Field(default="", max_length=2000)

    @field_validator("credit_code")
    @classmethod
    def _check_code(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        problem = credit_code.problem(value)
        if problem:
            raise ValueError(problem)
        return credit_code.normalise(value)

    @model_validator(mode="after")
    def _person_has_no_code(self) -> InvestorFields:
        if self.kind is InvestorKind.person:
            self.credit_code = None
            if self.investor_type is not InvestorType.individual:
                self.investor_type = InvestorType.individual
        return self


class InvestorCreate(InvestorFields):
    pass


class InvestorUpdate(InvestorFields):
    version: int = Field(**INT_ID)


class InvestorRead(ReadModel):
    id: int
    kind: InvestorKind
    name: str
    credit_code: str | None
    investor_type: InvestorType
    origin_province: str
    origin_city: str
    origin_country: str
    industry: str
    contact_name: str
    contact_phone: str
    notes: str
    created_by_unit_id: int | None
    version: int


class LeadFields(InputModel):
    channel: Channel
    project_name: str = Field(default="", max_length=200, description="意向项目名称")
    industry: str = Field(default="", max_length=60)
    intended_investment: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=Decimal("99999999999999.99"),
        max_digits=16,
        decimal_places=2,
        description="意向投资额（万元）",
    )
    content: str = Field(default="", max_length=4000, description="线索内容")
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=30)
    lead_date: date = Field(description="获得线索的日期")
    brought_by_name: str = Field(default="", max_length=50, description="提供线索的干部")
    introducer_name: str = Field(default="", max_length=100, description="外部引荐人（中介、企业、乡贤）")
    introducer_phone: str = Field(default="", max_length=30)

    @field_validator("lead_date")
    @classmethod
    def _not_future(cls, value: date) -> date:
        # the monthly quota counts leads by this date: the client's value, bounded by the county's
        # today (the server's clock, Asia/Shanghai); the row's created_at records when it was entered
        from app.services.workdays import today

        if value > today():
            raise ValueError("日期不能晚于今天")
        if value.year < 2000:
            raise ValueError("日期过早")
        return value


class LeadCreate(LeadFields):
    investor_id: int | None = Field(
        default=None, **INT_ID, description="已有客商的编号；不填则按下方客商信息查找或新建"
    )
    investor: InvestorFields | None = Field(default=None, description="新客商（investor_id 为空时必填）")
    unit_id: int | None = Field(default=None, **INT_ID, description="线索所属单位（仅招商局可代填；单位令牌为本单位）")
    acknowledge_duplicates: bool = Field(default=False, description="已知疑似重复仍提交")

    @model_validator(mode="after")
    def _investor_given(self) -> LeadCreate:
        if self.investor_id is None and self.investor is None:
            raise ValueError("请选择已有客商或填写新客商信息")
        return self


class LeadUpdate(LeadFields):
    version: int = Field(**INT_ID)


class LeadJudge(InputModel):
    version: int = Field(**INT_ID)
    status: LeadStatus
    reason: str = Field(default="", max_length=1000, validate_default=True)

    @field_validator("status")
    @classmethod
    def _judged(cls, status: LeadStatus) -> LeadStatus:
        if status is LeadStatus.pending:
            raise ValueError("只能认定为有效或无效")
        return status

    @field_validator("reason")
    @classmethod
    def _reason_for_invalid(cls, reason: str, info: ValidationInfo) -> str:
        # a rule on the status, told beside the reason box (the field the user must fill)
        if info.data.get("status") is LeadStatus.invalid and not reason:
            raise ValueError("认定无效须说明理由")
        return reason


class CreditShare(InputModel):
    unit_id: int = Field(**INT_ID)
    share: Decimal = Field(gt=0, le=100, max_digits=5, decimal_places=2)


class LeadRead(ReadModel):
    id: int
    unit_id: int
    channel: Channel
    investor_id: int
    project_name: str
    industry: str
    intended_investment: Decimal
    content: str
    contact_name: str
    contact_phone: str
    lead_date: date
    brought_by_name: str
    introducer_name: str
    status: LeadStatus
    status_reason: str
    duplicate_of_id: int | None
    created_at: datetime
    version: int


class DuplicateMatch(ReadModel):
    lead_id: int
    unit_id: int
    unit_name: str
    lead_date: date
    investor_name: str
    reasons: list[str]


class SettleDuplicate(InputModel):
    version: int = Field(**INT_ID)
    decision: str = Field(min_length=2, max_length=1000, description="处理意见")
    dismiss: bool = Field(default=False, description="不是同一客商：不合并")
    shares: list[CreditShare] = Field(default_factory=list, max_length=20)


class DuplicateRead(ReadModel):
    id: int
    lead_id: int
    earlier_lead_id: int
    reasons: str
    status: DuplicateStatus
    decision: str
    settled_at: datetime | None
    version: int


class RegistryEntryRead(ReadModel):
    id: int
    investor_id: int
    lead_id: int | None
    project_name: str
    intended_investment: Decimal
    holder_unit_id: int
    registered_at: datetime
    status: RegistryStatus
    version: int


class RegistryClaimRead(ReadModel):
    id: int
    entry_id: int
    claimant_unit_id: int
    lead_id: int | None
    claimed_at: datetime
    statement: str
    status: DisputeStatus
    winner_unit_id: int | None
    decision_reason: str
    decided_at: datetime | None
    version: int


class RegisterProject(InputModel):
    investor_id: int = Field(**INT_ID)
    project_name: str = Field(min_length=2, max_length=200)
    intended_investment: Decimal = Field(ge=0, le=Decimal("99999999999999.99"), max_digits=16, decimal_places=2)
    lead_id: int | None = Field(default=None, **INT_ID)
    statement: str = Field(default="", max_length=2000, description="争议时的说明（首谈经过等）")
    unit_id: int | None = Field(default=None, **INT_ID)


class DecideClaim(InputModel):
    version: int = Field(**INT_ID)
    winner_unit_id: int = Field(**INT_ID)
    reason: str = Field(min_length=2, max_length=2000)


class LeadListItem(LeadRead):
    investor_name: str
    unit_name: str


class NativeCreate(InputModel):
    name: str = Field(min_length=1, max_length=50)
    hometown: str = Field(min_length=1, max_length=60, description="籍贯（乡镇、村）")
    employer: str = Field(default="", max_length=200, description="工作单位")
    position: str = Field(default="", max_length=60)
    working_city: str = Field(default="", max_length=60, description="工作所在城市")
    industry: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=30)
    notes: str = Field(default="", max_length=2000)


class NativeRead(ReadModel):
    id: int
    unit_id: int
    name: str
    hometown: str
    employer: str
    position: str
    working_city: str
    industry: str
    phone: str
    version: int
