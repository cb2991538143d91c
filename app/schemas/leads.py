from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from app.models.investor import InvestorKind, InvestorType
from app.models.lead import Channel, DisputeStatus, DuplicateStatus, LeadStatus, RegistryStatus
from app.schemas.common import NOT_AFTER_TODAY, InputModel, ReadModel, decimal_text, stated
from app.services import credit_code

INT_ID: dict[str, Any] = {"ge": 1, "le": 2_147_483_647}
MONEY_TEXT = decimal_text(16, 2)
SHARE_TEXT = decimal_text(5, 2)

_CODE_CHARACTER = "[0-9A-HJ-NPQRTUWXY]"
CREDIT_CODE_PATTERN = f"^$|^{_CODE_CHARACTER}{{2}}[0-9]{{6}}{_CODE_CHARACTER}{{10}}$"
"""GB 32100-2015: 18 characters of 0-9 and the capitals without I, O, Z, S, V; the 3rd to 8th a division
code (digits); the 18th a check character (credit_code.check_character, which no pattern can state).
Empty: none. The service reads a code as NFKC upper case without spaces (credit_code.normalise)."""


class InvestorFields(InputModel):
    kind: InvestorKind = InvestorKind.company
    name: str = Field(min_length=2, max_length=200, description="企业全称或个人姓名")
    credit_code: str | None = Field(
        default=None,
        max_length=30,
        description="统一社会信用代码（GB 32100-2015）：18 位数字和大写字母（不用 I、O、Z、S、V），第 3–8 位为"
        "行政区划码，末位为校验位；企业有则填，个人客商不记。小写、全角和空格按规范化后检查",
        json_schema_extra=stated(pattern=CREDIT_CODE_PATTERN),
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "company",
                    "name": "甘肃陇原新能源科技有限公司",
                    "credit_code": "91620100MA71K3QX2F",
                    "investor_type": "private",
                    "origin_province": "甘肃省",
                    "origin_city": "兰州市",
                    "industry": "新能源装备制造",
                    "contact_name": "刘志强",
                    "contact_phone": "13809311234",
                    "notes": "在兰州新区有光伏组件工厂，有意在本县建设储能电池生产线",
                }
            ]
        }
    )

    pass


class InvestorUpdate(InvestorFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "kind": "company",
                    "name": "甘肃陇原新能源科技有限公司",
                    "credit_code": "91620100MA71K3QX2F",
                    "investor_type": "private",
                    "origin_province": "甘肃省",
                    "origin_city": "兰州市",
                    "industry": "新能源装备制造",
                    "contact_name": "刘志强",
                    "contact_phone": "13919312345",
                }
            ]
        }
    )

    version: int = Field(**INT_ID)


class InvestorRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 5120,
                    "kind": "company",
                    "name": "甘肃陇原新能源科技有限公司",
                    "credit_code": "91620100MA71K3QX2F",
                    "investor_type": "private",
                    "origin_province": "甘肃省",
                    "origin_city": "兰州市",
                    "origin_country": "中国",
                    "industry": "新能源装备制造",
                    "contact_name": "刘志强",
                    "contact_phone": "13809311234",
                    "notes": "在兰州新区有光伏组件工厂",
                    "created_by_unit_id": 3,
                    "version": 2,
                }
            ]
        }
    )

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
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )
    content: str = Field(default="", max_length=4000, description="线索内容")
    contact_name: str = Field(default="", max_length=50)
    contact_phone: str = Field(default="", max_length=30)
    lead_date: date = Field(
        description=f"获得线索的日期：{NOT_AFTER_TODAY}，不早于 2000-01-01（月度任务按此日期计）",
        json_schema_extra=stated(formatMinimum="2000-01-01"),
    )
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "channel": "kinship",
                    "project_name": "年产 2GWh 储能电池项目",
                    "industry": "新能源装备制造",
                    "intended_investment": "120000",
                    "content": "经在外乡贤王建军引荐，客商计划在工业园区建设储能电池生产线，需用地约 300 亩",
                    "contact_name": "刘志强",
                    "contact_phone": "13809311234",
                    "lead_date": "2026-11-20",
                    "brought_by_name": "马晓东",
                    "introducer_name": "王建军",
                    "introducer_phone": "13609317788",
                    "investor": {
                        "kind": "company",
                        "name": "甘肃陇原新能源科技有限公司",
                        "credit_code": "91620100MA71K3QX2F",
                        "investor_type": "private",
                        "origin_province": "甘肃省",
                        "origin_city": "兰州市",
                    },
                }
            ]
        }
    )

    investor_id: int | None = Field(
        default=None, **INT_ID, description="已有客商的编号；不填则按 investor 查找或新建（二者至少填一项）"
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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "channel": "kinship",
                    "project_name": "年产 2GWh 储能电池项目（一期）",
                    "industry": "新能源装备制造",
                    "intended_investment": "60000",
                    "content": "客商确认一期投资 6 亿元，用地约 150 亩",
                    "lead_date": "2026-11-20",
                }
            ]
        }
    )

    version: int = Field(**INT_ID)


