"""Target companies (目标企业): assigning, logging an approach, converting to a lead, and what is read back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import ConfigDict, Field

from app.models.target_company import ApproachKind, TargetListKind, TargetStatus
from app.schemas.common import Day, InputModel, ReadModel, stated
from app.schemas.projects import INT_ID, MONEY_TEXT


class TargetAssign(InputModel):
    """Assign one or many targets to a unit and (optionally) a person of that unit."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"target_ids": [12, 13, 20], "unit_id": 4, "user_id": 17}]}
    )

    target_ids: list[int] = Field(min_length=1, max_length=200, description="目标企业编号（可多选，最多 200 个）")
    unit_id: int = Field(**INT_ID, description="负责单位")
    user_id: int | None = Field(default=None, **INT_ID, description="负责人（须为该单位的人员）；空为不指定")


class TargetLinkSet(InputModel):
    """Attach a target to a chain's link, or detach it (chain_link_id empty)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2, "chain_link_id": 7}]})

    version: int = Field(**INT_ID, description="目标企业当前的版本号")
    chain_link_id: int | None = Field(default=None, **INT_ID, description="产业链环节；空为取消挂接")


class ApproachCreate(InputModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "kind": "visit",
                    "happened_on": "2026-12-01",
                    "outcome": "拜访总部投资部，对方有意在西北布局储能电池基地，约定下月来考察",
                    "interested": True,
                }
            ]
        }
    )

    version: int = Field(**INT_ID, description="目标企业当前的版本号")
    kind: ApproachKind = Field(description="方式：call 电话、visit 登门拜访、meeting 会谈、delegation 组团考察")
    happened_on: Day = Field(description="日期，不能晚于今天")
    outcome: str = Field(min_length=2, max_length=2000, description="结果")
    interested: bool = Field(default=False, description="对方有投资意向")
    declined: bool = Field(default=False, description="对方明确无意向（目标企业标为“无意向”）")


class ConvertToLead(InputModel):
    """The lead made from an interested target: the target's name, credit code and chain are carried over."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 3,
                    "project_name": "储能电池生产基地项目",
                    "intended_investment": "50000",
                    "contact_name": "张立",
                    "contact_phone": "13800001111",
                }
            ]
        }
    )

    version: int = Field(**INT_ID, description="目标企业当前的版本号")
    project_name: str = Field(default="", max_length=200, description="拟投资项目名称")
    intended_investment: Decimal = Field(
        default=Decimal(0),
        ge=0,
        le=Decimal("99999999999999.99"),
        max_digits=16,
        decimal_places=2,
        description="意向投资额（万元）",
        json_schema_extra=stated(text_pattern=MONEY_TEXT),
    )
    contact_name: str = Field(default="", max_length=50, description="对方联系人")
    contact_phone: str = Field(default="", max_length=30, description="联系电话")
    acknowledge_duplicates: bool = Field(default=False, description="已知疑似重复仍提交")


class TargetListRead(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "2026 年专精特新小巨人（新能源）",
                    "kind": "little_giant",
                    "source_note": "工信部第六批公示名单",
                    "created_at": "2026-12-01T02:30:00Z",
                    "version": 1,
                    "companies": 186,
                }
            ]
        }
    )

    id: int
    name: str
    kind: TargetListKind
    source_note: str
    created_at: datetime
    version: int
    companies: int = Field(default=0, description="名单中的企业数")


class ApproachRead(ReadModel):
    id: int
    kind: ApproachKind
    happened_on: date
    outcome: str
    interested: bool
    by_name: str = Field(default="", description="记录人")


class TargetRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 41,
                    "list_id": 3,
                    "list_name": "2026 年专精特新小巨人（新能源）",
                    "name": "深圳储能科技股份有限公司",
                    "credit_code": "91440300000000041X",
                    "industry": "储能电池",
                    "hq_city": "深圳",
                    "size": "营收 10–50 亿元",
                    "chain_link_id": 7,
                    "chain_name": "新能源装备 / 储能电池",
                    "investor_id": None,
                    "assigned_unit_id": 4,
                    "assigned_unit_name": "城关镇",
                    "assigned_user_id": 17,
                    "assigned_user_name": "马晓东",
                    "status": "interested",
                    "lead_id": None,
                    "version": 3,
                    "approaches": [
                        {
                            "id": 9,
                            "kind": "visit",
                            "happened_on": "2026-12-01",
                            "outcome": "拜访总部投资部，对方有意在西北布局储能电池基地",
                            "interested": True,
                            "by_name": "马晓东",
                        }
                    ],
                }
            ]
        },
    )

    id: int
    list_id: int
    list_name: str = ""
    name: str
    credit_code: str | None
    industry: str
    hq_city: str
    size: str
    chain_link_id: int | None
    chain_name: str = Field(default="", description="产业链 / 环节")
    investor_id: int | None = Field(description="客商库中同一企业的编号（导入时按信用代码或名称匹配）")
    assigned_unit_id: int | None
    assigned_unit_name: str = ""
    assigned_user_id: int | None
    assigned_user_name: str = ""
    status: TargetStatus
    lead_id: int | None
    version: int
    approaches: list[ApproachRead] = Field(default_factory=list, description="敲门记录（详情中返回）")


class ImportedRow(ReadModel):
    row: int = Field(description="Excel 中的行号")
    name: str
    target_id: int | None = None
    investor_id: int | None = None
    investor_name: str = ""
    reason: str = ""


class ImportReport(ReadModel):
    list_id: int
    list_name: str
    added: int = Field(description="新增的目标企业数")
    linked: list[ImportedRow] = Field(description="与客商库中已有客商为同一企业的行（已导入并关联该客商）")
    skipped: list[ImportedRow] = Field(description="未导入的重复行：与本文件前面的行或已导入的目标企业重复")


class FunnelRow(ReadModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": 2,
                    "name": "新能源装备",
                    "targets": 120,
                    "contacted": 46,
                    "interested": 12,
                    "leads": 7,
                    "projects": 3,
                    "signed": 1,
                }
            ]
        }
    )

    key: int | None = Field(description="产业链或名单的编号；空为未挂接产业链")
    name: str
    targets: int
    contacted: int = Field(description="至少敲门一次")
    interested: int
    leads: int
    projects: int = Field(description="线索已转为项目")
    signed: int = Field(description="项目已正式签约或更进一步")
