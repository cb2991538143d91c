"""Approvals after signing (审批事项): the catalogue of kinds, the actions on one approval, what is read back."""

from __future__ import annotations

from datetime import date

from pydantic import ConfigDict, Field

from app.models.approval import ApprovalStatus
from app.models.project import Category
from app.schemas.common import Day, InputModel, ReadModel
from app.schemas.projects import INT_ID

VERSION = Field(**INT_ID, description="当前的版本号（过期时答 409）")


class KindSave(InputModel):
    """A kind of approval in the coordinator's catalogue (new: no version)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "水土保持方案审批",
                    "department_unit_id": 12,
                    "time_limit_days": 15,
                    "categories": ["industrial", "clean_energy"],
                    "prerequisite_ids": [1],
                    "position": 45,
                    "is_active": True,
                    "is_construction_permit": False,
                    "note": "占地 5 公顷以上的项目",
                }
            ]
        }
    )

    name: str = Field(min_length=2, max_length=60, description="审批事项名称（不可重名）")
    department_unit_id: int | None = Field(default=None, **INT_ID, description="承办部门（单位类型为部门）")
    time_limit_days: int = Field(default=20, ge=1, le=365, description="法定时限（工作日，自受理次日起算）")
    categories: list[Category] = Field(default_factory=list, max_length=10, description="适用的项目类别；空为全部类别")
    prerequisite_ids: list[int] = Field(
        default_factory=list, max_length=20, description="前置事项（须先办结的审批事项编号）"
    )
    position: int = Field(default=0, ge=0, le=100_000, description="顺序（小的在前）")
    is_active: bool = Field(default=True, description="启用（停用的事项不再为新签约项目生成）")
    is_construction_permit: bool = Field(default=False, description="作为施工许可：其批准文号可作开工证据")
    note: str = Field(default="", max_length=1000, description="说明")


class KindUpdate(KindSave):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "version": 2,
                    "name": "施工许可",
                    "department_unit_id": 14,
                    "time_limit_days": 7,
                    "categories": [],
                    "prerequisite_ids": [3, 4, 7],
                    "position": 80,
                    "is_active": True,
                    "is_construction_permit": True,
                    "note": "",
                }
            ]
        }
    )

    version: int = VERSION


class ApprovalSubmit(InputModel):
    """受理: the department accepted the application today (the server's date); due after the legal limit."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 1, "is_online": True, "note": "网上申报"}]})

    version: int = VERSION
    is_online: bool = Field(default=False, description="网上审批")
    note: str = Field(default="", max_length=1000, description="备注")


class DeferredCreate(InputModel):
    """容缺受理: a document accepted for later, with its own deadline."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 2, "name": "土地权属证明", "deadline": "2026-12-31"}]}
    )

    version: int = VERSION
    name: str = Field(min_length=2, max_length=200, description="容缺材料名称")
    deadline: Day = Field(description="补正期限（不早于今天）")


class DeferredReceive(InputModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 1}]})

    version: int = Field(**INT_ID, description="容缺材料当前的版本号")


class ApprovalGrant(InputModel):
    """办结: granted today with its document number."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 3, "document_no": "赣发改备〔2026〕118号"}]})

    version: int = VERSION
    document_no: str = Field(min_length=2, max_length=100, description="批准文号（必填）")


class ApprovalReason(InputModel):
    """Refused (未通过) or not needed (无需办理), with the reason."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 2, "reason": "选址位于生态保护红线内，不予批准"}]}
    )

    version: int = VERSION
    reason: str = Field(min_length=2, max_length=1000, description="原因")


class EscalateTicket(InputModel):
    """An overdue approval made a ticket (证照审批), routed to its department."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"version": 2, "note": "已超法定时限，请尽快办结"}]})

    version: int = VERSION
    note: str = Field(default="", max_length=2000, description="交办说明")


class EscalateTask(InputModel):
    """An overdue approval made a supervised task for its department."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"version": 2, "due_days": 5, "note": "限 5 个工作日内办结"}]}
    )

    version: int = VERSION
    due_days: int = Field(default=5, ge=1, le=365, description="督办时限（工作日）")
    note: str = Field(default="", max_length=2000, description="督办要求")


class KindRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 8,
                    "code": "construction",
                    "name": "施工许可",
                    "department_unit_id": 14,
                    "department_name": "县住房和城乡建设局",
                    "time_limit_days": 7,
                    "categories": [],
                    "prerequisite_ids": [3, 4, 7],
                    "position": 80,
                    "is_active": True,
                    "is_construction_permit": True,
                    "note": "",
                    "version": 1,
                }
            ]
        },
    )

    id: int
    code: str
    name: str
    department_unit_id: int | None
    department_name: str
    time_limit_days: int
    categories: list[str]
    prerequisite_ids: list[int]
    position: int
    is_active: bool
    is_construction_permit: bool
    note: str
    version: int


class DeferredRead(ReadModel):
    id: int
    name: str
    deadline: date
    received_on: date | None
    overdue: bool = Field(description="过了补正期限仍未补齐")
    version: int


class ApprovalRead(ReadModel):
    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 31,
                    "project_id": 7,
                    "project_name": "储能电池生产基地项目",
                    "kind_id": 4,
                    "kind_name": "环评",
                    "department_unit_id": 13,
                    "department_name": "市生态环境局县分局",
                    "status": "submitted",
                    "status_label": "已受理",
                    "time_limit_days": 30,
                    "submitted_on": "2026-11-02",
                    "due_on": "2026-12-14",
                    "granted_on": None,
                    "document_no": "",
                    "refused_reason": "",
                    "is_online": True,
                    "note": "",
                    "overdue": False,
                    "step": 2,
                    "prerequisite_ids": [1],
                    "ticket_id": None,
                    "task_id": None,
                    "version": 2,
                    "deferred": [
                        {
                            "id": 5,
                            "name": "土地权属证明",
                            "deadline": "2026-11-20",
                            "received_on": None,
                            "overdue": True,
                            "version": 1,
                        }
                    ],
                }
            ]
        },
    )

    id: int
    project_id: int
    project_name: str = Field(description="项目名称（保密项目对无权者显示代号）")
    kind_id: int
    kind_name: str
    department_unit_id: int | None
    department_name: str
    status: ApprovalStatus
    status_label: str
    time_limit_days: int
    submitted_on: date | None
    due_on: date | None
    granted_on: date | None
    document_no: str
    refused_reason: str
    is_online: bool
    note: str
    overdue: bool = Field(description="已受理、过了应办结日期仍未办结")
    step: int = Field(description="并联批次：同一批次的事项之间没有前置关系，可同时办理（从 1 起）")
    prerequisite_ids: list[int] = Field(description="本项目中须先办结的事项（审批事项目录编号）")
    ticket_id: int | None
    task_id: int | None
    version: int
    deferred: list[DeferredRead] = Field(default_factory=list, description="容缺材料")


class GenerateResult(ReadModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"project_id": 7, "created": 8}]})

    project_id: int
    created: int = Field(description="新生成的审批事项数（已有的不重复生成）")