class LeadJudge(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"version": 3, "status": "invalid", "reason": "客商已于 2026 年 9 月在邻县签约同类项目，不再到本县投资"}
            ]
        }
    )

    version: int = Field(**INT_ID)
    status: LeadStatus = Field(
        description="valid 有效，invalid 无效（pending 不是认定结果）",
        json_schema_extra=lambda schema: schema.update(enum=[LeadStatus.valid.value, LeadStatus.invalid.value]),
    )
    reason: str = Field(
        default="", max_length=1000, validate_default=True, description="理由：认定无效（invalid）时必填"
    )

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
    share: Decimal = Field(
        gt=0,
        le=100,
        max_digits=5,
        decimal_places=2,
        description="份额（%），大于 0",
        json_schema_extra=stated(text_pattern=SHARE_TEXT),
    )


LEAD_EXAMPLE: dict[str, Any] = {
    "id": 3388,
    "unit_id": 3,
    "channel": "kinship",
    "investor_id": 5120,
    "project_name": "年产 2GWh 储能电池项目",
    "industry": "新能源装备制造",
    "intended_investment": "120000.00",
    "content": "经在外乡贤王建军引荐，客商计划在工业园区建设储能电池生产线",
    "contact_name": "刘志强",
    "contact_phone": "13809311234",
    "lead_date": "2026-11-20",
    "brought_by_name": "马晓东",
    "introducer_name": "王建军",
    "status": "valid",
    "status_reason": "",
    "duplicate_of_id": None,
    "created_at": "2026-11-20T09:32:15+08:00",
    "version": 3,
}
"""A lead as the API answers it (the list's items add their investor's name and more)."""


class LeadRead(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [LEAD_EXAMPLE]})

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "decision": "两单位报送的为同一客商同一项目，城关镇首谈在先，功劳按六四分配",
                    "dismiss": False,
                    "shares": [{"unit_id": 3, "share": "60"}, {"unit_id": 7, "share": "40"}],
                }
            ]
        }
    )

    version: int = Field(**INT_ID)
    decision: str = Field(min_length=2, max_length=1000, description="处理意见")
    dismiss: bool = Field(default=False, description="不是同一客商：不合并")
    shares: list[CreditShare] = Field(
        default_factory=list,
        max_length=20,
        description="合并时的功劳归属（dismiss 为 false 时必填）：只能分给报送这两条线索的单位，每个单位一次，合计 100",
    )


class DuplicateRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 41,
                    "lead_id": 3402,
                    "earlier_lead_id": 3388,
                    "reasons": "统一社会信用代码相同",
                    "status": "open",
                    "decision": "",
                    "settled_at": None,
                    "version": 1,
                }
            ]
        }
    )

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
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "investor_id": 5120,
                    "project_name": "年产 2GWh 储能电池项目",
                    "intended_investment": "120000",
                    "lead_id": 3388,
                    "statement": "2026 年 11 月 18 日在兰州首次洽谈，有会议纪要",
                }
            ]
        }
    )

    investor_id: int = Field(**INT_ID)
    project_name: str = Field(min_length=2, max_length=200)
    intended_investment: Decimal = Field(
        ge=0,
        le=Decimal("99999999999999.99"),
        max_digits=16,
        decimal_places=2,
        description="意向投资额（万元）",
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )
    lead_id: int | None = Field(default=None, **INT_ID, description="依据的线索：须为本单位登记、客商相同的线索")
    statement: str = Field(default="", max_length=2000, description="争议时的说明（首谈经过等）")
    unit_id: int | None = Field(default=None, **INT_ID)


class DecideClaim(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 1,
                    "winner_unit_id": 3,
                    "reason": "城关镇 11 月 18 日首谈有会议纪要和客商确认，早于争议单位",
                }
            ]
        }
    )

    version: int = Field(**INT_ID)
    winner_unit_id: int = Field(**INT_ID, description="首报单位或提出争议的单位")
    reason: str = Field(min_length=2, max_length=2000)


class LeadListItem(LeadRead):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                LEAD_EXAMPLE
                | {
                    "investor_name": "甘肃陇原新能源科技有限公司",
                    "unit_name": "城关镇人民政府",
                }
            ]
        }
    )

    investor_name: str
    unit_name: str


class NativeCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "王建军",
                    "hometown": "城关镇东关村",
                    "employer": "深圳华拓电子有限公司",
                    "position": "副总经理",
                    "working_city": "深圳",
                    "industry": "电子信息",
                    "phone": "13609317788",
                    "notes": "每年春节回乡，热心家乡建设",
                }
            ]
        }
    )

    name: str = Field(min_length=1, max_length=50)
    hometown: str = Field(min_length=1, max_length=60, description="籍贯（乡镇、村）")
    employer: str = Field(default="", max_length=200, description="工作单位")
    position: str = Field(default="", max_length=60)
    working_city: str = Field(default="", max_length=60, description="工作所在城市")
    industry: str = Field(default="", max_length=60)
    phone: str = Field(default="", max_length=30)
    notes: str = Field(default="", max_length=2000)


class NativeRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 77,
                    "unit_id": 3,
                    "name": "王建军",
                    "hometown": "城关镇东关村",
                    "employer": "深圳华拓电子有限公司",
                    "position": "副总经理",
                    "working_city": "深圳",
                    "industry": "电子信息",
                    "phone": "13609317788",
                    "version": 1,
                }
            ]
        }
    )

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
